package ozfake

import (
	"net/http"
	"net/url"
	"strings"
)

// The routes the fake serves, and how a request finds its handler.

// BasePath is where the API is mounted: the base URL ends with it.
const BasePath = "/api/v1"

// Route patterns, as Request.Route and Interceptor.Takes name them (with
// the method).
const (
	routeCreate       = "POST /agent/runs"
	routeCreateOld    = "POST /agent/run"
	routeList         = "GET /agent/runs"
	routeGet          = "GET /agent/runs/{id}"
	routeCancel       = "POST /agent/runs/{id}/cancel"
	routeConversation = "GET /agent/runs/{id}/conversation"
	routeFollowup     = "POST /agent/runs/{id}/followups"
	routeArtifact     = "GET /agent/artifacts/{uid}"
	// routeFile is the file server's (Files): download URLs.
	routeFile = "GET /files/{uid}"
)

// route is what a request's method and path resolve to.
type route struct {
	name   string // one of the route patterns; empty when status is set
	id     string // the run id in the path
	status int    // 404 or 405 when the request matches no route
	allow  string // for 405
}

// match resolves an escaped path under BasePath.
func match(method, escapedPath string) route {
	rest, ok := strings.CutPrefix(escapedPath, BasePath+"/")
	if !ok {
		return route{status: http.StatusNotFound}
	}
	seg := strings.Split(rest, "/")
	one := func(want, name, id string) route {
		if method != want {
			return route{status: http.StatusMethodNotAllowed, allow: want}
		}
		return route{name: name, id: id}
	}
	switch {
	case len(seg) == 2 && seg[0] == "agent" && seg[1] == "runs":
		switch method {
		case http.MethodPost:
			return route{name: routeCreate}
		case http.MethodGet:
			return route{name: routeList}
		}
		return route{status: http.StatusMethodNotAllowed, allow: "GET, POST"}
	case len(seg) == 2 && seg[0] == "agent" && seg[1] == "run":
		return one(http.MethodPost, routeCreateOld, "")
	case len(seg) == 3 && seg[0] == "agent" && seg[1] == "runs":
		if id, ok := runID(seg[2]); ok {
			return one(http.MethodGet, routeGet, id)
		}
	case len(seg) == 4 && seg[0] == "agent" && seg[1] == "runs" && seg[3] == "cancel":
		if id, ok := runID(seg[2]); ok {
			return one(http.MethodPost, routeCancel, id)
		}
	case len(seg) == 4 && seg[0] == "agent" && seg[1] == "runs" && seg[3] == "conversation":
		if id, ok := runID(seg[2]); ok {
			return one(http.MethodGet, routeConversation, id)
		}
	case len(seg) == 4 && seg[0] == "agent" && seg[1] == "runs" && seg[3] == "followups":
		if id, ok := runID(seg[2]); ok {
			return one(http.MethodPost, routeFollowup, id)
		}
	case len(seg) == 3 && seg[0] == "agent" && seg[1] == "artifacts":
		if uid, ok := runID(seg[2]); ok {
			return one(http.MethodGet, routeArtifact, uid)
		}
	}
	return route{status: http.StatusNotFound}
}

// runID unescapes a path segment; an empty or undecodable one is no id.
func runID(seg string) (string, bool) {
	id, err := url.PathUnescape(seg)
	return id, err == nil && id != ""
}
