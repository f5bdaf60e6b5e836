// Command bench measures oz-run against its targets and against the
// pollers in use today, and soaks it with random faults.
//
//	go run ./bench           build oz-run, measure, print the table and
//	                         write it to bench/RESULTS.md
//	go run ./bench soak      hundreds of invocations against the fake with
//	                         seeded random faults, invariants checked
//	go run ./bench -only startup,abort
//	                         package init, the first request against curl's
//	                         and each signal's time to the exit alone
//
// It exits 1 when package init, the first request (against curl's, in the
// same run) or a signal's time to the exit misses its target: they hold
// on a quiet machine, and the load average is in the report.
//
// Everything runs on loopback against the embedded fake API; nothing else
// is needed but curl (the first-request baseline) and, for the image size,
// an image built by .ci/image.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "soak" {
		return runSoak(ctx, args[1:], stdout, stderr)
	}
	if err := runBench(ctx, args, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 41, "first-request samples of oz-run and of curl each")
	exits := fs.Int("exits", 21, "terminal-answer-to-exit samples")
	inits := fs.Int("inits", 41, "package-init samples (GODEBUG=inittrace=1)")
	aborts := fs.Int("aborts", 3, "signal-to-exit samples per case and signal")
	scale := fs.Float64("scale", 0.05, "time scale of the run-length comparison (0.05: a 10-minute run takes 30 s)")
	reps := fs.Int("reps", 20, "runs per run length")
	conc := fs.Int("conc", 10, "runs watched at a time")
	seed := fs.Uint64("seed", 1, "seed of the runs' random phases")
	quick := fs.Bool("quick", false, "a fast smoke run: few samples, a smaller scale")
	out := fs.String("out", "bench/RESULTS.md", "where to write the table (relative to the module root); empty: nowhere")
	readme := fs.Bool("readme", false, "also put the headline figures between <!-- bench:begin --> and <!-- bench:end --> in "+performancePage)
	only := fs.String("only", "", "measure only startup (package init and the first request against curl's), abort (each signal's time to the exit) or batch (100 runs in one step beside 100 processes), comma-separated, and print their rows; nothing is written")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, o := range strings.Split(*only, ",") {
		if *only != "" && o != "startup" && o != "abort" && o != "batch" {
			return fmt.Errorf("-only takes startup, abort, batch or several of them (startup,abort), not %q", *only)
		}
	}
	if *quick {
		*n, *exits, *reps, *scale, *inits, *aborts = 5, 5, 3, 0.02, 5, 1
	}
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }

	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "oz-run-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	r := &benchReport{when: time.Now(), command: strings.TrimSpace("go run ./bench " + strings.Join(args, " "))}
	loadBefore := loadAverage()

	bin := filepath.Join(work, "oz-run")
	progress("building oz-run (CGO_ENABLED=0, -trimpath -ldflags \"-s -w\")")
	if err := buildRelease(ctx, root, bin); err != nil {
		return err
	}
	st, err := os.Stat(bin)
	if err != nil {
		return err
	}
	r.binaryBytes = st.Size()
	r.imageBytes, r.imageCreated, r.imageNote = imageSize(ctx)

	rng := rand.New(rand.NewPCG(*seed, 0))
	if *only != "" {
		return runOnly(ctx, *only, bin, work, *inits, *n, *aborts, rng, r, stdout, progress)
	}
	progress("package init: %d × GODEBUG=inittrace=1 oz-run version", *inits)
	if r.init, err = measureInit(ctx, bin, *inits); err != nil {
		return err
	}
	progress("first request: %d × oz-run and %d × curl, interleaved", *n, *n)
	if err := measureStartup(ctx, bin, work, *n, &r.start, func() bool { return rng.IntN(2) == 0 }); err != nil {
		return err
	}
	progress("exit after the terminal answer: %d runs", *exits)
	if err := measureExit(ctx, bin, work, *exits, &r.start); err != nil {
		return err
	}
	progress("peak RSS of a whole run as a GitHub step: 5 runs")
	if err := measureRSS(ctx, bin, work, 5, &r.start); err != nil {
		return err
	}
	largestRuns := 3
	if *quick {
		largestRuns = 1
	}
	progress("the largest answer the client reads: %d runs as a GitHub step and as a GitLab job", largestRuns)
	if r.largest, err = measureLargest(ctx, bin, work, largestRuns); err != nil {
		return err
	}
	progress("signal → exit: %d runs per case, for SIGINT and SIGTERM (SIGINT's wait out a hanging cancel: about 7 s each)", *aborts)
	if r.abort, err = measureAbort(ctx, bin, work, *aborts); err != nil {
		return err
	}
	progress("a batch of 100 runs in one step, then 100 separate processes")
	if r.batch, err = measureBatch(ctx, bin, work, 100); err != nil {
		return err
	}
	progress("peak RSS while downloading a file of 100 MiB (the limit)")
	if err := measureBigDownload(ctx, bin, work, &r.start); err != nil {
		return err
	}
	lengths := []time.Duration{20 * time.Second, 2 * time.Minute, 10 * time.Minute}
	repsBy := map[time.Duration]int{}
	for _, l := range lengths {
		repsBy[l] = *reps
	}
	r.poll, err = measurePolling(ctx, bin, work, *scale, lengths, repsBy, *conc, rng, progress)
	if err != nil {
		return err
	}
	r.whatIfSamples = 4000
	r.whatIf = map[string]map[time.Duration]whatIfStats{}
	for _, w := range whatIfs {
		r.whatIf[w.name] = map[time.Duration]whatIfStats{}
		for _, l := range lengths {
			r.whatIf[w.name][l] = w.simulate(l, r.whatIfSamples, rand.New(rand.NewPCG(*seed, 1)))
		}
	}
	r.env = fmt.Sprintf("%s/%s, %d CPUs, %s, load average %s before and %s after",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), goVersion(ctx), loadBefore, loadAverage())

	text := r.markdown()
	fmt.Fprint(stdout, text)
	if *out != "" {
		path := *out
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if _, err := writeSection(path, "bench", "Performance", text, true); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		progress("wrote %s", path)
	}
	if *readme {
		ok, err := writeSection(filepath.Join(root, performancePage), "bench", "", r.compact(), false)
		switch {
		case err != nil:
			return fmt.Errorf("updating %s: %w", performancePage, err)
		case !ok:
			progress("%s has no <!-- bench:begin --> ... <!-- bench:end --> section: not changed", performancePage)
		default:
			progress("updated %s", performancePage)
		}
	}
	if len(r.failed) > 0 {
		return fmt.Errorf("targets missed (on a quiet machine they hold; the load average was %s): %s", loadAverage(), strings.Join(r.failed, "; "))
	}
	return nil
}

// loadAverage is the 1-, 5- and 15-minute load average, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func goVersion(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

// runOnly measures startup (package init, the first request against
// curl's) and/or abort (each signal's time to the exit) alone, prints
// their rows, writes nothing, and fails when a target is missed.
func runOnly(ctx context.Context, only, bin, work string, inits, n, aborts int, rng *rand.Rand, r *benchReport,
	stdout io.Writer, progress func(string, ...any)) error {
	loadBefore := loadAverage()
	var err error
	if strings.Contains(only, "startup") {
		progress("package init: %d × GODEBUG=inittrace=1 oz-run version", inits)
		if r.init, err = measureInit(ctx, bin, inits); err != nil {
			return err
		}
		progress("first request: %d × oz-run and %d × curl, interleaved", n, n)
		if err := measureStartup(ctx, bin, work, n, &r.start, func() bool { return rng.IntN(2) == 0 }); err != nil {
			return err
		}
	}
	if strings.Contains(only, "abort") {
		progress("signal → exit: %d runs per case, for SIGINT and SIGTERM", aborts)
		if r.abort, err = measureAbort(ctx, bin, work, aborts); err != nil {
			return err
		}
	}
	if strings.Contains(only, "batch") {
		progress("a batch of 100 runs in one step, then 100 separate processes")
		if r.batch, err = measureBatch(ctx, bin, work, 100); err != nil {
			return err
		}
	}
	r.env = fmt.Sprintf("%s/%s, %d CPUs, %s, load average %s before and %s after",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), goVersion(ctx), loadBefore, loadAverage())
	fmt.Fprint(stdout, r.only())
	if len(r.failed) > 0 {
		return fmt.Errorf("targets missed (on a quiet machine they hold; the load average was %s): %s", loadAverage(), strings.Join(r.failed, "; "))
	}
	return nil
}
