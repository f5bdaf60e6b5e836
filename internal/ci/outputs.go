package ci

import (
	"fmt"
	"strings"

	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/textclean"
	"github.com/oz-run/oz-run-action/internal/weburl"
)

// Output values come from the API and are hostile: a run id holding a line
// break and a workflow command, a session link holding `$(...)`, a
// megabyte-long status message. Every platform publishes them through
// prepareOutputs, which makes each value safe for every sink (GitHub
// outputs, the dotenv, JUnit, the terminal) and for a shell it is
// substituted into:
//
//   - control characters go (but the LF between lines of a multi-line
//     output; a tab becomes a space, CRLF and lone CRs become LF), and so do
//     the invisible characters that reorder or hide text (bidi controls,
//     U+200E/F, U+061C, U+FEFF); invalid UTF-8 becomes U+FFFD: the rule of
//     textclean.Value, which the summary follows too;
//   - single-line outputs (run_id, state...) get spaces for line breaks;
//   - URL outputs are published only as weburl.ShellSafe accepts them, else
//     left empty (pr_urls: the bad line is left out), with one warning that
//     names the output;
//   - each value is at most maxOutputValue bytes: text is cut with a marker,
//     a list (pr_urls, files) loses whole lines from its end, the artifacts
//     JSON whole elements (it stays valid JSON);
//   - secrets are redacted before and after (JSON-aware for artifacts).

// How each output is published: urlOutputs hold one URL, urlListOutputs
// one URL a line; lineListOutputs are cut at whole lines; multiLineOutputs
// keep their line breaks; jsonOutputs hold JSON. Other outputs are one line
// of text.
var (
	urlOutputs       = map[string]bool{"run_url": true, "session_link": true, "comment_url": true}
	urlListOutputs   = map[string]bool{"pr_urls": true}
	lineListOutputs  = map[string]bool{"pr_urls": true, "files": true}
	multiLineOutputs = map[string]bool{"status_message": true, "agent_output": true, "pr_urls": true, "files": true}
	jsonOutputs      = map[string]bool{"artifacts": true, "structured_output": true}
)

// MaxOutputValue and MaxResultFile are what is kept at most of an output
// value and of the result file: a caller with more to give may stop a
// little past them (publishing cuts there anyway).
const (
	MaxOutputValue = maxOutputValue
	MaxResultFile  = maxResultFile
)

// maxResultFile is the most bytes of the result file: past it, whole
// members of the run object and whole elements of its arrays are left out
// from the end (the file stays valid JSON, and says "oz_run_truncated":
// true).
const maxResultFile = 8 << 20

// prepareOutputs writes the result file (redacted, capped) and returns the
// outputs to publish, each made safe as the comment above says; warn gets
// one warning listing the outputs (never their values) that were dropped
// or shortened. Values are capped before withResultFile redacts them all
// again, so that a 15 MB list costs what its first 64 KiB do.
func prepareOutputs(o Options, s *secrets, r Report, warn func(title, message string)) ([]Output, error) {
	var notes []string
	note := func(name, n string) {
		if n != "" {
			notes = append(notes, name+": "+n)
		}
	}
	safe := make([]Output, len(r.Outputs))
	for i, out := range r.Outputs {
		value, n := publishable(s, out)
		safe[i] = Output{Name: out.Name, Value: value}
		note(out.Name, n)
	}
	r.Outputs = safe
	if r.ResultFile != "" {
		// Cut first: capJSON keeps strings whole, and withResultFile redacts.
		capped, cut := capJSON(r.ResultJSON, maxResultFile, true)
		if capped == nil {
			capped, cut = []byte("{"+truncatedNote+"}\n"), true
		}
		if cut {
			note("result_file", fmt.Sprintf("the run is %d bytes; the file holds the first %d (whole fields)", len(r.ResultJSON), len(capped)))
		}
		r.ResultJSON = capped
	}
	outs, err := withResultFile(o, s, r)
	for i, out := range outs {
		if out.Name == "result_file" { // set by withResultFile
			outs[i].Value, _ = publishable(s, out)
		}
	}
	if len(notes) > 0 && warn != nil {
		warn("Outputs changed", strings.Join(notes, "\n"))
	}
	return outs, err
}

// publishable is the value of out as it may be published, and, when some
// of it was dropped, a note saying what (never the value itself).
func publishable(s *secrets, out Output) (value, note string) {
	name, v := out.Name, out.Value
	switch {
	case urlOutputs[name]:
		if strings.TrimSpace(v) == "" {
			return "", ""
		}
		if masked(s, v) { // a URL with a part masked leads somewhere else
			return "", "the value holds a masked secret: left empty"
		}
		if u, ok := weburl.ShellSafe(v); ok && !s.r.Contains(u) {
			return u, ""
		}
		return "", "the value is not a well-formed https URL without user info: left empty"
	case lineListOutputs[name]:
		return lineList(s, name, v)
	case name == "runs":
		return jsonValueIn(s, v, MaxRunsValue)
	case jsonOutputs[name]:
		return jsonValue(s, v)
	}
	v = s.redact(v)
	v = textclean.Value(v, multiLineOutputs[name])
	return s.redact(truncate(v, maxOutputValue)), ""
}

// masked reports whether v holds a secret, or the mark that replaced one
// (should it have been redacted before).
func masked(s *secrets, v string) bool {
	return strings.Contains(v, redact.Mark) || s.r.Contains(v)
}

// lineList publishes a list, one item a line: blank lines go, a URL list
// keeps only the lines weburl.ShellSafe accepts, and lines are kept whole
// while the value fits maxOutputValue. It stops reading there: a list of
// 100k URLs costs what the first few hundred do.
func lineList(s *secrets, name, v string) (value, note string) {
	urls := urlListOutputs[name]
	var b strings.Builder
	bad, secret, over := 0, 0, 0
	for rest := v; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		if over > 0 { // only counted
			if strings.TrimSpace(line) != "" {
				over++
			}
			continue
		}
		if line = strings.TrimSpace(textclean.Value(line, false)); line == "" {
			continue
		}
		if masked(s, line) {
			secret++
			continue
		}
		if urls {
			u, ok := weburl.ShellSafe(line)
			if !ok || s.r.Contains(u) {
				bad++
				continue
			}
			line = u
		}
		if b.Len()+len(line)+1 > maxOutputValue+1 {
			over++
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	var notes []string
	if bad > 0 {
		notes = append(notes, fmt.Sprintf("%d line(s) not well-formed https URLs without user info: left out", bad))
	}
	if secret > 0 {
		notes = append(notes, fmt.Sprintf("%d line(s) holding a masked secret: left out", secret))
	}
	if over > 0 {
		notes = append(notes, fmt.Sprintf("%d line(s) past the %d KiB limit: left out", over, maxOutputValue>>10))
	}
	return b.String(), strings.Join(notes, "; ")
}

// jsonValue publishes a JSON output: control and invisible characters
// dropped (JSON holds neither raw outside strings, so it stays valid),
// whole elements dropped from the end past maxOutputValue, redacted after
// its strings are decoded. A value that is not JSON is published as text.
func jsonValue(s *secrets, v string) (value, note string) { return jsonValueIn(s, v, maxOutputValue) }

// jsonValueIn is jsonValue within limit bytes.
func jsonValueIn(s *secrets, v string, maxOutputValue int) (value, note string) {
	data, cut := capJSON(v, maxOutputValue, false)
	if data == nil { // not a JSON array or object
		return s.redact(truncate(textclean.Value(s.redact(v), false), maxOutputValue)), ""
	}
	// Cleaning can lengthen (invalid UTF-8 becomes U+FFFD): cut again.
	if clean := textclean.Value(string(data), false); len(clean) > maxOutputValue {
		if data, _ = capJSON(clean, maxOutputValue, false); data == nil {
			data = []byte("[]")
		}
		cut = true
	} else {
		data = []byte(clean)
	}
	if cut {
		note = fmt.Sprintf("%d bytes of JSON, over the %d KiB limit: whole elements left out from the end", len(v), maxOutputValue>>10)
	}
	return string(s.r.JSON(data)), note
}
