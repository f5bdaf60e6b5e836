package soak

import (
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

func TestPlansAreReproducible(t *testing.T) {
	t.Parallel()
	for i := range 50 {
		a := newPlan(i, rand.New(rand.NewPCG(7, uint64(i))))
		b := newPlan(i, rand.New(rand.NewPCG(7, uint64(i))))
		assert.Equal(t, a.String(), b.String())
	}
}

func TestNatural(t *testing.T) {
	t.Parallel()
	all := map[string]bool{"failed": true, "error": true, "blocked": true, "cancelled": true, "timed_out": true}
	cases := []struct {
		name       string
		p          plan
		code       int
		conclusion string
	}{
		{"succeeds", plan{wait: true, conclusion: "succeeded", failOn: all}, 0, "succeeded"},
		{"fails the step", plan{wait: true, conclusion: "failed", failOn: all}, 1, "failed"},
		{"reported only", plan{wait: true, conclusion: "failed", failOn: map[string]bool{"none": true}}, 0, "failed"},
		{"times out", plan{wait: true, conclusion: "timed_out", failOn: all}, 4, "timed_out"},
		{"times out, reported only", plan{wait: true, conclusion: "timed_out", failOn: map[string]bool{"failed": true}}, 0, "timed_out"},
		{"submitted", plan{conclusion: "failed", failOn: all}, 0, "submitted"},
		{"a final poll answer", plan{wait: true, pollFinal: true, conclusion: "succeeded", failOn: all}, 3, ""},
		{"a final poll answer, not waiting", plan{pollFinal: true, conclusion: "succeeded", failOn: all}, 0, "submitted"},
		{"a final create answer", plan{createFinal: true, conclusion: "succeeded", failOn: all}, 3, ""},
		{"a lost create", plan{wait: true, lostCreate: true, conclusion: "succeeded", failOn: all}, 3, ""},
	}
	for _, tc := range cases {
		code, conclusion := tc.p.natural()
		assert.Equal(t, tc.code, code, tc.name)
		assert.Equal(t, tc.conclusion, conclusion, tc.name)
	}
}

// TestKeyTransformedFindsTheInjectedForms: the checker's own search finds
// the key in every answer and redirect drawWork makes (so a leak of one is
// a violation), and nowhere in texts without it.
func TestKeyTransformedFindsTheInjectedForms(t *testing.T) {
	t.Parallel()
	for i := range 200 {
		r := rand.New(rand.NewPCG(11, uint64(i)))
		body, tokens, forms := keyAnswer(r)
		var conv struct {
			Steps []struct {
				Messages []struct {
					Content []struct{ Text string }
				}
			}
		}
		require.NoError(t, json.Unmarshal([]byte(body), &conv), body)
		answer := conv.Steps[0].Messages[0].Content[0].Text
		assert.Contains(t, answer, answerEnd)
		assert.NotEmpty(t, keyTransformed(answer), "forms %v in %q", forms, answer)
		for _, tok := range tokens {
			assert.Contains(t, answer, tok)
		}
		form, text := keyInURL(r)
		assert.NotEmpty(t, keyTransformed(text+"\n"+unescape(text)), "the key %s: %q", form, text)
	}
	for _, text := range []string{
		"", "## Done\n\nRun fake-run-000001 succeeded: TestClock no longer sleeps.\n",
		"/files/fake-artifact-000001/oz-report.md?expires=1765123456789&signature=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"::add-mask is stripped; *** masks: wk-*** and ***-5f0e1d2c3b4a",
		base64.StdEncoding.EncodeToString([]byte("wk-soak-K3y-5f0e1d2c3b4b is another key")),
	} {
		assert.Empty(t, keyTransformed(text), text)
	}
}

func unescape(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// TestDrawWork: issue 16's classes come to plans whose run ends by itself
// and whose work the step reads, each as its oracle expects it.
func TestDrawWork(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	for i := range 600 {
		p := newPlan(i, rand.New(rand.NewPCG(5, uint64(i))))
		names := strings.Join(p.faultNames, ";")
		for _, n := range []string{faultKeyAnswer, faultRedirectHome, faultRedirectAway, faultConvHang, faultSignalConv, faultSignalFile, faultManyArtifacts} {
			if strings.Contains(names, n) {
				seen[n]++
				assert.True(t, p.wait && !p.followup && !p.pollFinal && !p.createFinal && !p.lostCreate && runConclusions[p.conclusion], "%s: %s", n, p)
			}
		}
		if p.redirect != "" || p.signalRoute == routeFile {
			assert.True(t, p.filesDir && strings.Contains(p.scenario, "[fake:files]") && strings.HasPrefix(p.inputs["prompt"], "[fake:files]"), p.String())
		}
		if p.convHang {
			assert.Equal(t, convHangTimeout, p.inputs["timeout"], p.String())
			assert.True(t, p.answerLost, p.String())
		}
		if p.signalRoute != "" {
			assert.NotNil(t, p.signal, p.String())
			assert.True(t, slices.ContainsFunc(p.faults, func(f ozfaketest.Fault) bool { return f.Path == p.signalRoute && f.Hang }), p.String())
		}
		if p.manyArtifacts {
			assert.False(t, p.filesDir, p.String())
		}
	}
	for _, n := range []string{faultKeyAnswer, faultRedirectHome, faultRedirectAway, faultConvHang, faultSignalConv, faultSignalFile, faultManyArtifacts} {
		assert.Positive(t, seen[n], "%s never drawn in 600 plans", n)
	}
}
