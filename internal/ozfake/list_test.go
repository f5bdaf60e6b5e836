package ozfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
)

func (f *fake) list(query string) oz.ListRunsResponse {
	f.t.Helper()
	r := f.do("GET", "/agent/runs?"+query, "")
	require.Equal(f.t, http.StatusOK, r.status, string(r.body))
	var l oz.ListRunsResponse
	require.NoError(f.t, json.Unmarshal(r.body, &l))
	return l
}

func ids(l oz.ListRunsResponse) []string {
	var out []string
	for _, r := range l.Runs {
		out = append(out, r.RunID)
	}
	return out
}

func TestListEmpty(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := f.do("GET", "/agent/runs", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"runs":[],"page_info":{"has_next_page":false}}`, string(r.body))
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithDefaultScript(Script{Final: oz.StateInProgress}))
	for range 45 {
		f.create("x")
		f.clock.Advance(time.Second)
	}
	// Default: 20 per page, newest first.
	first := f.list("")
	require.Len(t, first.Runs, 20)
	assert.Equal(t, "fake-run-000045", first.Runs[0].RunID)
	assert.True(t, first.PageInfo.HasNextPage)

	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		q := url.Values{"limit": {"7"}, "sort_by": {"created_at"}, "sort_order": {"asc"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		page := f.list(q.Encode())
		assert.LessOrEqual(t, len(page.Runs), 7)
		all = append(all, ids(page)...)
		if !page.PageInfo.HasNextPage {
			assert.Empty(t, page.PageInfo.NextCursor)
			break
		}
		cursor = page.PageInfo.NextCursor
		require.NotEmpty(t, cursor)
	}
	require.Len(t, all, 45)
	assert.Equal(t, "fake-run-000001", all[0])
	assert.Equal(t, "fake-run-000045", all[44])

	assert.Len(t, f.list("limit=500").Runs, 45)
	assert.False(t, f.list("limit=45").PageInfo.HasNextPage)
	assert.True(t, f.list("limit=44").PageInfo.HasNextPage)
	assert.Empty(t, f.list("cursor="+encodeCursor(1000)).Runs)
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	a := f.create("[fake:slow] a")
	f.clock.Advance(10 * time.Second)
	b := f.create("[fake:fail] b")
	f.clock.Advance(700 * time.Millisecond)
	r := f.do("POST", "/agent/runs", `{"prompt":"c","metadata":{"req":"r-1","team":"x"},"config":{"name":"nightly","environment_id":"env"}}`)
	require.Equal(t, http.StatusOK, r.status)
	c := "fake-run-000003"
	// Now: a INPROGRESS, b PENDING, c QUEUED.

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{c, b, a}},
		{"state=INPROGRESS", []string{a}},
		{"state=QUEUED&state=PENDING", []string{c, b}},
		{"state=in_progress", []string{a}},
		{"state=SUCCEEDED", nil},
		{"metadata[req]=r-1", []string{c}},
		{url.Values{"metadata[req]": {"r-1"}}.Encode(), []string{c}},
		{"metadata[req]=r-1&metadata[team]=x", []string{c}},
		{"metadata[req]=r-1&metadata[team]=y", nil},
		{"metadata[nope]=r-1", nil},
		{"created_after=" + url.QueryEscape(timestamp(t0.Add(5*time.Second))), []string{c, b}},
		{"created_before=" + url.QueryEscape(timestamp(t0.Add(5*time.Second))), []string{a}},
		{"updated_after=" + url.QueryEscape(timestamp(t0.Add(5*time.Second))), []string{c, b}},
		{"name=nightly", []string{c}},
		{"environment_id=env", []string{c}},
		{"sort_by=created_at&sort_order=asc", []string{a, b, c}},
		{"sort_by=title", []string{c, b, a}},
		{"sort_by=title&sort_order=asc", []string{a, b, c}},
		{"q=ignored&source=API", []string{c, b, a}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ids(f.list(tt.query)), tt.query)
	}
}

func TestListRejects(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	tests := []struct{ query, detail string }{
		{"limit=0", "limit must be"},
		{"limit=501", "limit must be"},
		{"limit=ten", "limit must be"},
		{"cursor=garbage!", "cursor"},
		{"cursor=" + encodeCursor(-1), "cursor"},
		{"state=RUNNING", `state "RUNNING"`},
		{"sort_by=size", "sort_by"},
		{"sort_order=up", "sort_order"},
		{"created_after=yesterday", "created_after must be"},
		{"metadata[]=x", "metadata[key]=value"},
		{"metadata[a=x", "metadata[key]=value"},
		{"metadata[a]=1&metadata[b]=2&metadata[c]=3&metadata[d]=4&metadata[e]=5&metadata[f]=6", "at most 5"},
		{"a=%zz", "malformed"},
	}
	for _, tt := range tests {
		r := f.do("GET", "/agent/runs?"+tt.query, "")
		p := problemOf(t, r, http.StatusBadRequest, "invalid_request")
		assert.Contains(t, p.Detail, tt.detail, tt.query)
	}
}

func TestListMetadataFilterOff(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithMetadataFilter(false))
	f.create("x")
	p := problemOf(t, f.do("GET", "/agent/runs?metadata[oz-run.request-id]=abc", ""), http.StatusForbidden, "feature_not_available")
	assert.True(t, strings.HasSuffix(p.Type, "feature-not-available"))
	assert.False(t, p.Retryable)
	assert.Len(t, f.list("state=QUEUED").Runs, 1, "other filters still work")
}

func TestListShowsFullRuns(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("x")
	f.clock.Advance(time.Minute)
	l := f.list(fmt.Sprintf("limit=%d", 1))
	require.Len(t, l.Runs, 1)
	assert.Equal(t, f.get(id), l.Runs[0])
}
