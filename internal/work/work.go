// Package work brings the agent's work back into CI once its run has
// ended: the answer, from the run's conversation, and with files_dir the
// run's FILE artifacts, downloaded into the workspace, both within one
// budget of time. It knows the Oz API and the workspace, nothing about CI;
// what goes wrong is a warning that names what was not brought back, never
// a changed outcome (a signal is the step's abort: see Abort).
package work

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

// API is what reading the work needs of the Oz API (*oz.Client has it).
type API interface {
	GetConversation(ctx context.Context, runID string) (*oz.Conversation, error)
	GetArtifact(ctx context.Context, uid string) (*oz.ArtifactResponse, error)
	Download(ctx context.Context, signedURL string, w io.Writer, limit int64) (int64, error)
}

// Logger is where progress goes (a ci.Platform has it); it escapes what it
// prints.
type Logger interface {
	Logf(format string, args ...any)
	Debugf(format string, args ...any)
}

// The limits of the contract, and the time the work may take.
const (
	// DefaultMaxFile is the most one downloaded file may hold.
	DefaultMaxFile = 100 << 20
	// DefaultMaxTotal is the most the downloaded files may hold together.
	DefaultMaxTotal = 500 << 20
	// MaxTime is the budget that reading the answer and downloading the
	// files share: the contract's 5 minutes at most (see Budget).
	MaxTime = 5 * time.Minute
	// DefaultConversationTime bounds the read of the conversation, its
	// retries included, within the budget: a conversation that never
	// answers leaves the files the rest of it.
	DefaultConversationTime = 2 * time.Minute
)

// Budget is the time the work of a run gets, for a step whose timeout
// input is timeout: MaxTime, or timeout when that is shorter. It starts
// when the run has ended and does not depend on when that was, so that a
// run that ends just before its timeout still has its answer and files
// brought back; the step then ends at most the budget (and the
// publishing) after timeout.
func Budget(timeout time.Duration) time.Duration {
	if timeout <= 0 {
		return MaxTime
	}
	return min(MaxTime, timeout)
}

// maxTries is how many names a file gets (name, name-2, ... name-100)
// before it is given up.
const maxTries = 100

// Options say where files go and how long the work may take; zero values
// take the defaults.
type Options struct {
	// FilesDir is files_dir as given: relative to the workspace unless
	// absolute; empty downloads nothing.
	FilesDir string
	// Workspace is where FilesDir is, and what writes the files.
	Workspace *workspace.Workspace
	// MaxFile and MaxTotal are the size limits.
	MaxFile, MaxTotal int64
	// Time is the budget that reading the answer and the downloads share
	// (see Budget; MaxTime when zero); ConversationTime bounds the
	// conversation's read within it.
	Time, ConversationTime time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxFile <= 0 {
		o.MaxFile = DefaultMaxFile
	}
	if o.MaxTotal <= 0 {
		o.MaxTotal = DefaultMaxTotal
	}
	if o.Time <= 0 {
		o.Time = MaxTime
	}
	if o.ConversationTime <= 0 {
		o.ConversationTime = DefaultConversationTime
	}
	return o
}

// Due reports whether res's run has ended so that its work is read: it
// came to a conclusion from its own terminal state (whatever that state),
// the step was not aborted, and the API did not fail. A run that timed
// out, was only submitted (wait: false), or was left at a stale state
// after a follow-up has not ended as far as the step knows.
func Due(res outcome.Result) bool {
	if res.Aborted || res.Err != nil || res.RunID == "" || !res.State.IsTerminal() || res.State == "" {
		return false
	}
	switch res.Conclusion {
	case outcome.TimedOut, outcome.Submitted, "":
		return false
	}
	return true
}

// Read reads the ended run's work: its conversation, once (the answer
// and the conversation id; a 404 means no answer, which is no failure),
// then, with opts.FilesDir, each FILE artifact through a fresh signed URL
// into the workspace; all within opts.Time, which the first log line
// says. ctx ending (SIGINT, SIGTERM) stops it at once. Every failure is
// one line of Work.Warnings, naming the file when it is about one; so are
// artifacts past the ones read (oz.MaxArtifacts), in one line.
func Read(ctx context.Context, api API, runID string, run *oz.Run, log Logger, opts Options) outcome.Work {
	opts = opts.withDefaults()
	var w outcome.Work
	files := run.FileArtifacts()
	download := len(files) > 0 && opts.FilesDir != "" && opts.Workspace != nil
	budget := outcome.FormatDuration(opts.Time)
	if download {
		log.Logf("Reading the agent's answer and downloading %d file(s) into %s: at most %s for both.", len(files), opts.FilesDir, budget)
	} else {
		log.Logf("Reading the agent's answer: at most %s.", budget)
	}
	wctx, cancel := context.WithTimeoutCause(ctx, opts.Time, errWorkTime)
	defer cancel()
	w.Answer, w.ConversationID = readAnswer(ctx, wctx, api, runID, run, log, opts, &w.Warnings)
	if w.ConversationID == "" && run != nil {
		w.ConversationID = run.ConversationID
	}
	if run != nil && run.ArtifactsLeftOut > 0 {
		what := "in no output"
		if opts.FilesDir != "" {
			what = "not downloaded, and in no output"
		}
		were := "were"
		if run.ArtifactsLeftOut == 1 {
			were = "was"
		}
		w.Warnings = append(w.Warnings, fmt.Sprintf("the run lists %d artifacts, more than the %d oz-run reads: %d %s left out (%s)",
			oz.MaxArtifacts+run.ArtifactsLeftOut, oz.MaxArtifacts, run.ArtifactsLeftOut, were, what))
	}
	switch {
	case len(files) == 0:
	case opts.FilesDir == "":
		log.Logf("The run made %d file(s); set files_dir to download them.", len(files))
	case opts.Workspace == nil:
		w.Warnings = append(w.Warnings, "files were not downloaded: no workspace to write them into")
	default:
		d := &downloader{api: api, log: log, o: opts}
		w.Files, w.Warnings = d.all(ctx, wctx, files, w.Warnings)
	}
	return w
}

// neverStarted reports whether run ended other than SUCCEEDED without a
// conversation or a session: the agent never started, so it has nothing
// to say on any server.
func neverStarted(run *oz.Run) bool {
	return run != nil && run.State.IsTerminal() && run.State != oz.StateSucceeded &&
		run.ConversationID == "" && run.SessionID == "" && run.SessionLink == ""
}

// errWorkTime is the cause of the work's deadline (Options.Time), and
// errAnswerTime of the conversation's (Options.ConversationTime).
var (
	errWorkTime   = errors.New("the time for the agent's work passed")
	errAnswerTime = errors.New("the time for reading the answer passed")
)

// readAnswer reads the conversation once, within wctx (the work's budget)
// and o.ConversationTime: the answer and the conversation's id. ctx is
// the step's: its end is a signal.
func readAnswer(ctx, wctx context.Context, api API, runID string, run *oz.Run, log Logger, o Options, warnings *[]string) (answer, conversationID string) {
	cctx, cancel := context.WithTimeoutCause(wctx, o.ConversationTime, errAnswerTime)
	defer cancel()
	conv, err := api.GetConversation(cctx, runID)
	switch {
	case err == nil:
	case errors.Is(err, oz.ErrNoConversation) && neverStarted(run):
		// A run that failed before the agent started has no conversation
		// on any server.
		log.Logf("No answer to show: the run ended %s before the agent had a conversation.", run.State)
		log.Debugf("reading the conversation of run %s: %v", runID, err)
		return "", ""
	case errors.Is(err, oz.ErrNoConversation):
		log.Logf("No answer to show: the run has no conversation (the API answered 404; older servers do not serve conversations).")
		log.Debugf("reading the conversation of run %s: %v", runID, err)
		return "", ""
	case ctx.Err() != nil:
		*warnings = append(*warnings, fmt.Sprintf("the agent's answer was not read: the step was stopped (%v)", context.Cause(ctx)))
		return "", ""
	case wctx.Err() != nil:
		*warnings = append(*warnings, fmt.Sprintf("the agent's answer was not read: the %s for the agent's work (its answer and files) passed (%v)",
			outcome.FormatDuration(o.Time), err))
		return "", ""
	case cctx.Err() != nil:
		*warnings = append(*warnings, fmt.Sprintf("the agent's answer was not read: the %s for reading it passed (%v)",
			outcome.FormatDuration(o.ConversationTime), err))
		return "", ""
	default:
		*warnings = append(*warnings, fmt.Sprintf("the agent's answer was not read: %v", err))
		return "", ""
	}
	answer, _ = conv.Answer()
	if conv.Truncated {
		log.Debugf("the conversation of run %s was too large to keep whole; the answer is read from all of it", runID)
	}
	if answer == "" {
		log.Logf("The run's conversation holds no answer from the agent.")
	}
	return answer, conv.ConversationID
}

// downloader downloads a run's files into FilesDir.
type downloader struct {
	api   API
	log   Logger
	o     Options
	total int64 // bytes written so far
}

// all downloads files in order, within what is left of the work's time
// (dctx); ctx is the step's.
func (d *downloader) all(ctx, dctx context.Context, files []oz.FileArtifact, warnings []string) ([]outcome.File, []string) {
	var out []outcome.File
	for i, f := range files {
		if dctx.Err() != nil {
			warnings = append(warnings, d.notDownloaded(ctx, files[i:]))
			break
		}
		rf, err := d.one(dctx, f)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("file %s was not downloaded: %v", shown(f), err))
			continue
		}
		d.log.Logf("Downloaded %s (%s)", rf.Path, workspace.Size(rf.Size))
		out = append(out, rf)
	}
	return out, warnings
}

// notDownloaded is the warning for the files left when the downloads
// stopped: by a signal, or the work's time passing.
func (d *downloader) notDownloaded(parent context.Context, left []oz.FileArtifact) string {
	why := fmt.Sprintf("the %s for the agent's work (its answer and files) passed", outcome.FormatDuration(d.o.Time))
	if parent.Err() != nil {
		why = fmt.Sprintf("the step was stopped (%v)", context.Cause(parent))
	}
	names := make([]string, 0, min(len(left), 10))
	for i, f := range left {
		if i == 10 {
			names = append(names, fmt.Sprintf("and %d more", len(left)-i))
			break
		}
		names = append(names, shown(f))
	}
	return fmt.Sprintf("%d file(s) were not downloaded, as %s: %s", len(left), why, strings.Join(names, ", "))
}

// shown is how a file is named in a warning: its path (or name) as the
// agent gave it, quoted (control and bidi characters escaped), cut.
func shown(f oz.FileArtifact) string {
	name := f.Filepath
	if name == "" {
		name = f.Filename
	}
	if len(name) > 120 {
		cut := 120
		for cut > 0 && name[cut]&0xC0 == 0x80 {
			cut--
		}
		name = name[:cut] + "…"
	}
	return fmt.Sprintf("%+q", name)
}

// one downloads f: a fresh URL, the size checked, a new file below
// FilesDir, the bytes streamed into it within the limits; an expired URL
// is asked again once. A failed download leaves no file.
func (d *downloader) one(ctx context.Context, f oz.FileArtifact) (outcome.File, error) {
	if n := f.SizeBytes; n != nil {
		if err := d.fits(*n); err != nil {
			return outcome.File{}, err
		}
	}
	art, err := d.api.GetArtifact(ctx, f.UID)
	if err != nil {
		return outcome.File{}, stopped(ctx, fmt.Errorf("asking for its download URL: %w", err))
	}
	if n := art.Data.SizeBytes; n != nil {
		if err := d.fits(*n); err != nil {
			return outcome.File{}, err
		}
	}
	limit := min(d.o.MaxFile, d.o.MaxTotal-d.total)
	if limit <= 0 {
		return outcome.File{}, fmt.Errorf("the files downloaded before it hold %s, the limit for all of them", workspace.Size(d.o.MaxTotal))
	}
	file, path, name, err := d.create(f, art)
	if err != nil {
		return outcome.File{}, err
	}
	n, err := d.api.Download(ctx, art.Data.DownloadURL, file, limit)
	if errors.Is(err, oz.ErrDownloadExpired) && ctx.Err() == nil {
		d.log.Debugf("the download URL of %s was refused (expired?): asking for a fresh one", path)
		if art, err = d.api.GetArtifact(ctx, f.UID); err == nil {
			if _, err = file.Seek(0, io.SeekStart); err == nil {
				if err = file.Truncate(0); err == nil {
					n, err = d.api.Download(ctx, art.Data.DownloadURL, file, limit)
				}
			}
		}
	}
	if cerr := file.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing %s: %w", path, cerr)
	}
	if err != nil {
		if rerr := d.o.Workspace.Remove(path); rerr != nil {
			d.log.Debugf("removing the partial file %s: %v", path, rerr)
		}
		if errors.Is(err, oz.ErrDownloadTooLarge) && limit < d.o.MaxFile {
			err = fmt.Errorf("%w (the files together may hold %s)", err, workspace.Size(d.o.MaxTotal))
		}
		return outcome.File{}, stopped(ctx, err)
	}
	d.total += n
	return outcome.File{Path: d.relative(path), Name: name, Size: n}, nil
}

// fits says why a file of n bytes, as announced, is not downloaded.
func (d *downloader) fits(n int64) error {
	switch {
	case n > d.o.MaxFile:
		return fmt.Errorf("it is %d bytes, over the %s limit for a file", n, workspace.Size(d.o.MaxFile))
	case n > d.o.MaxTotal-d.total:
		return fmt.Errorf("it is %d bytes, which would take the files over %s together", n, workspace.Size(d.o.MaxTotal))
	}
	return nil
}

// create makes the file for f below FilesDir: its cleaned path, or with
// -2, -3, ... when that is taken. name is that path below FilesDir, with
// slashes.
func (d *downloader) create(f oz.FileArtifact, art *oz.ArtifactResponse) (file *os.File, path, name string, err error) {
	rel := ""
	for _, name := range []string{f.Filepath, f.Filename, art.Data.Filepath, art.Data.Filename} {
		if rel = cleanName(name); rel != "" {
			break
		}
	}
	if rel == "" {
		rel = "file"
	}
	for i := 1; i <= maxTries; i++ {
		try := rel
		if i > 1 {
			try = withSuffix(rel, i)
		}
		file, path, err := d.o.Workspace.CreateBelow("a downloaded file", d.o.FilesDir, filepath.FromSlash(try))
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", "", err
		}
		return file, path, try, nil
	}
	return nil, "", "", fmt.Errorf("%s and %d other names for it are taken in %s", rel, maxTries-1, d.o.FilesDir)
}

// relative is path relative to the workspace, with slashes (absolute when
// it is outside, as a terminal allows).
func (d *downloader) relative(path string) string {
	ws := d.o.Workspace
	abs, err := ws.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	if rel, err := filepath.Rel(ws.Dir(), abs); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

// stopped says why err came when ctx ended: the step stopped, or the time
// for the agent's work passed.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	if cause := context.Cause(ctx); errors.Is(cause, errWorkTime) {
		return fmt.Errorf("the time for the agent's work passed: %w", err)
	}
	return fmt.Errorf("the step was stopped (%v): %w", context.Cause(ctx), err)
}

// Abort marks res aborted when ctx, the step's, has ended (SIGINT,
// SIGTERM) after the runner returned res: while the agent's work was read,
// or while the outcome was being published. The step then exits 5, as in
// any other phase (the runner marks an abort while it waits); the run's
// conclusion, when it had one, stays: the outputs say how the run ended.
// It reports whether it marked res; res.Err then says when the signal came.
func Abort(ctx context.Context, res *outcome.Result) bool {
	if ctx.Err() == nil || res.Aborted {
		return false
	}
	when := "after the run's outcome was known"
	switch {
	case Due(*res):
		when = fmt.Sprintf("after the run ended (%s), as its answer and files were read", res.Conclusion)
	case res.Conclusion != "":
		when = fmt.Sprintf("after the run's outcome was known (%s)", res.Conclusion)
	}
	err := fmt.Errorf("aborted (%v) %s", context.Cause(ctx), when)
	if res.Err != nil {
		err = fmt.Errorf("%w; before that: %w", err, res.Err)
	}
	res.Aborted, res.Err = true, err
	return true
}
