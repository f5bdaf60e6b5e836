package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Package init (issue 17): what `GODEBUG=inittrace=1 oz-run version`
// prints, one line per package with an init:
//
//	init internal/ci @2.2 ms, 1.0 ms clock, 380808 bytes, 5144 allocs
//
// The figure is the sum of the clocks (the time package inits take
// before main runs); the process's start to the end of main's init (its
// @ plus its clock) is shown beside it.

// initTarget is the most the package inits may take together, all of
// them: output_schema's validator is oz-run's own (internal/schema), with
// no init work.
const initTarget = 4 * time.Millisecond

// initResult holds the samples of the package-init measurement.
type initResult struct {
	total []time.Duration            // sum of the init clocks, per run
	end   []time.Duration            // process start -> main's init done, per run
	byPkg map[string][]time.Duration // each package's clock, per run
}

// measureInit runs `oz-run version` n times with GODEBUG=inittrace=1.
func measureInit(ctx context.Context, bin string, n int) (*initResult, error) {
	res := &initResult{byPkg: map[string][]time.Duration{}}
	for range n {
		cmd := exec.CommandContext(ctx, bin, "version")
		cmd.Env = []string{"PATH=/usr/bin:/bin", "GODEBUG=inittrace=1"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("oz-run version: %w\n%s", err, stderr.String())
		}
		total, end, by, err := parseInitTrace(stderr.Bytes())
		if err != nil {
			return nil, err
		}
		res.total = append(res.total, total)
		res.end = append(res.end, end)
		for p, d := range by {
			res.byPkg[p] = append(res.byPkg[p], d)
		}
	}
	return res, nil
}

// parseInitTrace reads inittrace's lines: the sum of the clocks, the end
// of main's init, and each package's clock.
func parseInitTrace(b []byte) (total, end time.Duration, by map[string]time.Duration, err error) {
	by = map[string]time.Duration{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// init PKG @2.2 ms, 1.0 ms clock, ...
		if len(f) < 7 || f[0] != "init" || !strings.HasPrefix(f[2], "@") || f[6] != "clock," {
			continue
		}
		at, err1 := strconv.ParseFloat(strings.TrimPrefix(f[2], "@"), 64)
		clock, err2 := strconv.ParseFloat(f[4], 64)
		if err1 != nil || err2 != nil {
			return 0, 0, nil, fmt.Errorf("inittrace line %q does not read as @T ms, C ms clock", sc.Text())
		}
		d := time.Duration(clock * float64(time.Millisecond))
		total += d
		by[f[1]] += d
		if f[1] == "main" {
			end = time.Duration(at*float64(time.Millisecond)) + d
		}
	}
	if len(by) == 0 {
		return 0, 0, nil, fmt.Errorf("GODEBUG=inittrace=1 printed no init line:\n%s", b)
	}
	return total, end, by, nil
}

// heaviest are the k packages with the highest median init clock.
func (r *initResult) heaviest(k int) []string {
	pkgs := make([]string, 0, len(r.byPkg))
	for p := range r.byPkg {
		pkgs = append(pkgs, p)
	}
	med := func(p string) time.Duration { return summarize(r.byPkg[p]).median }
	slices.SortFunc(pkgs, func(a, b string) int {
		if c := med(b) - med(a); c != 0 {
			return int(c)
		}
		return strings.Compare(a, b)
	})
	out := make([]string, 0, k)
	for _, p := range pkgs[:min(k, len(pkgs))] {
		out = append(out, fmt.Sprintf("%s %.3f ms", strings.TrimPrefix(p, "github.com/oz-run/oz-run-action/"), float64(med(p))/float64(time.Millisecond)))
	}
	return out
}
