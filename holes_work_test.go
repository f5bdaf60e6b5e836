package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// Issue 16, items 2, 5, 6 and 10, as processes: a redirect that would
// carry the key to another host is not followed; reading the answer and
// downloading share one budget, said in the log; artifacts past the 1000
// read are one warning; a signal while the work is read (or the outcome
// published) aborts the step, exit 5, outputs whole.

// workProc runs the program in a GitHub step against the fake with faults,
// setup before the start and during while it runs, as a row of the fault
// matrix does, and checks what every row checks: no leak or race, the key
// in no stream or file and sent to no host but the API, nothing written
// outside files_dir, the outputs and summary whole.
func workProc(t *testing.T, inputs map[string]string, faults []ozfaketest.Fault, setup, during func(*proc) error) *proc {
	t.Helper()
	p := &proc{}
	var base string
	p.fake, base, p.stopFake = newStoppableFake(t)
	for _, f := range faults {
		p.fake.Inject(f)
	}
	p.s = githubStep(t, base, inputs)
	if setup != nil {
		require.NoError(t, setup(p))
	}
	p.before = snapshot(p.s.dir)
	// Only a hung program is killed: the program's own bounds are the test.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	require.NoError(t, p.start(ctx, checkedBinary(t)))
	var derr error
	if during != nil {
		derr = during(p)
	}
	require.NoError(t, errors.Join(derr, p.wait()))
	t.Logf("exit %d in %s\nstdout:\n%s\nstderr:\n%s", p.s.code, p.s.elapsed, p.s.stdout, p.s.stderr)
	assert.Empty(t, leakOrRace(p.s.stderr), "the program leaked a goroutine, raced or panicked")
	p.s.assertNoKey()
	checkKeyOnlyToTheAPI(t, p.fake)
	checkNothingWrittenOutsideFilesDir(t, p)
	checkFilesWhole(t, p.s)
	return p
}

// keyThief is a hostile file host on loopback: the fake's file server
// redirects a download to it with the key in the Location. It must get
// no request.
type keyThief struct {
	hits atomic.Int32
}

// setup starts the thief for the row's lifetime and makes the fake's
// first download answer status to it, the raw key in the query.
func (k *keyThief) setup(status int) func(*proc) error {
	return func(p *proc) error {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			k.hits.Add(1)
			_, _ = io.WriteString(w, "stolen\n")
		}))
		p.s.t.Cleanup(srv.Close)
		p.fake.Inject(onFile(ozfaketest.Fault{Nth: 1, Status: status, Header: header("Location", srv.URL+"/steal?k="+testKey)}))
		return nil
	}
}

// check checks that the thief got no request.
func (k *keyThief) check(t *testing.T, _ *proc) {
	assert.Zero(t, k.hits.Load(), "the host the redirect named got a request")
}

// redirectCarryingTheKey is the fault matrix's row for item 2.
func redirectCarryingTheKey(status int) faultCase {
	k := &keyThief{}
	return faultCase{name: fmt.Sprintf("download/a %d redirect carrying the key away", status),
		inputs: map[string]string{"prompt": "[fake:files] write the report", "files_dir": filesDir, "debug": "true"},
		setup:  k.setup(status),
		code:   0, conclusion: "succeeded", created: 1,
		says:  []string{`"reports/oz-report.md" was not downloaded`, "a redirect: the download URL was refused: the URL holds the API key"},
		check: all(downloaded("changes.patch"), k.check, hasAnswer)}
}

// moreArtifactsThanRead is the fault matrix's row for item 6: a run
// (made before the step, read with run_id) listing 1000 FILE artifacts and
// its pull request, one more than oz-run reads.
func moreArtifactsThanRead() faultCase {
	return faultCase{name: "artifacts/more than the 1000 read: one warning",
		inputs: map[string]string{"prompt": "", "run_id": "fake-run-000001"},
		setup: func(p *proc) error {
			if err := endedRun(p); err != nil {
				return err
			}
			for i := range oz.MaxArtifacts {
				if _, err := p.fake.AddFile("fake-run-000001", ozfake.File{Filepath: fmt.Sprintf("f%04d.txt", i), Content: []byte("x")}); err != nil {
					return err
				}
			}
			return nil
		},
		code: 0, conclusion: "succeeded", created: 1,
		says: []string{"the run lists 1001 artifacts, more than the 1000 oz-run reads: 1 was left out (in no output)"},
		check: func(t *testing.T, p *proc) {
			assert.Equal(t, 1, strings.Count(p.s.stdout, "more than the 1000 oz-run reads"), "one warning")
		},
	}
}

// TestHolesWorkRedirectCarriesTheKey: the fake's file server answers the
// first download with a redirect to another host whose Location holds the
// raw key; for every redirect status, that host gets no request, the file
// is a warning, the other file comes, and the key is in no stream or file,
// with debug on.
func TestHolesWorkRedirectCarriesTheKey(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			row := redirectCarryingTheKey(status)
			p := workProc(t, row.inputs, nil, row.setup, nil)
			assert.Equal(t, 0, p.s.code, "exit code")
			for _, w := range row.says {
				assert.Contains(t, p.s.stdout+p.s.stderr, w)
			}
			row.check(t, p)
		})
	}
}

// TestHolesWorkConversationHangs: a conversation endpoint that never
// answers holds the step no longer than the work's budget (timeout: 3s
// makes it 3 s): the log said the budget when the work started, a warning
// says why the answer and the files are missing, the outputs are whole,
// and the exit code is the run's conclusion's.
func TestHolesWorkConversationHangs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		prompt     string
		code       int
		conclusion string
	}{
		{"[fake:files] write the report", 0, "succeeded"},
		{"[fake:fail] [fake:files] write the report", 1, "failed"},
	} {
		t.Run(c.conclusion, func(t *testing.T) {
			t.Parallel()
			p := workProc(t, map[string]string{"prompt": c.prompt, "files_dir": filesDir, "timeout": "3s"},
				[]ozfaketest.Fault{onConversation(ozfaketest.Fault{Hang: true})}, nil, nil)
			assert.Equal(t, c.code, p.s.code, "exit code")
			out := p.s.outputs()
			assert.Equal(t, c.conclusion, out["conclusion"])
			assert.Equal(t, "fake-run-000001", out["run_id"])
			assert.Empty(t, out["agent_output"])
			log := p.s.stdout + p.s.stderr
			assert.Contains(t, log, "at most 3s", "the log says the budget when the work starts")
			assert.Contains(t, log, "the agent's answer was not read: the 3s for the agent's work (its answer and files) passed")
			assert.Equal(t, 1, p.requests(routeConversation), "one read, cut by the budget")
			if c.code == 0 {
				assert.Contains(t, log, `2 file(s) were not downloaded, as the 3s for the agent's work (its answer and files) passed`)
				assert.Zero(t, p.requests(routeArtifact), "no download started once the budget was spent")
			}
			downloaded()(t, p)
			assert.Contains(t, p.s.file("summary"), "fake-run-000001", "the summary is written")
		})
	}
}

// TestHolesWorkSignalWhileReadingTheWork: SIGTERM or SIGINT while the
// answer is read or a file downloads (both hang) aborts the step: exit 5,
// the run's conclusion (it had ended) in the outputs, every file whole,
// and a warning saying when the signal came.
func TestHolesWorkSignalWhileReadingTheWork(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		for _, route := range []string{routeConversation, routeFile} {
			t.Run(fmt.Sprintf("%v/%s", sig, route), func(t *testing.T) {
				t.Parallel()
				p := workProc(t, map[string]string{"prompt": "[fake:files] write the report", "files_dir": filesDir},
					[]ozfaketest.Fault{{Path: route, Hang: true}}, nil, signalAt(route, 1, 20*time.Millisecond, sig))
				assert.Equal(t, 5, p.s.code, "exit code")
				out := p.s.outputs()
				assert.Equal(t, "succeeded", out["conclusion"], "the run had ended: its conclusion stands")
				assert.Equal(t, "SUCCEEDED", out["state"])
				assert.Equal(t, "fake-run-000001", out["run_id"])
				log := p.s.stdout + p.s.stderr
				cause := map[syscall.Signal]string{syscall.SIGTERM: "received terminated", syscall.SIGINT: "received interrupt"}[sig]
				assert.Contains(t, log, "aborted ("+cause+") after the run ended (succeeded), as its answer and files were read")
				assert.Contains(t, log, "the step was stopped ("+cause+")")
				assert.Contains(t, p.s.file("summary"), "aborted")
				assert.Contains(t, p.s.file("summary"), "the run's conclusion is", "the summary's verdict does not say the run had not ended")
				assert.Zero(t, p.requests(routeCancel), "the run had ended: nothing to cancel")
				downloaded()(t, p)
			})
		}
	}
}
