package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/runner"
)

// Policies compared: oz-run's default (2s growing by runner.PollMultiplier
// with runner.PollJitter to 30s, reset on every state change) and the fixed
// pollers in use today.
var policyOzRun = fmt.Sprintf("oz-run default (2s ×%g → 30s, jitter %g%%, waits ≤ cap)", runner.PollMultiplier, runner.PollJitter*100)

const (
	policyFixed30 = "fixed 30 s (Warp's CI client)"
	policyFixed3  = "fixed 3 s (Warp's CLI)"
)

var fixedPeriods = map[string]time.Duration{policyFixed30: 30 * time.Second, policyFixed3: 3 * time.Second}

// pollSample is one run watched by one policy, in unscaled time.
type pollSample struct {
	requests int
	latency  time.Duration // from the run's end to its detection
}

// pollResult is every sample, by run length and policy.
type pollResult struct {
	scale     float64
	reps      map[time.Duration]int
	samples   map[time.Duration]map[string][]pollSample
	maxRSSKiB int64 // the peak RSS of the oz-run processes
	rssExact  bool  // measured by GNU time (else an upper bound)
}

// runEnd is a run's length for one repetition: the nominal length moved by
// a random phase, uniform over min(30s, length/2) around it, so that each
// poller's schedule meets the end at every phase.
func runEnd(length time.Duration, r *rand.Rand) time.Duration {
	w := min(30*time.Second, length/2)
	return length - w/2 + time.Duration(r.Int64N(int64(w)))
}

// benchScript is a run that queues, starts and works until end.
func benchScript(end time.Duration) ozfake.Script {
	return ozfake.Script{
		Steps: []ozfake.Step{
			{State: oz.StateQueued, For: 500 * time.Millisecond},
			{State: oz.StatePending, For: 500 * time.Millisecond},
			{State: oz.StateClaimed, For: 500 * time.Millisecond},
			{State: oz.StateInProgress, For: end - 1500*time.Millisecond},
		},
		Final: oz.StateSucceeded,
	}
}

// scaledEnd is when the fake ends a run of script sc at scale f: each step
// is scaled on its own, as the fake does.
func scaledEnd(sc ozfake.Script, f float64) time.Duration {
	var d time.Duration
	for _, st := range sc.Steps {
		d += time.Duration(float64(st.For) * f)
	}
	return d
}

// measurePolling watches runs of each length with the three policies at
// once (oz-run as a process, the fixed pollers as loops), all time-scaled
// by scale, reps times per length, conc repetitions at a time.
func measurePolling(ctx context.Context, bin, work string, scale float64, lengths []time.Duration, reps map[time.Duration]int, conc int, r *rand.Rand, progress func(string, ...any)) (*pollResult, error) {
	res := &pollResult{scale: scale, reps: reps, samples: map[time.Duration]map[string][]pollSample{}, rssExact: true}
	var mu sync.Mutex
	for _, length := range lengths {
		res.samples[length] = map[string][]pollSample{}
		ends := make([]time.Duration, reps[length])
		for i := range ends {
			ends[i] = runEnd(length, r)
		}
		progress("polling: %d runs of about %s (%.0fs each at scale %g)", len(ends), length, length.Seconds()*scale, scale)
		sem := make(chan struct{}, conc)
		errs := make(chan error, len(ends))
		var wg sync.WaitGroup
		for i, end := range ends {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				dir := filepath.Join(work, fmt.Sprintf("poll-%s-%d", length, i))
				got, rss, exact, err := watchOnce(ctx, bin, dir, scale, end)
				if err != nil {
					errs <- fmt.Errorf("a run of %s: %w", end, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				res.maxRSSKiB = max(res.maxRSSKiB, rss)
				res.rssExact = res.rssExact && exact
				for p, s := range got {
					res.samples[length][p] = append(res.samples[length][p], s)
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return nil, err
		}
	}
	return res, nil
}

// watchOnce serves one fake whose runs end at end (unscaled), and watches
// one run with each policy at the same time.
func watchOnce(ctx context.Context, bin, dir string, scale float64, end time.Duration) (_ map[string]pollSample, rssKiB int64, rssExact bool, _ error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sc := benchScript(end)
	rc, base, err := serveRecorder(ctx, ozfake.WithTimeScale(scale), ozfake.WithDefaultScript(sc))
	if err != nil {
		return nil, 0, false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, false, err
	}
	scaled := func(d time.Duration) string { return time.Duration(float64(d) * scale).String() }
	env := map[string]string{
		"PATH": "/usr/bin:/bin", "WARP_API_KEY": benchKey, "INPUT_API_URL": base,
		"INPUT_PROMPT": "bench: watch a run", "INPUT_TIMEOUT": "1h", "INPUT_SUMMARY": "false",
		"INPUT_POLL_INTERVAL": scaled(2 * time.Second), "INPUT_POLL_MAX_INTERVAL": scaled(30 * time.Second),
	}

	ids := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for name, period := range fixedPeriods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := pollFixed(ctx, base, time.Duration(float64(period)*scale))
			if err != nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				return
			}
			mu.Lock()
			ids[id] = name
			mu.Unlock()
		}()
	}
	p, exact, err := runMeasured(ctx, bin, nil, env, dir)
	if err == nil && p.code != 0 {
		err = fmt.Errorf("oz-run exited %d:\n%s", p.code, p.log)
	}
	if err != nil {
		cancel()
		wg.Wait()
		return nil, 0, false, err
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, 0, false, err
	}

	out := map[string]pollSample{}
	endAt := scaledEnd(sc, scale)
	for _, id := range rc.runIDs() {
		name, ok := ids[id]
		if !ok {
			name = policyOzRun
		}
		rec, _ := rc.run(id)
		if rec.terminal.IsZero() {
			return nil, 0, false, fmt.Errorf("%s never saw run %s end", name, id)
		}
		lat := rec.terminal.Sub(rec.created.Add(endAt))
		out[name] = pollSample{requests: rec.gets, latency: time.Duration(float64(lat) / scale)}
	}
	if len(out) != 3 {
		return nil, 0, false, fmt.Errorf("watched %d runs, want 3", len(out))
	}
	return out, p.maxRSSKiB, exact, nil
}

// pollFixed creates a run and reads it every period (the first read one
// period after the create) until it ends, as a fixed-interval client does.
func pollFixed(ctx context.Context, base string, period time.Duration) (string, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	do := func(method, url string, body []byte, v any) error {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+benchKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s %s: HTTP %d: %s", method, url, resp.StatusCode, b)
		}
		return json.Unmarshal(b, v)
	}
	var created struct {
		RunID string `json:"run_id"`
	}
	if err := do(http.MethodPost, base+"/agent/runs", []byte(`{"prompt":"bench: a fixed poller"}`), &created); err != nil {
		return "", err
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-t.C:
		}
		var run struct {
			State oz.State `json:"state"`
		}
		if err := do(http.MethodGet, base+"/agent/runs/"+created.RunID, nil, &run); err != nil {
			return "", err
		}
		if run.State.IsTerminal() {
			return created.RunID, nil
		}
	}
}
