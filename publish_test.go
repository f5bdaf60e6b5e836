package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/comment/forgefake"

	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// Publishing does not listen to signals, but it is linear and takes no
// network: a SIGTERM while the largest report is published (from the log
// line that says the run ended: the result is then redacted, rendered and
// written) leaves the run's outcome and every output file written whole.
// A SIGTERM while the largest answer is still being read aborts the step
// (exit 5), outputs intact. The signal is sent again every few
// milliseconds until the exit: the later ones are absorbed (the process
// exits with its own code, not killed by a signal). How soon it exits
// (GitHub kills the step 2.5 s after SIGTERM) is a figure of
// `go run ./bench`, on a quiet machine: on a busy one a bound here would
// fail for nothing.
func TestProcessSIGTERMWhilePublishingTheLargestReport(t *testing.T) {
	t.Parallel()
	body := ozfaketest.LargestRun("fake-run-000001", "SUCCEEDED")
	require.Less(t, len(body), ozfaketest.MaxClientBody)
	for _, platform := range []string{"github", "gitlab"} {
		for _, when := range []string{"publishing", "reading the answer"} {
			t.Run(platform+"/"+when, func(t *testing.T) {
				t.Parallel()
				fake, base := newFake(t)
				fake.Inject(onGet(ozfaketest.Fault{Status: 200, Body: body}))
				s := echoStepFor(t, platform, base)
				cmd := s.command()
				var out, errb bytes.Buffer
				pr, pw := io.Pipe()
				cmd.Stdout, cmd.Stderr = io.MultiWriter(&out, pw), &errb
				ended := make(chan struct{})
				go func() {
					lines := bufio.NewScanner(pr)
					lines.Buffer(nil, 1<<20)
					closed := false
					for lines.Scan() {
						if !closed && strings.Contains(lines.Text(), "Run fake-run-000001 ended:") {
							close(ended)
							closed = true
						}
					}
					_, _ = io.Copy(io.Discard, pr)
				}()
				start := time.Now()
				require.NoError(t, cmd.Start())
				if when == "publishing" {
					select {
					case <-ended:
					case <-time.After(hangLimit):
						t.Fatal("the run did not end")
					}
				} else {
					require.Eventually(t, func() bool { return fake.Count(routeGet) > 0 }, hangLimit, time.Millisecond)
				}
				first := time.Now()
				done := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						_ = cmd.Process.Signal(syscall.SIGTERM)
						select {
						case <-done:
							return
						case <-time.After(2 * time.Millisecond):
						}
					}
				}()
				err := cmd.Wait()
				exited := time.Now()
				close(done)
				wg.Wait()
				_ = pw.Close()
				s.finish(cmd, err, &out, &errb, start)
				t.Logf("exit %d, %s after the first SIGTERM (not checked: bench measures it)", s.code, exited.Sub(first))
				outs := s.stepOutputs() // every output file parses
				checkFilesWhole(t, s)   // the summary ends with its last line, the result file is JSON
				if when == "publishing" {
					assert.Equal(t, 5, s.code, "a signal aborts the step in any phase (exit 5)")
					assert.Equal(t, "succeeded", outs["conclusion"])
					assert.True(t, strings.Contains(s.file(summaryName(s)), "oz-run · the full run"), "the whole summary is written")
				} else {
					assert.Contains(t, []int{0, 5}, s.code, "aborted, unless the answer was in")
				}
				s.assertNoKey()
			})
		}
	}
}

// echoStepFor is a plain GitHub step or GitLab job (the test key), with a
// result file.
func echoStepFor(t *testing.T, platform, base string) *step {
	if platform == "github" {
		return githubStep(t, base, map[string]string{"result_file": "r.json"})
	}
	s := gitlabStep(t, base, "fix it")
	s.env["INPUT_RESULT_FILE"] = "r.json"
	return s
}

// The one network call around publishing is the PR comment's final edit.
// A forge that never answers it cannot hold the outputs back: a signal
// during the edit cuts it short, then the outputs are written whole. (How
// soon, against the runner's grace, is bench's figure, not a test's.)
func forgeHangsAtTheEndCases() []faultCase {
	var cases []faultCase
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cases = append(cases, faultCase{
			name:  fmt.Sprintf("comment/%v while the final edit waits on a forge that never answers", sig),
			forge: func(f *forgefake.Forge) { f.FailAlways(forgefake.OpAny, forgefake.Fault{Hang: true}) },
			during: func(p *proc) error {
				// The run ends; the final edit starts at once and hangs.
				deadline := time.Now().Add(hangLimit)
				for {
					if runs := p.fake.Runs(); len(runs) == 1 && runs[0].State.IsTerminal() && p.requests(routeGet) > 0 {
						break
					}
					if time.Now().After(deadline) {
						return fmt.Errorf("the run did not end")
					}
					time.Sleep(5 * time.Millisecond)
				}
				time.Sleep(500 * time.Millisecond)
				return p.signal(sig)
			},
			// Aborted (exit 5), as in any phase; the run's conclusion stands.
			code: 5, conclusion: "succeeded", created: 1, creates: 1,
			check: func(t *testing.T, p *proc) {
				p.s.assertNoToken(p.forge)
				assert.Empty(t, p.s.outputs()["comment_url"], "no comment was written")
			},
		})
	}
	return cases
}
