// Package ozschema checks HTTP requests and responses against the OpenAPI
// subset of the Oz runs API (testdata/openapi-runs.yaml). It serves the tests
// of the client (internal/oz) and of the fake server (internal/ozfake); the
// binary itself never uses it.
package ozschema

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// BasePath is the path prefix of the API's base URL. Requests are routed on
// their path with this prefix removed when present, so both
// http://127.0.0.1:PORT/api/v1/agent/runs and http://127.0.0.1:PORT/agent/runs
// match the spec's /agent/runs, whatever the host.
const BasePath = "/api/v1"

// Validator validates traffic against the spec. It is safe for concurrent use.
type Validator struct {
	router routers.Router
}

// SpecPath is the absolute path of the repository's testdata/openapi-runs.yaml,
// found relative to this source file.
func SpecPath() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("testdata", "openapi-runs.yaml")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "openapi-runs.yaml")
}

// New loads and checks the spec at specPath.
func New(specPath string) (*Validator, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		return nil, fmt.Errorf("ozschema: load %s: %w", specPath, err)
	}
	// Route on the path alone: tests serve the API on loopback, not on the
	// spec's server URL.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("ozschema: spec %s: %w", specPath, err)
	}
	return &Validator{router: router}, nil
}

// ValidateRequest checks one request, with its body given separately (r.Body
// is not read). Authentication is checked too: a bearer token must be present.
func (v *Validator) ValidateRequest(r *http.Request, body []byte) error {
	in, err := v.input(r, body)
	if err != nil {
		return err
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return fmt.Errorf("ozschema: request %s %s: %w", r.Method, r.URL.Path, err)
	}
	return nil
}

// ValidateResponse checks the response given to request r. Statuses the spec
// does not declare (429, 5xx) are accepted; an application/problem+json body
// is checked as the spec's application/json error.
func (v *Validator) ValidateResponse(r *http.Request, status int, header http.Header, body []byte) error {
	in, err := v.input(r, nil)
	if err != nil {
		return err
	}
	header = header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if mt, _, err := mime.ParseMediaType(header.Get("Content-Type")); err == nil && mt == "application/problem+json" {
		header.Set("Content-Type", "application/json")
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                in.Options,
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.WithoutCancel(r.Context()), out); err != nil {
		return fmt.Errorf("ozschema: response %d to %s %s: %w", status, r.Method, r.URL.Path, err)
	}
	return nil
}

// input routes a copy of r (path relative to the API base, body from body).
func (v *Validator) input(r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	rr := r.Clone(r.Context())
	u := *r.URL
	p := strings.TrimPrefix(u.EscapedPath(), BasePath)
	u.Path, u.RawPath = p, ""
	u.Scheme, u.Host = "", ""
	rr.URL = &u
	rr.Body = io.NopCloser(bytes.NewReader(body))
	rr.ContentLength = int64(len(body))
	route, params, err := v.router.FindRoute(rr)
	if err != nil {
		return nil, fmt.Errorf("ozschema: %s %s is not in the spec: %w", r.Method, r.URL.Path, err)
	}
	return &openapi3filter.RequestValidationInput{
		Request:    rr,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: bearer,
			MultiError:         true,
		},
	}, nil
}

// bearer accepts a request carrying "Authorization: Bearer <token>" with a
// token free of whitespace. The token is never put in an error.
func bearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t\r\n") {
		return errors.New("missing or malformed Authorization: Bearer header")
	}
	return nil
}
