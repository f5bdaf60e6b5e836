package ozfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

// Error answers as the API writes them: application/problem+json.

// ProblemTypeBase prefixes a problem's type: Warp links each error code's
// documentation page, spelled with hyphens (feature_not_available →
// .../errors/feature-not-available).
const ProblemTypeBase = "https://docs.warp.dev/reference/api-and-sdk/troubleshooting/errors/"

// Platform error codes the fake answers with.
const (
	codeInvalidRequest        = "invalid_request"
	codeAuthenticationNeeded  = "authentication_required"
	codeFeatureNotAvailable   = "feature_not_available"
	codeNotFound              = "resource_not_found"
	codeConflict              = "conflict"
	codeOperationNotSupported = "operation_not_supported"
	codeInternal              = "internal_error"
)

// problemTitle is the title of the platform error code (a switch, not a
// map built at init: the fake's init must cost nothing).
func problemTitle(code string) string {
	switch code {
	case codeInvalidRequest:
		return "The request contains invalid or missing parameters."
	case codeAuthenticationNeeded:
		return "A valid API key is required."
	case codeFeatureNotAvailable:
		return "This feature is not available for your team."
	case codeNotFound:
		return "The requested resource was not found."
	case codeConflict:
		return "The resource is in a state that conflicts with the request."
	case codeOperationNotSupported:
		return "This operation is not supported for this resource."
	case codeInternal:
		return "An internal error occurred."
	}
	return ""
}

// problem is the RFC 7807 error body (the spec's Error schema).
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Instance  string `json:"instance,omitempty"`
	Error     string `json:"error"`
	Retryable bool   `json:"retryable"`
	TraceID   string `json:"trace_id,omitempty"`
}

// writeProblem answers status with an application/problem+json body for
// the platform error code. detail (may be empty) says what was wrong.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	p := newProblem(r, status, code, detail)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

func newProblem(r *http.Request, status int, code, detail string) problem {
	title := problemTitle(code)
	if title == "" {
		title = http.StatusText(status)
	}
	msg := title
	if detail != "" {
		msg = title + " (" + detail + ")"
	}
	return problem{
		Type:      ProblemTypeBase + strings.ReplaceAll(code, "_", "-"),
		Title:     title,
		Status:    status,
		Detail:    detail,
		Instance:  r.URL.EscapedPath(),
		Error:     msg,
		Retryable: status == http.StatusConflict || status == http.StatusTooManyRequests || status >= 500,
		TraceID:   traceID(),
	}
}

// statusCode is the platform error code a bare status stands for, for
// injected faults that give only a status (Interceptor's problem).
func statusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return codeInvalidRequest
	case http.StatusUnauthorized:
		return codeAuthenticationNeeded
	case http.StatusForbidden:
		return "not_authorized"
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusConflict:
		return codeConflict
	case http.StatusUnprocessableEntity:
		return codeOperationNotSupported
	case http.StatusTooManyRequests:
		return "resource_unavailable"
	}
	return codeInternal
}

func traceID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeJSON answers status with v as application/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
