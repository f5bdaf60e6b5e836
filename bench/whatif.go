package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/oz-run/oz-run-action/internal/runner"
)

// whatIf is a schedule simulated without processes: the runner's loop (read,
// reset the backoff on a state change, wait the next backoff) over the
// bench's script, with another multiplier or jitter, or with the jittered
// wait kept under the cap. It tells what a change of the knobs that are not
// contract inputs would buy; the measured table is the product.
type whatIf struct {
	name       string
	multiplier float64
	jitter     float64
	underCap   bool          // clamp each wait to the cap, as the runner does
	fixed      time.Duration // a fixed poller instead (first read one period after the create)
}

var whatIfs = []whatIf{
	{name: fmt.Sprintf("oz-run today: ×%g, jitter ±%g%%, waits kept ≤ 30 s", runner.PollMultiplier, runner.PollJitter*100),
		multiplier: runner.PollMultiplier, jitter: runner.PollJitter, underCap: true},
	{name: "×1.5, jitter ±20% (may pass the cap)", multiplier: 1.5, jitter: 0.2},
	{name: "×1.5, jitter ±20%, waits kept ≤ 30 s", multiplier: 1.5, jitter: 0.2, underCap: true},
	{name: "×2, jitter ±20%, waits kept ≤ 30 s", multiplier: 2, jitter: 0.2, underCap: true},
	{name: "×2.5, jitter ±20%, waits kept ≤ 30 s", multiplier: 2.5, jitter: 0.2, underCap: true},
	{name: "fixed 30 s", fixed: 30 * time.Second},
	{name: "fixed 3 s", fixed: 3 * time.Second},
}

// whatIfStats are the simulated means over many runs of one length.
type whatIfStats struct {
	requests    float64
	mean, worst time.Duration
}

// simulate runs n runs of about length (the bench's random phase).
func (w whatIf) simulate(length time.Duration, n int, r *rand.Rand) whatIfStats {
	var totalLat time.Duration
	var out whatIfStats
	count := 0
	for range n {
		end := runEnd(length, r)
		var lat time.Duration
		var reads int
		if w.fixed > 0 {
			reads = int((end + w.fixed - 1) / w.fixed)
			lat = time.Duration(reads)*w.fixed - end
		} else {
			reads, lat = w.backoffRun(end, r)
		}
		count += reads
		totalLat += lat
		out.worst = max(out.worst, lat)
	}
	out.requests = float64(count) / float64(n)
	out.mean = totalLat / time.Duration(n)
	return out
}

// backoffRun is the runner's loop over one run ending at end: a read right
// after the create, then the backoff's waits, reset on a state change.
func (w whatIf) backoffRun(end time.Duration, r *rand.Rand) (reads int, latency time.Duration) {
	changes := []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond, end}
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = 2*time.Second, 30*time.Second
	b.Multiplier, b.RandomizationFactor, b.MaxElapsedTime = w.multiplier, 0, 0
	b.Reset()
	t, seen := time.Duration(0), 0 // seen: state changes observed
	for {
		reads++
		passed := 0 // changes passed at t; all of them: the run has ended
		for passed < len(changes) && changes[passed] <= t {
			passed++
		}
		if passed == len(changes) {
			return reads, t - end
		}
		if passed != seen {
			seen = passed
			b.Reset()
		}
		// The jitter, drawn from r so that runs are reproducible, as
		// backoff/v4 applies it: uniform within ±jitter of the interval.
		d := b.NextBackOff()
		d = time.Duration(float64(d) * (1 - w.jitter + 2*w.jitter*r.Float64()))
		if w.underCap {
			d = min(d, b.MaxInterval)
		}
		t += d
	}
}
