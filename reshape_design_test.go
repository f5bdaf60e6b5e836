package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docs/design.md is the map of the house: it names every package under
// internal/ (a directory holding Go code besides its tests), and the
// README links to it.
func TestDesignMapNamesEveryPackage(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("docs", "design.md"))
	require.NoError(t, err)
	design := string(b)
	err = filepath.WalkDir("internal", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || d.Name() == "testdata" {
			return err
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
				assert.Contains(t, design, filepath.ToSlash(path)+"/", "docs/design.md's house names %s", path)
				break
			}
		}
		return nil
	})
	require.NoError(t, err)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), "(docs/design.md)")
}
