package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/abort"
	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// The abort deadline (internal/abort), as the process keeps it: after a
// signal, the remote cancel comes first, the comment's final edit next,
// and the outputs last, whole, with exit 5. These tests check the order
// and the results; how soon the process exits is a figure of `go run
// ./bench` (the time from each signal to the exit, with a slow cancel
// endpoint and the largest report), not a test's.

// abortStep starts a GitHub step on a pull request, with the PR comment,
// a result file and a run that never ends, and waits until the run is
// working and the comment exists.
func abortStep(t *testing.T, faults ...ozfaketest.Fault) (*ozfake.Server, *forgefake.Forge, *step, *abortProc) {
	t.Helper()
	fake, base := newFake(t)
	for _, f := range faults {
		fake.Inject(f)
	}
	f := newForge(t, false)
	s := onPullRequest(githubStep(t, base, map[string]string{"prompt": "[fake:slow] x", "result_file": "r.json"}), f)
	p := &abortProc{s: s, cmd: s.command()}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errb
	p.start = time.Now()
	require.NoError(t, p.cmd.Start())
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	deadline := time.Now().Add(hangLimitAbort)
	for {
		runs := fake.Runs()
		if len(marked(f, githubMarker)) == 1 && len(runs) == 1 && runs[0].State == oz.StateInProgress && fake.Count(routeGet) > 1 {
			break
		}
		require.False(t, time.Now().After(deadline), "the run did not start working, or the comment was not made")
		time.Sleep(5 * time.Millisecond)
	}
	return fake, f, s, p
}

// hangLimitAbort only detects a hang: a busy machine and the race
// detector need room.
const hangLimitAbort = time.Minute

// abortProc is the program's process in abortStep.
type abortProc struct {
	s         *step
	cmd       *exec.Cmd
	out, errb bytes.Buffer
	start     time.Time
	exited    time.Time
}

// wait waits for the exit and reads the step's results.
func (p *abortProc) wait(t *testing.T) {
	t.Helper()
	err := p.cmd.Wait()
	p.exited = time.Now()
	p.s.finish(p.cmd, err, &p.out, &p.errb, p.start)
}

// assertWhole checks that the step's files are whole, as a kill right
// after the exit would find them: the outputs parse by GitHub's rules and
// say the run was cancelled, the summary ends with its last line, the
// result file is valid JSON, and no key is anywhere.
func assertWhole(t *testing.T, s *step, runID string) {
	t.Helper()
	outs := s.stepOutputs()
	assert.Equal(t, runID, outs["run_id"])
	sum := strings.TrimRight(s.file(summaryName(s)), "\n")
	assert.True(t, strings.HasPrefix(sum[strings.LastIndex(sum, "\n")+1:], "oz-run · "), "the summary ends with its last line")
	assert.True(t, json.Valid([]byte(s.file("r.json"))), "the result file is valid JSON")
	s.assertNoKey()
}

// cancelTimes are the arrival times of the cancel requests at the fake.
func cancelTimes(fake *ozfake.Server) []time.Time {
	var out []time.Time
	for _, r := range fake.Requests() {
		if r.Route == routeCancel {
			out = append(out, r.At)
		}
	}
	return out
}

// On SIGINT (GitHub's first signal) and on SIGTERM (GitLab's, and
// GitHub's second): the cancel request reaches the API after the signal
// and before the exit; the comment's final edit, made after the cancel
// (it says the run was cancelled), happens when the forge answers at
// once; the outputs are whole; exit 5.
func TestAbortCancelThenCommentThenOutputs(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(abort.Name(sig), func(t *testing.T) {
			t.Parallel()
			fake, f, s, p := abortStep(t)
			signalled := time.Now()
			require.NoError(t, p.cmd.Process.Signal(sig))
			p.wait(t)
			assert.Equal(t, 5, s.code, s.stdout)
			cancels := cancelTimes(fake)
			require.Len(t, cancels, 1, "one cancel")
			assert.False(t, cancels[0].Before(signalled), "the cancel came after the signal")
			assert.True(t, cancels[0].Before(p.exited), "the cancel reached the API before the exit")
			ours := marked(f, githubMarker)
			require.Len(t, ours, 1)
			assert.Contains(t, ours[0].Body, "was aborted", "the final edit happened")
			assert.Contains(t, ours[0].Body, "cancelled the remote run", "after the cancel")
			assert.NotEmpty(t, s.outputs()["comment_url"])
			assert.Equal(t, "cancelled", s.outputs()["conclusion"])
			assertWhole(t, s, fake.Runs()[0].RunID)
			s.assertNoToken(f)
		})
	}
}

// A cancel endpoint that never answers: the cancel is given up when the
// signal's share for it has passed, and the warning says so; what is left
// goes to the comment's final edit, then the outputs, whole; exit 5. A
// SIGTERM after the SIGINT (sent once the cancel request has arrived)
// brings the cancel's end forward to its own (the SIGINT's would come
// 3.5 s after it, the SIGTERM's 1 s after the later signal).
func TestAbortCancelThatHangsIsGivenUpAtTheSignalsShare(t *testing.T) {
	t.Parallel()
	hang := ozfaketest.Fault{Path: routeCancel, Hang: true}
	for _, tc := range []struct {
		name    string
		signals []syscall.Signal
	}{
		{"SIGTERM", []syscall.Signal{syscall.SIGTERM}},
		{"SIGINT then SIGTERM", []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, f, s, p := abortStep(t, hang)
			proc := p.cmd.Process
			var sent []time.Time
			for i, sig := range tc.signals {
				if i > 0 { // the next signal once the cancel has been asked for
					deadline := time.Now().Add(hangLimitAbort)
					for fake.Count(routeCancel) == 0 && time.Now().Before(deadline) {
						time.Sleep(2 * time.Millisecond)
					}
				}
				sent = append(sent, time.Now())
				require.NoError(t, proc.Signal(sig))
			}
			p.wait(t)
			assert.Equal(t, 5, s.code, s.stdout)
			cancels := cancelTimes(fake)
			require.Len(t, cancels, 1)
			assert.False(t, cancels[0].Before(sent[0]), "the cancel came after the signal")
			assert.True(t, cancels[0].Before(p.exited))
			assert.Contains(t, s.stdout, "title=Oz run may still be going::")
			// Whose share ended the cancel follows from when the signals
			// were sent: the SIGTERM's, unless the machine was so slow
			// that it came 2.5 s after the SIGINT (then the SIGINT's came
			// first); in between either may have.
			want := "the time SIGTERM leaves for the remote cancel has passed"
			if len(sent) == 2 {
				switch gap := sent[1].Sub(sent[0]); {
				case gap > 2600*time.Millisecond:
					want = "the time SIGINT leaves for the remote cancel has passed"
				case gap > 2400*time.Millisecond:
					want = "leaves for the remote cancel has passed"
				}
			}
			assert.Contains(t, s.stdout, want)
			// The comment's edit gets what is left before publishing's
			// reserve: on a busy machine that may be too little to try.
			ours := marked(f, githubMarker)
			require.Len(t, ours, 1)
			edited := strings.Contains(ours[0].Body, "was aborted")
			skipped := strings.Contains(s.stdout, "no time is left before the runner stops it")
			assert.True(t, edited != skipped, "the final edit either happened or was skipped, saying so")
			t.Logf("final edit made: %v; exit %s after the first signal", edited, p.exited.Sub(sent[0]).Round(time.Millisecond))
			if edited {
				assert.Contains(t, ours[0].Body, "may still be going", "the edit came after the cancel was given up")
			}
			assertWhole(t, s, fake.Runs()[0].RunID)
			s.assertNoToken(f)
		})
	}
}

// A GitLab job (SIGTERM is GitLab's only signal): the cancel reaches the
// API before the exit, the dotenv report, the summary and the result file
// are whole, exit 5.
func TestAbortGitLabJob(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := gitlabStep(t, base, "[fake:slow] x")
	s.env["INPUT_RESULT_FILE"] = "r.json"
	cmd := s.command()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.Now().Add(hangLimitAbort)
	for {
		runs := fake.Runs()
		if len(runs) == 1 && runs[0].State == oz.StateInProgress && fake.Count(routeGet) > 1 {
			break
		}
		require.False(t, time.Now().After(deadline), "the run did not start working")
		time.Sleep(5 * time.Millisecond)
	}
	signalled := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := cmd.Wait()
	exited := time.Now()
	s.finish(cmd, err, &out, &errb, start)
	assert.Equal(t, 5, s.code, s.stdout)
	cancels := cancelTimes(fake)
	require.Len(t, cancels, 1)
	assert.False(t, cancels[0].Before(signalled))
	assert.True(t, cancels[0].Before(exited))
	assert.Equal(t, "cancelled", s.stepOutputs()["conclusion"])
	assertWhole(t, s, fake.Runs()[0].RunID)
}
