package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"sync"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/prcomment"
	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/report"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/work"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

// The step with prompts, wired: the batch run and waited for (runner's
// RunBatch: one list a poll), each ended run's work read into
// files_dir/<key>/, and the batch's outcome published (report's
// BuildBatch) with the exit code.

// runBatch runs the batch cfg.Batch asks for and returns the exit code.
func runBatch(ctx context.Context, cfg *config.Config, client *oz.Client, p ci.Platform, red *redact.Redactor, ws *workspace.Workspace, runOpts runner.Options,
	startSinks func() (*prcomment.Forge, []runner.Sink)) int {
	// The PR/MR comment (comment: true) is created once the first run has
	// an id and shows the batch's table as its runs go on (the sinks are
	// runner.BatchObservers), then its outcome.
	forge, sinks := startSinks()
	defer forge.Close()
	runOpts.Sinks = sinks
	res := runner.RunBatch(ctx, cfg.BatchSpec(newBatchID()), client, p, runOpts)
	if res.ListRefused {
		p.Debugf("the batch's %d polls took %d reads of single runs", res.Polls, res.Reads)
	} else {
		p.Debugf("the batch's %d polls took %d list pages", res.Polls, res.Reads)
	}
	b := res.Batch
	readBatchWork(ctx, cfg, client, p, ws, runOpts, &b)
	if ctx.Err() != nil && !b.Aborted {
		b.Aborted = true
		p.Warning("Aborted", fmt.Sprintf("aborted (%v) after the batch's runs ended, as their answers and files were read", context.Cause(ctx)))
	}
	shown := redact.Copy(red, b)
	code := shown.ExitCode(cfg.FailOn)
	for _, s := range sinks {
		if bs, ok := s.(prcomment.BatchSink); ok {
			bs.FinishBatch(ctx, shown)
		}
	}
	ro := reportOptions(cfg, p)
	rep := report.BuildBatch(shown, ro)
	return publish(ctx, p, forge, rep, code, "the batch's conclusion ("+string(shown.Result().Conclusion)+")", func() {
		if code == outcome.ExitOK {
			p.Notice(rep.Title, rep.Message)
		} else {
			p.Error(rep.Title, rep.Message)
		}
	})
}

// readBatchWork reads each ended run's answer and files (into
// files_dir/<key>/), workReaders runs at a time, all within one budget
// (as a single run's: 5 minutes, or timeout when shorter). The warnings
// come after, in list order.
func readBatchWork(ctx context.Context, cfg *config.Config, client *oz.Client, p ci.Platform, ws *workspace.Workspace, runOpts runner.Options, b *outcome.Batch) {
	wopts := workOptions(cfg, ws)
	wctx, cancel := context.WithTimeout(ctx, wopts.Time)
	defer cancel()
	var (
		mu    sync.Mutex // one log line at a time
		wg    sync.WaitGroup
		slots = make(chan struct{}, workReaders)
	)
	for i := range b.Runs {
		r := &b.Runs[i]
		if !work.Due(r.Result) {
			continue
		}
		o := wopts
		if o.FilesDir != "" {
			o.FilesDir = path.Join(o.FilesDir, r.Key)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-slots }()
			kp := keyPlatform{p, r.Key, &mu}
			r.Result.Work = work.Read(wctx, client, r.Result.RunID, r.Result.Run, kp, o)
			// The item's output_schema and pass_if (or the step's) judge
			// its answer, with repair follow-ups as for one run.
			r.Result = judgeRun(ctx, cfg.BatchItem(i), client, kp, runOpts, o, r.Result)
		}()
	}
	wg.Wait()
	warned := 0
	for _, r := range b.Runs {
		for _, w := range r.Result.Work.Warnings {
			if warned == maxWorkWarnings {
				p.Warning("The agent's work", "more warnings like these are in the log")
			}
			if warned++; warned > maxWorkWarnings {
				p.Logf("[%s] %s", r.Key, w)
				continue
			}
			p.Warning("The agent's work", "["+r.Key+"] "+w)
		}
	}
}

// workReaders is how many runs' work is read at once.
const workReaders = 8

// keyPlatform is the platform as one run of a batch speaks to it: its
// lines and annotations prefixed with its key, a line at a time.
type keyPlatform struct {
	ci.Platform
	key string
	mu  *sync.Mutex
}

func (k keyPlatform) Logf(format string, args ...any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.Platform.Logf("[%s] %s", k.key, fmt.Sprintf(format, args...))
}

func (k keyPlatform) Debugf(format string, args ...any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.Platform.Debugf("[%s] %s", k.key, fmt.Sprintf(format, args...))
}

func (k keyPlatform) Notice(title, message string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.Platform.Notice(title, "["+k.key+"] "+message)
}

func (k keyPlatform) Warning(title, message string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.Platform.Warning(title, "["+k.key+"] "+message)
}

func (k keyPlatform) Error(title, message string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.Platform.Error(title, "["+k.key+"] "+message)
}

// newBatchID is a batch's id: random, so that the list finds this step's
// runs and no other's.
func newBatchID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "batch-" + hex.EncodeToString(b[:])
}
