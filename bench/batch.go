package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// Many runs in one step (prompts): a batch of n runs in one oz-run
// process against the fake, beside n separate oz-run processes (a matrix
// of n jobs) watching one run each: the reads while runs work, the peak
// RSS, and the time from the last run's end to the exit.

// batchSide is one way of running the n runs.
type batchSide struct {
	reads     int           // GETs of single runs and list pages while runs worked
	polls     int           // lists asked (the first page of a poll), batch only
	rssKiB    int64         // the one process's peak (batch), the sum of the peaks (separate)
	maxRSSKiB int64         // the largest peak of one process
	exact     bool          // RSS from GNU time
	endToExit time.Duration // from the last run's end (its last write) to the (last) exit
	wall      time.Duration // from the first start to the last exit
}

type batchResult struct {
	runs              int
	batch, separate   batchSide
	runLength         time.Duration // each run's length, scaled
	pollFirst, pollTo time.Duration
}

// The batch bench's settings: runs of about 1.1 s (the default script at
// 0.2), polled from 200 ms growing to 1 s, all at once.
const (
	batchScale     = 0.2
	batchPollFirst = 200 * time.Millisecond
	batchPollMax   = time.Second
	// separateAtOnce is how many of the separate processes run at a time
	// on this machine (a matrix gives each its own runner).
	separateAtOnce = 25
)

func measureBatch(ctx context.Context, bin, work string, n int) (*batchResult, error) {
	res := &batchResult{runs: n, runLength: time.Duration(5.5 * batchScale * float64(time.Second)), pollFirst: batchPollFirst, pollTo: batchPollMax}
	var err error
	if res.batch, err = batchOnce(ctx, bin, filepath.Join(work, "batch"), n); err != nil {
		return nil, fmt.Errorf("a batch of %d: %w", n, err)
	}
	if res.separate, err = separateOnce(ctx, bin, filepath.Join(work, "separate"), n); err != nil {
		return nil, fmt.Errorf("%d separate processes: %w", n, err)
	}
	return res, nil
}

// batchFake serves the fake for one side until ctx ends.
func batchFake(ctx context.Context) (*ozfake.Server, string, error) {
	return ozfake.Serve(ctx, "127.0.0.1:0", ozfake.WithAPIKey(benchKey), ozfake.WithTimeScale(batchScale))
}

// lastEnd is the last write of the fake's runs: the last run's end.
func lastEnd(fake *ozfake.Server) (time.Time, error) {
	var last time.Time
	for _, r := range fake.Runs() {
		if !r.State.IsTerminal() {
			return last, fmt.Errorf("run %s did not end (%s)", r.RunID, r.State)
		}
		t, err := time.Parse(time.RFC3339Nano, r.UpdatedAt)
		if err != nil {
			return last, err
		}
		if t.After(last) {
			last = t
		}
	}
	return last, nil
}

func batchOnce(ctx context.Context, bin, dir string, n int) (batchSide, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fake, base, err := batchFake(ctx)
	if err != nil {
		return batchSide{}, err
	}
	defer func() { _ = fake.Wait() }()
	defer cancel()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return batchSide{}, err
	}
	var list strings.Builder
	for i := range n {
		fmt.Fprintf(&list, "- key: r%d\n  prompt: bench run %d\n", i+1, i+1)
	}
	env, err := githubEnv(dir, base, map[string]string{
		"prompts": list.String(), "max_parallel": "100", "summary": "true",
		"poll_interval": batchPollFirst.String(), "poll_max_interval": batchPollMax.String(),
	})
	if err != nil {
		return batchSide{}, err
	}
	delete(env, "INPUT_PROMPT")
	p, exact, err := runMeasured(ctx, bin, nil, env, dir)
	if err == nil && p.code != 0 {
		err = fmt.Errorf("oz-run exited %d:\n%s", p.code, p.log)
	}
	if err != nil {
		return batchSide{}, err
	}
	if got := len(fake.Runs()); got != n {
		return batchSide{}, fmt.Errorf("%d runs created, want %d", got, n)
	}
	end, err := lastEnd(fake)
	if err != nil {
		return batchSide{}, err
	}
	s := batchSide{reads: fake.Count("GET /agent/runs") + fake.Count("GET /agent/runs/{id}"), rssKiB: p.maxRSSKiB, maxRSSKiB: p.maxRSSKiB,
		exact: exact, endToExit: p.exit.Sub(end), wall: p.exit.Sub(p.start)}
	for _, r := range fake.Requests() {
		if r.Route == "GET /agent/runs" && !strings.Contains(r.RawQuery, "cursor=") {
			s.polls++
		}
	}
	return s, nil
}

func separateOnce(ctx context.Context, bin, dir string, n int) (batchSide, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fake, base, err := batchFake(ctx)
	if err != nil {
		return batchSide{}, err
	}
	defer func() { _ = fake.Wait() }()
	defer cancel()
	s := batchSide{exact: true}
	var (
		mu               sync.Mutex
		firstStart, exit time.Time
		wg               sync.WaitGroup
		errOnce          error
		slots            = make(chan struct{}, separateAtOnce)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			d := filepath.Join(dir, fmt.Sprint(i+1))
			if err := os.MkdirAll(d, 0o755); err != nil {
				mu.Lock()
				errOnce = err
				mu.Unlock()
				return
			}
			env, err := githubEnv(d, base, map[string]string{
				"prompt": fmt.Sprintf("bench run %d", i+1), "summary": "true",
				"poll_interval": batchPollFirst.String(), "poll_max_interval": batchPollMax.String(),
			})
			var p proc
			exact := false
			if err == nil {
				p, exact, err = runMeasured(ctx, bin, nil, env, d)
			}
			if err == nil && p.code != 0 {
				err = fmt.Errorf("oz-run exited %d:\n%s", p.code, p.log)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errOnce = err
				return
			}
			s.rssKiB += p.maxRSSKiB
			s.maxRSSKiB = max(s.maxRSSKiB, p.maxRSSKiB)
			s.exact = s.exact && exact
			if firstStart.IsZero() || p.start.Before(firstStart) {
				firstStart = p.start
			}
			if p.exit.After(exit) {
				exit = p.exit
			}
		}()
	}
	wg.Wait()
	if errOnce != nil {
		return batchSide{}, errOnce
	}
	end, err := lastEnd(fake)
	if err != nil {
		return batchSide{}, err
	}
	s.reads = fake.Count("GET /agent/runs") + fake.Count("GET /agent/runs/{id}")
	s.endToExit, s.wall = exit.Sub(end), exit.Sub(firstStart)
	return s, nil
}

// batchRows writes the batch's rows of the table.
func (r *benchReport) batchRows(b *strings.Builder, miss func(format string, args ...any)) {
	br := r.batch
	if br == nil {
		return
	}
	bs, ss := br.batch, br.separate
	fmt.Fprintf(b, "| %d runs in one step (`prompts`, runs of %s polled from %s to %s): reads while they work | %d (%d polls, %.2f pages a poll) | %d (%d separate oz-run processes, %d at a time) | 1 page a poll per 100 runs | %s |\n",
		br.runs, secs(br.runLength), ms(br.pollFirst), secs(br.pollTo), bs.reads, bs.polls, float64(bs.reads)/float64(max(bs.polls, 1)), ss.reads, br.runs, separateAtOnce,
		verdict(bs.reads <= bs.polls*((br.runs+99)/100)))
	fmt.Fprintf(b, "| … peak RSS | %s | %s in all (%s the largest) | < 40 MiB | %s |\n", mib(bs.rssKiB*1024), mib(ss.rssKiB*1024), mib(ss.maxRSSKiB*1024), verdict(bs.rssKiB*1024 < 40<<20))
	fmt.Fprintf(b, "| … the last run's end → exit | %s | %s (the last process) | | |\n", ms(bs.endToExit), ms(ss.endToExit))
	fmt.Fprintf(b, "| … first start → exit | %s | %s | | |\n", secs(bs.wall), secs(ss.wall))
	if bs.rssKiB*1024 >= 40<<20 {
		miss("a batch of %d runs peaked at %s, over 40 MiB.", br.runs, mib(bs.rssKiB*1024))
		r.failed = append(r.failed, fmt.Sprintf("batch peak RSS %s, target 40 MiB", mib(bs.rssKiB*1024)))
	}
}
