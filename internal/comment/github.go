package comment

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v88/github"

	"github.com/oz-run/oz-run-action/internal/redact"
)

// GitHub's side of the comment: a pull request's issue comments through
// go-github, the token's user through GraphQL (or GET /user).

// githubLimit is GitHub's limit on a comment body: 65,536 characters, so at
// most that many bytes.
const githubLimit = 65536

// githubForge talks to GitHub's REST API through go-github. A PR's
// comments are issue comments.
type githubForge struct {
	c       *github.Client
	t       target
	red     *redact.Redactor // hides the token (and the step's other secrets)
	graphql string           // the GraphQL endpoint beside the REST one
	now     func() time.Time
}

func newGitHub(t target, token, userAgent string, hc *http.Client, now func() time.Time, red *redact.Redactor) (*githubForge, error) {
	base, err := apiBase("GITHUB_API_URL", t.apiURL)
	if err != nil {
		return nil, err
	}
	// The rate-limit check stays on: after a rate limit, go-github refuses
	// further calls until the reset without sending them. It never sleeps
	// unless asked to (SleepUntilPrimaryRateLimitResetWhenRateLimited), and
	// never retries.
	c, err := github.NewClient(
		github.WithHTTPClient(hc),
		github.WithAuthToken(token),
		github.WithURLs(github.Ptr(base.String()), github.Ptr(base.String())),
		github.WithUserAgent(userAgent),
	)
	if err != nil {
		return nil, errors.New(message(err.Error(), red))
	}
	// GraphQL is at /graphql on github.com and at /api/graphql on GitHub
	// Enterprise Server (whose REST API is at /api/v3).
	gql := *base
	if p, ok := strings.CutSuffix(gql.Path, "/api/v3/"); ok {
		gql.Path = p + "/api/graphql"
	} else {
		gql.Path += "graphql"
	}
	return &githubForge{c: c, t: t, red: red, graphql: gql.String(), now: now}, nil
}

func (g *githubForge) name() string { return "GitHub" }
func (g *githubForge) what() string { return "pull request" }
func (g *githubForge) limit() int   { return githubLimit }

func (g *githubForge) list(ctx context.Context, page int) ([]note, int, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{Page: page, PerPage: 100}}
	cs, resp, err := g.c.Issues.ListComments(ctx, g.t.owner, g.t.repo, g.t.number, opts)
	if err != nil {
		return nil, 0, g.fail(ctx, "list the pull request's comments", resp, err)
	}
	notes := make([]note, 0, len(cs))
	for _, c := range cs {
		notes = append(notes, githubNote(c))
	}
	return notes, resp.NextPage, nil
}

func (g *githubForge) create(ctx context.Context, body string) (note, error) {
	c, resp, err := g.c.Issues.CreateComment(ctx, g.t.owner, g.t.repo, g.t.number, &github.IssueComment{Body: &body})
	if err != nil {
		return note{}, g.fail(ctx, "create the comment", resp, err)
	}
	return githubNote(c), nil
}

func (g *githubForge) edit(ctx context.Context, id int64, body string) (note, error) {
	c, resp, err := g.c.Issues.EditComment(ctx, g.t.owner, g.t.repo, id, &github.IssueComment{Body: &body})
	if err != nil {
		return note{}, g.fail(ctx, "edit the comment", resp, err)
	}
	return githubNote(c), nil
}

// self asks GraphQL for the viewer first: it answers for every kind of
// token, the GITHUB_TOKEN of Actions and an app's installation token too
// (as the app's bot, whose login there may lack the "[bot]" that REST
// shows), with the account's id (databaseId). GET /user, which
// installation tokens may not call, is the fallback, and also gives the id
// when GraphQL named the viewer without one.
func (g *githubForge) self(ctx context.Context) (identity, error) {
	var out struct {
		Data struct {
			Viewer struct {
				Login      string `json:"login"`
				DatabaseID int64  `json:"databaseId"`
			} `json:"viewer"`
		} `json:"data"`
	}
	var viewer identity
	req, err := g.c.NewRequest(ctx, http.MethodPost, g.graphql, map[string]string{"query": "query { viewer { login databaseId } }"})
	if err == nil {
		var resp *github.Response
		resp, err = g.c.Do(req, &out)
		if err == nil && out.Data.Viewer.Login != "" {
			viewer = identity{login: out.Data.Viewer.Login, id: max(out.Data.Viewer.DatabaseID, 0)}
			if viewer.id != 0 {
				return viewer, nil
			}
		}
		if err != nil && ctx.Err() != nil {
			return identity{}, g.fail(ctx, "find the token's user", resp, err)
		}
	}
	u, resp, err := g.c.Users.Get(ctx, "")
	switch {
	case err == nil && u.GetID() > 0:
		return identity{login: u.GetLogin(), id: u.GetID()}, nil
	case viewer.login != "" && ctx.Err() == nil:
		// GraphQL's login without an id: only the app's Bot can match it.
		return viewer, nil
	case err == nil:
		return identity{login: u.GetLogin()}, nil
	}
	return identity{}, g.fail(ctx, "find the token's user", resp, err)
}

// mine reports a comment written with the token: by the same account id,
// or, when the viewer is an app, by a Bot whose login is the viewer's with
// "[bot]" (GraphQL may name an app's bot "name" where REST says
// "name[bot]"; only a Bot's login can end so). A login alone never
// matches: a User may well be called what an app's GraphQL login is.
func (g *githubForge) mine(a author, me identity) bool {
	if me.id != 0 && a.id == me.id {
		return true
	}
	base := strings.TrimSuffix(strings.ToLower(me.login), "[bot]")
	return a.bot && base != "" && strings.ToLower(a.login) == base+"[bot]"
}

func githubNote(c *github.IssueComment) note {
	return note{
		id:   c.GetID(),
		body: c.GetBody(),
		url:  c.GetHTMLURL(),
		author: author{
			login: c.GetUser().GetLogin(),
			id:    c.GetUser().GetID(),
			bot:   c.GetUser().GetType() == "Bot",
		},
	}
}

// fail classifies a failed call, reading go-github's rate-limit errors
// (which it may return without sending anything, after an earlier limit).
func (g *githubForge) fail(ctx context.Context, op string, resp *github.Response, err error) error {
	var hr *http.Response
	if resp != nil {
		hr = resp.Response
	}
	now := g.now()
	e := classify(ctx, op, hr, err, now, g.red)
	var rle *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	switch {
	case e.kind == stopped:
	case errors.As(err, &rle):
		e.kind, e.retryAfter = limited, clampWait(rle.Rate.Reset.Sub(now))
	case errors.As(err, &abuse):
		e.kind, e.retryAfter = limited, clampWait(abuse.GetRetryAfter())
	}
	return e
}
