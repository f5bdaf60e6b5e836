// Package soak runs the oz-run program many times against the embedded
// fake API with seeded random faults, scenarios, inputs and signals, and
// checks after each invocation the invariants that oz-run promises: at most
// one run created, the outcome never lost (transient faults change
// nothing), the exit code agreeing with the outputs, the outputs file
// parsing by the CI's rules, the key in no stream or file, no hang, and
// (with the checked build) no goroutine leak, data race or panic.
//
// `go run ./bench soak` runs it; the repository's tests run a few
// invocations of it (soak_test.go). Invocation i of seed s is always the
// same plan, so a failure is reproduced with -seed s -from i -n 1.
package soak

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// key is the API key of every invocation; it must never show.
const key = "wk-soak-K3y-5f0e1d2c3b4a"

// TimeScale speeds the fake's runs up: a default run takes 225ms.
const TimeScale = 0.05

// invocationLimit bounds one invocation; beyond it the program hangs.
const invocationLimit = 30 * time.Second

// Config says what to run and how often.
type Config struct {
	Binary  string   // the program
	Env     []string // added to every invocation's environment
	Seed    uint64
	From    int // first invocation index
	N       int // invocations
	Workers int // at once (1: sequential)
	// Progress, if set, gets a line every so often.
	Progress func(format string, args ...any)
}

// Report counts what happened.
type Report struct {
	Seed        uint64
	Invocations int
	Elapsed     time.Duration
	ByExit      map[int]int
	ByFault     map[string]int
	Signals     int // invocations sent a signal
	Aborted     int // of which ended by it (exit 5)
	Timeouts    int // invocations ending timed_out
	RunsCreated int
	Recovered   int // lost create answers whose run was found again
	GitLab      int
	// The agent's work: invocations that followed up an earlier run, that
	// had files_dir, that published an answer, and the files downloaded.
	Followups, WithFilesDir, Answers, Files int
	// Batches by their on_blocked ("fail" for the default), and in them:
	// blocked_reply requests sent, runs a person unblocked while they
	// waited, runs ended error by a reply whose fate was unknown.
	BatchOnBlocked                                 map[string]int
	BatchReplies, BatchUnblocked, BatchReplyErrors int
	Failures                                       []Failure
}

// Failure is an invariant broken by one invocation.
type Failure struct {
	Plan     string
	Problems []string
	Log      string // the program's stdout and stderr
}

// Run runs cfg.N invocations and checks each. The error is only for the
// soak itself failing to run; broken invariants are in Report.Failures.
func Run(ctx context.Context, cfg Config) (Report, error) {
	rep := Report{Seed: cfg.Seed, ByExit: map[int]int{}, ByFault: map[string]int{}, BatchOnBlocked: map[string]int{}}
	if cfg.Binary == "" || cfg.N <= 0 {
		return rep, errors.New("soak: need a binary and N > 0")
	}
	workers := max(cfg.Workers, 1)
	root, err := os.MkdirTemp("", "oz-run-soak-")
	if err != nil {
		return rep, fmt.Errorf("soak: making a work directory: %w", err)
	}
	defer os.RemoveAll(root)

	start := time.Now()
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		next    = cfg.From
		runErr  error
		lastLog = time.Now()
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := i >= cfg.From+cfg.N || runErr != nil || ctx.Err() != nil
				mu.Unlock()
				if stop {
					return
				}
				p := newPlan(i, rand.New(rand.NewPCG(cfg.Seed, uint64(i))))
				res, err := invoke(ctx, cfg, p, filepath.Join(root, fmt.Sprint(i)))
				mu.Lock()
				if err != nil && runErr == nil && ctx.Err() == nil {
					runErr = fmt.Errorf("soak: invocation %s: %w", p, err)
				}
				if err == nil {
					rep.add(p, res)
				}
				if cfg.Progress != nil && time.Since(lastLog) > 10*time.Second {
					lastLog = time.Now()
					cfg.Progress("soak: %d/%d invocations, %d failures, %s", rep.Invocations, cfg.N, len(rep.Failures), time.Since(start).Round(time.Second))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	if runErr == nil && ctx.Err() != nil {
		runErr = fmt.Errorf("soak: stopped after %d invocations: %w", rep.Invocations, context.Cause(ctx))
	}
	return rep, runErr
}

func (r *Report) add(p *plan, res *result) {
	r.Invocations++
	r.ByExit[res.code]++
	for _, f := range p.faultNames {
		r.ByFault[f]++
	}
	if p.signal != nil {
		r.Signals++
		if res.code == 5 {
			r.Aborted++
		}
	}
	if res.outputs["conclusion"] == "timed_out" {
		r.Timeouts++
	}
	if p.gitlab {
		r.GitLab++
	}
	if p.followup {
		r.Followups++
	}
	if p.filesDir {
		r.WithFilesDir++
	}
	if res.outputs["agent_output"] != "" || res.files["oz-run-output.md"] != "" {
		r.Answers++
	}
	r.Files += len(res.downloaded)
	r.RunsCreated += res.created
	if p.recovers && strings.Contains(res.log(), "answer to the create was lost") {
		r.Recovered++
	}
	if b := p.batch; b != nil {
		r.BatchOnBlocked[or(b.onBlocked, "fail")]++
		r.BatchUnblocked += len(res.unblocked)
		for _, n := range res.batchPosts {
			r.BatchReplies += n
		}
	}
	probs := check(p, res)
	r.BatchReplyErrors += res.replyErrors
	if len(probs) > 0 {
		r.Failures = append(r.Failures, Failure{Plan: p.String(), Problems: probs, Log: res.log()})
	}
}

// result is what one invocation left.
type result struct {
	dir            string
	code           int
	hung           bool
	stdout, stderr string
	elapsed        time.Duration
	signalled      bool
	deletedEnded   bool // the run was deleted (p.deleteRun) after it had ended

	outputs    map[string]string
	outputsErr error
	files      map[string]string // every file the step's directory holds
	created    int
	creates    int
	cancels    int
	runState   string // the run's state in the fake at the end

	entries        []string          // the names at the top of the step's directory
	downloaded     map[string]string // files_dir's files, by path below it
	followupsTaken int               // follow-ups the run received
	followupPosts  int               // follow-up requests
	conversations  int               // conversation reads
	gets           int               // status reads of the program's own
	fakeNote       string            // what the fake says of the run, for the report

	thiefHits   int      // requests to the host a redirect named (p.redirect "away")
	moved       int      // requests to the path a relative redirect named
	fileQueries []string // the path and query of every request to the file server
	fileAuth    int      // requests to the file server with an Authorization header

	batchRuns []oz.Run // a batch's runs in the fake (p.batch)
	// A batch's requests by run id: follow-up POSTs, follow-ups the fake
	// took, cancels; the items a person unblocked (batchPlan.unblock);
	// when the program listed the batch's runs.
	batchPosts, batchTaken, batchCancels map[string]int
	unblocked                            map[string]bool
	lists                                []time.Time
	replyErrors                          int // runs ended error by their blocked_reply (set by checkBatch)
}

func (r *result) log() string { return r.stdout + r.stderr + r.fakeNote }

// invoke runs one invocation against a fake of its own.
func invoke(ctx context.Context, cfg Config, p *plan, dir string) (*result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	fctx, stopFake := context.WithCancel(ctx)
	defer stopFake()
	opts := append([]ozfake.Option{ozfake.WithAPIKey(key), ozfake.WithTimeScale(TimeScale)}, p.fakeOpts...)
	fake, base, err := ozfake.Serve(fctx, "127.0.0.1:0", opts...)
	if err != nil {
		return nil, err
	}
	defer func() { stopFake(); _ = fake.Wait() }()
	if p.followup {
		if _, err := ozfake.EndedRun(ctx, base, key); err != nil {
			return nil, fmt.Errorf("the earlier run to follow up: %w", err)
		}
	}
	// What the program does is counted from here (the earlier run's
	// requests are not its own).
	setupRequests, setupGets := len(fake.Requests()), fake.Count(routeGet)
	setupSignalRoute := fake.Count(p.signalRoute)
	var thiefHits atomic.Int32
	if p.redirect != "" {
		// The host a redirect carrying the key names: it must get nothing.
		thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			thiefHits.Add(1)
			_, _ = w.Write([]byte("stolen\n"))
		}))
		defer thief.Close()
		host := strings.TrimPrefix(thief.URL, "http://")
		for i, f := range p.faults {
			if loc := f.Header.Get("Location"); strings.Contains(loc, elsewhere) {
				f.Header = f.Header.Clone()
				f.Header.Set("Location", strings.ReplaceAll(loc, elsewhere, host))
				p.faults[i] = f
			}
		}
	}
	for _, f := range p.faults {
		if f.Nth > 0 {
			f.Nth += fake.Count(f.Path) // the Nth call of the program's own
		}
		fake.Inject(f)
	}

	env, err := p.environ(dir, base)
	if err != nil {
		return nil, err
	}
	ictx, cancel := context.WithTimeout(ctx, invocationLimit)
	defer cancel()
	cmd := exec.CommandContext(ictx, cfg.Binary)
	cmd.Dir = dir
	cmd.Env = append(env, cfg.Env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = time.Second
	res := &result{dir: dir}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cfg.Binary, err)
	}

	done := make(chan struct{})
	var drivers sync.WaitGroup
	if p.signal != nil {
		drivers.Add(1)
		go func() {
			defer drivers.Done()
			// From the first request on, the program handles signals (a
			// signal during the Go runtime's start would just kill it);
			// with a route, from its first call on (it hangs).
			for len(fake.Requests()) <= setupRequests || p.signalRoute != "" && fake.Count(p.signalRoute) <= setupSignalRoute {
				select {
				case <-done:
					return
				case <-time.After(time.Millisecond):
				}
			}
			t := time.NewTimer(p.signalAfter)
			defer t.Stop()
			select {
			case <-done:
			case <-t.C:
				res.signalled = cmd.Process.Signal(p.signal) == nil
			}
		}()
	}
	if p.deleteRun {
		drivers.Add(1)
		go func() {
			defer drivers.Done()
			for {
				select {
				case <-done:
					return
				case <-time.After(2 * time.Millisecond):
				}
				if fake.Count(routeGet) > setupGets {
					// Ended by then, the run may have been seen ended
					// by the first read (and no second read comes).
					if run, ok := fake.Run("fake-run-000001"); ok && run.State.IsTerminal() {
						res.deletedEnded = true
					}
					fake.Delete("fake-run-000001")
					return
				}
			}
		}()
	}
	if p.batch != nil && len(p.batch.unblock) > 0 {
		res.unblocked = map[string]bool{}
		drivers.Add(1)
		go func() {
			defer drivers.Done()
			unblockRuns(fake, p.batch.unblock, res.unblocked, done)
		}()
	}
	werr := cmd.Wait()
	close(done)
	drivers.Wait()
	res.elapsed = time.Since(start)
	res.stdout, res.stderr = out.String(), errb.String()
	res.code = cmd.ProcessState.ExitCode()
	res.hung = ictx.Err() != nil
	var exitErr *exec.ExitError
	if werr != nil && !errors.As(werr, &exitErr) && !res.hung {
		return nil, fmt.Errorf("running %s: %w", cfg.Binary, werr)
	}

	res.created = fake.CreatedCount()
	if p.batch != nil {
		res.batchRuns = fake.Runs()
		res.batchPosts, res.batchTaken, res.batchCancels = map[string]int{}, map[string]int{}, map[string]int{}
		for _, run := range res.batchRuns {
			res.batchTaken[run.RunID] = len(fake.Followups(run.RunID))
		}
		for _, q := range fake.Requests()[setupRequests:] {
			parts := strings.Split(strings.TrimSuffix(q.Path, "/"), "/")
			switch {
			case q.Route == routeFollowup && len(parts) > 1:
				res.batchPosts[parts[len(parts)-2]]++
			case q.Route == routeCancel && len(parts) > 1:
				res.batchCancels[parts[len(parts)-2]]++
			case q.Route == routeList:
				res.lists = append(res.lists, q.At)
			}
		}
	}
	res.creates = fake.Count(routeCreate)
	res.cancels = fake.Count(routeCancel)
	fus := fake.Followups("fake-run-000001")
	res.followupsTaken = len(fus)
	for _, f := range fus {
		res.fakeNote += fmt.Sprintf("fake: follow-up %s at %s, %s, picked up at %s\n", f.ID, f.At.Format(time.RFC3339Nano), f.Outcome, f.Picked.Format(time.RFC3339Nano))
	}
	if run, ok := fake.Run("fake-run-000001"); ok {
		res.fakeNote += fmt.Sprintf("fake: run fake-run-000001 is %s since %s\n", run.State, run.UpdatedAt)
	}
	res.followupPosts = fake.Count(routeFollowup)
	res.conversations = fake.Count(routeConversation)
	res.gets = fake.Count(routeGet) - setupGets
	res.thiefHits = int(thiefHits.Load())
	for _, q := range fake.Requests() {
		if !strings.HasPrefix(q.Path, ozfake.FilesPath) {
			continue
		}
		res.fileQueries = append(res.fileQueries, q.Path+"?"+q.RawQuery)
		if strings.HasPrefix(q.Path, movedPath) {
			res.moved++
		}
		if q.Header.Get("Authorization") != "" {
			res.fileAuth++
		}
	}
	if runs := fake.Runs(); len(runs) == 1 {
		res.runState = string(runs[0].State)
	}
	res.readFiles(p)
	return res, nil
}

// environ is the step's environment: a GitHub Actions container step or a
// GitLab CI job.
func (p *plan) environ(dir, base string) ([]string, error) {
	env := map[string]string{"PATH": "/usr/bin:/bin", "INPUT_API_URL": base}
	if p.gitlab {
		for k, v := range map[string]string{
			"GITLAB_CI": "true", "CI": "true", "CI_PROJECT_DIR": dir, "CI_PROJECT_PATH": "group/project",
			"CI_PIPELINE_ID": "7", "CI_JOB_ID": "8", "CI_COMMIT_SHA": "abc", "WARP_API_KEY": key,
		} {
			env[k] = v
		}
	} else {
		for k, v := range map[string]string{
			"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(dir, "output"),
			"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"), "GITHUB_WORKSPACE": dir,
			"GITHUB_REPOSITORY": "octo/repo", "GITHUB_RUN_ID": "42", "GITHUB_SERVER_URL": "https://github.com",
			"INPUT_WARP_API_KEY": key,
		} {
			env[k] = v
		}
		for _, f := range []string{"output", "summary"} {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
				return nil, err
			}
		}
	}
	for k, v := range p.inputs {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	for k, v := range p.env {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out, nil
}

// unblockRuns is the person who answers a batch's BLOCKED runs from the
// session (on_blocked: wait): each run of an item in after, once it has
// been BLOCKED that long, works again and then succeeds (the fake's run
// pinned INPROGRESS, then SUCCEEDED); unblocked gets the items it moved
// on. It returns when done is closed.
func unblockRuns(fake *ozfake.Server, after map[string]time.Duration, unblocked map[string]bool, done <-chan struct{}) {
	seen := map[string]time.Time{}    // when a run was first seen BLOCKED
	working := map[string]time.Time{} // when a run was moved on
	for {
		select {
		case <-done:
			return
		case <-time.After(2 * time.Millisecond):
		}
		now := time.Now()
		for _, run := range fake.Runs() {
			k, id := run.Metadata[itemKey], run.RunID
			d, ok := after[k]
			switch {
			case !ok:
			case !working[id].IsZero():
				if now.Sub(working[id]) >= 20*time.Millisecond && run.State == oz.StateInProgress {
					_ = fake.Finish(id, oz.StateSucceeded)
				}
			case run.State != oz.StateBlocked:
			case seen[id].IsZero():
				seen[id] = now
			case now.Sub(seen[id]) >= d:
				if fake.SetState(id, oz.StateInProgress) == nil {
					working[id], unblocked[k] = now, true
				}
			}
		}
	}
}
