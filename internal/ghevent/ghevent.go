// Package ghevent reads the payload of the GitHub Actions event that
// started the job (the file GITHUB_EVENT_PATH names), capped as it is read,
// keeping only what oz-run uses of it: the pull request's number and head
// commit, and for a comment, its issue and whether that is a pull request.
// The CI metadata (ci) and the PR comment (comment) both read it here.
package ghevent

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
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

// PullRequest is the pull request of a pull_request event.
type PullRequest struct {
	Number int `json:"number"`
	Head   struct {
		SHA string `json:"sha"`
	} `json:"head"`
}

// Issue is the issue (or pull request) of an issue_comment event;
// PullRequest is set, and not null, when it is a pull request.
type Issue struct {
	Number      int              `json:"number"`
	PullRequest *json.RawMessage `json:"pull_request"`
}

// Read reads the payload at path; the error says what failed and where.
func Read(path string) (Event, error) {
	var ev Event
	if path == "" {
		return ev, fmt.Errorf("GITHUB_EVENT_PATH is not set")
	}
	f, err := os.Open(path)
	if err != nil {
		return ev, fmt.Errorf("read the event payload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	switch {
	case err != nil:
		return ev, fmt.Errorf("read the event payload: %w", err)
	case len(data) > MaxSize:
		return ev, fmt.Errorf("the event payload %s is larger than %d MiB", path, MaxSize>>20)
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return Event{}, fmt.Errorf("the event payload %s is not the JSON expected: %v", path, err)
	}
	return ev, nil
}
