package summary

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHintsCoverSpec checks that every PlatformErrorCode the API documents
// has a hint, and that no hint is for a code it does not document.
func TestHintsCoverSpec(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromFile("../../testdata/openapi-runs.yaml")
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	schema := doc.Components.Schemas["PlatformErrorCode"]
	require.NotNil(t, schema, "PlatformErrorCode in the spec")
	documented := map[string]bool{}
	for _, v := range schema.Value.Enum {
		code, ok := v.(string)
		require.True(t, ok, "enum value %v", v)
		documented[code] = true
		assert.NotEmpty(t, hints[code], "no hint for documented code %q", code)
	}
	assert.Len(t, documented, 16)
	for code := range hints {
		assert.True(t, documented[code], "hint for undocumented code %q", code)
	}
}
