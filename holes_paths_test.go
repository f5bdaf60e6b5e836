package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 16, item 7: files_dir is never the workspace itself, nor .git or a
// directory inside it, however it is spelled (absolute, .., a symbolic link
// as the directory or on the way): a bad input naming files_dir and the
// fix (exit 2), and nothing is sent. On a terminal the current directory
// stands for the workspace.
func TestProcessFilesDirOfItsOwn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		terminal bool
		filesDir string // WS stands for the workspace's absolute path
		says     string
	}{
		{"a link to the workspace", false, "oz-files", "it is the workspace itself"},
		{"a link to .git", false, "oz-git", "it is .git or inside it"},
		{"below a link to .git", false, "oz-git/hooks", "it is .git or inside it"},
		{"a link on the way", false, "sub/up", "it is the workspace itself"},
		{".git below a link on the way", false, "sub/up/.git/x", "it is .git or inside it"},
		{"the workspace, absolute", false, "WS", "it is the workspace itself"},
		{".git/sub", false, ".git/sub", "it is .git or inside it"},
		{".git through ..", false, "sub/../.git", "it is .git or inside it"},
		{".git, absolute", false, "WS/.git", "it is .git or inside it"},
		{"terminal: a link to the current directory", true, "oz-files", "it is the workspace itself"},
		{"terminal: .git", true, ".git/objects", "it is .git or inside it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			var s *step
			if tc.terminal {
				s = &step{t: t, dir: t.TempDir(), env: map[string]string{
					"PATH": "/usr/bin:/bin", "WARP_API_KEY": testKey, "INPUT_API_URL": base, "INPUT_PROMPT": "fix the build",
				}}
			} else {
				s = githubStep(t, base, nil)
			}
			require.NoError(t, os.MkdirAll(filepath.Join(s.dir, ".git", "hooks"), 0o755))
			require.NoError(t, os.MkdirAll(filepath.Join(s.dir, "sub"), 0o755))
			for link, to := range map[string]string{"oz-files": ".", "oz-git": ".git", "sub/up": ".."} {
				require.NoError(t, os.Symlink(to, filepath.Join(s.dir, link)))
			}
			s.env["INPUT_FILES_DIR"] = strings.ReplaceAll(tc.filesDir, "WS", s.dir)
			s.run()
			assert.Equal(t, 2, s.code, "a bad input")
			assert.Empty(t, fake.Requests(), "nothing is sent: refused before any request")
			log := s.stdout + s.stderr
			if !tc.terminal {
				assert.Contains(t, s.stdout, "::error")
			}
			assert.Contains(t, log, `input "files_dir"`)
			assert.Contains(t, log, tc.says)
			assert.Contains(t, log, "give a directory of its own for the files, such as oz-files")
			entries, err := os.ReadDir(filepath.Join(s.dir, ".git"))
			require.NoError(t, err)
			assert.Len(t, entries, 1, "nothing is made in .git")
			s.assertNoKey()
		})
	}
}
