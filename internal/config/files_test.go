package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/workspace"
)

// In CI the files oz-run writes stay inside the workspace, and the error
// names its absolute path; on a terminal they may be anywhere.
func TestOutputPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		confined bool
		value    string
		problem  string
	}{
		{"CI: relative", true, "out/r.json", ""},
		{"CI: absolute inside", true, "/ws/out/r.json", ""},
		{"CI: absolute outside", true, "/tmp/r.json", `"/tmp/r.json" is not a file path inside the workspace (/ws); give a relative path`},
		{"CI: dot dot", true, "../r.json", "inside the workspace (/ws)"},
		{"CI: the workspace", true, ".", "inside the workspace (/ws)"},
		{"terminal: absolute", false, "/tmp/r.json", ""},
		{"terminal: dot dot", false, "../r.json", ""},
		{"terminal: the directory", false, "./", `"./" is not a file path; give a file path such as out/oz-run.json (relative to the current directory) or an absolute one`},
		{"terminal: control", false, "a\x01", "is not a file path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(env{"INPUT_RESULT_FILE": tt.value})), filesAt("/ws", tt.confined, nil))
			if tt.problem != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), `input "result_file": `)
				assert.Contains(t, err.Error(), tt.problem)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.value, c.ResultFile)
		})
	}
}

func TestCheckOutputFiles(t *testing.T) {
	t.Parallel()
	fs := files(nil)
	fs.unwritable["/ws/dir"] = workspace.ErrDirectory
	fs.unwritable["/ws/link.json"] = workspace.ErrSymlink
	fs.unwritable["/ws/file/"+dirProbe] = workspace.ErrNotDirectory
	tests := []struct {
		name string
		outs []OutputFile
		want []string // one per error, in order; none: no error
	}{
		{"distinct", []OutputFile{{"result_file", "r.json", false}, {"dotenv", "oz-run.env", false}, {"junit_file", "out/j.xml", false}}, nil},
		{"empty skipped", []OutputFile{{"result_file", "", false}, {"dotenv", "", false}}, nil},
		{"same path", []OutputFile{{"junit_file", "r.xml", false}, {"summary_file", "r.xml", false}, {"dotenv", "r.xml", false}},
			[]string{
				`input "summary_file": "r.xml" names the same path as junit_file (/ws/r.xml); give each file its own path`,
				`input "dotenv": "r.xml" names the same path as junit_file (/ws/r.xml)`,
			}},
		{"same file, spelt differently", []OutputFile{{"result_file", "./out//r.json", false}, {"dotenv", "/ws/out/r.json", false}},
			[]string{`input "dotenv": "/ws/out/r.json" names the same path as result_file (/ws/out/r.json)`}},
		{"a file inside a directory input", []OutputFile{{"files_dir", "out", true}, {"result_file", "out/sub/r.json", false}},
			[]string{`input "result_file": "out/sub/r.json" is inside files_dir (/ws/out), where files are written`}},
		{"a directory input holding a file", []OutputFile{{"result_file", "out/r.json", false}, {"files_dir", "out", true}},
			[]string{`input "files_dir": "out" is a directory that holds result_file (/ws/out/r.json)`}},
		{"a directory", []OutputFile{{"result_file", "dir", false}},
			[]string{`input "result_file": "dir" cannot be written (/ws/dir: it is a directory); give the path of a file to write, relative to the workspace (/ws), such as out/oz-run.json; missing directories are made`}},
		{"a link", []OutputFile{{"dotenv", "link.json", false}}, []string{"cannot be written (/ws/link.json: it is a symbolic link"}},
		{"a directory input that is a file", []OutputFile{{"files_dir", "file", true}},
			[]string{`input "files_dir": "file" cannot hold files (/ws/file: a part of its directory is a file, not a directory); give a directory for the files`}},
		{"the answer file and files_dir", []OutputFile{{"files_dir", "out", true}, {"output_file", "out/answer.md", false}},
			[]string{`input "output_file": "out/answer.md" is inside files_dir (/ws/out)`}},
		{"outside", []OutputFile{{"result_file", "/etc/r.json", false}}, []string{`input "result_file": "/etc/r.json" is not a file path inside the workspace (/ws)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckOutputFiles(fs, tt.outs)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			ies := inputErrors(err)
			require.Len(t, ies, len(tt.want), "%v", err)
			for i, w := range tt.want {
				assert.Contains(t, ies[i].Error(), w)
			}
		})
	}
}

// files_dir is never the workspace itself, nor .git or a directory inside
// it, however it is spelled: real symbolic links in a real workspace (on a
// terminal the current directory stands for the workspace).
func TestFilesDirOfItsOwn(t *testing.T) {
	t.Parallel()
	top := t.TempDir()
	ws := filepath.Join(top, "ws")
	require.NoError(t, os.MkdirAll(filepath.Join(ws, ".git", "hooks"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(ws, "sub"), 0o755))
	for link, to := range map[string]string{"oz-files": ".", "oz-git": ".git", "sub/up": "..", "mine": "sub"} {
		require.NoError(t, os.Symlink(to, filepath.Join(ws, link)))
	}
	tests := []struct {
		name     string
		terminal bool
		value    string
		problem  string // "" when accepted
	}{
		{"a directory", false, "out/files", ""},
		{"a link to a directory of its own", false, "mine", ""},
		{"the workspace, absolute", false, ws, "it is the workspace itself"},
		{"a link to the workspace", false, "oz-files", "it is the workspace itself (" + ws + ") through a symbolic link"},
		{"a link to .git", false, "oz-git", "it is .git or inside it"},
		{"below a link to .git", false, "oz-git/hooks", "it is .git or inside it"},
		{".git below a link to the workspace", false, "oz-files/.git", "it is .git or inside it"},
		{"a link on the way", false, "sub/up", "it is the workspace itself"},
		{".git/sub", false, ".git/sub", "it is .git or inside it"},
		{"terminal: a directory outside", true, filepath.Join(top, "elsewhere"), ""},
		{"terminal: the current directory by ..", true, "../ws", "it is the workspace itself"},
		{"terminal: a link to it", true, "oz-files", "it is the workspace itself"},
		{"terminal: the directory holding it", true, top, "it holds the workspace"},
		{"terminal: .git", true, filepath.Join(ws, ".git"), "it is .git or inside it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(env{"INPUT_FILES_DIR": tt.value})), workspace.New(ws, !tt.terminal))
			if tt.problem == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.value, c.FilesDir)
				return
			}
			require.Error(t, err)
			errs := inputErrors(err)
			require.Len(t, errs, 1, "%v", err)
			assert.Equal(t, "files_dir", errs[0].Input)
			assert.Contains(t, errs[0].Problem, tt.problem)
			assert.Contains(t, errs[0].Accepted, "give a directory of its own for the files, such as oz-files")
			assert.Contains(t, errs[0].Accepted, "nor .git or a directory inside it")
		})
	}
}
