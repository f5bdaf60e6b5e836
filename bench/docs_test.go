package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// -readme rewrites the bench section of the performance page: the page
// has its markers, and the section written links to the full table from
// where the page is.
func TestPerformancePageHasTheBenchSection(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(performancePage)))
	require.NoError(t, err)
	copyOf := filepath.Join(t.TempDir(), "performance.md")
	require.NoError(t, os.WriteFile(copyOf, page, 0o644))
	ok, err := writeSection(copyOf, "bench", "", "[bench/RESULTS.md](../bench/RESULTS.md)\n", false)
	require.NoError(t, err)
	assert.True(t, ok, "%s has a <!-- bench:begin --> ... <!-- bench:end --> section", performancePage)
	_, err = os.Stat(filepath.Join("..", filepath.Dir(filepath.FromSlash(performancePage)), "..", "bench", "RESULTS.md"))
	assert.NoError(t, err, "the section's link to the full table resolves from the page")
}
