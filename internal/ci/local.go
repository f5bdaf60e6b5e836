package ci

import (
	"errors"
	"io"
)

type local struct {
	plainLog // on Stderr: progress
	o        Options
	out      io.Writer // Stdout: the outputs and summary
}

// NewLocal is the platform for a terminal: plain log lines on Stderr, and
// Publish prints the outputs (`name: value`) and the summary on Stdout. As
// the contract asks of every CI but GitHub, it also writes the dotenv,
// summary and JUnit files whose paths are set in Options.
// Control characters are dropped from printed text.
func NewLocal(o Options) Platform {
	o = o.withDefaults()
	return &local{plainLog: newPlainLog(o.Stderr, o.Debug), o: o, out: quietWriter{o.Stdout}}
}

func (l *local) Name() string { return "local" }

// Group prints the title as a heading; there is nothing to close.
func (l *local) Group(title string) (end func()) {
	l.print(l.w, "== "+oneLine(title))
	return func() {}
}

func (l *local) Metadata() map[string]string { return map[string]string{} }

// Publish writes the result file and, as on any CI but GitHub, the report
// files whose paths are set; then it prints the outputs and the summary.
func (l *local) Publish(r Report) error {
	outs, err := prepareOutputs(l.o, &l.sec, r, l.Warning)
	err = errors.Join(err, writeReports(l.o, &l.sec, r, outs))
	if len(outs) > 0 {
		l.print(l.out, outputsText(outs))
	}
	if r.Summary != "" {
		l.print(l.out, "--- summary ---\n"+summaryText(r.Summary))
	}
	return err
}
