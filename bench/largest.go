package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// Targets for the largest answer the client reads (issue 9): peak memory
// and the time from that answer to the exit.
const (
	largestRSSTarget     = 100 << 20
	largestPublishTarget = time.Second
)

// largestResult is what measureLargest saw, by platform ("GitHub",
// "GitLab").
type largestResult struct {
	bodyBytes int
	maxRSSKiB map[string]int64
	publish   map[string][]time.Duration // the answer sent in full -> the process's exit
	exact     bool                       // peak RSS by GNU time
}

// measureLargest runs oz-run n times per platform against a fake whose
// every status read answers the largest run the client reads
// (ozfaketest.LargestRun: 16 MiB, 1000 artifacts, a 64 KiB status message),
// through GNU time, with a result file (on GitLab the dotenv, summary and
// JUnit files too). It takes the peak RSS, and the time from the moment
// the fake has handed the whole answer to the kernel to the exit: the
// last of the read, the decoding, the redaction, the rendering and all of
// publishing.
func measureLargest(ctx context.Context, bin, work string, n int) (*largestResult, error) {
	body := ozfaketest.LargestRun("fake-run-000001", "SUCCEEDED")
	res := &largestResult{bodyBytes: len(body), maxRSSKiB: map[string]int64{}, publish: map[string][]time.Duration{}, exact: true}
	for _, platform := range []string{"GitHub", "GitLab"} {
		for i := range n {
			dir := filepath.Join(work, fmt.Sprintf("largest-%s-%d", strings.ToLower(platform), i))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			answered, code, rss, exact, exited, log, err := runLargest(ctx, bin, dir, platform, body)
			if err != nil {
				return nil, err
			}
			if code != 0 || answered.IsZero() {
				return nil, fmt.Errorf("oz-run on the largest answer (%s) exited %d:\n%s", platform, code, log)
			}
			if err := checkLargestOutputs(dir, platform); err != nil {
				return nil, err
			}
			res.maxRSSKiB[platform] = max(res.maxRSSKiB[platform], rss)
			res.publish[platform] = append(res.publish[platform], exited.Sub(answered))
			res.exact = res.exact && exact
		}
	}
	return res, nil
}

// runLargest is one run against a fake of its own.
func runLargest(ctx context.Context, bin, dir, platform, body string) (answered time.Time, code int, rssKiB int64, exact bool, exited time.Time, log string, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fake := ozfake.New(ozfake.WithAPIKey(benchKey), ozfake.WithTimeScale(0.01))
	fake.Inject(ozfaketest.Fault{Path: "GET /agent/runs/{id}", Status: 200, Body: body})
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fake.ServeHTTP(w, r)
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, ozfake.BasePath+"/agent/runs/") {
			mu.Lock()
			answered = time.Now()
			mu.Unlock()
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String() + ozfake.BasePath

	inputs := map[string]string{"poll_interval": "10ms", "poll_max_interval": "50ms", "result_file": "oz-result.json"}
	env, err := githubEnv(dir, base, inputs)
	if err != nil {
		return
	}
	if platform == "GitLab" {
		env = map[string]string{"PATH": "/usr/bin:/bin", "GITLAB_CI": "true", "CI": "true", "CI_PROJECT_DIR": dir,
			"CI_PROJECT_PATH": "group/project", "CI_PIPELINE_ID": "7", "CI_JOB_ID": "8", "CI_COMMIT_SHA": "abc",
			"WARP_API_KEY": benchKey, "INPUT_API_URL": base, "INPUT_PROMPT": "bench: the largest answer"}
		for k, v := range inputs {
			env["INPUT_"+strings.ToUpper(k)] = v
		}
	}
	p, exact, err := runMeasured(ctx, bin, nil, env, dir)
	if err != nil {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	return answered, p.code, p.maxRSSKiB, exact, p.exit, p.log, nil
}

// checkLargestOutputs checks that the run's outputs parse as the CI reads
// them and that the summary kept its last section.
func checkLargestOutputs(dir, platform string) error {
	summary, outputs := "summary", "output"
	if platform == "GitLab" {
		summary, outputs = "oz-run-summary.md", "oz-run.env"
	}
	b, err := os.ReadFile(filepath.Join(dir, outputs))
	if err != nil {
		return err
	}
	if platform == "GitLab" {
		_, err = ci.ParseDotenv(b)
	} else {
		_, err = ci.ParseGitHubOutput(b)
	}
	if err != nil {
		return fmt.Errorf("the outputs of the largest answer (%s) do not parse: %w", platform, err)
	}
	s, err := os.ReadFile(filepath.Join(dir, summary))
	if err != nil {
		return err
	}
	if !strings.Contains(string(s), "oz-run · ") {
		return fmt.Errorf("the summary of the largest answer (%s) lost its last section", platform)
	}
	return nil
}
