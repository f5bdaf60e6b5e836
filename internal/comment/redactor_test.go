package comment

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/redact"
)

// The step's one Redactor (Config.Redactor) hides in the warnings and
// debug lines what it hides everywhere else: the Oz key echoed by a forge
// too, not only the token written with, which is added to it.
func TestStepRedactorInMessages(t *testing.T) {
	t.Parallel()
	const key = "wk-0123456789abcdefKEY"
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			t.Parallel()
			f, env := fg.new(t)
			echo := `{"message":"bad gateway: ` + key + " " + strings.ToUpper(testToken) + ` \u200b\u202e"}`
			f.Fail("list", fault{Status: 502, Body: echo})
			f.Fail("list", fault{Status: 422, Body: echo})
			red := redact.New(key)
			h := newHarness(t, f, env, func(c *Config) { c.Interval, c.Redactor = time.Millisecond, red })
			for i := range 2 {
				h.s.Update("x" + strconv.Itoa(i))
				h.waitCalls(i + 1)
				h.clk.Advance(time.Hour)
			}
			h.finish("final")
			require.NotEmpty(t, h.warns.all())
			for _, m := range append(h.warns.all(), h.debug.all()...) {
				for _, bad := range []string{key, strings.ToUpper(testToken), "\u200b", "\u202e"} {
					assert.NotContains(t, m, bad)
				}
			}
			assert.True(t, red.Contains(testToken), "the token was added to the step's Redactor")
		})
	}
}
