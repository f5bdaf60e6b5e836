package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/runner"
)

// demoKey is the key the demo's fake API accepts; it is not a secret.
const demoKey = "wk-demo-not-a-secret"

// runDemo serves the embedded fake API on loopback and runs the whole flow
// against it with fast polls, as a plain local run. Flags are the action's
// inputs (for example --prompt "[fake:fail] ..." picks a scenario).
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer, version string) int {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, baseURL, err := ozfake.Serve(ctx, "127.0.0.1:0", ozfake.WithAPIKey(demoKey), ozfake.WithTimeScale(0.5))
	if err != nil {
		fmt.Fprintf(stderr, "oz-run demo: starting the fake Oz API on loopback: %v\n", err)
		return runner.ExitAPI
	}
	defer srv.Wait()
	defer cancel()

	env := map[string]string{
		"WARP_API_KEY":            demoKey,
		"INPUT_PROMPT":            "Fix the flaky TestCheckout test and open a pull request",
		"INPUT_ENVIRONMENT":       "demo-environment",
		"INPUT_TITLE":             "oz-run demo",
		"INPUT_API_URL":           baseURL,
		"INPUT_POLL_INTERVAL":     "200ms",
		"INPUT_POLL_MAX_INTERVAL": "200ms",
		"INPUT_TIMEOUT":           "2m",
	}
	fmt.Fprintf(stdout, "oz-run demo: a fake Oz API is serving on %s (no key, no network needed)\n\n", baseURL)
	return runWith(ctx, args, func(k string) string { return env[k] }, stdout, stderr, runSettings{version: version, noReportFiles: true})
}

// runFakeServer serves the embedded fake API until SIGINT/SIGTERM.
func runFakeServer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fake-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (host:port)")
	key := fs.String("key", "", "the only API key accepted (default: any key)")
	scale := fs.Float64("time-scale", 1, "multiplies every scripted duration (0.1 = ten times faster)")
	if err := fs.Parse(args); err != nil {
		return runner.ExitInput
	}
	if *scale <= 0 {
		fmt.Fprintf(stderr, "oz-run fake-server: --time-scale must be greater than 0, got %v\n", *scale)
		return runner.ExitInput
	}
	opts := []ozfake.Option{ozfake.WithTimeScale(*scale), ozfake.WithLogf(func(f string, a ...any) {
		fmt.Fprintf(stderr, "%s %s\n", time.Now().UTC().Format(time.TimeOnly), fmt.Sprintf(f, a...))
	})}
	if *key != "" {
		opts = append(opts, ozfake.WithAPIKey(*key))
	} else {
		opts = append(opts, ozfake.WithAnyKey())
	}
	srv, baseURL, err := ozfake.Serve(ctx, *listen, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "oz-run fake-server: listening on %s: %v\n", *listen, err)
		return runner.ExitInput
	}
	fmt.Fprintf(stdout, "fake Oz API serving on %s\nuse: api_url=%s\n", baseURL, baseURL)
	for _, s := range ozfake.Scenarios() {
		fmt.Fprintf(stdout, "  %-22s %s\n", s.Tag, s.Description)
	}
	srv.Wait()
	return runner.ExitOK
}
