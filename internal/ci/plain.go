package ci

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// plainLog is the log of every platform but GitHub's: plain lines on one
// writer, never a `::` command. Control characters are dropped from the
// text, so that it cannot forge a GitLab section marker or an ANSI
// sequence, and masked secrets are redacted.
type plainLog struct {
	debug bool
	w     io.Writer // the log
	sec   secrets

	mu sync.Mutex // serialises writes, to w and to any other writer
}

func newPlainLog(w io.Writer, debug bool) plainLog {
	return plainLog{debug: debug, w: quietWriter{w}}
}

// Mask only redacts: outside GitHub there is no runtime masking.
func (l *plainLog) Mask(secrets ...string) { l.sec.add(secrets...) }

func (l *plainLog) Logf(format string, args ...any) { l.print(l.w, fmt.Sprintf(format, args...)) }

func (l *plainLog) Debugf(format string, args ...any) {
	if l.debug {
		l.print(l.w, "[debug] "+fmt.Sprintf(format, args...))
	}
}

func (l *plainLog) Notice(title, message string)  { l.print(l.w, marked("NOTICE", title, message)) }
func (l *plainLog) Warning(title, message string) { l.print(l.w, marked("WARNING", title, message)) }
func (l *plainLog) Error(title, message string)   { l.print(l.w, marked("ERROR", title, message)) }

// print writes text, cleaned and redacted, to w as whole lines.
func (l *plainLog) print(w io.Writer, text string) {
	text = capLines(l.sec.redact(clean(text)))
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(w, strings.TrimSuffix(text, "\n")+"\n")
}

// marked is an annotation as a log line: `LEVEL: title: message`.
func marked(level, title, message string) string {
	if title = oneLine(title); title != "" {
		return level + ": " + title + ": " + message
	}
	return level + ": " + message
}
