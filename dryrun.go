package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/runner"
)

// dry_run: what the step would send, printed in the log instead of sent.

// hidden stands for a value a dry run does not show.
const hidden = "***"

// dryRun prints, in the log, what the step would do, and sends nothing:
// the run it would attach to, or the create request: method, URL, headers
// (the key as ***) and the body as pretty JSON. The MCP servers' settings
// often hold tokens: only the servers' names and their settings' keys are
// shown, every value as ***. The request id is a placeholder (the client
// makes a random one when it sends). The platform redacts the key wherever
// else it might appear.
func dryRun(p ci.Platform, cfg *config.Config) {
	if cfg.RunID != "" {
		what := "wait for it to end (timeout " + outcome.FormatDuration(cfg.Timeout) + ")"
		switch {
		case cfg.Followup != "" && !cfg.Wait:
			what = fmt.Sprintf("send it a follow-up of %d characters (POST %s/agent/runs/%s/followups), without waiting (wait: false)",
				len([]rune(cfg.Followup)), cfg.APIURL, cfg.RunID)
		case cfg.Followup != "":
			what = fmt.Sprintf("send it a follow-up of %d characters (POST %s/agent/runs/%s/followups), then wait for it to end again (timeout %s)",
				len([]rune(cfg.Followup)), cfg.APIURL, cfg.RunID, outcome.FormatDuration(cfg.Timeout))
		case !cfg.Wait:
			what = "read it once (wait: false)"
		}
		p.Logf("Dry run: nothing is sent. The step would attach to run %s (%s) and %s.%s", cfg.RunID, oz.RunURL(cfg.RunID), what, filesLine(cfg))
		return
	}
	req, _ := runner.Request(cfg.Spec(), p.Metadata())
	body, err := dryRunBody(req)
	if err != nil { // a request that cannot be encoded would fail to send too
		p.Warning("Dry run", "the request cannot be encoded: "+err.Error())
		return
	}
	var head strings.Builder
	head.WriteString("Dry run: nothing is sent. The step would send:\n")
	head.WriteString("POST " + cfg.APIURL + "/agent/runs\n")
	head.WriteString("Authorization: Bearer " + hidden + "\n")
	if cfg.TeamUID != "" {
		head.WriteString("X-Warp-Team-Uid: " + cfg.TeamUID + "\n")
	}
	head.WriteString("Content-Type: application/json\n\n")
	p.Logf("%s%s%s", head.String(), body, filesLine(cfg))
}

// filesLine says where the run's files would go, when files_dir is set.
func filesLine(cfg *config.Config) string {
	if cfg.FilesDir == "" {
		return ""
	}
	return "\nOnce the run has ended, its FILE artifacts would be downloaded into " + cfg.FilesDir + "."
}

// dryRunBody is the request's JSON as the client would send it, indented,
// with the MCP servers' values hidden and a placeholder request id.
func dryRunBody(req oz.CreateRunRequest) (string, error) {
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
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(req); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
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
