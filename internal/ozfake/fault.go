package ozfake

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// Faults: the fake misbehaving on chosen calls, for tests.

// Fault makes the fake misbehave on chosen calls of one route, for tests.
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
	// on the server's clock (WithClock); the run's created_at is then.
	// With an answer (Status, Body, Hang, CloseConn) the run is created and
	// the fault answers at once: a client that looks its run up at once
	// finds nothing, and must not create it again. Without one, the create
	// answers 200 normally and the run shows up late (read-after-write lag).
	CreateLatency time.Duration
}

// Inject adds a fault. When several match a call, the first injected wins.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// routeName is the route pattern the fault names.
func (f *Fault) routeName() string {
	p := strings.TrimSpace(f.Path)
	m := strings.ToUpper(strings.TrimSpace(f.Method))
	if mm, pp, ok := strings.Cut(p, " "); ok {
		m, p = strings.ToUpper(mm), strings.TrimSpace(pp)
	}
	p = strings.TrimPrefix(p, BasePath)
	p = strings.ReplaceAll(p, "{runId}", "{id}")
	p = strings.ReplaceAll(p, "{artifactUid}", "{uid}")
	if strings.HasPrefix(p, FilesPath) {
		p = FilesPath + "{uid}"
	}
	return m + " " + p
}

// fault picks the fault for this call of routeName (already counted);
// s.mu is held.
func (s *Server) fault(routeName string) *Fault {
	if routeName == "" {
		return nil
	}
	n := s.calls[routeName]
	for _, f := range s.faults {
		if f.routeName() != routeName {
			continue
		}
		if f.Nth <= 0 {
			return f
		}
		times := max(f.Times, 1)
		if n >= f.Nth && n < f.Nth+times {
			return f
		}
	}
	return nil
}

// applyFault carries out f. serve answers the request normally. It reports
// whether the request is done; false means: answer it normally now.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault, serve func(http.ResponseWriter)) bool {
	ctx := r.Context()
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-ctx.Done():
			t.Stop()
			closeConn(w)
			return true
		case <-t.C:
		}
	}
	answers := f.Hang || f.CloseConn || f.Status != 0 || f.Body != ""
	if !answers && !f.CreateThenFail {
		return false
	}
	if f.CreateThenFail || f.CreateLatency > 0 && isCreate(f.routeName()) {
		serve(&discardWriter{header: http.Header{}})
	}
	switch {
	case f.Hang:
		<-ctx.Done()
		closeConn(w) // never let net/http send an empty 200
	case f.CloseConn:
		closeConn(w)
	default:
		writeFault(w, r, f)
	}
	return true
}

// writeFault answers with the fault's status, headers and body.
func writeFault(w http.ResponseWriter, r *http.Request, f *Fault) {
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
		writeProblem(w, r, status, statusCode(status), "injected fault")
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
