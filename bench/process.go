package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// benchKey is the key the bench's fakes accept; not a secret.
const benchKey = "wk-bench-not-a-secret"

// proc is one finished run of a program.
type proc struct {
	start, exit time.Time // just before exec; when wait returned
	code        int
	maxRSSKiB   int64
	log         string
}

// gnuTime is GNU time, which measures a program's peak RSS from its own
// fork. The rusage of a child of the bench does not do: Go starts children
// with CLONE_VM, and Linux counts the bench's own memory, shared until the
// exec, in the child's maximum RSS.
const gnuTime = "/usr/bin/time"

// runMeasured is runProc through GNU time, which reports the peak RSS; when
// GNU time is missing it falls back to the rusage (an upper bound) and
// says so in exact.
func runMeasured(ctx context.Context, bin string, args []string, env map[string]string, dir string) (p proc, exact bool, err error) {
	if _, err := os.Stat(gnuTime); err != nil {
		p, err := runProc(ctx, bin, args, env, dir)
		return p, false, err
	}
	rssFile := filepath.Join(dir, "rss")
	p, err = runProc(ctx, gnuTime, append([]string{"-f", "%M", "-o", rssFile, bin}, args...), env, dir)
	if err != nil {
		return p, false, err
	}
	b, err := os.ReadFile(rssFile)
	if err != nil {
		return p, false, fmt.Errorf("reading GNU time's report: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	kib, err := strconv.ParseInt(strings.TrimSpace(lines[len(lines)-1]), 10, 64)
	if err != nil {
		return p, false, fmt.Errorf("GNU time reported %q, not a peak RSS in KiB", b)
	}
	p.maxRSSKiB = kib
	return p, true, nil
}

// runProc runs bin in dir with env and waits for it. Its output goes to a
// file, so that the wait returns as soon as the process has exited (no
// pipe to drain).
func runProc(ctx context.Context, bin string, args []string, env map[string]string, dir string) (proc, error) {
	logPath := filepath.Join(dir, "process.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return proc{}, err
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	for _, k := range slices.Sorted(maps.Keys(env)) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	p := proc{start: time.Now()}
	err = cmd.Run()
	p.exit = time.Now()
	if b, rerr := os.ReadFile(logPath); rerr == nil {
		p.log = string(b)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return p, fmt.Errorf("running %s: %w", filepath.Base(bin), err)
	}
	p.code = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.maxRSSKiB = ru.Maxrss // KiB on Linux
	}
	return p, nil
}

// githubEnv is a GitHub Actions container step running oz-run with inputs.
func githubEnv(dir, base string, inputs map[string]string) (map[string]string, error) {
	env := map[string]string{
		"PATH": "/usr/bin:/bin", "GITHUB_ACTIONS": "true",
		"GITHUB_OUTPUT": filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_WORKSPACE": dir, "GITHUB_REPOSITORY": "octo/repo", "GITHUB_RUN_ID": "42",
		"GITHUB_SERVER_URL": "https://github.com", "INPUT_WARP_API_KEY": benchKey, "INPUT_API_URL": base,
		"INPUT_PROMPT": "bench: fix the build",
	}
	for _, f := range []string{"output", "summary"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			return nil, err
		}
	}
	for k, v := range inputs {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	return env, nil
}
