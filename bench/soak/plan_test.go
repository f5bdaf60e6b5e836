package soak

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
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
