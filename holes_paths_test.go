package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// Issue 16, item 8: a FIFO at GITHUB_EVENT_PATH (nobody writing, or a
// writer that never writes) is refused without waiting on it: the event
// only feeds the run's metadata and the comment's target, so oz-run warns
// and goes on, and a SIGTERM at any time still ends it with exit 5.
//
// No time is measured. The test's context (2 × hangLimit) only kills a
// program that hangs, as one did before the fix (blocked opening or
// reading the FIFO before the create, deaf to the signal): it is generous
// because a process built with the race detector on a busy 2-core machine
// may take seconds to start.
func TestProcessEventPathFIFO(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		held    bool   // a writer holds the FIFO open and never writes
		comment bool   // comment: true against a fake GitHub
		signal  string // "": run to the end; else the route after whose first request SIGTERM is sent
	}{
		{name: "nobody writes", signal: ""},
		{name: "a writer that never writes, with the comment", held: true, comment: true, signal: ""},
		{name: "SIGTERM at the create", held: true, signal: routeCreate},
		{name: "SIGTERM while polling", signal: routeGet},
		{name: "SIGTERM while polling, with the comment", held: true, comment: true, signal: routeGet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			prompt := "fix the build"
			if tc.signal != "" {
				prompt = "[fake:slow] fix the build"
			}
			s := githubStep(t, base, map[string]string{"prompt": prompt})
			f := newForge(t, false)
			if tc.comment {
				onPullRequest(s, f)
			}
			fifo := filepath.Join(t.TempDir(), "event.json")
			require.NoError(t, syscall.Mkfifo(fifo, 0o644))
			if tc.held {
				w, err := os.OpenFile(fifo, os.O_RDWR, 0) // never blocks, never writes
				require.NoError(t, err)
				t.Cleanup(func() { _ = w.Close() })
			}
			s.env["GITHUB_EVENT_NAME"], s.env["GITHUB_EVENT_PATH"] = "pull_request", fifo

			ctx, cancel := context.WithTimeout(context.Background(), 2*hangLimit)
			defer cancel()
			p := &proc{s: s, fake: fake}
			require.NoError(t, p.start(ctx, checkedBinary(t)))
			if tc.signal != "" {
				require.NoError(t, p.awaitRequests(tc.signal, 1), "oz-run must get past the event to the create")
				require.NoError(t, p.signal(syscall.SIGTERM))
			}
			require.NoError(t, p.wait())
			t.Logf("exit %d in %s\nstdout:\n%s\nstderr:\n%s", s.code, s.elapsed, s.stdout, s.stderr)
			assert.Empty(t, leakOrRace(s.stderr))

			require.Len(t, fake.Runs(), 1, "the run was created")
			if tc.signal == "" {
				assert.Equal(t, 0, s.code)
				assert.Equal(t, "succeeded", s.outputs()["conclusion"])
			} else {
				assert.Equal(t, 5, s.code, "a signal ends it with exit 5")
				checkSignalOrder(t, p)
			}
			assert.Contains(t, s.stdout, "::warning title=Event payload::GITHUB_EVENT_PATH was not read: the event payload "+fifo+" is not a regular file (a FIFO): it is not read")
			if tc.comment {
				assert.Contains(t, s.stdout, "::warning title=PR comment::")
				assert.Contains(t, s.stdout, "is not a regular file (a FIFO)")
				assert.Empty(t, f.Calls(), "no forge call without a pull request")
			}
			checkFilesWhole(t, s)
			s.assertNoKey()
		})
	}
}
