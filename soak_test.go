package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oz-run/oz-run-action/bench/soak"
)

// TestSoak runs a few seeded random invocations of the soak (the full one
// is `go run ./bench soak`) with the checked program: random scenarios,
// inputs, faults and signals, and the invariants checked after each.
func TestSoak(t *testing.T) {
	t.Parallel()
	n := 24
	if testing.Short() {
		n = 8
	}
	// The invocations take about half a minute in all; the deadline only
	// stops a soak that hung, with room for a busy machine (each
	// invocation has its own hang limit too).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := soak.Run(ctx, soak.Config{
		Binary: checkedBinary(t), Env: []string{asProgramEnv + "=1"},
		Seed: 20240501, N: n, Workers: 6,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d invocations in %s: exits %v, %d signalled, %d runs created", rep.Invocations, rep.Elapsed.Round(time.Millisecond), rep.ByExit, rep.Signals, rep.RunsCreated)
	for _, f := range rep.Failures {
		t.Errorf("%s:\n  %s\n%s", f.Plan, strings.Join(f.Problems, "\n  "), f.Log)
	}
}
