package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// startupResult holds the samples of the start and exit measurements.
type startupResult struct {
	ozRun, curl []time.Duration // exec -> first request at the fake
	curlVersion string
	exit        []time.Duration // terminal answer -> process exit (the work read in between)
	exitAfter   []time.Duration // the last answer it needs (the conversation, the files) -> process exit
	convReads   []int           // conversation reads per run
	workReqs    []int           // requests per run after the terminal answer
	maxRSSKiB   int64           // the peak RSS of a whole run as a GitHub step
	rssExact    bool            // measured by GNU time (else an upper bound)

	bigRSSKiB int64         // the peak RSS of a run downloading a file at the limit
	bigExact  bool          // measured by GNU time
	bigTime   time.Duration // that run's wall time
	bigBytes  int64         // the file written
}

// measureStartup alternates oz-run and curl n times (in random order per
// pair, so that both see the same noise): each makes the create request,
// and the fake notes when it arrives.
func measureStartup(ctx context.Context, bin, work string, n int, res *startupResult, shuffle func() bool) error {
	curl, err := exec.LookPath("curl")
	if err != nil {
		curl = "" // measured alone; the report says the baseline is missing
	} else if out, err := exec.CommandContext(ctx, curl, "--version").Output(); err == nil {
		res.curlVersion = strings.Fields(string(out))[0] + " " + strings.Fields(string(out))[1]
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rc, base, err := serveRecorder(ctx, ozfake.WithTimeScale(0.01))
	if err != nil {
		return err
	}
	body := `{"prompt":"bench: fix the build","metadata":{"oz_run_request_id":"0123456789abcdef0123456789abcdef"}}`
	curlArgs := []string{"-sS", "-o", os.DevNull, "-X", "POST", "-H", "Authorization: Bearer " + benchKey,
		"-H", "Content-Type: application/json", "-H", "Accept: application/json", "--data", body, base + "/agent/runs"}

	one := func(i int, ozRun bool) error {
		dir := filepath.Join(work, fmt.Sprintf("start-%d-%v", i, ozRun))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		rc.reset()
		var p proc
		if ozRun {
			env, err := githubEnv(dir, base, map[string]string{"wait": "false"})
			if err != nil {
				return err
			}
			p, err = runProc(ctx, bin, nil, env, dir)
			if err != nil || p.code != 0 {
				return fmt.Errorf("oz-run (wait: false) exited %d: %v\n%s", p.code, err, p.log)
			}
		} else {
			p, err = runProc(ctx, curl, curlArgs, map[string]string{"PATH": "/usr/bin:/bin"}, dir)
			if err != nil || p.code != 0 {
				return fmt.Errorf("curl exited %d: %v\n%s", p.code, err, p.log)
			}
		}
		first := rc.firstRequest()
		if first.IsZero() {
			return fmt.Errorf("no request reached the fake")
		}
		if ozRun {
			res.ozRun = append(res.ozRun, first.Sub(p.start))
		} else {
			res.curl = append(res.curl, first.Sub(p.start))
		}
		return nil
	}
	for i := range n {
		a := shuffle()
		if curl == "" {
			a = true
		}
		if err := one(i, a); err != nil {
			return err
		}
		if curl == "" {
			continue
		}
		if err := one(i, !a); err != nil {
			return err
		}
	}
	return nil
}

// measureExit runs oz-run n times to the end of a short run with an answer
// and two files, as a GitHub step (the conversation read, the files
// downloaded, outputs and summary written), and takes the time to the
// process's exit from the fake's first answer with a terminal state and
// from the last answer of all (the last file's bytes). It counts the
// conversation reads and the requests after the terminal answer.
func measureExit(ctx context.Context, bin, work string, n int, res *startupResult) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rc, base, err := serveRecorder(ctx, ozfake.WithTimeScale(0.01))
	if err != nil {
		return err
	}
	for i := range n {
		dir := filepath.Join(work, fmt.Sprintf("exit-%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		env, err := githubEnv(dir, base, map[string]string{"poll_interval": "10ms", "poll_max_interval": "50ms", "result_file": "oz-result.json",
			"prompt": "[fake:files] bench: fix the build", "files_dir": "oz-files"})
		if err != nil {
			return err
		}
		before := len(rc.fake.Requests())
		p, err := runProc(ctx, bin, nil, env, dir)
		if err != nil || p.code != 0 {
			return fmt.Errorf("oz-run exited %d: %v\n%s", p.code, err, p.log)
		}
		if _, err := os.Stat(filepath.Join(dir, "oz-files", "reports", "oz-report.md")); err != nil {
			return fmt.Errorf("oz-run did not download the report: %w\n%s", err, p.log)
		}
		b, err := os.ReadFile(filepath.Join(dir, "output"))
		if err != nil {
			return err
		}
		outs, err := ci.ParseGitHubOutput(b)
		if err != nil {
			return fmt.Errorf("the outputs of oz-run do not parse: %w", err)
		}
		rec, ok := rc.run(outs["run_id"])
		if !ok || rec.terminal.IsZero() {
			return fmt.Errorf("the fake never answered run %q with a terminal state", outs["run_id"])
		}
		after := 0
		for _, r := range rc.fake.Requests()[before:] {
			if r.At.After(rec.terminal) {
				after++
			}
		}
		res.exit = append(res.exit, p.exit.Sub(rec.terminal))
		res.exitAfter = append(res.exitAfter, p.exit.Sub(rc.lastAnswer()))
		res.convReads = append(res.convReads, rec.conversations)
		res.workReqs = append(res.workReqs, after)
	}
	return nil
}

// measureBigDownload runs oz-run once through GNU time on a run whose file
// is exactly at the 100 MiB limit ([fake:bigfile]), downloaded into
// files_dir, and keeps its peak RSS: the file streams to disk.
func measureBigDownload(ctx context.Context, bin, work string, res *startupResult) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	_, base, err := serveRecorder(ctx, ozfake.WithTimeScale(0.01))
	if err != nil {
		return err
	}
	dir := filepath.Join(work, "bigfile")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	env, err := githubEnv(dir, base, map[string]string{"poll_interval": "10ms", "poll_max_interval": "50ms",
		"prompt": "[fake:bigfile] bench: a file at the limit", "files_dir": "oz-files"})
	if err != nil {
		return err
	}
	p, exact, err := runMeasured(ctx, bin, nil, env, dir)
	if err != nil || p.code != 0 {
		return fmt.Errorf("oz-run exited %d: %v\n%s", p.code, err, p.log)
	}
	st, err := os.Stat(filepath.Join(dir, "oz-files", "big.bin"))
	if err != nil {
		return fmt.Errorf("oz-run did not download big.bin: %w\n%s", err, p.log)
	}
	res.bigRSSKiB, res.bigExact, res.bigTime, res.bigBytes = p.maxRSSKiB, exact, p.exit.Sub(p.start), st.Size()
	return os.RemoveAll(filepath.Join(dir, "oz-files"))
}

// measureRSS runs oz-run n times to the end of a short run as a GitHub step
// (outputs, summary and result file written), through GNU time, and keeps
// the highest peak RSS.
func measureRSS(ctx context.Context, bin, work string, n int, res *startupResult) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	_, base, err := serveRecorder(ctx, ozfake.WithTimeScale(0.01))
	if err != nil {
		return err
	}
	res.rssExact = true
	for i := range n {
		dir := filepath.Join(work, fmt.Sprintf("rss-%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		env, err := githubEnv(dir, base, map[string]string{"poll_interval": "10ms", "poll_max_interval": "50ms", "result_file": "oz-result.json"})
		if err != nil {
			return err
		}
		p, exact, err := runMeasured(ctx, bin, nil, env, dir)
		if err != nil || p.code != 0 {
			return fmt.Errorf("oz-run exited %d: %v\n%s", p.code, err, p.log)
		}
		res.maxRSSKiB = max(res.maxRSSKiB, p.maxRSSKiB)
		res.rssExact = res.rssExact && exact
	}
	return nil
}
