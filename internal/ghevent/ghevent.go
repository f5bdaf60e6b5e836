// Package ghevent reads the payload of the GitHub Actions event that
// started the job (the file GITHUB_EVENT_PATH names), capped as it is read,
// keeping only what oz-run uses of it: the pull request's number, URL, head
// and base, and for a comment, its issue and whether that is a pull
// request. It reads; prfacts decides what the job's pull request is, and
// the CI metadata (ci) and the PR comment (comment) ask prfacts.
package ghevent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxSize caps the payload read: GitHub's payloads are far smaller, and a
// larger file is refused rather than read whole.
const MaxSize = 32 << 20

// Event is what oz-run reads of an event's payload; a field the event does
// not have is nil.
type Event struct {
	PullRequest *PullRequest `json:"pull_request"`
	Issue       *Issue       `json:"issue"`
}

// PullRequest is the pull request of a pull_request event (and of
// pull_request_target, pull_request_review, pull_request_review_comment).
type PullRequest struct {
	Number  int    `json:"number"`
	HTMLURL string `json:"html_url"`
	Head    Branch `json:"head"`
	Base    Branch `json:"base"`
}

// Branch is a pull request's head or base: its branch and commit.
type Branch struct {
	Ref string `json:"ref"`
	SHA string `json:"sha"`
}

// Issue is the issue (or pull request) of an issue_comment event;
// PullRequest is set, and not null, when it is a pull request.
type Issue struct {
	Number      int           `json:"number"`
	HTMLURL     string        `json:"html_url"`
	PullRequest *IssuePullRef `json:"pull_request"`
}

// IssuePullRef is an issue's pull_request member: present (and not null)
// when the issue is a pull request.
type IssuePullRef struct {
	HTMLURL string `json:"html_url"`
}

// ErrNotRegular is wrapped by Read's error when the payload is not a
// regular file (a FIFO, a device, a socket or a directory): it is not
// opened for reading, so that nothing blocks on it.
var ErrNotRegular = errors.New("not a regular file")

// Read reads the payload at path; the error says what failed and where.
// Only a regular file of at most MaxSize bytes is read: a FIFO, a device,
// a socket or a directory is refused before it is opened (a FIFO with no
// writer would block the open, and then every read, out of reach of a
// signal), and the file opened is checked again, without blocking, to be
// the regular file looked at. Reading a regular file does not wait on
// anyone, and the read is capped.
func Read(path string) (Event, error) {
	var ev Event
	if path == "" {
		return ev, fmt.Errorf("GITHUB_EVENT_PATH is not set")
	}
	fi, err := os.Stat(path)
	if err != nil {
		return ev, fmt.Errorf("read the event payload: %w", err)
	}
	if err := regular(path, fi); err != nil {
		return ev, err
	}
	if fi.Size() > MaxSize {
		return ev, tooLarge(path)
	}
	// O_NONBLOCK: a FIFO swapped in since the look opens at once (and is
	// refused below); O_NOCTTY: a terminal never becomes ours.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return ev, fmt.Errorf("read the event payload: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ev, fmt.Errorf("read the event payload: %w", err)
	}
	if err := regular(path, st); err != nil {
		return ev, err
	}
	if !os.SameFile(fi, st) {
		return ev, fmt.Errorf("the event payload %s was replaced while oz-run opened it: it is not read", path)
	}
	// The size looked at may be stale: the reader stops past the cap.
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	switch {
	case err != nil:
		return ev, fmt.Errorf("read the event payload: %w", err)
	case len(data) > MaxSize:
		return ev, tooLarge(path)
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return Event{}, fmt.Errorf("the event payload %s is not the JSON expected: %v", path, err)
	}
	return ev, nil
}

// regular refuses what is not a regular file, saying what it is.
func regular(path string, fi os.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "a device or a socket"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&os.ModeNamedPipe != 0:
		what = "a FIFO"
	}
	return fmt.Errorf("the event payload %s is %w (%s): it is not read", path, ErrNotRegular, what)
}

func tooLarge(path string) error {
	return fmt.Errorf("the event payload %s is larger than %d MiB", path, MaxSize>>20)
}
