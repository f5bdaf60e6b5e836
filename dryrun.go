package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/runner"
)

// dry_run: what the step would send, printed instead of sent: the
// request as JSON on stdout (so that it pipes into jq), the notes in the
// log (stderr on a terminal).

// hidden stands for a value a dry run does not show.
const hidden = "***"

// dryRequest is what a dry run prints: the request the step would send
// first, and for a create the prompt as it would be sent.
type dryRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body,omitempty"`
	// Prompt is the create request's prompt, as sent (body.prompt), for
	// jq -r .prompt.
	Prompt *string `json:"prompt,omitempty"`
}

// dryRun prints what the step would do, and sends nothing: the run it
// would attach to (and the follow-up it would send), or the create
// request: method, URL, headers (the key as ***) and the body. The MCP
// servers' settings often hold tokens: only the servers' names and their
// settings' keys are shown, every value as ***. The request id is a
// placeholder (the client makes a random one when it sends). out is the
// program's stdout; what goes there is redacted like the log.
func dryRun(p ci.Platform, cfg *config.Config, out io.Writer, red *redact.Redactor) {
	if cfg.Batch != nil {
		dryRunBatch(p, cfg, out, red)
		return
	}
	headers := map[string]string{"Authorization": "Bearer " + hidden}
	if cfg.TeamUID != "" {
		headers["X-Warp-Team-Uid"] = cfg.TeamUID
	}
	var req dryRequest
	if cfg.RunID != "" {
		what := "wait for it to end (timeout " + outcome.FormatDuration(cfg.Timeout) + ")"
		req = dryRequest{Method: "GET", URL: cfg.APIURL + "/agent/runs/" + url.PathEscape(cfg.RunID), Headers: headers}
		switch {
		case cfg.Followup != "" && !cfg.Wait:
			what = fmt.Sprintf("send it a follow-up of %d characters, without waiting (wait: false)", len([]rune(cfg.Followup)))
		case cfg.Followup != "":
			what = fmt.Sprintf("send it a follow-up of %d characters, then wait for it to end again (timeout %s)",
				len([]rune(cfg.Followup)), outcome.FormatDuration(cfg.Timeout))
		case !cfg.Wait:
			what = "read it once (wait: false)"
		}
		if cfg.Followup != "" {
			headers["Content-Type"] = "application/json"
			req = dryRequest{Method: "POST", URL: cfg.APIURL + "/agent/runs/" + url.PathEscape(cfg.RunID) + "/followups",
				Headers: headers, Body: oz.FollowupRequest{Message: cfg.Followup}}
		}
		p.Logf("Dry run: nothing is sent. The step would attach to run %s (%s) and %s; its first request is on stdout as JSON.%s",
			cfg.RunID, oz.RunURL(cfg.RunID), what, filesLine(cfg))
	} else {
		create, _ := runner.Request(cfg.Spec(), p.Metadata())
		headers["Content-Type"] = "application/json"
		body := dryRunBody(create)
		req = dryRequest{Method: "POST", URL: cfg.APIURL + "/agent/runs", Headers: headers, Body: body, Prompt: &body.Prompt}
		p.Logf("Dry run: nothing is sent. The step would send the request on stdout (JSON; the key and the MCP servers' settings as %s), then wait for the run (timeout %s).%s",
			hidden, outcome.FormatDuration(cfg.Timeout), filesLine(cfg))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(req); err != nil { // a request that cannot be encoded would fail to send too
		p.Warning("Dry run", "the request cannot be encoded: "+err.Error())
		return
	}
	if _, err := out.Write(red.JSON(buf.Bytes())); err != nil {
		p.Warning("Dry run", "the request could not be printed: "+err.Error())
	}
}

// filesLine says where the run's files would go, when files_dir is set.
func filesLine(cfg *config.Config) string {
	if cfg.FilesDir == "" {
		return ""
	}
	return "\nOnce the run has ended, its FILE artifacts would be downloaded into " + cfg.FilesDir + "."
}

// dryRunBody is the request as the client would send it, with the MCP
// servers' values hidden and a placeholder request id.
func dryRunBody(req oz.CreateRunRequest) oz.CreateRunRequest {
	req.Metadata = maps.Clone(req.Metadata)
	if req.Metadata == nil {
		req.Metadata = map[string]string{}
	}
	req.Metadata[oz.RequestIDKey] = "(a random id, made when the request is sent)"
	if req.Config != nil && len(req.Config.MCPServers) > 0 {
		conf := *req.Config
		conf.MCPServers = hideMCP(conf.MCPServers)
		req.Config = &conf
	}
	return req
}

// hideMCP keeps each server's name and its settings' keys, every value ***.
func hideMCP(servers map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(servers))
	for _, name := range slices.Sorted(maps.Keys(servers)) {
		var settings map[string]json.RawMessage
		shown := map[string]string{}
		if json.Unmarshal(servers[name], &settings) == nil {
			for k := range settings {
				shown[k] = hidden
			}
		}
		b, err := json.Marshal(shown)
		if err != nil {
			b = []byte(`{}`)
		}
		out[name] = b
	}
	return out
}
