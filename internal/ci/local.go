package ci

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

type local struct {
	o   Options
	log io.Writer // Stderr: progress
	out io.Writer // Stdout: the outputs and summary
	sec secrets
	mu  sync.Mutex
}

// NewLocal is the platform for a terminal: plain log lines on Stderr, and
// Publish prints the outputs (`name: value`) and the summary on Stdout. As
// the contract asks of every CI but GitHub, it also writes the dotenv,
// summary and JUnit files whose paths are set in Options.
// Control characters are dropped from printed text.
func NewLocal(o Options) Platform {
	o = o.withDefaults()
	return &local{o: o, log: quietWriter{o.Stderr}, out: quietWriter{o.Stdout}}
}

func (l *local) Name() string { return "local" }

func (l *local) Mask(secret string) { l.sec.add(secret) }

func (l *local) Logf(format string, args ...any) { l.print(l.log, fmt.Sprintf(format, args...)) }

func (l *local) print(w io.Writer, text string) {
	text = l.sec.redact(clean(text))
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(w, strings.TrimSuffix(text, "\n")+"\n")
}

func (l *local) Debugf(format string, args ...any) {
	if l.o.Debug {
		l.print(l.log, "[debug] "+fmt.Sprintf(format, args...))
	}
}

func (l *local) Notice(title, message string)  { l.print(l.log, marked("NOTICE", title, message)) }
func (l *local) Warning(title, message string) { l.print(l.log, marked("WARNING", title, message)) }
func (l *local) Error(title, message string)   { l.print(l.log, marked("ERROR", title, message)) }

// Group prints the title as a heading; there is nothing to close.
func (l *local) Group(title string) (end func()) {
	l.print(l.log, "== "+oneLine(title))
	return func() {}
}

func (l *local) Metadata() map[string]string { return map[string]string{} }

// Publish writes the result file and, as on any CI but GitHub, the report
// files whose paths are set; then it prints the outputs and the summary.
func (l *local) Publish(r Report) error {
	outs, err := withResultFile(l.o, &l.sec, r)
	err = errors.Join(err, writeReports(l.o, &l.sec, r, outs))
	if len(outs) > 0 {
		l.print(l.out, outputsText(outs))
	}
	if r.Summary != "" {
		l.print(l.out, "--- summary ---\n"+summaryText(r.Summary))
	}
	return err
}
