package ozfake

import (
	"net/http"
	"strconv"
)

// handleGet serves GET /agent/runs/{id}.
func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	now := s.now()
	rn, ok := s.lookup(id, now)
	var it runItem
	if ok {
		it = rn.item(now)
	}
	s.mu.Unlock()
	if !ok {
		writeProblem(w, r, http.StatusNotFound, codeNotFound, "no run with id "+quoteClip(id))
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func quoteClip(s string) string { return strconv.Quote(clip(s)) }
