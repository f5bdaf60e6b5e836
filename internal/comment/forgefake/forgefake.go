// Package forgefake is GitHub's and GitLab's REST APIs as far as a PR/MR
// comment goes: pages of comments (GitHub's Link header, GitLab's
// X-Next-Page), authors, the token's own user, a token check and scripted
// faults. It serves the real clients (go-github, client-go) over loopback,
// for the comment package's tests and the program's process tests.
package forgefake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
)

// Forge is a fake GitHub or GitLab. Set its exported fields before the
// first request; its methods are safe for concurrent use.
type Forge struct {
	// GitLab is true for a GitLab fake.
	GitLab bool
	// Token is the only token accepted (GitHub: Authorization: Bearer;
	// GitLab: PRIVATE-TOKEN); any other is answered 401.
	Token string
	// SelfLogin, SelfID and SelfBot are the token's user (REST's login: a
	// bot's ends in "[bot]").
	SelfLogin string
	SelfID    int64
	SelfBot   bool
	// UserFails makes GET /user answer 403 (GitHub's installation tokens);
	// GQLFails makes GitHub's GraphQL answer 500.
	UserFails bool
	GQLFails  bool
	// GitHub's GraphQL viewer is SelfLogin without "[bot]" and SelfID as
	// its databaseId; GQLNoID leaves the id out, GQLBotSuffix keeps the
	// "[bot]" (both forms are seen).
	GQLNoID      bool
	GQLBotSuffix bool

	prefix string // where the REST API is mounted: "", "/api/v3" or "/api/v4"
	srv    *httptest.Server

	mu       sync.Mutex
	comments []Comment
	nextID   int64
	calls    []string
	faults   map[string][]Fault
	always   map[string]Fault
}

// Comment is one comment on the PR/MR.
type Comment struct {
	ID    int64
	Body  string
	Login string
	UID   int64
	Bot   bool
}

// Fault is what a call answers instead of doing its work.
type Fault struct {
	Status int
	Header map[string]string
	Body   string
	// Hang answers nothing until the client goes away.
	Hang bool
	// Reset closes the connection without an answer.
	Reset bool
	// Apply does the call, then answers Status (a create that is made but
	// looks failed).
	Apply bool
}

// The operations that calls are logged and faults are set by.
const (
	OpList    = "list"
	OpCreate  = "create"
	OpEdit    = "edit"
	OpUser    = "user"
	OpGraphQL = "graphql"
	// OpAny matches every operation, in FailAlways.
	OpAny = "*"
)

// DefaultToken is the token a new Forge accepts.
const DefaultToken = "forge_TOKEN_SECRET_0123456789abcdef"

// NewGitHub serves a fake GitHub whose REST API is under prefix ("" as on
// github.com, "/api/v3" as on GitHub Enterprise Server). Its token's user
// is github-actions[bot], which GET /user refuses (as for GITHUB_TOKEN).
// Close it when done.
func NewGitHub(prefix string) *Forge {
	f := &Forge{prefix: prefix, Token: DefaultToken, nextID: 1000, faults: map[string][]Fault{}, always: map[string]Fault{},
		SelfLogin: "github-actions[bot]", SelfID: 41898282, SelfBot: true, UserFails: true}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveGitHub))
	return f
}

// NewGitLab serves a fake GitLab with its REST API under /api/v4; its
// token's user is a project access token's bot. Close it when done.
func NewGitLab() *Forge {
	f := &Forge{GitLab: true, prefix: "/api/v4", Token: DefaultToken, nextID: 500, faults: map[string][]Fault{}, always: map[string]Fault{},
		SelfLogin: "project_7_bot_1", SelfID: 77}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveGitLab))
	return f
}

// URL is the server's root URL.
func (f *Forge) URL() string { return f.srv.URL }

// APIURL is the REST API's base URL (GITHUB_API_URL, CI_API_V4_URL).
func (f *Forge) APIURL() string { return f.srv.URL + f.prefix }

// Close stops the server, ending the calls in flight.
func (f *Forge) Close() {
	f.srv.CloseClientConnections()
	f.srv.Close()
}

// Add puts a comment on the PR/MR as if written earlier; it returns its id.
func (f *Forge) Add(login string, uid int64, bot bool, body string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.comments = append(f.comments, Comment{ID: f.nextID, Body: body, Login: login, UID: uid, Bot: bot})
	return f.nextID
}

// DeleteAll deletes every comment (someone cleaned up the PR/MR).
func (f *Forge) DeleteAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.comments = nil
}

// Fail makes the next call of op answer flt (faults of one op queue up).
func (f *Forge) Fail(op string, flt Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[op] = append(f.faults[op], flt)
}

// FailAlways makes every call of op (OpAny: of every op) answer flt.
func (f *Forge) FailAlways(op string, flt Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.always[op] = flt
}

// Calls lists the operations called, in order (refused ones included).
func (f *Forge) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Comments lists every comment, oldest first.
func (f *Forge) Comments() []Comment {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Comment(nil), f.comments...)
}

// Bodies are the comments' bodies by id.
func (f *Forge) Bodies() map[int64]string {
	m := map[int64]string{}
	for _, c := range f.Comments() {
		m[c.ID] = c.Body
	}
	return m
}

// Ours lists the comments written with the token.
func (f *Forge) Ours() []Comment {
	var out []Comment
	for _, c := range f.Comments() {
		if c.UID == f.SelfID {
			out = append(out, c)
		}
	}
	return out
}

// begin logs the call and returns its fault, if any; it answers 401 to a
// wrong token. ok is false when the answer has been written. apply, when
// not nil, is the call's effect on the comments: it runs with f.mu held,
// under the same lock as the log entry, so that whoever sees the call in
// Calls sees its effect too (a test that waits for a create and then
// deletes the comment deletes the one created).
func (f *Forge) begin(w http.ResponseWriter, r *http.Request, op string, authorized bool, apply func()) (Fault, bool) {
	f.mu.Lock()
	f.calls = append(f.calls, op)
	flt, found := f.always[op]
	if !found {
		flt, found = f.always[OpAny]
	}
	if q := f.faults[op]; !found && len(q) > 0 {
		flt, f.faults[op] = q[0], q[1:]
	}
	do := authorized && !flt.Hang && !flt.Reset && (flt.Status == 0 || flt.Apply)
	if do && apply != nil {
		apply()
	}
	f.mu.Unlock()
	if !authorized {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Bad credentials"}`)
		return flt, false
	}
	switch {
	case flt.Hang:
		// Read the body first: only then does the server notice that the
		// client went away.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		return flt, false
	case flt.Reset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return flt, false
			}
		}
		panic(http.ErrAbortHandler)
	case !do:
		writeFault(w, flt)
		return flt, false
	}
	return flt, true
}

func writeFault(w http.ResponseWriter, flt Fault) {
	for k, v := range flt.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(flt.Status)
	body := flt.Body
	if body == "" {
		body = fmt.Sprintf(`{"message":"fault %d"}`, flt.Status)
	}
	fmt.Fprint(w, body)
}

func writeJSON(w http.ResponseWriter, status int, v any, flt Fault) {
	if flt.Apply {
		writeFault(w, flt)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// page cuts the comments into the page asked for; f.mu is held.
func (f *Forge) page(r *http.Request) (items []Comment, page, last int) {
	page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page, per = max(page, 1), min(per, 100)
	if per <= 0 {
		per = 30 // GitHub's default page size
	}
	all := f.comments
	last = max((len(all)+per-1)/per, 1)
	lo, hi := min((page-1)*per, len(all)), min(page*per, len(all))
	return append([]Comment(nil), all[lo:hi]...), page, last
}

// create adds a comment by the token's user; f.mu is held.
func (f *Forge) create(body string) Comment {
	f.nextID++
	c := Comment{ID: f.nextID, Body: body, Login: f.SelfLogin, UID: f.SelfID, Bot: f.SelfBot}
	f.comments = append(f.comments, c)
	return c
}

// update edits comment id; f.mu is held.
func (f *Forge) update(id int64, body string) (Comment, bool) {
	for i := range f.comments {
		if f.comments[i].ID == id {
			f.comments[i].Body = body
			return f.comments[i], true
		}
	}
	return Comment{}, false
}

func readBody(r *http.Request) string {
	var in struct{ Body string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	return in.Body
}

// dialect is how GitHub or GitLab writes what both serve alike: a
// comment, the token's user, a 404, and where the pages of a list are.
type dialect struct {
	comment func(Comment) map[string]any
	user    func(f *Forge) map[string]any
	// userRefused is the body of GET /user's 403 (UserFails).
	userRefused string
	notFound    string
	// pages writes the list's paging headers; false when it has answered
	// the request itself (a request the real forge would refuse).
	pages func(f *Forge, w http.ResponseWriter, r *http.Request, page, last int) bool
}

var github = dialect{
	comment: func(c Comment) map[string]any {
		typ := "User"
		if c.Bot {
			typ = "Bot"
		}
		return map[string]any{
			"id": c.ID, "body": c.Body, "html_url": fmt.Sprintf("https://github.com/acme/app/pull/7#issuecomment-%d", c.ID),
			"user": map[string]any{"login": c.Login, "id": c.UID, "type": typ},
		}
	},
	user: func(f *Forge) map[string]any {
		typ := "User"
		if f.SelfBot {
			typ = "Bot"
		}
		return map[string]any{"login": f.SelfLogin, "id": f.SelfID, "type": typ}
	},
	userRefused: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/users/users#get-the-authenticated-user","status":"403"}`,
	notFound:    `{"message":"Not Found"}`,
	pages: func(f *Forge, w http.ResponseWriter, r *http.Request, page, last int) bool {
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
		return true
	},
}

var gitlab = dialect{
	comment: func(c Comment) map[string]any {
		return map[string]any{"id": c.ID, "body": c.Body, "system": c.Login == "system", "author": map[string]any{"id": c.UID, "username": c.Login}}
	},
	user: func(f *Forge) map[string]any {
		return map[string]any{"id": f.SelfID, "username": f.SelfLogin}
	},
	userRefused: `{"message":"403 Forbidden"}`,
	notFound:    `{"message":"404 Not found"}`,
	pages: func(_ *Forge, w http.ResponseWriter, r *http.Request, page, last int) bool {
		if r.URL.Query().Get("sort") != "asc" {
			http.Error(w, "want sort=asc", 400)
			return false
		}
		w.Header().Set("X-Page", strconv.Itoa(page))
		w.Header().Set("X-Total-Pages", strconv.Itoa(last))
		w.Header().Set("X-Next-Page", "")
		if page < last {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		}
		return true
	},
}

func (f *Forge) serveGitHub(w http.ResponseWriter, r *http.Request) {
	authorized := r.Header.Get("Authorization") == "Bearer "+f.Token
	path := r.URL.Path
	gql := "/graphql"
	if f.prefix == "/api/v3" {
		gql = "/api/graphql"
	}
	if path == gql && r.Method == http.MethodPost {
		flt, ok := f.begin(w, r, OpGraphQL, authorized, nil)
		if !ok {
			return
		}
		if f.GQLFails {
			writeFault(w, Fault{Status: 500})
			return
		}
		writeJSON(w, 200, map[string]any{"data": map[string]any{"viewer": f.viewer()}}, flt)
		return
	}
	rest, ok := strings.CutPrefix(path, f.prefix+"/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	parts := strings.Split(rest, "/")
	issueComments := len(parts) == 6 && parts[0] == "repos" && parts[3] == "issues" && parts[5] == "comments"
	switch {
	case rest == "user" && r.Method == http.MethodGet:
		f.serveUser(w, r, authorized, github)
	case issueComments && r.Method == http.MethodGet:
		f.serveList(w, r, authorized, github)
	case issueComments && r.Method == http.MethodPost:
		f.serveCreate(w, r, authorized, github)
	case len(parts) == 6 && parts[0] == "repos" && parts[3] == "issues" && parts[4] == "comments" && r.Method == http.MethodPatch:
		f.serveEdit(w, r, authorized, parts[5], github)
	default:
		http.NotFound(w, r)
	}
}

func (f *Forge) serveGitLab(w http.ResponseWriter, r *http.Request) {
	authorized := r.Header.Get("Private-Token") == f.Token
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), f.prefix+"/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	parts := strings.Split(rest, "/")
	notes := len(parts) >= 5 && parts[0] == "projects" && parts[2] == "merge_requests" && parts[4] == "notes"
	switch {
	case rest == "user" && r.Method == http.MethodGet:
		f.serveUser(w, r, authorized, gitlab)
	case notes && len(parts) == 5 && r.Method == http.MethodGet:
		f.serveList(w, r, authorized, gitlab)
	case notes && len(parts) == 5 && r.Method == http.MethodPost:
		f.serveCreate(w, r, authorized, gitlab)
	case notes && len(parts) == 6 && r.Method == http.MethodPut:
		f.serveEdit(w, r, authorized, parts[5], gitlab)
	default:
		http.NotFound(w, r)
	}
}

// viewer is GitHub's GraphQL viewer: the token's user.
func (f *Forge) viewer() map[string]any {
	v := map[string]any{"login": strings.TrimSuffix(f.SelfLogin, "[bot]")}
	if f.GQLBotSuffix {
		v["login"] = f.SelfLogin
	}
	if !f.GQLNoID {
		v["databaseId"] = f.SelfID
	}
	return v
}

// serveUser answers GET /user: the token's user.
func (f *Forge) serveUser(w http.ResponseWriter, r *http.Request, authorized bool, d dialect) {
	flt, ok := f.begin(w, r, OpUser, authorized, nil)
	if !ok {
		return
	}
	if f.UserFails {
		writeFault(w, Fault{Status: 403, Body: d.userRefused})
		return
	}
	writeJSON(w, 200, d.user(f), flt)
}

// serveList answers a page of the comments.
func (f *Forge) serveList(w http.ResponseWriter, r *http.Request, authorized bool, d dialect) {
	var items []Comment
	var page, last int
	flt, ok := f.begin(w, r, OpList, authorized, func() { items, page, last = f.page(r) })
	if !ok || !d.pages(f, w, r, page, last) {
		return
	}
	out := []any{}
	for _, c := range items {
		out = append(out, d.comment(c))
	}
	writeJSON(w, 200, out, flt)
}

// serveCreate adds the comment of the request's body.
func (f *Forge) serveCreate(w http.ResponseWriter, r *http.Request, authorized bool, d dialect) {
	body := readBody(r)
	var c Comment
	flt, ok := f.begin(w, r, OpCreate, authorized, func() { c = f.create(body) })
	if !ok {
		return
	}
	writeJSON(w, 201, d.comment(c), flt)
}

// serveEdit sets the body of the comment id (404 when there is none).
func (f *Forge) serveEdit(w http.ResponseWriter, r *http.Request, authorized bool, id string, d dialect) {
	n, _ := strconv.ParseInt(id, 10, 64)
	body := readBody(r)
	var c Comment
	var found bool
	flt, ok := f.begin(w, r, OpEdit, authorized, func() { c, found = f.update(n, body) })
	if !ok {
		return
	}
	if !found {
		writeFault(w, Fault{Status: 404, Body: d.notFound})
		return
	}
	writeJSON(w, 200, d.comment(c), flt)
}
