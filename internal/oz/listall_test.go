package oz

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// page is a list answer holding the runs named, with paging.
func page(next string, ids ...string) reply {
	var runs []string
	for _, id := range ids {
		runs = append(runs, strings.ReplaceAll(runJSON, "run-1", id))
	}
	info := `{"has_next_page":false}`
	if next != "" {
		info = `{"has_next_page":true,"next_cursor":"` + next + `"}`
	}
	return reply{status: 200, body: `{"runs":[` + strings.Join(runs, ",") + `],"page_info":` + info + `}`}
}

func TestListRunsUpdatedAfter(t *testing.T) {
	t.Parallel()
	s := newStub(t, page(""))
	c, _ := testClient(t, s)
	at := time.Date(2026, 1, 2, 16, 4, 5, 120000000, time.FixedZone("x", 3600))
	if _, err := c.ListRuns(t.Context(), ListOptions{UpdatedAfter: at}); err != nil {
		t.Fatal(err)
	}
	want := url.Values{"updated_after": {"2026-01-02T15:04:05.12Z"}}
	if q := s.requests()[0].Query; q.Encode() != want.Encode() {
		t.Errorf("query = %v, want %v", q, want)
	}
}

func TestListAllRuns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		replies         []reply
		pages, items    int
		wantIDs         string
		wantRequests    int
		wantMore        bool
		wantNext        string
		wantCursorsSent []string
	}{
		{"one page", []reply{page("", "r1", "r2")}, 10, 100, "r1 r2", 1, false, "", []string{""}},
		{"three pages", []reply{page("c1", "r1"), page("c2", "r2"), page("", "r3")}, 10, 100, "r1 r2 r3", 3, false, "", []string{"", "c1", "c2"}},
		{"page cap", []reply{page("c1", "r1"), page("c2", "r2")}, 2, 100, "r1 r2", 2, true, "c2", []string{"", "c1"}},
		{"item cap", []reply{page("c1", "r1", "r2"), page("", "r3", "r4")}, 10, 3, "r1 r2 r3", 2, true, "", []string{"", "c1"}},
		{"cursor loop", []reply{page("c1", "r1"), page("c1", "r2")}, 10, 100, "r1 r2", 2, true, "", []string{"", "c1"}},
		{"more without a cursor", []reply{{status: 200, body: `{"runs":[],"page_info":{"has_next_page":true}}`}}, 10, 100, "", 1, true, "", []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.replies...)
			c, _ := testClient(t, s)
			list, n, err := c.ListAllRuns(t.Context(), ListOptions{Metadata: map[string]string{"b": "1"}}, tc.pages, tc.items)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range list.Runs {
				ids = append(ids, r.RunID)
			}
			if got := strings.Join(ids, " "); got != tc.wantIDs || n != tc.wantRequests ||
				list.PageInfo.HasNextPage != tc.wantMore || list.PageInfo.NextCursor != tc.wantNext {
				t.Errorf("runs %q, %d requests, more %v next %q; want %q, %d, %v, %q",
					got, n, list.PageInfo.HasNextPage, list.PageInfo.NextCursor, tc.wantIDs, tc.wantRequests, tc.wantMore, tc.wantNext)
			}
			var cursors []string
			for _, r := range s.requests() {
				cursors = append(cursors, r.Query.Get("cursor"))
				if r.Query.Get("metadata[b]") != "1" {
					t.Errorf("a page lost the filter: %v", r.Query)
				}
			}
			if strings.Join(cursors, ",") != strings.Join(tc.wantCursorsSent, ",") {
				t.Errorf("cursors sent %q, want %q", cursors, tc.wantCursorsSent)
			}
		})
	}
}

func TestListAllRunsError(t *testing.T) {
	t.Parallel()
	s := newStub(t, page("c1", "r1"), reply{status: 403, body: `{"error":"no","error_code":"feature_not_available"}`})
	c, _ := testClient(t, s)
	if _, n, err := c.ListAllRuns(t.Context(), ListOptions{}, 10, 100); err == nil || n != 2 {
		t.Errorf("err %v after %d requests, want the 403 after 2", err, n)
	}
}
