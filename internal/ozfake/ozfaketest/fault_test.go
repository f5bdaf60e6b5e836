package ozfaketest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// The paths a Fault names are the fake's (ozfake's own tests check the
// faults' behaviour through its server).
func TestPathsAreTheFakes(t *testing.T) {
	assert.Equal(t, ozfake.BasePath, basePath)
	assert.Equal(t, ozfake.FilesPath, filesPath)
	var _ ozfake.Interceptor = Fault{}
	for _, tc := range []struct {
		f    Fault
		want string
	}{
		{Fault{Path: "/api/v1/agent/runs/{runId}", Method: "get"}, "GET /agent/runs/{id}"},
		{Fault{Path: "GET /files/..."}, "GET /files/{uid}"},
		{Fault{Path: "GET /agent/artifacts/{artifactUid}"}, "GET /agent/artifacts/{uid}"},
		{Fault{Path: routeCreateOld}, "POST /agent/run"},
	} {
		assert.Equal(t, tc.want, tc.f.route(), "%+v", tc.f)
	}
}
