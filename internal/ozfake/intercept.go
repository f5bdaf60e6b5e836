package ozfake

import (
	"net/http"
	"time"
)

// Interceptor answers chosen calls in the server's place: the faults that
// tests and the bench inject (ozfaketest.Fault). A server has none until
// Inject adds one; the fake of `oz-run demo` and `oz-run fake-server` has
// none, and the binary links no fault.
type Interceptor interface {
	// Takes reports whether it answers the nth call (1-based, taken calls
	// included) of route, named as Request.Route names it
	// ("GET /agent/runs/{id}"; the file server's downloads are
	// "GET /files/{uid}").
	Takes(route string, nth int) bool
	// Answer answers the request. serve answers it as the server would,
	// into any writer; a run it creates stays invisible (404, absent from
	// lists) for latency on the server's clock. problem answers status with
	// the API's problem+json body for it.
	Answer(w http.ResponseWriter, r *http.Request, serve func(w http.ResponseWriter, latency time.Duration), problem func(w http.ResponseWriter, status int))
}

// Inject adds an interceptor. When several take a call, the first injected
// wins.
func (s *Server) Inject(i Interceptor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interceptors = append(s.interceptors, i)
}

// interceptor is the one that takes this call of route (already counted),
// or nil; s.mu is held.
func (s *Server) interceptor(route string) Interceptor {
	if route == "" {
		return nil
	}
	n := s.calls[route]
	for _, i := range s.interceptors {
		if i.Takes(route, n) {
			return i
		}
	}
	return nil
}

// intercept has i answer r (as sw) in the server's place; serve answers as
// the server would.
func intercept(i Interceptor, sw http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter, time.Duration)) {
	i.Answer(sw, r, serve, func(w http.ResponseWriter, status int) {
		writeProblem(w, r, status, statusCode(status), "injected fault")
	})
}
