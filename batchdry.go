package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/runner"
)

// dry_run with prompts: each run's create request, as a JSON array on
// stdout in list order (jq -r '.[].prompt' lists the prompts), with the
// batch's metadata as it would be sent (the batch's id a placeholder).
func dryRunBatch(p ci.Platform, cfg *config.Config, out io.Writer, red *redact.Redactor) {
	headers := map[string]string{"Authorization": "Bearer " + hidden, "Content-Type": "application/json"}
	if cfg.TeamUID != "" {
		headers["X-Warp-Team-Uid"] = cfg.TeamUID
	}
	bs := cfg.BatchSpec("batch-(made when the step runs)")
	reqs := make([]dryRequest, 0, len(bs.Items))
	for _, it := range bs.Items {
		spec := it.Spec
		md := map[string]string{runner.BatchIDKey: bs.ID, runner.BatchItemKey: it.Key}
		for k, v := range spec.Create.Metadata {
			md[k] = v
		}
		spec.Create.Metadata = md
		create, _ := runner.Request(spec, p.Metadata())
		body := dryRunBody(create)
		reqs = append(reqs, dryRequest{Method: "POST", URL: cfg.APIURL + "/agent/runs", Headers: headers, Body: body, Prompt: &body.Prompt})
	}
	p.Logf("Dry run: nothing is sent. The step would create %d runs, at most %d at once, with the requests on stdout (a JSON array in list order; the key and the MCP servers' settings as %s), then wait for them (timeout %s).%s",
		len(reqs), bs.MaxParallel, hidden, outcome.FormatDuration(cfg.Timeout), filesLine(cfg))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(reqs); err != nil {
		p.Warning("Dry run", fmt.Sprintf("the requests cannot be encoded: %v", err))
		return
	}
	if _, err := out.Write(red.JSON(buf.Bytes())); err != nil {
		p.Warning("Dry run", "the requests could not be printed: "+err.Error())
	}
}
