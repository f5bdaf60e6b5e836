package ozfake

import (
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// The Server: its options, its runs, and the requests it recorded.

// DefaultAPIKey is the key the fake accepts unless told otherwise.
const DefaultAPIKey = "wk-fake"

// maxBody caps the request bodies the fake reads.
const maxBody = 1 << 20

// maxRequests caps the recorded requests: the newest are kept.
const maxRequests = 10000

// Server is the fake Oz API. It is an http.Handler serving the API's paths
// under /api/v1/. It is safe for concurrent use.
type Server struct {
	// Set by options, read-only afterwards.
	apiKey         string
	anyKey         bool
	now            func() time.Time
	scale          float64
	logf           func(string, ...any)
	metadataFilter bool
	listNoMetadata bool
	tlsCert        *tls.Certificate // serve HTTPS (WithTLS)
	pickup         time.Duration    // a follow-up's stale window, scaled
	urlExpiry      time.Duration    // of download URLs
	fileKey        []byte           // signs download URLs

	mu       sync.Mutex
	script   Script
	runs     []*run // creation order
	byID     map[string]*run
	created  int
	requests []Request
	reqCap   int            // maxRequests; smaller in tests
	calls    map[string]int // per route
	// interceptors answer chosen calls in the server's place (Inject).
	interceptors []Interceptor

	fileSeq     int
	fileByUID   map[string]fileRef
	filesURL    string // where Files is served; "" = this handler's host
	followupSeq int

	// Set by Serve.
	served   chan struct{}
	serveErr error
}

// Option configures a Server.
type Option func(*Server)

// WithAPIKey sets the bearer token the fake accepts (default "wk-fake";
// an empty key keeps the default).
func WithAPIKey(key string) Option {
	return func(s *Server) {
		if key != "" {
			s.apiKey = key
		}
	}
}

// WithAnyKey makes the fake accept any non-empty bearer token.
func WithAnyKey() Option { return func(s *Server) { s.anyKey = true } }

// WithClock sets the clock that runs' states are computed from.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithTimeScale multiplies every scripted duration by f (0.05: twenty times
// faster; 0: runs end at once). Negative or invalid values mean 0.
func WithTimeScale(f float64) Option {
	return func(s *Server) {
		if math.IsNaN(f) || f < 0 {
			f = 0
		}
		s.scale = f
	}
}

// WithDefaultScript sets what runs without a scenario tag do.
func WithDefaultScript(sc Script) Option { return func(s *Server) { s.script = sc.scaled(1) } }

// WithLogf logs one line per request. The API key is never logged.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(s *Server) { s.logf = logf }
}

// WithMetadataFilter switches the list's metadata[...] filter on (default)
// or off; off, such a list answers 403 feature_not_available, as for teams
// without the feature.
func WithMetadataFilter(enabled bool) Option { return func(s *Server) { s.metadataFilter = enabled } }

// Defaults of the follow-up's stale window and of download URLs' life.
const (
	DefaultFollowupPickup = 3 * time.Second // scaled by WithTimeScale
	DefaultURLExpiry      = 2 * time.Minute // scaled by WithTimeScale, at least a second
)

// WithFollowupPickup sets how long a run that has ended keeps showing its
// old terminal state after a follow-up is accepted (handoff_execution),
// before the new execution is picked up (QUEUED again, updated_at moves).
// It is not scaled by WithTimeScale; the default DefaultFollowupPickup is.
func WithFollowupPickup(d time.Duration) Option {
	return func(s *Server) { s.pickup = max(d, 0) }
}

// WithListOmitsMetadata makes list items leave out metadata (GET of one run
// still shows it), while the metadata[...] filter keeps working: a client
// that finds its run by metadata must not also expect to read it back from
// the list.
func WithListOmitsMetadata(omit bool) Option { return func(s *Server) { s.listNoMetadata = omit } }

// New returns a fake Oz API.
func New(opts ...Option) *Server {
	s := &Server{
		apiKey:         DefaultAPIKey,
		now:            time.Now,
		scale:          1,
		metadataFilter: true,
		script:         DefaultScript(),
		byID:           map[string]*run{},
		calls:          map[string]int{},
		reqCap:         maxRequests,
		fileByUID:      map[string]fileRef{},
		pickup:         -1,
		fileKey:        make([]byte, 32),
	}
	_, _ = rand.Read(s.fileKey)
	for _, o := range opts {
		o(s)
	}
	if s.pickup < 0 {
		s.pickup = time.Duration(float64(DefaultFollowupPickup) * s.scale)
	}
	s.urlExpiry = max(time.Duration(float64(DefaultURLExpiry)*s.scale), time.Second)
	return s
}

// Request is one request the fake received.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header // as sent, Authorization included
	Body     []byte
	At       time.Time
	Route    string // e.g. "GET /agent/runs/{id}"; empty for an unknown path
}

// ServeHTTP serves the API: it records the request, lets an injected
// Interceptor answer if one takes the call, then checks the key and
// answers. Until the file server has a place of its own (Serve,
// SetFilesURL), it answers the file paths too (see Files).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, FilesPath) && s.FilesURL() == "" {
		s.serveFiles(w, r)
		return
	}
	start := time.Now()
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	rt := match(r.Method, r.URL.EscapedPath())
	s.mu.Lock()
	s.record(r, body, rt.name)
	in := s.interceptor(rt.name)
	s.mu.Unlock()

	sw := &Recorder{ResponseWriter: w}
	defer s.log(r, sw, start, in != nil)
	if in != nil {
		intercept(in, sw, r, func(w http.ResponseWriter, latency time.Duration) { s.serve(w, r, rt, body, readErr, latency) })
		return
	}
	s.serve(sw, r, rt, body, readErr, 0)
}

// serve answers the request as the API would; a run it creates stays
// invisible for latency.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route, body []byte, readErr error, latency time.Duration) {
	switch {
	case rt.status == http.StatusNotFound:
		writeProblem(w, r, http.StatusNotFound, codeNotFound, "no such API path: "+clip(r.URL.EscapedPath()))
		return
	case rt.status == http.StatusMethodNotAllowed:
		w.Header().Set("Allow", rt.allow)
		writeProblem(w, r, http.StatusMethodNotAllowed, codeInvalidRequest, fmt.Sprintf("method %s is not allowed here; use %s", clip(r.Method), rt.allow))
		return
	}
	if !s.authorized(r) {
		writeProblem(w, r, http.StatusUnauthorized, codeAuthenticationNeeded, "send the API key as Authorization: Bearer <key>")
		return
	}
	if readErr != nil || len(body) > maxBody {
		writeProblem(w, r, http.StatusBadRequest, codeInvalidRequest, fmt.Sprintf("the request body could not be read or exceeds %d bytes", maxBody))
		return
	}
	switch rt.name {
	case routeCreate, routeCreateOld:
		s.handleCreate(w, r, body, latency)
	case routeGet:
		s.handleGet(w, r, rt.id)
	case routeList:
		s.handleList(w, r)
	case routeCancel:
		s.handleCancel(w, r, rt.id)
	case routeConversation:
		s.handleConversation(w, r, rt.id)
	case routeFollowup:
		s.handleFollowup(w, r, rt.id, body)
	case routeArtifact:
		s.handleArtifact(w, r, rt.id)
	}
}

// authorized checks the bearer token.
func (s *Server) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return false
	}
	if s.anyKey {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.apiKey)) == 1
}

// record keeps a copy of the request; s.mu is held.
func (s *Server) record(r *http.Request, body []byte, routeName string) {
	if routeName != "" {
		s.calls[routeName]++
	}
	if len(s.requests) >= s.reqCap {
		s.requests = append(s.requests[:0], s.requests[len(s.requests)-s.reqCap+1:]...)
	}
	s.requests = append(s.requests, Request{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     append([]byte(nil), body...),
		At:       s.now(),
		Route:    routeName,
	})
}

// log writes the request's line: method, path, status, time. Never headers.
func (s *Server) log(r *http.Request, sw *Recorder, start time.Time, faulted bool) {
	if s.logf == nil {
		return
	}
	note := ""
	if faulted {
		note = " (injected fault)"
	}
	status := "no answer"
	if sw.Status != 0 {
		status = fmt.Sprint(sw.Status)
	}
	s.logf("ozfake: %s %s -> %s in %s%s", clip(r.Method), clip(r.URL.EscapedPath()), status, time.Since(start).Round(time.Microsecond), note)
}

// addRun creates a run that shows up after latency (its created_at is
// then); s.mu is held.
func (s *Server) addRun(req createRequest, sc Script, latency time.Duration) *run {
	s.created++
	rn := &run{
		seq:       s.created,
		id:        fmt.Sprintf("fake-run-%06d", s.created),
		sessionID: sc.SessionID,
		created:   s.now().Add(latency),
		script:    sc,
		req:       req,
	}
	s.addFiles(rn, sc.Files, false)
	if rn.sessionID == "" {
		rn.sessionID = fmt.Sprintf("fake-session-%06d", s.created)
	}
	s.runs = append(s.runs, rn)
	s.byID[rn.id] = rn
	return rn
}

// lookup finds a run that the API shows at now; s.mu is held.
func (s *Server) lookup(id string, now time.Time) (*run, bool) {
	rn, ok := s.byID[id]
	if !ok || !rn.visible(now) {
		return nil, false
	}
	return rn, true
}

// Requests returns a copy of the requests received, oldest first (at most
// the newest 10000).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, q := range s.requests {
		q.Header = q.Header.Clone()
		q.Body = append([]byte(nil), q.Body...)
		out[i] = q
	}
	return out
}

// Runs returns every run the API shows now (not deleted, not still being
// created), in creation order.
func (s *Server) Runs() []oz.Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]oz.Run, 0, len(s.runs))
	for _, rn := range s.runs {
		if rn.visible(now) {
			out = append(out, rn.item(now).ozRun())
		}
	}
	return out
}

// Run returns one run as the API shows it now.
func (s *Server) Run(id string) (oz.Run, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rn, ok := s.lookup(id, now)
	if !ok {
		return oz.Run{}, false
	}
	return rn.item(now).ozRun(), true
}

// CreatedCount is how many runs were created, deleted ones and ones still
// invisible (ozfaketest.Fault.CreateLatency) included.
func (s *Server) CreatedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created
}

// Count is how many requests of route ("GET /agent/runs/{id}", as
// Request.Route names it) the server has received, faulted ones included.
func (s *Server) Count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// SetState puts run id in state st from now on, whatever its script says.
// A terminal st gets the state's usual status message.
func (s *Server) SetState(id string, st oz.State) error {
	return s.pinRun(id, st, nil)
}

// Finish ends run id now in the terminal state st, with the state's usual
// status message.
func (s *Server) Finish(id string, st oz.State) error {
	return s.FinishWithMessage(id, st, nil)
}

// FinishWithMessage ends run id now in the terminal state st with msg as
// its status message (nil: the state's usual one).
func (s *Server) FinishWithMessage(id string, st oz.State, msg *oz.StatusMessage) error {
	if !st.IsKnown() || st.IsWorking() {
		return fmt.Errorf("ozfake: finish run %s: %q is not a terminal state; use SUCCEEDED, FAILED, ERROR, BLOCKED or CANCELLED", id, st)
	}
	return s.pinRun(id, st, msg)
}

func (s *Server) pinRun(id string, st oz.State, msg *oz.StatusMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rn, ok := s.lookup(id, now)
	if !ok {
		return fmt.Errorf("ozfake: no run %q (it was never created, was deleted, or is still being created)", id)
	}
	rn.pins = append(rn.pins, pin{state: st, at: now, msg: msg})
	return nil
}

// Delete forgets run id: from now on it is 404 and absent from lists.
// It reports whether the run existed.
func (s *Server) Delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[id]; !ok {
		return false
	}
	delete(s.byID, id)
	for i, rn := range s.runs {
		if rn.id == id {
			s.runs = append(s.runs[:i], s.runs[i+1:]...)
			break
		}
	}
	return true
}
