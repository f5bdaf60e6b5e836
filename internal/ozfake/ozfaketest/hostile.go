package ozfaketest

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Bodies that throw hostile content at a client: inject them as a Fault's
// Body (on "GET /agent/runs/{id}") to answer a status read with them.

// MaxClientBody is the largest answer oz-run's client reads (16 MiB); a
// larger one is an unreadable answer.
const MaxClientBody = 16 << 20

// HostileRun is the JSON of a run with id in state, holding text (the
// inside of a JSON string: escapes allowed) in every other string it has:
// title, prompt, times, status message and error code, session id and
// link, conversation id, metadata keys and values, and the artifacts'
// types, URLs, titles, file names and unknown fields.
func HostileRun(id, state, text string) string {
	q := func(s string) string { return `"` + s + `"` }
	return `{"run_id":` + q(id) + `,"state":` + q(state) + `,"title":` + q("deploy "+text) + `,"prompt":` + q(text) +
		`,"task_id":` + q(text) + `,"created_at":` + q(text) + `,"updated_at":` + q(text) + `,"started_at":` + q(text) +
		`,"run_time":` + q(text) + `,"status_message":{"message":` + q("token "+text) + `,"error_code":` + q(text) + `}` +
		`,"session_id":` + q(text) + `,"session_link":` + q("https://app.warp.dev/session/x?t="+text) +
		`,"conversation_id":` + q(text) + `,"metadata":{"k":` + q(text) + `,` + q(text) + `:"v"}` +
		`,"artifacts":[{"artifact_type":"PULL_REQUEST","created_at":` + q(text) + `,"data":{"url":` + q("https://github.com/o/r/pull/1?t="+text) + `,"branch":` + q(text) + `}}` +
		`,{"artifact_type":"PLAN","data":{"title":` + q(text) + `,"url":` + q("https://x.dev/"+text) + `}}` +
		`,{"artifact_type":"FILE","data":{"filename":` + q(text) + `,"title":` + q(text) + `}}` +
		`,{"artifact_type":` + q(text) + `,"data":{` + q(text) + `:` + q(text) + `}}]}`
}

// LargestRun is the JSON of a run with id in state as large as the client
// reads (just under MaxClientBody) and as full as its caps keep: 1000
// pull-request artifacts (the most kept) with a 2 KiB URL and three 4 KiB
// strings each, a 64 KiB status message of characters that escape, a
// 1 KiB title, a 2 KiB session link.
func LargestRun(id, state string) string {
	var b strings.Builder
	b.Grow(MaxClientBody)
	b.WriteString(`{"run_id":"` + id + `","state":"` + state + `","title":"` + strings.Repeat("t", 1<<10) + `"`)
	b.WriteString(`,"status_message":{"message":"` + strings.Repeat("m & <b> ", 64<<10/8) + `","error_code":"e"}`)
	b.WriteString(`,"session_link":"https://app.warp.dev/session/` + strings.Repeat("s", 1900) + `","artifacts":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/o/r/pull/%d?%s","branch":"b%d","a":"%s","b":"%s","c":"%s"}}`,
			i, strings.Repeat("u", 1990), i, strings.Repeat("a", 4000), strings.Repeat("b", 4000), strings.Repeat("c", 4000))
	}
	// Pad to the cap with an unknown member the client skips.
	const tail = `],"padding":""}`
	if pad := MaxClientBody - 4096 - b.Len() - len(tail); pad > 0 {
		b.WriteString(`],"padding":"` + strings.Repeat("p", pad) + `"}`)
	} else {
		b.WriteString(tail)
	}
	return b.String()
}

// KeyForms are the forms in which a server may send a key k back, by name:
// each is the inside of a JSON string (as HostileRun's text), decoding to
// k raw, JSON-escaped (every character, or one), base64 at each of its
// three alignments (and inside a sentence's), URL-escaped, hex,
// Markdown-escaped, as HTML character references, and transformed as an
// agent can be talked into writing it: upper-cased, reversed, spaced out,
// one character a line.
func KeyForms(k string) map[string]string {
	jsonEvery := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		return b.String()
	}
	forms := map[string]string{
		"raw":                 jsonText(k),
		"json every char":     jsonEvery(k),
		"json one char":       fmt.Sprintf(`\u%04x`, k[0]) + jsonText(k[1:]),
		"base64 aligned":      base64.StdEncoding.EncodeToString([]byte(k)),
		"base64 shifted by 1": base64.StdEncoding.EncodeToString([]byte("x" + k)),
		"base64 shifted by 2": base64.RawURLEncoding.EncodeToString([]byte("xy" + k)),
		"url query":           url.QueryEscape(k),
		"url path lower hex":  strings.ToLower(url.PathEscape(k)),
		"hex":                 hex.EncodeToString([]byte(k)),
		"markdown escaped":    jsonText(strings.NewReplacer("_", `\_`, "*", `\*`, "[", `\[`, "]", `\]`, "<", `\<`, "-", `\-`).Replace(k)),
		"html entities":       jsonText(strings.NewReplacer("w", "&#119;", "-", "&#x2d;", "&", "&amp;", "<", "&lt;").Replace(k)),
	}
	reversed := []rune(k)
	slices.Reverse(reversed)
	spaced := func(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }
	forms["upper"] = jsonText(strings.ToUpper(k))
	forms["reversed"] = jsonText(string(reversed))
	forms["spaced"] = jsonText(spaced(k, " "))
	forms["one a line, reversed, upper"] = jsonText(spaced(strings.ToUpper(string(reversed)), "\n"))
	forms["base64 in a sentence"] = base64.StdEncoding.EncodeToString([]byte("the key is " + k + ", keep it safe"))
	return forms
}

// ControlText is the inside of a JSON string holding control, bidi and
// invisible characters, a forged workflow command and an ANSI title
// sequence.
const ControlText = `a\u0000b\u001b[31mc\rd\u202ee\u2066f\ufeffg\u200eh\u007fi\u0085::error::forged\n##[error]x\u001b]0;title\u0007`

// jsonText is s as the inside of a JSON string literal.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}
