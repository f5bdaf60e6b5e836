package comment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/oz-run/oz-run-action/internal/redact"
)

// GitLab's side of the comment: a merge request's notes through client-go.

// gitlabLimit is GitLab's limit on a note: 1,000,000 characters.
const gitlabLimit = 1_000_000

// gitlabForge talks to GitLab's REST API through client-go. An MR's
// comments are notes.
type gitlabForge struct {
	c   *gitlab.Client
	t   target
	red *redact.Redactor // hides the token (and the step's other secrets)
	now func() time.Time
}

// noLimiter replaces client-go's rate limiter, which would wait on its own
// once the first answer told it the limit: the Sticky spaces its calls.
type noLimiter struct{}

func (noLimiter) Wait(ctx context.Context) error { return ctx.Err() }

func newGitLab(t target, token, userAgent string, hc *http.Client, now func() time.Time, red *redact.Redactor) (*gitlabForge, error) {
	base, err := apiBase("CI_API_V4_URL", t.apiURL)
	if err != nil {
		return nil, err
	}
	c, err := gitlab.NewClient(token,
		gitlab.WithURLWarningLogger(slog.New(slog.DiscardHandler)), // before the base URL: it logs there
		gitlab.WithBaseURL(base.String()),
		gitlab.WithHTTPClient(hc),
		gitlab.WithoutRetries(), // a failed call waits for the next update
		gitlab.WithCustomLimiter(noLimiter{}),
		gitlab.WithUserAgent(userAgent),
	)
	if err != nil {
		return nil, errors.New(message(err.Error(), red))
	}
	return &gitlabForge{c: c, t: t, red: red, now: now}, nil
}

func (g *gitlabForge) name() string { return "GitLab" }
func (g *gitlabForge) what() string { return "merge request" }
func (g *gitlabForge) limit() int   { return gitlabLimit }

func (g *gitlabForge) list(ctx context.Context, page int) ([]note, int, error) {
	opts := &gitlab.ListMergeRequestNotesOptions{
		ListOptions: gitlab.ListOptions{Page: int64(page), PerPage: 100},
		OrderBy:     gitlab.Ptr("created_at"),
		Sort:        gitlab.Ptr("asc"),
	}
	ns, resp, err := g.c.Notes.ListMergeRequestNotes(g.t.project, g.t.iid, opts, gitlab.WithContext(ctx))
	if err != nil {
		return nil, 0, g.fail(ctx, "list the merge request's notes", resp, err)
	}
	notes := make([]note, 0, len(ns))
	for _, n := range ns {
		notes = append(notes, g.note(n))
	}
	return notes, int(resp.NextPage), nil
}

func (g *gitlabForge) create(ctx context.Context, body string) (note, error) {
	n, resp, err := g.c.Notes.CreateMergeRequestNote(g.t.project, g.t.iid, &gitlab.CreateMergeRequestNoteOptions{Body: &body}, gitlab.WithContext(ctx))
	if err != nil {
		return note{}, g.fail(ctx, "create the note", resp, err)
	}
	return g.note(n), nil
}

func (g *gitlabForge) edit(ctx context.Context, id int64, body string) (note, error) {
	n, resp, err := g.c.Notes.UpdateMergeRequestNote(g.t.project, g.t.iid, id, &gitlab.UpdateMergeRequestNoteOptions{Body: &body}, gitlab.WithContext(ctx))
	if err != nil {
		return note{}, g.fail(ctx, "edit the note", resp, err)
	}
	return g.note(n), nil
}

// self is GET /user: it answers for personal, group and project access
// tokens (the latter two as their bot user).
func (g *gitlabForge) self(ctx context.Context) (identity, error) {
	u, resp, err := g.c.Users.CurrentUser(gitlab.WithContext(ctx))
	if err != nil {
		return identity{}, g.fail(ctx, "find the token's user", resp, err)
	}
	return identity{login: u.Username, id: u.ID}, nil
}

func (g *gitlabForge) mine(a author, me identity) bool {
	return me.id != 0 && a.id == me.id
}

func (g *gitlabForge) note(n *gitlab.Note) note {
	if n == nil {
		return note{}
	}
	out := note{id: n.ID, body: n.Body, system: n.System, author: author{login: n.Author.Username, id: n.Author.ID}}
	if p := strings.TrimSuffix(g.t.projectURL, "/"); p != "" && n.ID > 0 {
		out.url = fmt.Sprintf("%s/-/merge_requests/%d#note_%d", p, g.t.iid, n.ID)
	}
	return out
}

func (g *gitlabForge) fail(ctx context.Context, op string, resp *gitlab.Response, err error) error {
	var hr *http.Response
	if resp != nil {
		hr = resp.Response
	}
	// client-go's errors name the URL, never the token (a header); a
	// url.Error from the transport may hold a query, which is not used here.
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = fmt.Errorf("%s %s: %w", uerr.Op, redactURL(uerr.URL), uerr.Err)
	}
	return classify(ctx, op, hr, err, g.now(), g.red)
}

// redactURL drops a URL's user info and query.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(URL)"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}
