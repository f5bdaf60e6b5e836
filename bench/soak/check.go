package soak

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/redact"
)

// readFiles reads what the step left: every file, and the outputs parsed
// by the CI's rules (GitHub's output file, or GitLab's dotenv report).
func (r *result) readFiles(p *plan) {
	r.files = map[string]string{}
	entries, _ := os.ReadDir(r.dir)
	for _, e := range entries {
		r.entries = append(r.entries, e.Name())
		if b, err := os.ReadFile(filepath.Join(r.dir, e.Name())); err == nil {
			r.files[e.Name()] = string(b)
		}
	}
	r.downloaded = map[string]string{}
	dir := filepath.Join(r.dir, ozFilesDir)
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		b, _ := os.ReadFile(path)
		r.downloaded[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if !p.gitlab {
		r.outputs, r.outputsErr = ci.ParseGitHubOutput([]byte(r.files["output"]))
		return
	}
	data, ok := r.files["oz-run.env"]
	if !ok {
		r.outputsErr = fmt.Errorf("no dotenv report oz-run.env")
		return
	}
	if len(data) >= 5*1024 {
		r.outputsErr = fmt.Errorf("the dotenv report is %d bytes, over GitLab's 5 KB", len(data))
		return
	}
	vars, err := ci.ParseDotenv([]byte(data))
	r.outputsErr = err
	r.outputs = map[string]string{}
	for k, v := range vars {
		r.outputs[strings.ToLower(strings.TrimPrefix(k, "OZ_"))] = v
	}
}

// runConclusions are the conclusions a run's own terminal state gives.
var runConclusions = map[string]bool{"succeeded": true, "failed": true, "error": true, "blocked": true, "cancelled": true}

// check returns the invariants the invocation broke.
func check(p *plan, r *result) []string {
	if p.batch != nil {
		return checkBatch(p, r)
	}
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	if r.hung {
		bad("the program did not end within %s", invocationLimit)
	}
	for _, sign := range []string{"goroutines outlived the run", "WARNING: DATA RACE", "panic:", "fatal error:"} {
		if strings.Contains(r.stderr, sign) {
			bad("the program printed %q", sign)
		}
	}
	if r.created > 1 {
		bad("%d runs were created", r.created)
	}
	if r.outputsErr != nil {
		bad("the outputs do not parse: %v", r.outputsErr)
	}
	stdout := strings.ReplaceAll(r.stdout, "::add-mask::"+key+"\n", "")
	if leaks(stdout) || leaks(r.stderr) {
		bad("the key is in the log (in some form)")
	}
	for name, text := range r.files {
		if leaks(text) {
			bad("the key is in the file %s (in some form)", name)
		}
	}
	for name, v := range r.outputs {
		if i := strings.IndexFunc(v, func(c rune) bool { return c != '\n' && (unicode.IsControl(c) || unicode.Is(unicode.Bidi_Control, c)) }); i >= 0 {
			bad("the output %s holds the control or bidi character %U", name, []rune(v[i:])[0])
		}
	}
	if p.hostile != "" && !r.hung {
		summary := r.files["summary"]
		if p.gitlab {
			summary = r.files["oz-run-summary.md"]
		}
		if summary != "" && !strings.Contains(summary, "oz-run · ") {
			bad("the summary lost its last section (%d bytes)", len(summary))
		}
	}
	for name, text := range r.downloaded {
		if strings.Contains(text, key) || strings.Contains(name, key) {
			bad("the key is in the downloaded file %s", name)
		}
	}
	checkKeyForms(p, r, bad)
	for _, name := range r.entries {
		if !stepFiles[name] {
			bad("the step wrote %s, which is neither a report nor files_dir", name)
		}
	}
	if r.followupsTaken > 1 || r.followupPosts > 2 || (r.followupPosts == 2 && !strings.Contains(strings.Join(p.faultNames, ";"), "follow-up 429")) {
		bad("%d follow-ups taken, %d sent: never two", r.followupsTaken, r.followupPosts)
	}
	if !p.followup && !p.blockedReply && r.followupPosts > 0 {
		bad("%d follow-ups sent without the followup input", r.followupPosts)
	}
	// The answer is read once. After a follow-up to an ended run, the
	// conversation is also read before it is sent, and at most once a
	// status read while the run may show its stale state.
	convReads := 1
	if (p.followup || p.blockedReply) && p.wait {
		convReads = 2 + r.gets
	}
	if r.conversations > convReads && !strings.Contains(strings.Join(p.faultNames, ";"), "conversation") {
		bad("%d conversation reads, want at most %d", r.conversations, convReads)
	}

	out := r.outputs
	code, conclusion := p.natural()
	if p.deleteRun && r.deletedEnded && r.code != 3 {
		// The run had ended when it vanished: the first read may have
		// seen it ended, and then the outcome is the run's own.
		q := *p
		q.pollFinal = false
		code, conclusion = q.natural()
	}
	aborted := p.signal != nil && r.code == 5
	// A follow-up whose run could not be read before the timeout was never
	// sent: the API could not be used (exit 3), the run is not timed out.
	unsent := !aborted && p.followup && conclusion == "timed_out" && r.followupPosts == 0 && len(p.faultNames) > 0
	if unsent && (r.code != 3 || out["conclusion"] != "") {
		bad("the follow-up was not sent before the timeout, but exit %d with conclusion %q, want exit 3", r.code, out["conclusion"])
	}
	// Likewise a create whose failures (each answer an error after which
	// the run is looked up, and a re-post waits for the lookup to settle)
	// outlast a short timeout: no run was started.
	unstarted := !aborted && !p.followup && conclusion == "timed_out" && r.created == 0 && strings.Contains(strings.Join(p.faultNames, ";"), "create ")
	if unstarted && (r.code != 3 || !strings.Contains(r.stdout, "no run was started within")) {
		bad("no run was created before the timeout, but exit %d without saying that no run was started, want exit 3", r.code)
	}
	if !aborted && !unsent && !unstarted && (r.code != code || out["conclusion"] != conclusion) {
		bad("exit %d with conclusion %q, want exit %d with %q", r.code, out["conclusion"], code, conclusion)
	}
	if id := out["run_id"]; id != "" && (r.created != 1 || id != "fake-run-000001") {
		bad("run_id %q, but the fake created %d runs", id, r.created)
	}
	if !aborted && !unstarted && !p.createFinal && !p.lostCreate && out["run_id"] == "" {
		bad("run_id is empty although the create succeeded")
	}
	if p.recovers && r.creates != 1 {
		bad("%d creates after an ambiguous failure, want 1 (the run found again)", r.creates)
	}
	if p.hostile == "" && runConclusions[out["conclusion"]] && !aborted && r.runState != "" && out["state"] != r.runState {
		bad("state output %q, but the run is %s", out["state"], r.runState)
	}
	checkWork(p, r, out, aborted, bad)
	checkWorkClasses(p, r, out, aborted, bad)
	switch {
	case aborted && !p.cancelAbort && r.cancels > 0:
		bad("cancel_on_abort is false, but %d cancels were sent", r.cancels)
	case p.hostile == "" && aborted && out["conclusion"] == "cancelled" && r.runState != "CANCELLED":
		bad("aborted with conclusion cancelled, but the run is %s", r.runState)
	case !aborted && out["conclusion"] == "timed_out" && p.leave && r.cancels > 0:
		bad("on_timeout is leave, but %d cancels were sent", r.cancels)
	case !aborted && out["conclusion"] == "timed_out" && !p.leave && !p.cancelFaults && r.runState != "CANCELLED":
		bad("timed out with on_timeout cancel, but the run is %s", r.runState)
	}
	return probs
}

// detector finds the key in every form the redactor knows.
var detector = redact.New(key)

// leaks reports whether text holds the key in some form, also as a reader
// of the rendered text sees it (Markdown escapes undone, HTML entities
// decoded).
func leaks(text string) bool {
	return detector.Contains(text) || detector.Contains(html.UnescapeString(strings.ReplaceAll(text, `\`, "")))
}

// stepFiles are the names the step may leave at the top of its directory:
// the CI's files, the reports, the result file and files_dir.
var stepFiles = map[string]bool{
	"output": true, "summary": true, "oz-run.env": true, "oz-run-summary.md": true, "oz-run-junit.xml": true,
	"oz-run-output.md": true, "oz-result.json": true, ozFilesDir: true,
}

// checkWork checks the agent's work once the run ended by its own state
// (not aborted, not timed out, nothing final from the API): the answer is
// published unless the run never had a conversation or it could not be
// read; with files_dir, the files of [fake:files] are there, whole.
func checkWork(p *plan, r *result, out map[string]string, aborted bool, bad func(string, ...any)) {
	// A signal after the run ended stops the reads at once, the outcome
	// unchanged: then the work may be missing.
	if p.hostile != "" {
		return // the status reads are a made-up run: its work is not the fake's run's
	}
	if aborted || r.signalled || !runConclusions[out["conclusion"]] {
		if p.filesDir && len(r.downloaded) > 0 && out["conclusion"] == "timed_out" {
			bad("files were downloaded after a timeout")
		}
		return
	}
	// These runs never work (they fail before the agent starts) or have no
	// conversation: no answer.
	// (An injected conversation, p.keyAnswer, is there whatever the run.)
	noConversation := (strings.Contains(p.scenario, "noconversation") || strings.Contains(p.scenario, "nocredits") ||
		strings.Contains(p.scenario, "[fake:fail]")) && !p.keyAnswer
	answer := out["agent_output"]
	if p.gitlab {
		answer = r.files["oz-run-output.md"]
	}
	switch {
	case p.answerLost || noConversation || r.deletedEnded: // a deleted run has no conversation either
	case p.gitlab && answer == "":
		bad("no answer file, although the run has an answer")
	case !p.gitlab && answer == "":
		bad("agent_output is empty, although the run has an answer")
	case p.keyAnswer && !strings.Contains(answer, answerEnd):
		bad("the answer holding the key transformed is not published whole (%d bytes, without its last line)", len(answer))
	}
	if r.deletedEnded {
		return // nor files
	}
	if !p.filesDir || p.followup || !strings.Contains(p.scenario, "[fake:files]") {
		if len(r.downloaded) > 0 {
			bad("files downloaded that the run did not make: %v", r.downloaded)
		}
		return
	}
	if p.redirect != "" || p.convHang {
		// Every download redirected with the key, or no time left for it.
		if len(r.downloaded) > 0 || out["files"] != "" {
			bad("files downloaded (%d, files output %q), although none could be", len(r.downloaded), out["files"])
		}
		return
	}
	if !strings.Contains(r.downloaded["reports/oz-report.md"], "VERDICT: PASS") || r.downloaded["changes.patch"] == "" || len(r.downloaded) != 2 {
		bad("files_dir holds %d files, want the report and the patch", len(r.downloaded))
	}
	if want := ozFilesDir + "/reports/oz-report.md\n" + ozFilesDir + "/changes.patch"; !p.gitlab && out["files"] != want {
		bad("the files output is %q, want %q", out["files"], want)
	}
}

// checkKeyForms looks for the key in the forms the agent's answer may
// transform it into (upper-cased, reversed, spaced out, in base64 at any
// offset), in every stream, file and output of the step and every
// request the file server got, with a search of its own (keyTransformed)
// rather than the redactor's: and for the base64 tokens that held the
// key (p.keyTokens), whose every character carries the text around it,
// for their ends.
func checkKeyForms(p *plan, r *result, bad func(string, ...any)) {
	var stdout strings.Builder
	for _, l := range strings.SplitAfter(r.stdout, "\n") {
		if !strings.HasPrefix(l, "::add-mask::") {
			stdout.WriteString(l)
		}
	}
	texts := map[string]string{"the log (stdout)": stdout.String(), "the log (stderr)": r.stderr}
	for name, text := range r.files {
		texts["the file "+name] = text
	}
	for name, text := range r.downloaded {
		texts["the downloaded file "+name] = name + "\n" + text
	}
	for name, v := range r.outputs {
		texts["the output "+name] = v
	}
	for i, q := range r.fileQueries {
		if uq, err := url.QueryUnescape(q); err == nil {
			q += "\n" + uq
		}
		texts[fmt.Sprintf("the file server's request %d", i+1)] = q
	}
	for _, where := range slices.Sorted(maps.Keys(texts)) {
		text := texts[where]
		for _, t := range []string{text, html.UnescapeString(strings.ReplaceAll(text, `\`, ""))} {
			if how := keyTransformed(t); how != "" {
				bad("the key is in %s (%s)", where, how)
				break
			}
		}
		if len(p.keyTokens) == 0 {
			continue
		}
		joined := strings.Map(func(c rune) rune {
			if c == '\\' || c == '>' || unicode.IsSpace(c) {
				return -1
			}
			return c
		}, html.UnescapeString(text))
		for _, tok := range p.keyTokens {
			if strings.Contains(joined, tok[:12]) || strings.Contains(joined, tok[len(tok)-12:]) {
				bad("an end of the base64 token that held the key is in %s: the token is not masked whole", where)
			}
		}
	}
	if r.fileAuth > 0 {
		bad("%d requests to the file server carried an Authorization header", r.fileAuth)
	}
}

// keyTransformed says how text holds the key, "" when it does not: case
// folded with every separator taken out (white space, punctuation,
// symbols but the mask's `*`, invisible characters), either way round, in
// hex, or in a base64 run decoded at each of its four offsets.
func keyTransformed(text string) string {
	sq := squash(text)
	for _, f := range []struct{ how, form string }{
		{"transformed", squash(key)}, {"reversed", squash(reverse(key))},
		{"in hex", hex.EncodeToString([]byte(key))}, {"reversed, in hex", hex.EncodeToString([]byte(reverse(key)))},
	} {
		if strings.Contains(sq, f.form) {
			return f.how
		}
	}
	joined := strings.Map(func(c rune) rune {
		if unicode.IsSpace(c) {
			return -1
		}
		return c
	}, text)
	isB64 := func(c rune) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("+/-_", c)
	}
	for _, run := range strings.FieldsFunc(joined, func(c rune) bool { return !isB64(c) }) {
		if len(run) < 28 { // the key's 24 bytes take 32 characters; 28 of them hold 21
			continue
		}
		run = strings.NewReplacer("-", "+", "_", "/").Replace(run)
		for off := range 4 {
			chunk := run[off:]
			chunk = chunk[:len(chunk)-len(chunk)%4]
			dec, err := base64.StdEncoding.DecodeString(chunk)
			if err != nil {
				continue
			}
			if bytes.Contains(dec, []byte(key)) || bytes.Contains(dec, []byte(reverse(key))) {
				return "in base64"
			}
		}
	}
	return ""
}

// squash is s case-folded without white space, punctuation, symbols
// (but `*`), control and invisible characters.
func squash(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		switch {
		case c == '*':
			b.WriteRune(c)
		case unicode.IsSpace(c), unicode.IsPunct(c), unicode.IsSymbol(c), unicode.Is(unicode.Cf, c), unicode.IsControl(c):
		default:
			b.WriteRune(unicode.ToLower(c))
		}
	}
	return b.String()
}

// checkWorkClasses checks issue 16's classes of the agent's work
// (drawWork).
func checkWorkClasses(p *plan, r *result, out map[string]string, aborted bool, bad func(string, ...any)) {
	log := r.stdout + r.stderr
	// Item 2: the host a redirect carrying the key named gets nothing,
	// whatever else happened; once the run ended by itself, each file is a
	// warning that says why.
	if r.thiefHits > 0 {
		bad("the host a redirect carrying the key named got %d requests", r.thiefHits)
	}
	if r.moved > 0 {
		bad("a redirect carrying the key was followed back to the file server (%d requests)", r.moved)
	}
	settled := !aborted && !r.signalled && runConclusions[out["conclusion"]]
	if p.redirect != "" && settled {
		for _, f := range []string{"reports/oz-report.md", "changes.patch"} {
			if !strings.Contains(log, `"`+f+`" was not downloaded`) {
				bad("no warning that %s was not downloaded", f)
			}
		}
		if !strings.Contains(log, "the URL holds the API key") {
			bad("no warning says the redirect's URL held the key")
		}
	}
	// Item 5: the conversation that never answers is cut by the work's
	// budget (timeout, being shorter than 5 minutes), which the log said;
	// the run's conclusion stands (checked with the exit code above).
	if p.convHang && settled {
		if out["agent_output"] != "" || r.files["oz-run-output.md"] != "" {
			bad("an answer was published, although the conversation never answered")
		}
		if !strings.Contains(log, "at most "+convHangTimeout) {
			bad("the log does not say the work's budget (at most %s) when the work starts", convHangTimeout)
		}
		// With a short request timeout ("poll hangs"), the read's tries
		// may all end before the budget does.
		why := "the agent's answer was not read: the " + convHangTimeout + " for the agent's work"
		if p.env["OZ_RUN_REQUEST_TIMEOUT"] != "" {
			why = "the agent's answer was not read: "
		}
		if !strings.Contains(log, why) {
			bad("no warning says the answer was not read (%q)", why)
		}
	}
	// Item 10: the signal came while the work was read (the read hangs
	// until it does): exit 5, the run's own conclusion and state in whole
	// outputs, nothing cancelled (the run had ended), no file left.
	if p.signalRoute != "" && !r.hung {
		_, conclusion := p.natural()
		switch {
		case !r.signalled:
			bad("the signal was not sent: %s was never called", p.signalRoute)
		case r.code != 5:
			bad("a %v while the work was read (%s): exit %d, want 5", p.signal, p.signalRoute, r.code)
		case out["conclusion"] != conclusion || out["run_id"] != "fake-run-000001":
			bad("a %v after the run ended: conclusion %q run_id %q, want the run's %q", p.signal, out["conclusion"], out["run_id"], conclusion)
		case out["state"] != r.runState:
			bad("a %v after the run ended: state %q, but the run is %s", p.signal, out["state"], r.runState)
		case !strings.Contains(log, "after the run ended ("+conclusion+")"):
			bad("no line says the step was aborted after the run ended (%s)", conclusion)
		}
		if r.cancels > 0 {
			bad("%d cancels of a run that had ended", r.cancels)
		}
		if len(r.downloaded) > 0 && p.signalRoute == routeFile {
			bad("files left by downloads a signal stopped: %v", slices.Sorted(maps.Keys(r.downloaded)))
		}
	}
	// Item 6: more FILE artifacts than are read is one warning.
	if p.manyArtifacts && settled {
		if n := strings.Count(log, "more than the 1000 oz-run reads"); n != 1 {
			bad("%d warnings of the artifacts past the 1000 read, want 1", n)
		}
	}
}
