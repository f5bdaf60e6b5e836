package ozfake

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// GET /agent/runs: the list's query read and checked, and its pages.

// List limits, as the API documents them.
const (
	defaultListLimit = 20
	maxListLimit     = 500
	maxMetadataQuery = 5
)

// The list's query parameters that take one of a set of values, exactly as
// the spec spells them: no other case, no spaces, no aliases.
var (
	runStates = []string{
		string(oz.StateQueued), string(oz.StatePending), string(oz.StateClaimed), string(oz.StateInProgress),
		string(oz.StateSucceeded), string(oz.StateFailed), string(oz.StateBlocked), string(oz.StateError), string(oz.StateCancelled),
	}
	sortByValues    = []string{"updated_at", "created_at", "title", "agent"}
	sortOrderValues = []string{"asc", "desc"}
	sourceValues    = []string{
		"LINEAR", "API", "SLACK", "LOCAL", "SCHEDULED_AGENT", "WEB_APP", "GITHUB_ACTION", "CLOUD_MODE",
		"CLI", "JIRA", "SELF_IMPROVEMENT", "GITHUB_WEBHOOK", "GITLAB_WEBHOOK", "AUTOFIX", "RUN_SCORER", "ORCHESTRATION",
	}
	locationValues = []string{"LOCAL", "REMOTE"}
	artifactValues = []string{oz.ArtifactPlan, oz.ArtifactPullRequest, oz.ArtifactScreenshot, oz.ArtifactFile, oz.ArtifactExternalReference}
)

// dateTimePattern is RFC 3339's date-time, as the spec's format means it;
// compiled on first use.
var dateTimePattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
})

// listQuery is a parsed GET /agent/runs query.
type listQuery struct {
	limit         int
	offset        int
	sortBy        string
	asc           bool
	states        map[oz.State]bool
	metadata      map[string]string
	createdAfter  time.Time
	createdBefore time.Time
	updatedAfter  time.Time
	name          string
	environmentID string
	modelID       string
	skill         string
	source        string
	location      string
	artifactType  string
}

// parseList reads the query and checks it against the spec; the error says
// which parameter is wrong. Of a repeated parameter that takes one value,
// the first counts.
func parseList(raw string) (listQuery, error) {
	q := listQuery{limit: defaultListLimit, sortBy: "updated_at"}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return q, fmt.Errorf("the query string is malformed: %v", err)
	}
	if s, ok := first(v, "limit"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxListLimit {
			return q, fmt.Errorf("limit must be an integer from 1 to %d, not %s", maxListLimit, quoteClip(s))
		}
		q.limit = n
	}
	if s := v.Get("cursor"); s != "" {
		if q.offset, err = decodeCursor(s); err != nil {
			return q, err
		}
	}
	if s, ok := first(v, "sort_by"); ok {
		if err := oneOf("sort_by", s, sortByValues); err != nil {
			return q, err
		}
		q.sortBy = s
	}
	if s, ok := first(v, "sort_order"); ok {
		if err := oneOf("sort_order", s, sortOrderValues); err != nil {
			return q, err
		}
		q.asc = s == "asc"
	}
	for _, s := range v["state"] {
		if !slices.Contains(runStates, s) {
			return q, fmt.Errorf("state %s is not a run state; send each state as its own state=, exactly one of %s", quoteClip(s), strings.Join(runStates, ", "))
		}
		if q.states == nil {
			q.states = map[oz.State]bool{}
		}
		q.states[oz.State(s)] = true
	}
	for _, p := range []struct {
		name    string
		allowed []string
		dst     *string
	}{
		{"source", sourceValues, &q.source},
		{"execution_location", locationValues, &q.location},
		{"artifact_type", artifactValues, &q.artifactType},
	} {
		if s, ok := first(v, p.name); ok {
			if err := oneOf(p.name, s, p.allowed); err != nil {
				return q, err
			}
			*p.dst = s
		}
	}
	if q.metadata, err = parseMetadataFilter(v); err != nil {
		return q, err
	}
	for name, t := range map[string]*time.Time{"created_after": &q.createdAfter, "created_before": &q.createdBefore, "updated_after": &q.updatedAfter} {
		if s, ok := first(v, name); ok {
			if *t, err = time.Parse(time.RFC3339Nano, s); err != nil || !dateTimePattern().MatchString(s) {
				return q, fmt.Errorf("%s must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z, not %s", name, quoteClip(s))
			}
		}
	}
	q.name, q.environmentID, q.modelID, q.skill = v.Get("name"), v.Get("environment_id"), v.Get("model_id"), v.Get("skill")
	return q, nil
}

// first is the first value of a parameter, and whether it was sent at all.
func first(v url.Values, name string) (string, bool) {
	if vs := v[name]; len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// oneOf checks a parameter's value against its enum.
func oneOf(name, s string, allowed []string) error {
	if slices.Contains(allowed, s) {
		return nil
	}
	return fmt.Errorf("%s must be one of %s, not %s", name, strings.Join(allowed, ", "), quoteClip(s))
}

// parseMetadataFilter reads the deepObject metadata[key]=value filters.
func parseMetadataFilter(v url.Values) (map[string]string, error) {
	var md map[string]string
	for key, vals := range v {
		if key != "metadata" && !strings.HasPrefix(key, "metadata[") {
			continue
		}
		inner, _ := strings.CutPrefix(key, "metadata[")
		k, ok := strings.CutSuffix(inner, "]")
		if !ok || k == "" || strings.ContainsAny(k, "[]") || len(vals) == 0 {
			return nil, fmt.Errorf("metadata filters are written metadata[key]=value, not %s", quoteClip(key))
		}
		if md == nil {
			md = map[string]string{}
		}
		md[k] = vals[0]
	}
	if len(md) > maxMetadataQuery {
		return nil, fmt.Errorf("at most %d metadata filters are allowed, not %d", maxMetadataQuery, len(md))
	}
	return md, nil
}

// keep reports whether the run, shown as it, passes the filters.
func (q listQuery) keep(rn *run, it runItem, tl timeline) bool {
	if q.states != nil && !q.states[it.State] {
		return false
	}
	for k, want := range q.metadata {
		if got, ok := rn.req.Metadata[k]; !ok || got != want {
			return false
		}
	}
	if !q.createdAfter.IsZero() && !rn.created.After(q.createdAfter) ||
		!q.createdBefore.IsZero() && !rn.created.Before(q.createdBefore) ||
		!q.updatedAfter.IsZero() && !tl.updated().After(q.updatedAfter) {
		return false
	}
	if q.source != "" && q.source != it.Source || q.location != "" && q.location != it.ExecutionLocation ||
		q.artifactType != "" && !slices.ContainsFunc(it.Artifacts, func(a oz.Artifact) bool { return a.Type == q.artifactType }) {
		return false
	}
	c := rn.req.Config
	if c == nil {
		c = &createConfig{}
	}
	return (q.name == "" || q.name == c.Name) &&
		(q.environmentID == "" || q.environmentID == c.EnvironmentID) &&
		(q.modelID == "" || q.modelID == c.ModelID) &&
		(q.skill == "" || q.skill == rn.req.Skill || q.skill == c.SkillSpec)
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func decodeCursor(s string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if n, ok := strings.CutPrefix(string(b), "o:"); ok {
			if off, err := strconv.Atoi(n); err == nil && off >= 0 {
				return off, nil
			}
		}
	}
	return 0, fmt.Errorf("cursor is not one this API gave out; start again without it")
}

// listResponse is the spec's ListRunsResponse.
type listResponse struct {
	Runs     []runItem   `json:"runs"`
	PageInfo oz.PageInfo `json:"page_info"`
}

// handleList serves GET /agent/runs.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	q, err := parseList(r.URL.RawQuery)
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	if len(q.metadata) > 0 && !s.metadataFilter {
		writeProblem(w, r, http.StatusForbidden, codeFeatureNotAvailable, "filtering runs by metadata is not enabled for this team")
		return
	}
	type row struct {
		rn *run
		it runItem
		tl timeline
	}
	var rows []row
	s.mu.Lock()
	now := s.now()
	for _, rn := range s.runs {
		if !rn.visible(now) {
			continue
		}
		tl := rn.timeline(now)
		it := rn.item(now)
		if s.listNoMetadata {
			it.Metadata = nil
		}
		if q.keep(rn, it, tl) {
			rows = append(rows, row{rn, it, tl})
		}
	}
	s.mu.Unlock()

	slices.SortStableFunc(rows, func(a, b row) int {
		var c int
		switch q.sortBy {
		case "created_at", "agent":
			c = a.rn.created.Compare(b.rn.created)
		case "title":
			c = strings.Compare(a.it.Title, b.it.Title)
		default:
			c = a.tl.updated().Compare(b.tl.updated())
		}
		if c == 0 {
			c = cmp.Compare(a.rn.seq, b.rn.seq)
		}
		if !q.asc {
			c = -c
		}
		return c
	})
	resp := listResponse{Runs: []runItem{}}
	start := min(q.offset, len(rows))
	end := min(start+q.limit, len(rows))
	for _, rw := range rows[start:end] {
		resp.Runs = append(resp.Runs, rw.it)
	}
	if end < len(rows) {
		resp.PageInfo = oz.PageInfo{HasNextPage: true, NextCursor: encodeCursor(end)}
	}
	writeJSON(w, http.StatusOK, resp)
}
