package work

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"))
}

const testKey = "wk-work-test-K3y-0123456789"

// Routes of the fake.
const (
	routeConversation = "GET /agent/runs/{id}/conversation"
	routeArtifact     = "GET /agent/artifacts/{uid}"
	routeFile         = "GET /files/{uid}"
)

// env is a fake API, a client of it, and a workspace with files_dir
// "oz-files" inside a directory that has room around it: anything written
// outside the workspace would land in outer.
type env struct {
	fake   *ozfake.Server
	client *oz.Client
	outer  string // holds ws and what is outside it
	ws     string
}

func newEnv(t *testing.T, opts ...ozfake.Option) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	opts = append([]ozfake.Option{ozfake.WithAPIKey(testKey), ozfake.WithTimeScale(0.01)}, opts...)
	fake, base, err := ozfake.Serve(ctx, "127.0.0.1:0", opts...)
	require.NoError(t, err)
	t.Cleanup(func() { cancel(); _ = fake.Wait() })
	client, err := oz.NewClient(base, oz.WithAPIKey(testKey), oz.WithRequestTimeout(2*time.Second),
		oz.WithRetry(oz.RetryPolicy{MaxAttempts: 3, InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond}))
	require.NoError(t, err)
	outer := t.TempDir()
	ws := filepath.Join(outer, "ws")
	require.NoError(t, os.Mkdir(ws, 0o755))
	return &env{fake: fake, client: client, outer: outer, ws: ws}
}

// ended creates a run with prompt and waits until it has ended.
func (e *env) ended(t *testing.T, prompt string) *oz.Run {
	t.Helper()
	ctx := context.Background()
	resp, err := e.client.CreateRun(ctx, oz.CreateRunRequest{Prompt: prompt})
	require.NoError(t, err)
	deadline := time.Now().Add(time.Minute) // a hang detector: a busy machine needs room
	for {
		run, err := e.client.GetRun(ctx, resp.RunID)
		require.NoError(t, err)
		if run.State.IsTerminal() {
			return run
		}
		require.True(t, time.Now().Before(deadline), "the run did not end")
		time.Sleep(5 * time.Millisecond)
	}
}

// reread is the run as the API shows it now (after AddFile).
func (e *env) reread(t *testing.T, id string) *oz.Run {
	t.Helper()
	run, err := e.client.GetRun(context.Background(), id)
	require.NoError(t, err)
	return run
}

func (e *env) options(filesDir string) Options {
	return Options{FilesDir: filesDir, Workspace: workspace.New(e.ws, true)}
}

// read reads the run's work with opts into the workspace.
func (e *env) read(t *testing.T, ctx context.Context, run *oz.Run, opts Options) (outcome.Work, *logs) {
	t.Helper()
	l := &logs{}
	return Read(ctx, e.client, run.RunID, run, l, opts), l
}

// written lists the regular files under dir, relative to it, with slashes.
func written(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.Type()&fs.ModeSymlink != 0 {
			out[filepath.ToSlash(rel)] = "(link)"
			return nil
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	require.NoError(t, err)
	return out
}

// checkNoKeyAbroad checks that the key went to the API only: no request to
// the file server carried it, or any Authorization.
func (e *env) checkNoKeyAbroad(t *testing.T) {
	t.Helper()
	for _, r := range e.fake.Requests() {
		if r.Route != routeFile {
			continue
		}
		assert.Empty(t, r.Header.Get("Authorization"), "a download sent Authorization")
		for k, vs := range r.Header {
			for _, v := range vs {
				assert.NotContains(t, v, testKey, "a download sent the key in %s", k)
			}
		}
		assert.NotContains(t, r.RawQuery, testKey)
	}
}

type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) Logf(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(f, a...))
}
func (l *logs) Debugf(f string, a ...any) { l.Logf("debug: "+f, a...) }
func (l *logs) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func TestReadAnswerAndFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:files] write a report")
	w, l := e.read(t, context.Background(), run, e.options("oz-files"))

	assert.Empty(t, w.Warnings)
	assert.Contains(t, w.Answer, run.RunID, "the fake's answer names the run")
	assert.Equal(t, "fake-conversation-"+strings.TrimPrefix(run.RunID, "fake-run-"), w.ConversationID)
	require.Len(t, w.Files, 2)
	assert.Equal(t, "oz-files/reports/oz-report.md", w.Files[0].Path)
	assert.Equal(t, "oz-files/changes.patch", w.Files[1].Path)
	files := written(t, e.ws)
	assert.Contains(t, files["oz-files/reports/oz-report.md"], "VERDICT: PASS")
	assert.Contains(t, files["oz-files/reports/oz-report.md"], run.RunID)
	assert.Equal(t, int64(len(files["oz-files/changes.patch"])), w.Files[1].Size)
	assert.Equal(t, 1, e.fake.Count(routeConversation), "exactly one conversation request")
	assert.Equal(t, 2, e.fake.Count(routeArtifact))
	assert.Equal(t, 2, e.fake.Count(routeFile))
	e.checkNoKeyAbroad(t)
	assert.Contains(t, l.text(), "Downloaded oz-files/reports/oz-report.md")
}

func TestReadWithoutFilesDir(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:files] write a report")
	w, l := e.read(t, context.Background(), run, e.options(""))
	assert.NotEmpty(t, w.Answer)
	assert.Empty(t, w.Files)
	assert.Empty(t, w.Warnings)
	assert.Contains(t, l.text(), "set files_dir to download them")
	assert.Zero(t, e.fake.Count(routeArtifact), "nothing asked for")
	assert.Empty(t, written(t, e.ws))
}

func TestReadNoConversationIsNoWarning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:noconversation] x")
	w, l := e.read(t, context.Background(), run, e.options(""))
	assert.Empty(t, w.Answer)
	assert.Empty(t, w.Warnings, "a missing conversation is not alarming")
	assert.Equal(t, run.ConversationID, w.ConversationID, "the run's own conversation id")
	assert.Contains(t, l.text(), "no conversation")
	assert.Equal(t, 1, e.fake.Count(routeConversation))
}

func TestReadLongAnswerIsCapped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:longanswer] x")
	w, _ := e.read(t, context.Background(), run, e.options(""))
	assert.LessOrEqual(t, len(w.Answer), oz.MaxAnswer)
	assert.Contains(t, w.Answer, "oz-run cut the answer here")
}

func TestReadConversationFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault ozfaketest.Fault
		says  string
	}{
		{"5xx past the retries", ozfaketest.Fault{Path: routeConversation, Status: 503}, "HTTP 503"},
		{"HTML from a proxy", ozfaketest.Fault{Path: routeConversation, Status: 200, Header: map[string][]string{"Content-Type": {"text/html"}}, Body: "<html>login</html>"}, "answer was not read"},
		{"hang", ozfaketest.Fault{Path: routeConversation, Hang: true}, "answer was not read"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			run := e.ended(t, "[fake:files] x")
			e.fake.Inject(c.fault)
			opts := e.options("oz-files")
			opts.ConversationTime = 500 * time.Millisecond
			w, _ := e.read(t, context.Background(), run, opts)
			assert.Empty(t, w.Answer)
			require.Len(t, w.Warnings, 1)
			assert.Contains(t, w.Warnings[0], c.says)
			assert.Len(t, w.Files, 2, "the files still come")
			assert.Equal(t, run.ConversationID, w.ConversationID)
		})
	}
}

// TestReadHostileNames: every file the agent names lands below files_dir,
// nothing anywhere else; a link already in files_dir is not followed.
func TestReadHostileNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:hostilefiles] x")
	files := filepath.Join(e.ws, "oz-files")
	outside := filepath.Join(e.outer, "outside")
	require.NoError(t, os.MkdirAll(files, 0o755))
	require.NoError(t, os.Mkdir(outside, 0o755))
	require.NoError(t, os.Symlink(outside, filepath.Join(files, "sub"))) // for "sub/../../up.txt" and the link row
	require.NoError(t, os.Symlink(filepath.Join(outside, "escape.txt"), filepath.Join(files, "escape.txt")))
	_, err := e.fake.AddFile(run.RunID, ozfake.File{Filepath: "sub/through-the-link.txt", Content: []byte("through a link?\n")})
	require.NoError(t, err)
	run = e.reread(t, run.RunID)

	before := written(t, e.outer)
	w, _ := e.read(t, context.Background(), run, e.options("oz-files"))
	after := written(t, e.outer)
	for name := range after {
		if _, was := before[name]; !was {
			assert.True(t, strings.HasPrefix(name, "ws/oz-files/"), "%s was written outside files_dir", name)
		}
	}
	assert.Empty(t, written(t, outside), "nothing through a link")
	assert.NoFileExists(t, "/tmp/oz-absolute.txt")

	got := map[string]bool{}
	for _, f := range w.Files {
		got[f.Path] = true
		assert.True(t, strings.HasPrefix(f.Path, "oz-files/"), f.Path)
	}
	for _, want := range []string{
		"oz-files/escape-2.txt", // escape.txt is a link already: another name
		"oz-files/tmp/oz-absolute.txt", "oz-files/up.txt", "oz-files/nul_byte.txt",
		"oz-files/" + strings.Repeat("n", 251) + ".txt", "oz-files/dup.txt", "oz-files/dup-2.txt",
		"oz-files/windows.txt", "oz-files/ctl_[31m_.txt", "oz-files/file",
	} {
		assert.True(t, got[want], "%s was written (got %v)", want, w.Files)
	}
	assert.Equal(t, "the second dup.txt\n", after["ws/oz-files/dup-2.txt"])
	require.Len(t, w.Warnings, 1, "the file below the link")
	assert.Contains(t, w.Warnings[0], `"sub/through-the-link.txt"`)
	assert.Contains(t, w.Warnings[0], "symbolic link")
	e.checkNoKeyAbroad(t)
}

func TestReadDownloadFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		faults   []ozfaketest.Fault
		opts     func(*Options)
		files    int      // downloaded of the two
		nwarn    int      // warnings
		warnings []string // in them
		check    func(t *testing.T, e *env)
	}{
		{name: "403 once: a fresh URL", faults: []ozfaketest.Fault{{Path: routeFile, Nth: 1, Status: 403}}, files: 2,
			check: func(t *testing.T, e *env) { assert.Equal(t, 3, e.fake.Count(routeArtifact), "one more URL asked for") }},
		{name: "403 twice", faults: []ozfaketest.Fault{{Path: routeFile, Nth: 1, Times: 2, Status: 403}}, files: 1, nwarn: 1,
			warnings: []string{`"reports/oz-report.md" was not downloaded`, "HTTP 403"}},
		{name: "artifact 404", faults: []ozfaketest.Fault{{Path: routeArtifact, Nth: 1, Status: 404}}, files: 1, nwarn: 1,
			warnings: []string{`"reports/oz-report.md" was not downloaded: asking for its download URL`, "404"}},
		{name: "connection reset", faults: []ozfaketest.Fault{{Path: routeFile, Nth: 1, CloseConn: true}}, files: 1, nwarn: 1,
			warnings: []string{`"reports/oz-report.md" was not downloaded`}},
		{name: "slow", faults: []ozfaketest.Fault{{Path: routeFile, Delay: 50 * time.Millisecond}}, files: 2},
		{name: "over the file limit, announced", opts: func(o *Options) { o.MaxFile = 147 }, files: 1, nwarn: 1,
			warnings: []string{`"changes.patch" was not downloaded: it is 149 bytes, over the 147 bytes limit for a file`}},
		{name: "over the total limit", opts: func(o *Options) { o.MaxTotal = 200 }, files: 1, nwarn: 1,
			warnings: []string{`"changes.patch" was not downloaded`, "together"}},
		{name: "the time for the work passes", faults: []ozfaketest.Fault{{Path: routeFile, Nth: 1, Hang: true}},
			opts: func(o *Options) { o.Time = 300 * time.Millisecond }, files: 0, nwarn: 2,
			warnings: []string{`"reports/oz-report.md" was not downloaded: the time for the agent's work passed`,
				`1 file(s) were not downloaded, as the 300ms for the agent's work (its answer and files) passed: "changes.patch"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			run := e.ended(t, "[fake:files] x")
			for _, f := range c.faults {
				e.fake.Inject(f)
			}
			opts := e.options("oz-files")
			if c.opts != nil {
				c.opts(&opts)
			}
			w, _ := e.read(t, context.Background(), run, opts)
			assert.Len(t, w.Files, c.files, "%v", w.Files)
			assert.Len(t, w.Warnings, c.nwarn, "%q", w.Warnings)
			all := strings.Join(w.Warnings, "\n")
			for _, s := range c.warnings {
				assert.Contains(t, all, s)
			}
			// What is listed is there, whole; nothing else is.
			files := written(t, filepath.Join(e.ws, "oz-files"))
			assert.Len(t, files, len(w.Files), "no partial file is left: %v", files)
			for _, f := range w.Files {
				assert.Len(t, files[strings.TrimPrefix(f.Path, "oz-files/")], int(f.Size))
			}
			e.checkNoKeyAbroad(t)
			if c.check != nil {
				c.check(t, e)
			}
		})
	}
}

// TestReadBigFileOverTheLimit: a file announced under the limit that
// sends more is cut off at the limit and removed.
func TestReadFileLargerThanAnnounced(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:nopr] x")
	_, err := e.fake.AddFile(run.RunID, ozfake.File{Filepath: "big.bin", Size: 5000, NoSize: true, NoLength: true})
	require.NoError(t, err)
	run = e.reread(t, run.RunID)
	opts := e.options("oz-files")
	opts.MaxFile = 1000
	w, _ := e.read(t, context.Background(), run, opts)
	assert.Empty(t, w.Files)
	require.Len(t, w.Warnings, 1)
	assert.Contains(t, w.Warnings[0], "more than 1000 bytes came")
	assert.Empty(t, written(t, filepath.Join(e.ws, "oz-files")), "the partial file is removed")
}

// TestReadStopsAtOnce: the end of the step's context (a signal) stops a
// download that hangs at once, and leaves no partial file. The warning
// names the stop: neither the downloads' own time (5 minutes) nor a
// request timeout ended the hang. (It is not timed: a busy machine would
// make any bound fragile.)
func TestReadStopsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:files] x")
	e.fake.Inject(ozfaketest.Fault{Path: routeFile, Hang: true})
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		for e.fake.Count(routeFile) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel(errors.New("received terminated"))
	}()
	w, _ := e.read(t, ctx, run, e.options("oz-files"))
	assert.Empty(t, w.Files)
	all := strings.Join(w.Warnings, "\n")
	assert.Contains(t, all, "the step was stopped (received terminated)")
	assert.Contains(t, all, `"changes.patch"`)
	assert.NotEmpty(t, w.Answer, "the answer was read before")
	assert.Empty(t, written(t, filepath.Join(e.ws, "oz-files")))
}

func TestDue(t *testing.T) {
	t.Parallel()
	ended := outcome.Result{RunID: "r", State: oz.StateSucceeded, Conclusion: outcome.Succeeded}
	assert.True(t, Due(ended))
	blocked := outcome.Result{RunID: "r", State: oz.StateBlocked, Conclusion: outcome.Blocked}
	assert.True(t, Due(blocked))
	for name, r := range map[string]outcome.Result{
		"timed out":      {RunID: "r", State: oz.StateCancelled, Conclusion: outcome.TimedOut},
		"submitted":      {RunID: "r", State: oz.StateSucceeded, Conclusion: outcome.Submitted},
		"aborted":        {RunID: "r", State: oz.StateCancelled, Conclusion: outcome.Cancelled, Aborted: true},
		"API failed":     {RunID: "r", State: oz.StateInProgress, Err: errors.New("x")},
		"still working":  {RunID: "r", State: oz.StateInProgress},
		"no run":         {},
		"no state known": {RunID: "r", Conclusion: outcome.Succeeded},
	} {
		assert.False(t, Due(r), name)
	}
}
