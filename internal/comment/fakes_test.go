package comment

import (
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
)

// The fakes of GitHub and GitLab are in forgefake, shared with the
// program's process tests.

type (
	fakeForge = forgefake.Forge
	fault     = forgefake.Fault
)

const testToken = forgefake.DefaultToken

func newFakeGitHub(t *testing.T, prefix string) *fakeForge {
	f := forgefake.NewGitHub(prefix)
	t.Cleanup(f.Close)
	return f
}

func newFakeGitLab(t *testing.T) *fakeForge {
	f := forgefake.NewGitLab()
	t.Cleanup(f.Close)
	return f
}

// githubEnv is the environment of a pull_request workflow run.
func githubEnv(t *testing.T, apiURL string) map[string]string {
	dir := t.TempDir()
	path := dir + "/event.json"
	writeFile(t, path, `{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"sha":"abc"}}}`)
	return map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": path,
		"GITHUB_REPOSITORY": "acme/app", "GITHUB_API_URL": apiURL,
		"GITHUB_WORKFLOW": "CI", "GITHUB_JOB": "review", "GITHUB_ACTION": "oz",
		"GITHUB_RUN_ID": "1", "GITHUB_RUN_ATTEMPT": "1",
	}
}

func gitlabEnv(apiURL string) map[string]string {
	return map[string]string{
		"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "12", "CI_PROJECT_ID": "3", "CI_MERGE_REQUEST_PROJECT_ID": "3",
		"CI_MERGE_REQUEST_PROJECT_URL": "https://gitlab.example/acme/app", "CI_API_V4_URL": apiURL, "CI_JOB_NAME": "oz review",
	}
}

func getenvOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// fakeClock is the time a Sticky waits by in tests: it moves only when
// told to.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

// newFakeClock starts at the real time: go-github reads rate-limit resets
// against it.
func newFakeClock() *fakeClock { return &fakeClock{now: time.Now().Truncate(time.Second)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock and fires the waits that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// pending lists how long each wait has left.
func (c *fakeClock) pending() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Duration
	for _, w := range c.waiters {
		out = append(out, w.at.Sub(c.now))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// warnings records what a Sticky warns about.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Warning(title, msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, title+": "+msg)
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
