package ozfake

import (
	"net/http"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// handleCancel serves POST /agent/runs/{id}/cancel: 200 with the run id as
// a JSON string; 404 unknown; 422 uncancellable; 400 already terminal; 409
// while PENDING.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	now := s.now()
	rn, ok := s.lookup(id, now)
	var st oz.State
	if ok {
		st = rn.state(now)
		if !rn.script.Uncancellable && st.IsWorking() && st != oz.StatePending {
			rn.pins = append(rn.pins, pin{state: oz.StateCancelled, at: now, msg: &oz.StatusMessage{Message: "Cancelled through the API."}})
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeProblem(w, r, http.StatusNotFound, codeNotFound, "no run with id "+quoteClip(id))
	case rn.script.Uncancellable:
		writeProblem(w, r, http.StatusUnprocessableEntity, codeOperationNotSupported, "runs of this type cannot be cancelled through the API")
	case st.IsTerminal():
		writeProblem(w, r, http.StatusBadRequest, codeInvalidRequest, "the run has already ended ("+string(st)+")")
	case st == oz.StatePending:
		writeProblem(w, r, http.StatusConflict, codeConflict, "the run is being assigned to a worker; try again in a few seconds")
	default:
		writeJSON(w, http.StatusOK, id)
	}
}
