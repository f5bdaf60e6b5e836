package oz

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// A run by its id (GetRun, CancelRun), and the list of runs (ListRuns).

// GetRun reads one run.
func (c *Client) GetRun(ctx context.Context, runID string) (*Run, error) {
	if runID == "" {
		return nil, errors.New("oz: GetRun: the run id is empty")
	}
	op := "get run " + quoteID(runID)
	u := c.endpoint("agent", "runs", runID)
	var run *Run
	err := c.withRetry(ctx, op, func(n int) error {
		_, err := c.send(ctx, op, n, http.MethodGet, u, nil, func(r io.Reader) (err error) {
			if run, err = readRunAnswer(r); err == nil {
				err = c.refuseKeyAsID(run.RunID)
			}
			return err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// CancelRun asks the API to cancel a run. A 409 (the run is PENDING: try
// again shortly) is not retried here; it is returned as an *APIError, like
// the final 400 (already terminal) and 422 (this run type cannot be
// cancelled).
func (c *Client) CancelRun(ctx context.Context, runID string) error {
	if runID == "" {
		return errors.New("oz: CancelRun: the run id is empty")
	}
	op := "cancel run " + quoteID(runID)
	u := c.endpoint("agent", "runs", runID, "cancel")
	return c.withRetry(ctx, op, func(n int) error {
		// The 200 answer is the run id as a JSON string; nothing in it is
		// needed, so any body is accepted.
		_, err := c.send(ctx, op, n, http.MethodPost, u, nil, func(io.Reader) error { return nil })
		return err
	})
}

// ListRuns lists runs, newest first, filtered by opts.
func (c *Client) ListRuns(ctx context.Context, opts ListOptions) (*ListRunsResponse, error) {
	const op = "list runs"
	u := c.endpoint("agent", "runs")
	u.RawQuery = opts.query().Encode()
	var list *ListRunsResponse
	err := c.withRetry(ctx, op, func(n int) error {
		_, err := c.send(ctx, op, n, http.MethodGet, u, nil, func(r io.Reader) (err error) {
			if list, err = decodeList(r); err != nil {
				return err
			}
			for _, r := range list.Runs {
				if err := c.refuseKeyAsID(r.RunID); err != nil {
					return err
				}
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// query encodes the options: metadata as deepObject (metadata[key]=value).
func (o ListOptions) query() url.Values {
	q := url.Values{}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Cursor != "" {
		q.Set("cursor", o.Cursor)
	}
	for k, v := range o.Metadata {
		q.Set("metadata["+k+"]", v)
	}
	if !o.UpdatedAfter.IsZero() {
		q.Set("updated_after", o.UpdatedAfter.UTC().Format(time.RFC3339Nano))
	}
	return q
}

// MaxListPages bounds the pages ListAllRuns follows.
const MaxListPages = 50

// ListAllRuns lists runs from opts.Cursor on, following next_cursor, at
// most maxPages pages (at most MaxListPages) and maxItems runs (at most
// maxListRuns): a server that never stops paging, or answers the same
// cursor again, ends the walk. The answer's PageInfo is the last page's:
// HasNextPage says that runs were left out, NextCursor where they start.
// Pages reports how many requests the walk took.
func (c *Client) ListAllRuns(ctx context.Context, opts ListOptions, maxPages, maxItems int) (*ListRunsResponse, int, error) {
	maxPages = min(max(maxPages, 1), MaxListPages)
	maxItems = min(max(maxItems, 1), maxListRuns)
	out := &ListRunsResponse{}
	seen := map[string]bool{opts.Cursor: true}
	pages := 0
	for {
		page, err := c.ListRuns(ctx, opts)
		pages++
		if err != nil {
			return nil, pages, err
		}
		room := maxItems - len(out.Runs)
		if len(page.Runs) > room {
			out.Runs = append(out.Runs, page.Runs[:room]...)
			out.PageInfo = PageInfo{HasNextPage: true}
			return out, pages, nil
		}
		out.Runs = append(out.Runs, page.Runs...)
		out.PageInfo = page.PageInfo
		next := page.PageInfo.NextCursor
		if !page.PageInfo.HasNextPage || next == "" || seen[next] || pages >= maxPages || len(out.Runs) >= maxItems {
			if page.PageInfo.HasNextPage && (next == "" || seen[next]) {
				// A next page that cannot be asked for: say so, but
				// give no cursor to ask with.
				out.PageInfo.NextCursor = ""
			}
			return out, pages, nil
		}
		seen[next] = true
		opts.Cursor = next
	}
}

// quoteID shows a run id in an error: as is when plain, quoted otherwise
// (it is user input), and cut when long.
func quoteID(id string) string {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r == '.' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return strconv.Quote(id)
		}
	}
	if id == "" {
		return `""`
	}
	return id
}
