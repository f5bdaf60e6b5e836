package ozfake

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// List limits, as the API documents them.
const (
	defaultListLimit = 20
	maxListLimit     = 500
	maxMetadataQuery = 5
)

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
}

// parseList reads the query; the error says which parameter is wrong. A
// metadata filter while the feature is off is errMetadataOff.
func parseList(raw string) (listQuery, error) {
	q := listQuery{limit: defaultListLimit, sortBy: "updated_at"}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return q, fmt.Errorf("the query string is malformed: %v", err)
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxListLimit {
			return q, fmt.Errorf("limit must be an integer from 1 to %d", maxListLimit)
		}
		q.limit = n
	}
	if s := v.Get("cursor"); s != "" {
		if q.offset, err = decodeCursor(s); err != nil {
			return q, err
		}
	}
	switch s := v.Get("sort_by"); s {
	case "":
	case "updated_at", "created_at", "title", "agent":
		q.sortBy = s
	default:
		return q, fmt.Errorf("sort_by must be one of updated_at, created_at, title, agent")
	}
	switch s := v.Get("sort_order"); s {
	case "", "desc":
	case "asc":
		q.asc = true
	default:
		return q, fmt.Errorf("sort_order must be asc or desc")
	}
	for _, s := range v["state"] {
		st := oz.ParseState(s)
		if !st.IsKnown() {
			return q, fmt.Errorf("state %q is not a run state", clip(s))
		}
		if q.states == nil {
			q.states = map[oz.State]bool{}
		}
		q.states[st] = true
	}
	for key, vals := range v {
		inner, ok := strings.CutPrefix(key, "metadata[")
		if !ok {
			continue
		}
		k, ok := strings.CutSuffix(inner, "]")
		if !ok || k == "" || len(vals) == 0 {
			return q, fmt.Errorf("metadata filters are written metadata[key]=value")
		}
		if q.metadata == nil {
			q.metadata = map[string]string{}
		}
		q.metadata[k] = vals[0]
	}
	if len(q.metadata) > maxMetadataQuery {
		return q, fmt.Errorf("at most %d metadata filters are allowed", maxMetadataQuery)
	}
	for name, t := range map[string]*time.Time{"created_after": &q.createdAfter, "created_before": &q.createdBefore, "updated_after": &q.updatedAfter} {
		if s := v.Get(name); s != "" {
			if *t, err = time.Parse(time.RFC3339Nano, s); err != nil {
				return q, fmt.Errorf("%s must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z", name)
			}
		}
	}
	q.name, q.environmentID, q.modelID, q.skill = v.Get("name"), v.Get("environment_id"), v.Get("model_id"), v.Get("skill")
	return q, nil
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
		!q.updatedAfter.IsZero() && !tl.since.After(q.updatedAfter) {
		return false
	}
	c := rn.req.Config
	if c == nil {
		c = &oz.AgentConfig{}
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
		tl := rn.timeline(now)
		it := rn.item(now)
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
			c = a.tl.since.Compare(b.tl.since)
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
