package comment

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeForge is GitHub's or GitLab's REST API as far as comments go, with
// pages, authors, a token check and scripted faults. It serves the real
// clients over loopback.
type fakeForge struct {
	gitlab bool
	prefix string // where the REST API is mounted: "", "/api/v3" or "/api/v4"
	token  string
	srv    *httptest.Server

	mu       sync.Mutex
	comments []fakeComment
	nextID   int64
	calls    []string
	faults   map[string][]fault
	// self is the token's user: login (REST) and whether it is a bot.
	selfLogin string
	selfID    int64
	selfBot   bool
	userFails bool // GET /user answers 403 (installation tokens)
	gqlFails  bool // GraphQL answers 500
}

type fakeComment struct {
	id    int64
	body  string
	login string
	uid   int64
	bot   bool
}

// fault is what the next call of an op answers instead.
type fault struct {
	status int
	header map[string]string
	body   string
	hang   bool // answer nothing until the client gives up
	apply  bool // do the call, then answer status (a create that is made but looks failed)
}

const testToken = "tok_SECRET_1234567890"

func newFakeGitHub(t *testing.T, prefix string) *fakeForge {
	f := &fakeForge{prefix: prefix, token: testToken, nextID: 1000, faults: map[string][]fault{},
		selfLogin: "github-actions[bot]", selfID: 41898282, selfBot: true, userFails: true}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveGitHub))
	t.Cleanup(f.srv.Close)
	return f
}

func newFakeGitLab(t *testing.T) *fakeForge {
	f := &fakeForge{gitlab: true, prefix: "/api/v4", token: testToken, nextID: 500, faults: map[string][]fault{},
		selfLogin: "project_7_bot_1", selfID: 77}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveGitLab))
	t.Cleanup(f.srv.Close)
	return f
}

// add puts a comment on the PR/MR as if written earlier.
func (f *fakeForge) add(login string, uid int64, bot bool, body string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.comments = append(f.comments, fakeComment{id: f.nextID, body: body, login: login, uid: uid, bot: bot})
	return f.nextID
}

func (f *fakeForge) fail(op string, flt fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[op] = append(f.faults[op], flt)
}

func (f *fakeForge) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeForge) bodies() map[int64]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[int64]string{}
	for _, c := range f.comments {
		m[c.id] = c.body
	}
	return m
}

// ours lists the comments written with the token.
func (f *fakeForge) ours() []fakeComment {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeComment
	for _, c := range f.comments {
		if c.uid == f.selfID {
			out = append(out, c)
		}
	}
	return out
}

// begin logs the call and returns its fault, if any; it answers 401 to a
// wrong token. ok is false when the answer has been written.
func (f *fakeForge) begin(w http.ResponseWriter, r *http.Request, op string, authorized bool) (fault, bool) {
	f.mu.Lock()
	f.calls = append(f.calls, op)
	var flt fault
	if q := f.faults[op]; len(q) > 0 {
		flt, f.faults[op] = q[0], q[1:]
	}
	f.mu.Unlock()
	if !authorized {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Bad credentials"}`)
		return flt, false
	}
	if flt.hang {
		// Read the body first: only then does the server notice that the
		// client went away.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		return flt, false
	}
	if flt.status != 0 && !flt.apply {
		f.writeFault(w, flt)
		return flt, false
	}
	return flt, true
}

func (f *fakeForge) writeFault(w http.ResponseWriter, flt fault) {
	for k, v := range flt.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(flt.status)
	body := flt.body
	if body == "" {
		body = fmt.Sprintf(`{"message":"fault %d"}`, flt.status)
	}
	fmt.Fprint(w, body)
}

func (f *fakeForge) writeJSON(w http.ResponseWriter, status int, v any, flt fault) {
	if flt.apply {
		f.writeFault(w, flt)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// page cuts the comments into the page asked for.
func (f *fakeForge) page(r *http.Request) (items []fakeComment, page, last int) {
	page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page, per = max(page, 1), min(per, 100)
	if per <= 0 {
		per = 30 // GitHub's default page size
	}
	f.mu.Lock()
	all := append([]fakeComment(nil), f.comments...)
	f.mu.Unlock()
	last = max((len(all)+per-1)/per, 1)
	lo, hi := min((page-1)*per, len(all)), min(page*per, len(all))
	return all[lo:hi], page, last
}

func (f *fakeForge) serveGitHub(w http.ResponseWriter, r *http.Request) {
	authorized := r.Header.Get("Authorization") == "Bearer "+f.token
	path := r.URL.Path
	gql := "/graphql"
	if f.prefix == "/api/v3" {
		gql = "/api/graphql"
	}
	if path == gql && r.Method == http.MethodPost {
		flt, ok := f.begin(w, r, "graphql", authorized)
		if !ok {
			return
		}
		if f.gqlFails {
			f.writeFault(w, fault{status: 500})
			return
		}
		f.writeJSON(w, 200, map[string]any{"data": map[string]any{"viewer": map[string]any{"login": strings.TrimSuffix(f.selfLogin, "[bot]")}}}, flt)
		return
	}
	rest, ok := strings.CutPrefix(path, f.prefix+"/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	parts := strings.Split(rest, "/")
	switch {
	case rest == "user" && r.Method == http.MethodGet:
		flt, ok := f.begin(w, r, "user", authorized)
		if !ok {
			return
		}
		if f.userFails {
			f.writeFault(w, fault{status: 403, body: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/users/users#get-the-authenticated-user","status":"403"}`})
			return
		}
		f.writeJSON(w, 200, map[string]any{"login": f.selfLogin, "id": f.selfID, "type": "User"}, flt)
	case len(parts) == 6 && parts[0] == "repos" && parts[3] == "issues" && parts[5] == "comments" && r.Method == http.MethodGet:
		flt, ok := f.begin(w, r, "list", authorized)
		if !ok {
			return
		}
		items, page, last := f.page(r)
		link := func(p int, rel string) string {
			u := *r.URL
			q := u.Query()
			q.Set("page", strconv.Itoa(p))
			u.RawQuery = q.Encode()
			return fmt.Sprintf("<%s%s>; rel=%q", f.srv.URL, u.RequestURI(), rel)
		}
		var links []string
		if page < last {
			links = append(links, link(page+1, "next"), link(last, "last"))
		}
		if page > 1 {
			links = append(links, link(1, "first"), link(page-1, "prev"))
		}
		if len(links) > 0 {
			w.Header().Set("Link", strings.Join(links, ", "))
		}
		out := []any{}
		for _, c := range items {
			out = append(out, f.githubJSON(c))
		}
		f.writeJSON(w, 200, out, flt)
	case len(parts) == 6 && parts[0] == "repos" && parts[3] == "issues" && parts[5] == "comments" && r.Method == http.MethodPost:
		flt, ok := f.begin(w, r, "create", authorized)
		if !ok {
			return
		}
		var in struct{ Body string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		f.mu.Lock()
		f.nextID++
		c := fakeComment{id: f.nextID, body: in.Body, login: f.selfLogin, uid: f.selfID, bot: f.selfBot}
		f.comments = append(f.comments, c)
		f.mu.Unlock()
		f.writeJSON(w, 201, f.githubJSON(c), flt)
	case len(parts) == 6 && parts[0] == "repos" && parts[3] == "issues" && parts[4] == "comments" && r.Method == http.MethodPatch:
		flt, ok := f.begin(w, r, "edit", authorized)
		if !ok {
			return
		}
		id, _ := strconv.ParseInt(parts[5], 10, 64)
		var in struct{ Body string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		c, found := f.update(id, in.Body)
		if !found {
			f.writeFault(w, fault{status: 404, body: `{"message":"Not Found"}`})
			return
		}
		f.writeJSON(w, 200, f.githubJSON(c), flt)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeForge) update(id int64, body string) (fakeComment, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.comments {
		if f.comments[i].id == id {
			f.comments[i].body = body
			return f.comments[i], true
		}
	}
	return fakeComment{}, false
}

func (f *fakeForge) githubJSON(c fakeComment) map[string]any {
	typ := "User"
	if c.bot {
		typ = "Bot"
	}
	return map[string]any{
		"id": c.id, "body": c.body, "html_url": fmt.Sprintf("https://github.com/acme/app/pull/7#issuecomment-%d", c.id),
		"user": map[string]any{"login": c.login, "id": c.uid, "type": typ},
	}
}

func (f *fakeForge) serveGitLab(w http.ResponseWriter, r *http.Request) {
	authorized := r.Header.Get("Private-Token") == f.token
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), f.prefix+"/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	parts := strings.Split(rest, "/")
	switch {
	case rest == "user" && r.Method == http.MethodGet:
		flt, ok := f.begin(w, r, "user", authorized)
		if !ok {
			return
		}
		if f.userFails {
			f.writeFault(w, fault{status: 403, body: `{"message":"403 Forbidden"}`})
			return
		}
		f.writeJSON(w, 200, map[string]any{"id": f.selfID, "username": f.selfLogin}, flt)
	case len(parts) == 5 && parts[0] == "projects" && parts[2] == "merge_requests" && parts[4] == "notes" && r.Method == http.MethodGet:
		flt, ok := f.begin(w, r, "list", authorized)
		if !ok {
			return
		}
		if r.URL.Query().Get("sort") != "asc" {
			http.Error(w, "want sort=asc", 400)
			return
		}
		items, page, last := f.page(r)
		w.Header().Set("X-Page", strconv.Itoa(page))
		w.Header().Set("X-Total-Pages", strconv.Itoa(last))
		w.Header().Set("X-Next-Page", "")
		if page < last {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		}
		out := []any{}
		for _, c := range items {
			out = append(out, gitlabJSON(c))
		}
		f.writeJSON(w, 200, out, flt)
	case len(parts) == 5 && parts[0] == "projects" && parts[2] == "merge_requests" && parts[4] == "notes" && r.Method == http.MethodPost:
		flt, ok := f.begin(w, r, "create", authorized)
		if !ok {
			return
		}
		var in struct{ Body string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		f.mu.Lock()
		f.nextID++
		c := fakeComment{id: f.nextID, body: in.Body, login: f.selfLogin, uid: f.selfID}
		f.comments = append(f.comments, c)
		f.mu.Unlock()
		f.writeJSON(w, 201, gitlabJSON(c), flt)
	case len(parts) == 6 && parts[0] == "projects" && parts[2] == "merge_requests" && parts[4] == "notes" && r.Method == http.MethodPut:
		flt, ok := f.begin(w, r, "edit", authorized)
		if !ok {
			return
		}
		id, _ := strconv.ParseInt(parts[5], 10, 64)
		var in struct{ Body string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		c, found := f.update(id, in.Body)
		if !found {
			f.writeFault(w, fault{status: 404, body: `{"message":"404 Not found"}`})
			return
		}
		f.writeJSON(w, 200, gitlabJSON(c), flt)
	default:
		http.NotFound(w, r)
	}
}

func gitlabJSON(c fakeComment) map[string]any {
	return map[string]any{"id": c.id, "body": c.body, "system": c.login == "system", "author": map[string]any{"id": c.uid, "username": c.login}}
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
