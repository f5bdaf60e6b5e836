package summary

import (
	"fmt"
	"unicode/utf8"
)

// Each field the summary shows is capped before it is escaped (escaping
// can make a byte five: `&` is `&amp;`), and each list shows its first
// items only, so that no field, however long, crowds out the sections
// after it: the whole stays under the size cap with every section in it.
// At the worst (every field at its cap, every character escaped), the
// sections add up to about 450 KiB, under GitHub's 1 MiB.
const (
	maxTitle      = 512      // the heading's and the table's title
	maxWord       = 64       // a state, an error code, a conclusion, a reference type
	maxID         = 256      // a run id shown as text
	maxRunTime    = 64       // run_time shown as given
	maxStatusText = 16 << 10 // the status message (the output holds up to 64 KiB)
	maxErrText    = 8 << 10  // an error's message
	maxLinkText   = 512      // a URL or a title shown as a link's text
	maxName       = 256      // an artifact's file name or description, a branch
	maxListItems  = 50       // pull requests, artifacts
	maxListBytes  = 64 << 10 // one list, rendered
	maxTimeline   = 50       // timeline rows: the first ones and the last ones
	timelineTail  = 10       // of which the last ones
)

// limits are the caps that differ between the summary and the PR/MR
// comment (64,000 bytes in all, where the answer takes what is left).
type limits struct {
	status, err          int // bytes of the status message and of an error's message
	listItems, listBytes int // items of a list, and its bytes rendered
}

var (
	summaryLimits = limits{status: maxStatusText, err: maxErrText, listItems: maxListItems, listBytes: maxListBytes}
	commentLimits = limits{status: 2 << 10, err: 1 << 10, listItems: 20, listBytes: 8 << 10}
)

// cut returns s cut to at most limit bytes at a character boundary, with
// "…" added when something was cut.
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit] + "…"
}

// cutNoting is cut for long text shown as a quote: it says how much was
// left out, on a line of its own.
func cutNoting(s string, limit int, rest string) (shown, note string) {
	if len(s) <= limit {
		return s, ""
	}
	shown = cut(s, limit)
	return shown, fmt.Sprintf("*Cut here: %d more bytes%s.*", len(s)-len(shown)+len("…"), rest)
}
