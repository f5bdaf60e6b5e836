package ozfaketest

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// Where the fake mounts the API and the file server, and its create
// routes, as ozfake names them (a test checks they agree).
const (
	basePath       = "/api/v1"
	filesPath      = "/files/"
	routeCreate    = "POST /agent/runs"
	routeCreateOld = "POST /agent/run"
)

// Fault makes the fake misbehave on chosen calls of one route: give it to
// ozfake.Server.Inject.
//
// What it does, in order: wait Delay; then Hang (answer nothing until the
// request's context ends), or CloseConn (close the connection without an
// answer), or answer Status/Header/Body. A fault with only a Delay slows
// the normal answer down. With CreateThenFail the request is first really
// served (a create creates its run, a cancel cancels) and its answer thrown
// away. CreateLatency (creates only) implies CreateThenFail when the fault
// answers, and hides the run it creates for a while: "the server is still
// processing the create".
type Fault struct {
	// Method and Path name the route: Path is a pattern such as
	// "/agent/runs/{id}", or the whole "GET /agent/runs/{id}" with Method
	// empty. Routes: "POST /agent/runs", "POST /agent/run",
	// "GET /agent/runs", "GET /agent/runs/{id}", "POST /agent/runs/{id}/cancel",
	// "GET /agent/runs/{id}/conversation", "POST /agent/runs/{id}/followups",
	// "GET /agent/artifacts/{uid}", and the file server's downloads
	// "GET /files/{uid}" (also written "GET /files/...").
	Method, Path string
	// Nth is the 1-based call of that route the fault starts at; 0 means
	// every call.
	Nth int
	// Times is how many consecutive calls from Nth it applies to (0 = 1).
	Times int
	// Status, Header and Body are the answer. A zero Status with a Body is
	// 500; a Status without a Body gets a problem+json body for it.
	Status int
	Header http.Header
	Body   string
	// Hang blocks until the request's context ends, answering nothing.
	Hang bool
	// Delay waits before anything else (bounded by the request's context).
	Delay time.Duration
	// CloseConn closes the connection without answering.
	CloseConn bool
	// CreateThenFail serves the request for real first, then answers as
	// the fault says.
	CreateThenFail bool
	// CreateLatency, on a create, makes the run it creates invisible (404
	// to GET and cancel, absent from lists) until CreateLatency has passed
	// on the server's clock (ozfake.WithClock); the run's created_at is
	// then. With an answer (Status, Body, Hang, CloseConn) the run is
	// created and the fault answers at once: a client that looks its run
	// up at once finds nothing, and must not create it again. Without one,
	// the create answers 200 normally and the run shows up late
	// (read-after-write lag).
	CreateLatency time.Duration
}

// route is the route pattern the fault names, as the server names routes.
func (f Fault) route() string {
	p := strings.TrimSpace(f.Path)
	m := strings.ToUpper(strings.TrimSpace(f.Method))
	if mm, pp, ok := strings.Cut(p, " "); ok {
		m, p = strings.ToUpper(mm), strings.TrimSpace(pp)
	}
	p = strings.TrimPrefix(p, basePath)
	p = strings.ReplaceAll(p, "{runId}", "{id}")
	p = strings.ReplaceAll(p, "{artifactUid}", "{uid}")
	if strings.HasPrefix(p, filesPath) {
		p = filesPath + "{uid}"
	}
	return m + " " + p
}

// Takes reports whether the fault applies to the nth call of route
// (ozfake.Interceptor).
func (f Fault) Takes(route string, nth int) bool {
	if f.route() != route {
		return false
	}
	if f.Nth <= 0 {
		return true
	}
	return nth >= f.Nth && nth < f.Nth+max(f.Times, 1)
}

// Answer carries the fault out (ozfake.Interceptor): serve answers the
// request as the server would, problem with the API's error body for a
// status.
func (f Fault) Answer(w http.ResponseWriter, r *http.Request, serve func(w http.ResponseWriter, latency time.Duration), problem func(w http.ResponseWriter, status int)) {
	ctx := r.Context()
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-ctx.Done():
			t.Stop()
			closeConn(w)
			return
		case <-t.C:
		}
	}
	var latency time.Duration
	if route := f.route(); route == routeCreate || route == routeCreateOld {
		latency = max(f.CreateLatency, 0)
	}
	answers := f.Hang || f.CloseConn || f.Status != 0 || f.Body != ""
	if !answers && !f.CreateThenFail {
		serve(w, latency)
		return
	}
	if f.CreateThenFail || latency > 0 {
		serve(&discardWriter{header: http.Header{}}, latency)
	}
	switch {
	case f.Hang:
		<-ctx.Done()
		closeConn(w) // never let net/http send an empty 200
	case f.CloseConn:
		closeConn(w)
	default:
		f.write(w, problem)
	}
}

// write answers with the fault's status, headers and body.
func (f Fault) write(w http.ResponseWriter, problem func(http.ResponseWriter, int)) {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if f.Body == "" {
		if w.Header().Get("Content-Type") != "" {
			w.WriteHeader(status)
			return
		}
		problem(w, status)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		ct := http.DetectContentType([]byte(f.Body))
		if b := bytes.TrimSpace([]byte(f.Body)); len(b) > 0 && (b[0] == '{' || b[0] == '[' || b[0] == '"') {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(f.Body))
}

// closeConn drops the connection without an answer. Where the connection
// cannot be taken over (HTTP/2), the response is aborted instead.
func closeConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http's way to abort a response
	}
	_ = conn.Close()
}

// discardWriter takes an answer and throws it away.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
