package ozfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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
		{"source=SLACK", nil},
		{"execution_location=REMOTE", []string{c, b, a}},
		{"execution_location=LOCAL", nil},
		{"artifact_type=PULL_REQUEST", nil},
		{"limit=1&limit=600", []string{c}},
		{"metadata[req]=", nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ids(f.list(tt.query)), tt.query)
	}
}

// listRejects are queries the list answers with 400, and what the detail
// says.
var listRejects = []struct{ query, detail string }{
	{"limit=0", "limit must be"},
	{"limit=501", "limit must be"},
	{"limit=ten", "limit must be"},
	{"cursor=garbage!", "cursor"},
	{"cursor=" + encodeCursor(-1), "cursor"},
	{"state=RUNNING", `state "RUNNING"`},
	{"state=inprogress", `state "inprogress" is not a run state`},
	{"state=IN_PROGRESS", `state "IN_PROGRESS"`},
	{"state=in_progress", `state "in_progress"`},
	{"state=%20QUEUED", `state " QUEUED"`},
	{"state=QUEUED%20", `state "QUEUED "`},
	{"state=queued", `state "queued"`},
	{"state=QUEUED,PENDING", `state "QUEUED,PENDING"`},
	{"state=QUEUED&state=", `state ""`},
	{"limit=", "limit must be"},
	{"limit=5.0", "limit must be"},
	{"limit=%205", "limit must be"},
	{"sort_by=", "sort_by must be one of updated_at, created_at, title, agent"},
	{"sort_by=CREATED_AT", "sort_by"},
	{"sort_order=ASC", "sort_order must be one of asc, desc"},
	{"created_before=", "created_before must be"},
	{"created_after=2026-01-02", "created_after must be"},
	{"created_after=2026-01-02T15:04:05", "created_after must be"},
	{"created_after=2026-01-02t15:04:05z", "created_after must be"},
	{"created_after=2026-01-02%2015:04:05Z", "created_after must be"},
	{"created_after=2026-02-30T15:04:05Z", "created_after must be"},
	{"updated_after=2026-01-02T15:04:05,5Z", "updated_after must be"},
	{"source=api", "source must be one of"},
	{"source=", "source must be one of"},
	{"execution_location=remote", "execution_location must be one of LOCAL, REMOTE"},
	{"artifact_type=pull_request", "artifact_type must be one of"},
	{"metadata[a][b]=x", "metadata[key]=value"},
	{"metadata=x", "metadata[key]=value"},
	{"sort_by=size", "sort_by"},
	{"sort_order=up", "sort_order"},
	{"created_after=yesterday", "created_after must be"},
	{"metadata[]=x", "metadata[key]=value"},
	{"metadata[a=x", "metadata[key]=value"},
	{"metadata[a]=1&metadata[b]=2&metadata[c]=3&metadata[d]=4&metadata[e]=5&metadata[f]=6", "at most 5"},
	{"a=%zz", "malformed"},
}

func TestListRejects(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	for _, tt := range listRejects {
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

// TestListQueryMatchesSpec: the fake accepts a query exactly when the
// spec's parameters do, except what the spec cannot know: cursors the API
// never gave out, a query string that does not decode, and malformed
// metadata filters, which the spec lets through unread (a real list would
// then not filter at all, which a client must not mistake for a match).
func TestListQueryMatchesSpec(t *testing.T) {
	t.Parallel()
	v := validator(t)
	f := newFake(t)
	refusedOnPurpose := map[string]bool{
		"metadata=x": true, "metadata[a=x": true, "a=%zz": true,
		"cursor=garbage!": true, "cursor=" + encodeCursor(-1): true,
	}
	queries := []string{
		"", "limit=1", "limit=500", "limit=05", "limit=%2B5", "limit=1&limit=600", "cursor=", "name=", "q=x", "unknown=1",
		"state=QUEUED&state=PENDING&state=CLAIMED&state=INPROGRESS&state=SUCCEEDED&state=FAILED&state=BLOCKED&state=ERROR&state=CANCELLED",
		"state=QUEUED&state=QUEUED", "sort_by=agent&sort_order=desc", "sort_by=title&sort_order=asc",
		"created_after=2026-01-02T15:04:05Z", "created_before=2026-01-02T15:04:05.123%2B02:00", "updated_after=2026-01-02T15:04:05-07:00",
		"source=GITHUB_ACTION", "execution_location=LOCAL", "artifact_type=EXTERNAL_REFERENCE",
		"metadata[a]=1&metadata[b]=2&metadata[c]=3&metadata[d]=4&metadata[e]=5", "metadata[a]=",
	}
	for _, tt := range listRejects {
		queries = append(queries, tt.query)
	}
	for _, q := range queries {
		r := f.do("GET", "/agent/runs?"+q, "")
		req := httptest.NewRequest("GET", BasePath+"/agent/runs?"+q, nil)
		req.Header.Set("Authorization", "Bearer k")
		specErr := v.ValidateRequest(req, nil)
		if refusedOnPurpose[q] {
			assert.Equal(t, http.StatusBadRequest, r.status, q)
			continue
		}
		assert.Equal(t, specErr == nil, r.status == http.StatusOK, "%s\nfake: %d %s\nspec: %v", q, r.status, r.body, specErr)
	}
}

func TestListArtifactTypeFilter(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	done := f.create("opens a PR")
	f.create("[fake:slow] works on")
	f.clock.Advance(time.Minute)
	assert.Equal(t, []string{done}, ids(f.list("artifact_type=PULL_REQUEST")))
	assert.Empty(t, f.list("artifact_type=PLAN").Runs)
}

func TestListOmitsMetadata(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithListOmitsMetadata(true))
	r := f.do("POST", "/agent/runs", `{"prompt":"x","metadata":{"oz-run.request-id":"abc"}}`)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	f.create("other")

	raw := f.do("GET", "/agent/runs?metadata[oz-run.request-id]=abc", "")
	require.Equal(t, http.StatusOK, raw.status)
	assert.NotContains(t, string(raw.body), "metadata")
	assert.NotContains(t, string(raw.body), "abc")
	l := f.list("metadata[oz-run.request-id]=abc")
	assert.Equal(t, []string{"fake-run-000001"}, ids(l), "the filter still works")
	assert.Nil(t, l.Runs[0].Metadata)
	assert.Len(t, f.list("").Runs, 2)
	assert.Equal(t, map[string]string{"oz-run.request-id": "abc"}, f.get("fake-run-000001").Metadata, "GET still shows it")
}
