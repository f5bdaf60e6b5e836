package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/oz-run/oz-run-action/internal/abort"
	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// The abort figures (issue 17): the time from a signal to the process's
// exit, against the deadline the signal sets (internal/abort: 7 s after
// SIGINT, 2 s after SIGTERM; GitHub sends SIGTERM 7.5 s after SIGINT and
// kills 2.5 s after SIGTERM), in the worst cases the deadline is built
// for: every phase it shares takes all it may. The fake answers every
// status read with the largest run the client reads (so the report to
// publish is the largest), its cancel endpoint never answers, and the
// step writes a PR comment on a fake GitHub that never answers either.

// abortCase is one way a signal meets the step.
type abortCase struct {
	name string
	// state is the run's state in the largest answer.
	state string
	// ready reports, from the fake's count of status reads and the log so
	// far, when to send the signal.
	ready func(gets int, log string) bool
}

var abortCases = []abortCase{
	{name: "while waiting (the cancel hangs, then the comment's final edit)", state: "INPROGRESS",
		ready: func(gets int, _ string) bool { return gets >= 2 }},
	{name: "once the run has ended, the largest report to publish", state: "SUCCEEDED",
		ready: func(_ int, log string) bool { return strings.Contains(log, "Run fake-run-000001 ended:") }},
}

// abortSample is one signalled run.
type abortSample struct {
	toExit time.Duration // the signal sent -> the process exited
	code   int
}

// abortResult holds the samples by case and signal ("SIGINT", "SIGTERM").
type abortResult struct {
	samples map[string]map[string][]abortSample
}

// measureAbort runs oz-run n times per case and signal.
func measureAbort(ctx context.Context, bin, work string, n int) (*abortResult, error) {
	res := &abortResult{samples: map[string]map[string][]abortSample{}}
	for ci, c := range abortCases {
		res.samples[c.name] = map[string][]abortSample{}
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			for i := range n {
				dir := filepath.Join(work, fmt.Sprintf("abort-%d-%s-%d", ci, abort.Name(sig), i))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return nil, err
				}
				s, err := runAborted(ctx, bin, dir, c, sig)
				if err != nil {
					return nil, fmt.Errorf("abort %s, %s: %w", c.name, abort.Name(sig), err)
				}
				res.samples[c.name][abort.Name(sig)] = append(res.samples[c.name][abort.Name(sig)], s)
			}
		}
	}
	return res, nil
}

// runAborted is one run of oz-run as a GitHub step on a pull request,
// with a result file and the PR comment, signalled when c says.
func runAborted(ctx context.Context, bin, dir string, c abortCase, sig syscall.Signal) (abortSample, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fake := ozfake.New(ozfake.WithAPIKey(benchKey), ozfake.WithTimeScale(0.01))
	fake.Inject(ozfaketest.Fault{Path: "GET /agent/runs/{id}", Status: 200, Body: ozfaketest.LargestRun("fake-run-000001", c.state)})
	fake.Inject(ozfaketest.Fault{Path: "POST /agent/runs/{id}/cancel", Hang: true})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return abortSample{}, err
	}
	hs := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	forge := forgefake.NewGitHub("")
	forge.FailAlways(forgefake.OpAny, forgefake.Fault{Hang: true})
	defer forge.Close()

	event := filepath.Join(dir, "event.json")
	if err := os.WriteFile(event, []byte(`{"action":"synchronize","number":7,"pull_request":{"number":7}}`), 0o644); err != nil {
		return abortSample{}, err
	}
	env, err := githubEnv(dir, "http://"+ln.Addr().String()+ozfake.BasePath,
		map[string]string{"poll_interval": "10ms", "poll_max_interval": "50ms", "result_file": "oz-result.json", "comment": "true", "github_token": forge.Token})
	if err != nil {
		return abortSample{}, err
	}
	env["GITHUB_EVENT_NAME"], env["GITHUB_EVENT_PATH"], env["GITHUB_API_URL"] = "pull_request", event, forge.APIURL()

	logPath := filepath.Join(dir, "process.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return abortSample{}, err
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = dir
	for _, k := range slices.Sorted(maps.Keys(env)) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return abortSample{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	readLog := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	hang := time.NewTimer(time.Minute)
	defer hang.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !c.ready(fake.Count("GET /agent/runs/{id}"), readLog()) {
		select {
		case err := <-exited:
			return abortSample{}, fmt.Errorf("oz-run exited before the signal (%v):\n%s", err, readLog())
		case <-hang.C:
			_ = cmd.Process.Kill()
			<-exited
			return abortSample{}, fmt.Errorf("oz-run never reached the moment of the signal:\n%s", readLog())
		case <-tick.C:
		}
	}
	sent := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		return abortSample{}, err
	}
	var werr error
	select {
	case werr = <-exited:
	case <-hang.C:
		_ = cmd.Process.Kill()
		<-exited
		return abortSample{}, fmt.Errorf("oz-run did not exit after %s:\n%s", abort.Name(sig), readLog())
	}
	s := abortSample{toExit: time.Since(sent), code: cmd.ProcessState.ExitCode()}
	var exitErr *exec.ExitError
	if werr != nil && !errors.As(werr, &exitErr) {
		return s, werr
	}
	if s.code != 5 && (s.code != 0 || c.state == "INPROGRESS") {
		return s, fmt.Errorf("oz-run exited %d after %s, want 5 (or 0 when the run had ended):\n%s", s.code, abort.Name(sig), readLog())
	}
	if c.state == "INPROGRESS" && fake.Count("POST /agent/runs/{id}/cancel") != 1 {
		return s, fmt.Errorf("the fake got %d cancels, want 1", fake.Count("POST /agent/runs/{id}/cancel"))
	}
	if err := checkLargestOutputs(dir, "GitHub"); err != nil {
		return s, err
	}
	return s, nil
}

// worst is the longest signal-to-exit time of a case and signal.
func (r *abortResult) worst(name, sig string) time.Duration {
	var w time.Duration
	for _, s := range r.samples[name][sig] {
		w = max(w, s.toExit)
	}
	return w
}

// durations are the signal-to-exit times of a case and signal.
func (r *abortResult) durations(name, sig string) []time.Duration {
	var ds []time.Duration
	for _, s := range r.samples[name][sig] {
		ds = append(ds, s.toExit)
	}
	return ds
}

// nextSignal is what GitHub does after sig, and when.
func nextSignal(sig string) (string, time.Duration) {
	if sig == "SIGINT" {
		return "SIGTERM", 7500 * time.Millisecond
	}
	return "the kill", 2500 * time.Millisecond
}

// abortWindow is the deadline sig sets.
func abortWindow(sig string) time.Duration {
	if sig == "SIGINT" {
		return abort.Window(os.Interrupt)
	}
	return abort.Window(syscall.SIGTERM)
}
