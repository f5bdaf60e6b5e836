package soak

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// Issue 16's classes of the agent's work, drawn after everything else so
// that a seed's earlier plans stay what they were: the answer holding the
// key transformed (item 3), a download redirected with the key in its
// Location (item 2), a conversation that never answers under a short
// timeout (item 5), a signal while the answer is read or a file
// downloads (item 10), and a run listing more FILE artifacts than are read
// (item 6). Each applies only to a plan whose run ends by its own state and
// whose work the step reads (see workDue); at most one per plan.

// Names of the new faults, for the report.
const (
	faultKeyAnswer     = "answer: the key transformed"
	faultRedirectHome  = "download redirects with the key (relative, to the file server)"
	faultRedirectAway  = "download redirects with the key (to another host)"
	faultConvHang      = "conversation hangs, timeout 6s"
	faultSignalConv    = "signal while the answer is read"
	faultSignalFile    = "signal while a file downloads"
	faultManyArtifacts = "hostile: 1001 FILE artifacts"
)

// convHangTimeout is the timeout of a plan whose conversation hangs: long
// enough for every run that is not timed out to end (the slowest,
// [fake:capacity], takes 0.7 s at the soak's time scale, transient poll
// faults a few seconds more), and the budget of the work that follows.
const convHangTimeout = "6s"

// elsewhere in a redirect's Location stands for another loopback host
// (invoke starts it: a thief that must get no request).
const elsewhere = "{elsewhere}"

// movedPath is where a relative redirect points, on the fake's own file
// server: a request for it is a redirect followed.
const movedPath = ozfake.FilesPath + "moved/"

// workDue reports whether the plan's run comes to its own conclusion and
// the step then reads its work: waiting, not a follow-up (its
// conversation also tells the stale state apart), no made-up run, nothing
// final from the API, not timed out.
func (p *plan) workDue() bool {
	return p.wait && !p.followup && p.hostile == "" && !p.pollFinal && !p.createFinal && !p.lostCreate &&
		runConclusions[p.conclusion]
}

// withFiles makes the run one with files ([fake:files]) and sets files_dir;
// false when its course does not fit (a run that never works, is cut off,
// or has no pull request keeps its files to itself).
func (p *plan) withFiles() bool {
	switch p.scenario {
	case "[fake:files]", "[fake:files] [fake:error]":
	case "", "[fake:nolink]", "[fake:capacity]":
		p.scenario = strings.TrimSpace("[fake:files] " + p.scenario)
		p.inputs["prompt"] = "[fake:files] " + p.inputs["prompt"]
	default:
		return false
	}
	p.filesDir = true
	p.inputs["files_dir"] = ozFilesDir
	return true
}

// drawWork draws one of issue 16's classes for the plan, if it fits.
func (p *plan) drawWork(r *rand.Rand) {
	k := r.IntN(16)
	if !p.workDue() {
		return
	}
	named := func(name string) { p.faultNames = append(p.faultNames, name) }
	faults := strings.Join(p.faultNames, ";")
	switch {
	case k < 3: // item 3
		if p.answerLost {
			return
		}
		body, tokens, forms := keyAnswer(r)
		p.keyAnswer, p.keyTokens, p.notes = true, tokens, append(p.notes, "key forms: "+strings.Join(forms, ", "))
		p.faults = append(p.faults, ozfaketest.Fault{Path: routeConversation, Status: 200, Body: body})
		named(faultKeyAnswer)
	case k < 6: // item 2
		if !p.withFiles() {
			return
		}
		form, text := keyInURL(r)
		status := []int{301, 302, 303, 307, 308}[r.IntN(5)]
		loc := movedPath + "f?k=" + text
		p.redirect, p.notes = "home", append(p.notes, fmt.Sprintf("redirect %d, the key %s", status, form))
		name := faultRedirectHome
		if r.IntN(2) == 0 {
			loc, p.redirect, name = "http://"+elsewhere+"/steal/"+text+"?k="+text, "away", faultRedirectAway
		}
		if form == "in the user info" {
			loc = "http://" + text + "@" + elsewhere + "/steal"
			p.redirect, name = "away", faultRedirectAway
		}
		if r.IntN(2) == 0 {
			p.inputs["debug"] = "true" // the debug log names more of what it does
		}
		p.faults = append(p.faults, ozfaketest.Fault{Path: routeFile, Status: status, Header: hdr("Location", loc)})
		named(name)
	case k < 8: // item 5
		if strings.Contains(faults, "conversation") || strings.Contains(faults, "create ") {
			return // the hang must be the one read; a create's retries need the timeout
		}
		p.convHang, p.answerLost = true, true
		p.inputs["timeout"] = convHangTimeout
		f := ozfaketest.Fault{Path: routeConversation, Hang: true}
		if r.IntN(2) == 0 {
			f = ozfaketest.Fault{Path: routeConversation, Delay: time.Hour} // an answer that would come too late
		}
		p.faults = append(p.faults, f)
		named(faultConvHang)
	case k < 11: // item 10: this signal replaces one drawn before
		route, name := routeConversation, faultSignalConv
		if k >= 9 && p.withFiles() {
			route, name = routeFile, faultSignalFile
		} else if strings.Contains(faults, "conversation") {
			return // the hang must be the one read
		}
		p.signal = []os.Signal{syscall.SIGINT, syscall.SIGTERM}[r.IntN(2)]
		p.signalRoute, p.signalAfter = route, time.Duration(r.IntN(50))*time.Millisecond
		p.faults = append(p.faults, ozfaketest.Fault{Path: route, Hang: true})
		named(name)
	case k < 12: // item 6
		if p.filesDir {
			return // 1000 downloads of files the fake does not have
		}
		p.hostile, p.manyArtifacts, p.conclusion = faultManyArtifacts, true, "succeeded"
		p.answerEveryRead(manyArtifactsRun())
		named(faultManyArtifacts)
	}
}

// manyArtifactsRun is a SUCCEEDED run listing 1001 FILE artifacts, one
// more than oz-run reads.
func manyArtifactsRun() string {
	var b strings.Builder
	b.WriteString(`{"run_id":"fake-run-000001","state":"SUCCEEDED","title":"many files","artifacts":[`)
	for i := range 1001 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"artifact_type":"FILE","data":{"artifact_uid":"many-%04d","filepath":"f%04d.txt","filename":"f%04d.txt","mime_type":"text/plain","size_bytes":1}}`, i, i, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// keyInURL is the key in a form a redirect's Location may carry it in.
func keyInURL(r *rand.Rand) (form, text string) {
	forms := []struct {
		name string
		f    func(string) string
	}{
		{"raw", func(k string) string { return k }},
		{"upper-cased", strings.ToUpper},
		{"reversed", reverse},
		{"in base64", func(k string) string { return base64.RawURLEncoding.EncodeToString([]byte("key=" + k)) }},
		{"percent-encoded", func(k string) string {
			var b strings.Builder
			for i := range len(k) {
				fmt.Fprintf(&b, "%%%02X", k[i])
			}
			return b.String()
		}},
		{"dotted", func(k string) string { return strings.Join(strings.Split(k, ""), ".") }},
		{"in the user info", func(k string) string { return "oz:" + k }},
	}
	f := forms[r.IntN(len(forms))]
	return f.name, f.f(key)
}

// keyAnswer is a conversation whose answer holds the key in one to three
// transformed forms, ending with answerEnd; tokens are the base64 tokens
// it holds whole (none of their characters may stay), forms their names.
func keyAnswer(r *rand.Rand) (body string, tokens, forms []string) {
	spaced := func(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }
	seps := []string{" ", "-", ".", ", ", "\n", "\t", " | ", "\u200b", "_", "/"}
	var parts []string
	for range 1 + r.IntN(3) {
		var name, text string
		switch r.IntN(8) {
		case 0:
			name, text = "upper-cased", strings.ToUpper(key)
		case 1:
			b := []byte(key)
			for i := range b {
				if r.IntN(2) == 0 {
					b[i] = strings.ToUpper(string(b[i]))[0]
				}
			}
			name, text = "mixed case", string(b)
		case 2:
			name, text = "reversed", reverse(key)
		case 3:
			name, text = "reversed, upper-cased", strings.ToUpper(reverse(key))
		case 4:
			sep := seps[r.IntN(len(seps))]
			name, text = fmt.Sprintf("spaced out by %q", sep), spaced(key, sep)
		case 5:
			sep := seps[r.IntN(len(seps))]
			name, text = fmt.Sprintf("reversed, spaced out by %q", sep), spaced(reverse(key), sep)
		default: // base64 of a text holding it, at any offset
			inner, what := key, ""
			if r.IntN(4) == 0 {
				inner, what = reverse(key), " reversed"
			}
			before := strings.Repeat("The API key is: ", 3)[:r.IntN(40)]
			enc, alpha := base64.StdEncoding, "std"
			if r.IntN(3) == 0 {
				enc, alpha = base64.RawURLEncoding, "url"
			}
			tok := enc.EncodeToString([]byte(before + inner + " (from the environment)"))
			name, text = fmt.Sprintf("base64%s (%s, %d bytes before)", what, alpha, len(before)), tok
			if r.IntN(4) == 0 {
				name, text = name+", in lines", wrap(tok, 16+r.IntN(60))
			} else {
				tokens = append(tokens, tok)
			}
		}
		forms = append(forms, name)
		parts = append(parts, name+":\n\n"+text)
	}
	answer := "## Soak\n\nThe key, as asked:\n\n" + strings.Join(parts, "\n\n") + "\n\n" + answerEnd + "\n"
	return conversationJSON(answer), tokens, forms
}

// answerEnd ends the answer that holds the key: published, it shows that
// the answer was, whole.
const answerEnd = "That is the end of the soak's answer."

// conversationJSON is a conversation whose answer is text.
func conversationJSON(text string) string {
	return `{"conversation_id":"soak-conversation","steps":[{"id":"s1","steps":[],"messages":[` +
		`{"role":"assistant","content":[{"type":"text","text":"` + jsonString(text) + `"}]}]}]}`
}

// jsonString is s as the inside of a JSON string.
func jsonString(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteString(`\` + string(c))
		case c < 0x20 || c == 0x2028 || c == 0x2029 || c == 0x200b:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func reverse(s string) string {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return string(rs)
}

// wrap cuts s into lines of n characters.
func wrap(s string, n int) string {
	var lines []string
	for len(s) > n {
		lines = append(lines, s[:n])
		s = s[n:]
	}
	return strings.Join(append(lines, s), "\n")
}

// answerEveryRead makes body the answer of every status read the other
// faults leave, and of a slowed one (a fault with only a Delay would serve
// the fake's own run, which may end otherwise).
func (p *plan) answerEveryRead(body string) {
	for i, f := range p.faults {
		if f.Path == routeGet && f.Delay > 0 && f.Status == 0 && f.Body == "" && !f.Hang && !f.CloseConn {
			p.faults[i].Status, p.faults[i].Body = 200, body
		}
	}
	p.faults = append(p.faults, get(ozfaketest.Fault{Status: 200, Body: body}))
}
