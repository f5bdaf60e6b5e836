package soak

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
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
		if b, err := os.ReadFile(filepath.Join(r.dir, e.Name())); err == nil {
			r.files[e.Name()] = string(b)
		}
	}
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

	out := r.outputs
	code, conclusion := p.natural()
	aborted := p.signal != nil && r.code == 5
	if !aborted && (r.code != code || out["conclusion"] != conclusion) {
		bad("exit %d with conclusion %q, want exit %d with %q", r.code, out["conclusion"], code, conclusion)
	}
	if id := out["run_id"]; id != "" && (r.created != 1 || id != "fake-run-000001") {
		bad("run_id %q, but the fake created %d runs", id, r.created)
	}
	if !aborted && !p.createFinal && !p.lostCreate && out["run_id"] == "" {
		bad("run_id is empty although the create succeeded")
	}
	if p.recovers && r.creates != 1 {
		bad("%d creates after an ambiguous failure, want 1 (the run found again)", r.creates)
	}
	if p.hostile == "" && runConclusions[out["conclusion"]] && !aborted && r.runState != "" && out["state"] != r.runState {
		bad("state output %q, but the run is %s", out["state"], r.runState)
	}
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
