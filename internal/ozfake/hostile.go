package ozfake

import (
	"fmt"
	"strings"
)

// Bodies for tests and the bench that throw hostile content at a client:
// inject them as a Fault's Body (on "GET /agent/runs/{id}") to answer a
// status read with them.

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
