package ci

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/workspace"
)

// syncBuffer is a bytes.Buffer safe for the race detector.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Every platform may be used from several goroutines (the poller and the
// signal handler) and never splits a line or leaks a secret masked before.
func TestPlatformsConcurrentUse(t *testing.T) {
	t.Parallel()
	for _, newPlatform := range []func(Options) Platform{newGitHub, newGitLab, newOtherCI, newLocal} {
		var out syncBuffer
		p := newPlatform(Options{Getenv: env(nil), Stdout: &out, Stderr: &out, Workspace: workspace.New(t.TempDir(), true), Now: fixedNow, Debug: true})
		t.Run(p.Name(), func(t *testing.T) {
			p.Mask("the-secret")
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					end := p.Group(fmt.Sprintf("group %d", i))
					p.Logf("line %d the-secret", i)
					p.Debugf("debug %d", i)
					p.Warning("w", "the-secret")
					p.Mask(fmt.Sprintf("other-%d", i))
					end()
				})
			}
			wg.Wait()
			logged := strings.ReplaceAll(out.String(), "::add-mask::the-secret\n", "")
			assert.NotContains(t, logged, "the-secret")
			for i := range 8 {
				assert.Contains(t, out.String(), fmt.Sprintf("line %d ***\n", i))
			}
			assert.False(t, strings.Contains(out.String(), "\n\n"), "no torn lines")
		})
	}
}
