package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/runner"
)

// demoKey is the key the demo's fake API accepts; it is not a secret.
const demoKey = "wk-demo-not-a-secret"

// runDemo serves the embedded fake API on loopback and runs the whole flow
// against it with fast polls, as a plain local run. Flags are the action's
// inputs (for example --prompt "[fake:fail] ..." picks a scenario).
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer, version string) int {
	if slices.ContainsFunc(args, isHelpFlag) {
		fmt.Fprint(stdout, demoUsage)
		return runner.ExitOK
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, baseURL, err := ozfake.Serve(ctx, "127.0.0.1:0", ozfake.WithAPIKey(demoKey), ozfake.WithTimeScale(0.5))
	if err != nil {
		fmt.Fprintf(stderr, "oz-run demo: starting the fake Oz API on loopback: %v\n", err)
		return runner.ExitAPI
	}
	defer srv.Wait()
	defer cancel()

	env := config.Env{
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
	return runWith(ctx, args, env, stdout, stderr, runSettings{version: version, noReportFiles: true, printComment: true})
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "--help", "-help":
		return true
	}
	return false
}

const demoUsage = `oz-run demo runs the whole flow against an embedded fake Oz API on
loopback: no key and no network are needed. It starts a run, follows it
through QUEUED, PENDING, CLAIMED and INPROGRESS to SUCCEEDED (a few
seconds), then prints the outputs and the summary as a terminal run does.

Usage:
  oz-run demo [--input value]...

Every input of oz-run --help may be given. A tag in the prompt picks what
the fake run does, for example:
  oz-run demo --prompt "[fake:fail] fix it"     a run that fails (exit 1)
  oz-run demo --prompt "[fake:block] fix it"    a run that waits for approval
  oz-run demo --prompt "[fake:slow] x" --timeout 5s --on_timeout leave
`

// fakeServerUsage is fake-server's help; its flags follow.
const fakeServerUsage = `oz-run fake-server serves the embedded fake Oz API, to test workflows
offline. Point api_url at the URL it prints.

Usage:
  oz-run fake-server [--listen 127.0.0.1:PORT] [--key KEY] [--time-scale N]

Flags:
`

// runFakeServer serves the embedded fake API until SIGINT/SIGTERM.
func runFakeServer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fake-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (host:port)")
	key := fs.String("key", "", "the only API key accepted (default: any key)")
	scale := fs.Float64("time-scale", 1, "multiplies every scripted duration (0.1 = ten times faster)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), fakeServerUsage)
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\nScenarios (a tag in the prompt):")
		for _, s := range ozfake.Scenarios() {
			fmt.Fprintf(fs.Output(), "  %-22s %s\n", s.Tag, s.Description)
		}
	}
	if slices.ContainsFunc(args, isHelpFlag) {
		fs.SetOutput(stdout)
		fs.Usage()
		return runner.ExitOK
	}
	if err := fs.Parse(args); err != nil {
		return runner.ExitInput
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "oz-run fake-server: unexpected argument %d: flags only (see oz-run fake-server --help)\n", len(args)-fs.NArg()+1)
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
