package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// The fault matrix's rows for the agent's work: the conversation, the
// artifacts, the downloads and the follow-ups misbehaving. Every row of the
// matrix also checks that nothing was written outside files_dir and that
// the key went to no host but the API.

// More routes of the fake API.
const (
	routeConversation = "GET /agent/runs/{id}/conversation"
	routeArtifact     = "GET /agent/artifacts/{uid}"
	routeFile         = "GET /files/{uid}"
	routeFollowup     = "POST /agent/runs/{id}/followups"
)

func onConversation(f ozfaketest.Fault) ozfaketest.Fault { f.Path = routeConversation; return f }
func onArtifact(f ozfaketest.Fault) ozfaketest.Fault     { f.Path = routeArtifact; return f }
func onFile(f ozfaketest.Fault) ozfaketest.Fault         { f.Path = routeFile; return f }
func onFollowup(f ozfaketest.Fault) ozfaketest.Fault     { f.Path = routeFollowup; return f }

// filesDir is files_dir in the rows that download.
const filesDir = "oz-files"

func workFaultCases() []faultCase {
	withFiles := map[string]string{"prompt": "[fake:files] write the report", "files_dir": filesDir}
	requestTimeout := func(d string) map[string]string { return map[string]string{"OZ_RUN_REQUEST_TIMEOUT": d} }
	html := header("Content-Type", "text/html; charset=utf-8")
	const mib = 1 << 20
	followup := map[string]string{"prompt": "", "run_id": "fake-run-000001", "followup": "also update the docs", "timeout": "20s"}

	return []faultCase{
		// The conversation: no answer is never a failure.
		{name: "conversation/404 (an older server)", inputs: map[string]string{"prompt": "[fake:noconversation] x"},
			code: 0, conclusion: "succeeded", created: 1, says: []string{"the run has no conversation"},
			check: all(noAnswer, notSaid("The agent's work"), routeCount(routeConversation, 1))},
		{name: "conversation/5xx past the retries", faults: []ozfaketest.Fault{onConversation(ozfaketest.Fault{Status: 503})},
			code: 0, conclusion: "succeeded", created: 1, says: []string{"The agent's work", "answer was not read", "HTTP 503"}, check: noAnswer},
		{name: "conversation/HTML from a proxy", faults: []ozfaketest.Fault{onConversation(ozfaketest.Fault{Status: 200, Header: html, Body: proxyHTML})},
			code: 0, conclusion: "succeeded", created: 1, says: []string{"answer was not read"}, check: noAnswer},
		{name: "conversation/hangs", env: requestTimeout("300ms"), faults: []ozfaketest.Fault{onConversation(ozfaketest.Fault{Hang: true})},
			code: 0, conclusion: "succeeded", created: 1, says: []string{"answer was not read"}, check: noAnswer},
		{name: "conversation/answers after a 5xx", faults: []ozfaketest.Fault{onConversation(ozfaketest.Fault{Nth: 1, Status: 502, Header: html, Body: proxyHTML})},
			code: 0, conclusion: "succeeded", created: 1, check: all(hasAnswer, routeCount(routeConversation, 2))},
		// Issue 16 item 3 (holes_redact_test.go): the key upper-cased, reversed, spaced out, in hex and base64.
		{name: "conversation/the answer holds the key transformed", faults: []ozfaketest.Fault{onConversation(ozfaketest.Fault{Status: 200, Body: answerConversation(transformedAnswer())})},
			code: 0, conclusion: "succeeded", created: 1, check: all(hasAnswer, noTransformedKey)},

		// The artifacts and their downloads: a warning naming the file, never a failed step.
		{name: "files/all downloaded, no key sent (the storage would answer 400)", inputs: withFiles,
			code: 0, conclusion: "succeeded", created: 1,
			check: all(downloaded("reports/oz-report.md", "changes.patch"), routeCount(routeConversation, 1), routeCount(routeFile, 2))},
		{name: "artifact/404", inputs: withFiles, faults: []ozfaketest.Fault{onArtifact(ozfaketest.Fault{Nth: 1, Status: 404})},
			code: 0, conclusion: "succeeded", created: 1, says: []string{`"reports/oz-report.md" was not downloaded`, "HTTP 404"},
			check: downloaded("changes.patch")},
		{name: "download/403 expired: a fresh URL", inputs: withFiles, faults: []ozfaketest.Fault{onFile(ozfaketest.Fault{Nth: 1, Status: 403})},
			code: 0, conclusion: "succeeded", created: 1,
			check: all(downloaded("reports/oz-report.md", "changes.patch"), routeCount(routeArtifact, 3), routeCount(routeFile, 3))},
		{name: "download/403 again", inputs: withFiles, faults: []ozfaketest.Fault{onFile(ozfaketest.Fault{Nth: 1, Times: 2, Status: 403})},
			code: 0, conclusion: "succeeded", created: 1, says: []string{`"reports/oz-report.md" was not downloaded`, "HTTP 403"},
			check: downloaded("changes.patch")},
		{name: "download/400", inputs: withFiles, faults: []ozfaketest.Fault{onFile(ozfaketest.Fault{Nth: 2, Status: 400})},
			code: 0, conclusion: "succeeded", created: 1, says: []string{`"changes.patch" was not downloaded`, "HTTP 400"},
			check: downloaded("reports/oz-report.md")},
		{name: "download/slow", inputs: withFiles, faults: []ozfaketest.Fault{onFile(ozfaketest.Fault{Delay: 300 * time.Millisecond})},
			code: 0, conclusion: "succeeded", created: 1, check: downloaded("reports/oz-report.md", "changes.patch")},
		{name: "download/connection reset", inputs: withFiles, faults: []ozfaketest.Fault{onFile(ozfaketest.Fault{Nth: 1, CloseConn: true})},
			code: 0, conclusion: "succeeded", created: 1, says: []string{`"reports/oz-report.md" was not downloaded`},
			check: downloaded("changes.patch")},
		// timeout: 3s makes the work's budget 3 s (5 minutes, or timeout when shorter).
		{name: "download/the time for the work passes", inputs: with(withFiles, "timeout", "3s"),
			faults: []ozfaketest.Fault{onFile(ozfaketest.Fault{Hang: true})},
			code:   0, conclusion: "succeeded", created: 1, says: []string{"at most 3s for both", "the time for the agent's work passed", `"changes.patch"`},
			check: all(downloaded(), hasAnswer)},
		{name: "conversation/hangs past the work's budget", inputs: with(withFiles, "timeout", "3s"),
			faults: []ozfaketest.Fault{onConversation(ozfaketest.Fault{Hang: true})},
			code:   0, conclusion: "succeeded", created: 1,
			says:  []string{"the agent's answer was not read: the 3s for the agent's work (its answer and files) passed", "2 file(s) were not downloaded"},
			check: all(downloaded(), noAnswer, routeCount(routeArtifact, 0))},
		redirectCarryingTheKey(307),
		moreArtifactsThanRead(),
		{name: "download/over 100 MiB, announced", inputs: map[string]string{"prompt": "x", "files_dir": filesDir},
			during: addFile(ozfake.File{Filepath: "huge.bin", Size: 100*mib + 1}),
			code:   0, conclusion: "succeeded", created: 1, says: []string{`"huge.bin" was not downloaded`, "over the 100 MiB limit for a file"},
			check: all(downloaded(), routeCount(routeFile, 0))},
		{name: "download/over 100 MiB, no size announced", inputs: map[string]string{"prompt": "x", "files_dir": filesDir},
			during: addFile(ozfake.File{Filepath: "huge.bin", Size: 100*mib + 1, NoSize: true}),
			code:   0, conclusion: "succeeded", created: 1, says: []string{`"huge.bin" was not downloaded`, "104857601 bytes announced, the limit is 104857600"},
			check: downloaded()},
		{name: "download/over 100 MiB, found while streaming", inputs: map[string]string{"prompt": "x", "files_dir": filesDir},
			during: addFile(ozfake.File{Filepath: "huge.bin", Size: 100*mib + 1, NoSize: true, NoLength: true}),
			code:   0, conclusion: "succeeded", created: 1, says: []string{`"huge.bin" was not downloaded`, "more than 104857600 bytes came"},
			check: downloaded()},
		{name: "download/hostile names and links in files_dir", inputs: map[string]string{"prompt": "[fake:hostilefiles] x", "files_dir": filesDir},
			setup: linksInFilesDir,
			code:  0, conclusion: "succeeded", created: 1,
			check: all(downloaded("escape-2.txt", "tmp/oz-absolute.txt", "up.txt", "nul_byte.txt", strings.Repeat("n", 251)+".txt",
				"dup.txt", "dup-2.txt", "windows.txt", "ctl_[31m_.txt", "file"), linkTargetsUntouched)},
		{name: "download/a link on the way in files_dir", inputs: map[string]string{"prompt": "x", "files_dir": filesDir},
			setup: linksInFilesDir, during: addFile(ozfake.File{Filepath: "sub/below-the-link.txt", Content: []byte("x")}),
			code: 0, conclusion: "succeeded", created: 1, says: []string{`"sub/below-the-link.txt" was not downloaded`, "symbolic link"},
			check: all(downloaded(), linkTargetsUntouched)},
		// A signal after the run ended aborts the step all the same (exit 5);
		// the run's conclusion stands.
		{name: "SIGTERM/during a download", inputs: withFiles, faults: []ozfaketest.Fault{onFile(ozfaketest.Fault{Hang: true})},
			during: signalAt(routeFile, 1, 20*time.Millisecond, syscall.SIGTERM),
			code:   5, conclusion: "succeeded", created: 1, says: []string{"the step was stopped (received terminated)", "aborted (received terminated) after the run ended"},
			check: all(downloaded(), hasAnswer)},
		{name: "SIGINT/while the conversation hangs", inputs: withFiles, faults: []ozfaketest.Fault{onConversation(ozfaketest.Fault{Hang: true})},
			during: signalAt(routeConversation, 1, 20*time.Millisecond, syscall.SIGINT),
			code:   5, conclusion: "succeeded", created: 1, says: []string{"the agent's answer was not read: the step was stopped (received interrupt)", "aborted (received interrupt) after the run ended"},
			check: all(downloaded(), noAnswer)},

		// Follow-ups: sent once, never twice; a refusal or an unknown fate is exit 3.
		// Where the program must see the stale state, it lasts a second
		// (not the default 150 ms), and where the follow-up must be sent
		// before the timeout, the timeout is 3 s: on a busy machine the
		// process may take that long to send its first requests.
		{name: "followup/the stale state, then the new execution", inputs: followup, setup: endedRun,
			fake: []ozfake.Option{ozfake.WithFollowupPickup(time.Second)},
			code: 0, conclusion: "succeeded", state: "SUCCEEDED", created: 1,
			says:  []string{"still shows its state from before the follow-up", "The follow-up was accepted"},
			check: all(followups(1, 1), hasAnswer)},
		{name: "followup/never picked up", inputs: with(followup, "timeout", "3s"), setup: endedRun,
			fake: []ozfake.Option{ozfake.WithFollowupPickup(time.Hour)},
			code: 4, conclusion: "timed_out", state: "SUCCEEDED", created: 1,
			says: []string{"did not pick up the follow-up within 3s", "it had not picked up the follow-up within 4s, so it could not be cancelled, and it may still start working on it"},
			check: all(followups(1, 1), routeCount(routeCancel, 1), noAnswer,
				// One conversation read, before the follow-up (the messages
				// already there); none after: the run was not written since.
				routeCount(routeConversation, 1))},
		{name: "followup/updated_at moves at the acceptance while the old state is served, then the new execution fails",
			inputs: with(followup, "followup", "[fake:touch] [fake:fail] also update the docs"), setup: endedRun,
			fake: []ozfake.Option{ozfake.WithFollowupPickup(time.Second)},
			code: 1, conclusion: "failed", state: "FAILED", created: 1,
			says:  []string{"still shows its state from before the follow-up"},
			check: followups(1, 1)},
		{name: "followup/a new execution between two polls: only its reply in the conversation shows it",
			inputs: with(followup, "followup", "[fake:touch] [fake:quick] also update the docs"), setup: endedRun,
			code: 0, conclusion: "succeeded", state: "SUCCEEDED", created: 1,
			says: []string{"its conversation holds the agent's reply to the follow-up"},
			check: all(followups(1, 1), func(t *testing.T, p *proc) {
				assert.Contains(t, p.s.outputs()["agent_output"], "handled the follow-up", "the new execution's answer")
			})},
		// The pickup comes 1.5 s after the timeout, give or take the time
		// the follow-up took to be sent, well within the cancel's budget
		// (4 s): room for a busy machine both ways.
		{name: "followup/picked up after the timeout: then cancelled", inputs: with(followup, "timeout", "2s", "followup", "[fake:slow] also update the docs"), setup: endedRun,
			fake: []ozfake.Option{ozfake.WithFollowupPickup(3500 * time.Millisecond)},
			code: 4, conclusion: "timed_out", state: "CANCELLED", created: 1,
			says:  []string{"did not pick up the follow-up within 2s", "Cancelling run fake-run-000001 because the timeout passed"},
			check: all(followups(1, 1), cancelsAroundThePickup, noAnswer)},
		{name: "followup/the run unreadable until the timeout: not sent", inputs: with(followup, "timeout", "3s"),
			setup: func(p *proc) error { // every read from the step's first on fails
				if err := endedRun(p); err != nil {
					return err
				}
				p.fake.Inject(onGet(ozfaketest.Fault{Nth: p.fake.Count(routeGet) + 1, Times: 1000, Status: 503}))
				return nil
			},
			code: 3, created: 1, says: []string{"before sending the follow-up (it was not sent): the timeout (3s) passed first", "HTTP 503"},
			check: all(followups(0, 0), routeCount(routeCancel, 0))},
		{name: "followup/wait false", inputs: with(followup, "wait", "false"), setup: endedRun,
			code: 0, conclusion: "submitted", created: 1, check: all(followups(1, 1), routeCount(routeConversation, 0))},
		{name: "followup/409", inputs: followup, setup: endedRun, faults: []ozfaketest.Fault{onFollowup(ozfaketest.Fault{Status: 409})},
			code: 3, created: 1, says: []string{"it was not delivered: https://oz.warp.dev/runs/fake-run-000001", "HTTP 409"},
			check: followups(1, 0)},
		{name: "followup/422", inputs: followup, setup: endedRun, faults: []ozfaketest.Fault{onFollowup(ozfaketest.Fault{Status: 422})},
			code: 3, created: 1, says: []string{"it was not delivered", "HTTP 422"}, check: followups(1, 0)},
		{name: "followup/5xx", inputs: followup, setup: endedRun, faults: []ozfaketest.Fault{onFollowup(ozfaketest.Fault{Status: 503})},
			code: 3, created: 1, says: []string{"may or may not have arrived", "https://oz.warp.dev/runs/fake-run-000001"}, check: followups(1, 0)},
		{name: "followup/ambiguous: accepted, answer lost", inputs: followup, setup: endedRun,
			faults: []ozfaketest.Fault{onFollowup(ozfaketest.Fault{CloseConn: true, CreateThenFail: true})},
			code:   3, created: 1, says: []string{"may or may not have arrived", "not sent again"}, check: followups(1, 1)},
		{name: "followup/429, then accepted", inputs: followup, setup: endedRun,
			faults: []ozfaketest.Fault{onFollowup(ozfaketest.Fault{Nth: 1, Status: 429, Header: header("Retry-After", "1")})},
			code:   0, conclusion: "succeeded", created: 1, check: followups(2, 1)},
		{name: "followup/hangs", inputs: followup, setup: endedRun, env: requestTimeout("300ms"),
			faults: []ozfaketest.Fault{onFollowup(ozfaketest.Fault{Hang: true})},
			code:   3, created: 1, says: []string{"may or may not have arrived"}, check: followups(1, 0)},
		{name: "SIGINT/during the follow-up", inputs: followup, setup: endedRun,
			faults: []ozfaketest.Fault{onFollowup(ozfaketest.Fault{Hang: true})},
			during: signalAt(routeFollowup, 1, 20*time.Millisecond, syscall.SIGINT),
			code:   5, created: 1, says: []string{"aborted (received interrupt) while sending the follow-up", "may or may not have arrived"},
			check: followups(1, 0)},
	}
}

// with is m with more inputs.
func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// all runs every check.
func all(checks ...func(*testing.T, *proc)) func(*testing.T, *proc) {
	return func(t *testing.T, p *proc) {
		for _, c := range checks {
			c(t, p)
		}
	}
}

func noAnswer(t *testing.T, p *proc) {
	assert.Empty(t, p.s.outputs()["agent_output"], "agent_output")
}

func hasAnswer(t *testing.T, p *proc) {
	assert.NotEmpty(t, p.s.outputs()["agent_output"], "agent_output")
}

// notSaid checks that the log does not hold s.
func notSaid(s string) func(*testing.T, *proc) {
	return func(t *testing.T, p *proc) {
		assert.NotContains(t, p.s.stdout+p.s.stderr, s)
	}
}

// downloaded checks the files output and files_dir: exactly these files
// (relative to files_dir), each listed, written whole.
func downloaded(names ...string) func(*testing.T, *proc) {
	return func(t *testing.T, p *proc) {
		var want []string
		for _, n := range names {
			want = append(want, filesDir+"/"+n)
		}
		listed := strings.Split(p.s.outputs()["files"], "\n")
		if listed[0] == "" {
			listed = nil
		}
		assert.ElementsMatch(t, want, listed, "the files output")
		var found []string
		for rel := range snapshot(p.s.dir) {
			if strings.HasPrefix(rel, filesDir+"/") && !p.before[rel] {
				found = append(found, rel)
			}
		}
		assert.ElementsMatch(t, want, found, "the files in files_dir (no partial file left)")
	}
}

// followups checks how many follow-ups were posted and how many the fake
// took: never more than one.
func followups(posted, taken int) func(*testing.T, *proc) {
	return func(t *testing.T, p *proc) {
		assert.Equal(t, posted, p.requests(routeFollowup), "follow-up requests")
		assert.Len(t, p.fake.Followups("fake-run-000001"), taken, "follow-ups the run received")
	}
}

// cancelsAroundThePickup checks that the first cancel came while the run
// still showed its ended state (it was refused), and the last after it had
// picked up the follow-up. How many came in between is the machine's pace,
// not the program's: one, or more when the new execution was still
// PENDING (a 409 is tried again).
func cancelsAroundThePickup(t *testing.T, p *proc) {
	fus := p.fake.Followups("fake-run-000001")
	require.Len(t, fus, 1, "follow-ups the run received")
	at := p.requestTimes(routeCancel)
	require.GreaterOrEqual(t, len(at), 2, "cancels: one refused before the pickup, one after")
	assert.True(t, at[0].Before(fus[0].Picked), "the first cancel came before the pickup")
	assert.True(t, at[len(at)-1].After(fus[0].Picked), "the last cancel came after the pickup")
}

// endedRun creates a run through the fake's API, as an earlier step would
// have, and waits until it has ended.
func endedRun(p *proc) error {
	_, err := ozfake.EndedRun(context.Background(), p.s.env["INPUT_API_URL"], testKey)
	return err
}

// addFile is a driver that gives the run a FILE artifact as soon as it is
// created.
func addFile(f ozfake.File) func(*proc) error {
	return func(p *proc) error {
		if err := p.awaitRequests(routeCreate, 1); err != nil {
			return err
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := p.fake.AddFile("fake-run-000001", f)
			if err == nil || time.Now().After(deadline) {
				return err
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// linksInFilesDir puts links in files_dir before the step, as a checkout
// or an earlier step might: escape.txt to a file outside the workspace,
// sub/ to a directory outside it.
func linksInFilesDir(p *proc) error {
	outside := filepath.Join(filepath.Dir(p.s.dir), filepath.Base(p.s.dir)+"-outside")
	if err := os.MkdirAll(filepath.Join(outside, "dir"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outside, "target.txt"), []byte("untouched\n"), 0o644); err != nil {
		return err
	}
	dir := filepath.Join(p.s.dir, filesDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return errors.Join(
		os.Symlink(filepath.Join(outside, "target.txt"), filepath.Join(dir, "escape.txt")),
		os.Symlink(filepath.Join(outside, "dir"), filepath.Join(dir, "sub")))
}

func linkTargetsUntouched(t *testing.T, p *proc) {
	outside := filepath.Join(filepath.Dir(p.s.dir), filepath.Base(p.s.dir)+"-outside")
	b, err := os.ReadFile(filepath.Join(outside, "target.txt"))
	require.NoError(t, err)
	assert.Equal(t, "untouched\n", string(b), "nothing written through the link")
	entries, err := os.ReadDir(filepath.Join(outside, "dir"))
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing written below the linked directory")
}

// snapshot lists the regular files and links under dir, relative to it,
// with slashes.
func snapshot(dir string) map[string]bool {
	out := map[string]bool{}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = true
		return nil
	})
	return out
}

// checkNothingWrittenOutsideFilesDir walks the workspace: every file the
// step made is a file of the step (its outputs and summary, there before
// it), a file an input names (result_file, the report files) or is in
// files_dir; nothing appeared beside the workspace or at an absolute path
// an artifact named.
func checkNothingWrittenOutsideFilesDir(t *testing.T, p *proc) {
	t.Helper()
	if p.before == nil {
		return // the row did not start
	}
	// The files the inputs name, and the report files' defaults.
	named := map[string]bool{"oz-run.env": true, "oz-run-summary.md": true, "oz-run-junit.xml": true, "oz-run-output.md": true}
	for _, in := range []string{"RESULT_FILE", "DOTENV", "SUMMARY_FILE", "JUNIT_FILE", "OUTPUT_FILE"} {
		if v := p.s.env["INPUT_"+in]; v != "" {
			named[filepath.ToSlash(filepath.Clean(v))] = true
		}
	}
	for rel := range snapshot(p.s.dir) {
		if p.before[rel] || named[rel] || strings.HasPrefix(rel, filesDir+"/") {
			continue
		}
		t.Errorf("the step wrote %s, outside files_dir", rel)
	}
	for _, name := range []string{"escape.txt", "up.txt", "windows.txt"} {
		assert.NoFileExists(t, filepath.Join(filepath.Dir(p.s.dir), name), "written beside the workspace")
	}
	assert.NoFileExists(t, "/tmp/oz-absolute.txt")
}

// checkKeyOnlyToTheAPI checks every request the fake's file server got:
// no Authorization header (the fake would answer 400), nothing of the key
// in any header or in the URL.
func checkKeyOnlyToTheAPI(t *testing.T, fake *ozfake.Server) {
	t.Helper()
	for _, r := range fake.Requests() {
		if !strings.HasPrefix(r.Path, ozfake.FilesPath) {
			continue
		}
		assert.Empty(t, r.Header.Get("Authorization"), "a download sent Authorization")
		for k, vs := range r.Header {
			for _, v := range vs {
				assert.NotContains(t, v, testKey, "a download sent the key in %s", k)
			}
		}
		assert.NotContains(t, r.Path+"?"+r.RawQuery, testKey)
		assert.NotContains(t, fmt.Sprint(r.Header), testKey)
	}
}
