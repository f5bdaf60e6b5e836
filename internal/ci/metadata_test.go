package ci

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The merge request in the metadata is prfacts's, as for the MR comment:
// an iid of another shape is left out.
func TestGitLabMetadataMergeRequest(t *testing.T) {
	t.Parallel()
	for iid, want := range map[string]string{"12": "12", "1x": "", "+3": "", "0": "", "": ""} {
		g, _, _ := newTestGitLab(t, map[string]string{"CI_MERGE_REQUEST_IID": iid, "CI_PROJECT_PATH": "g/p"})
		got, ok := g.Metadata()["gitlab_mr_iid"]
		assert.Equal(t, want, got, "%q", iid)
		assert.Equal(t, want != "", ok, "%q", iid)
	}
}
