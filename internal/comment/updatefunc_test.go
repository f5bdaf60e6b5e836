package comment

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// renders counts which of UpdateFunc's bodies were rendered.
type renders struct {
	mu   sync.Mutex
	done []string
}

func (r *renders) body(s string) func() string {
	return func() string {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.done = append(r.done, s)
		return s
	}
}

func (r *renders) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.done...)
}

// UpdateFunc's bodies are rendered when they are written: one dropped for
// a later one within the interval is never rendered, and after Finish
// none is.
func TestUpdateFuncRendersOnlyWhatIsWritten(t *testing.T) {
	t.Parallel()
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			t.Parallel()
			f, env := fg.new(t)
			h := newHarness(t, f, env, nil)
			r := &renders{}
			h.s.UpdateFunc(r.body("first"))
			h.waitCalls(2)
			assert.Equal(t, mark(env, f.GitLab)+"\nfirst", h.only().Body)
			h.s.UpdateFunc(r.body("dropped"))
			h.s.UpdateFunc(r.body("latest"))
			h.waitSleeping()
			assert.Equal(t, []time.Duration{DefaultInterval}, h.clk.pending())
			h.clk.Advance(DefaultInterval)
			h.waitCalls(3)
			assert.Equal(t, mark(env, f.GitLab)+"\nlatest", h.only().Body)
			h.s.UpdateFunc(r.body("never"))
			h.finish("final")
			assert.Equal(t, []string{"first", "latest"}, r.all())
			assert.Equal(t, mark(env, f.GitLab)+"\nfinal", h.only().Body)
		})
	}
}
