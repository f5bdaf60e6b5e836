package ozfake

import "net/http"

// Recorder passes an answer through to the client and keeps what a log or
// a check needs of it: the status, and the first Keep bytes of the body.
// The server notes each answer's status for its log through one; tests and
// the bench read the fake's answers with one.
type Recorder struct {
	http.ResponseWriter
	// Status is 0 until the answer starts, then its status (200 when the
	// body starts without one).
	Status int
	// Body holds the first Keep bytes of the body (none when Keep is 0).
	Body []byte
	Keep int
}

func (r *Recorder) WriteHeader(code int) {
	if r.Status == 0 {
		r.Status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *Recorder) Write(b []byte) (int, error) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	if room := r.Keep - len(r.Body); room > 0 {
		r.Body = append(r.Body, b[:min(room, len(b))]...)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (a fault drops
// it).
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
