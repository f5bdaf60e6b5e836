package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// The demo and fake-server subcommands: the embedded fake Oz API on
// loopback, with the whole flow run against it (demo) or served alone for a
// user's own workflows (fake-server).

// demoKey is the key the demo's fake API accepts; it is not a secret.
const demoKey = "wk-demo-not-a-secret"

// runDemo serves the embedded fake API on loopback and runs the whole flow
// against it with fast polls, as a plain local run. Flags are the action's
// inputs (for example --prompt "[fake:fail] ..." picks a scenario).
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer, version string) int {
	if slices.ContainsFunc(args, isHelpFlag) {
		fmt.Fprint(stdout, demoUsage)
		return outcome.ExitOK
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, baseURL, err := ozfake.Serve(ctx, "127.0.0.1:0", ozfake.WithAPIKey(demoKey), ozfake.WithTimeScale(0.5))
	if err != nil {
		fmt.Fprintf(stderr, "oz-run demo: starting the fake Oz API on loopback: %v\n", err)
		return outcome.ExitAPI
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
	var batch bool
	if args, batch = demoPrompts(args); batch {
		delete(env, "INPUT_PROMPT") // prompts excludes prompt
	}
	fmt.Fprintf(stdout, "oz-run demo: a fake Oz API is serving on %s (no key, no network needed)\n\n", baseURL)
	return runWith(ctx, args, env, stdout, stderr, runSettings{version: version, commentOut: stdout})
}

// demoBatch is the list that a bare --prompts runs: four runs, one
// without a pull request.
const demoBatch = `- key: api
  prompt: Fix the failing tests in packages/api
- key: web
  prompt: Fix the failing tests in packages/web
- key: docs
  prompt: Update the changelog for the release
- key: deps
  prompt: "[fake:nopr] Check the dependencies for known vulnerabilities"
`

// demoPrompts gives a bare --prompts (last, or followed by another flag)
// the demo's list, and reports whether the demo runs a batch.
func demoPrompts(args []string) ([]string, bool) {
	out := make([]string, 0, len(args))
	batch := false
	for i, a := range args {
		switch {
		case a == "--prompts" || a == "-prompts":
			batch = true
			if i+1 == len(args) || strings.HasPrefix(args[i+1], "-") {
				a = "--prompts=" + demoBatch
			}
		case strings.HasPrefix(a, "--prompts=") || strings.HasPrefix(a, "-prompts="):
			batch = true
		}
		out = append(out, a)
	}
	return out, batch
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

Every input of oz-run --help may be given. As on any terminal, the report
files are written only when asked for (--dotenv, --summary_file,
--junit_file, --output_file, --result_file, --structured_file,
--codequality_file), and --comment prints each
state of the PR/MR comment as it would be edited (the demo has no pull
request). A tag in the prompt picks what the fake run does, for example:
  oz-run demo --prompt "[fake:fail] fix it"     a run that fails (exit 1)
  oz-run demo --prompt "[fake:block] fix it"    a run that waits for approval
  oz-run demo --prompt "[fake:slow] x" --timeout 5s --on_timeout leave
  oz-run demo --prompts                          a batch of four runs (prompts)
  oz-run demo --prompt "[fake:review-fail] review this" --output_schema review
                                                 a review gate that rejects (exit 1)
`

// fakeServerUsage is fake-server's help; its flags follow.
const fakeServerUsage = `oz-run fake-server serves the embedded fake Oz API, to test workflows
offline. Point api_url at the URL it prints.

Usage:
  oz-run fake-server [--listen 127.0.0.1:PORT] [--key KEY] [--time-scale N] [--tls-cert FILE]

oz-run accepts plain http only to a loopback host. To reach the fake over a
network (from a container, at a Docker bridge address), serve HTTPS with
--tls-cert FILE: a fresh self-signed certificate, valid for a day for the
listen address (every address of this machine for 0.0.0.0), localhost and
127.0.0.1, is written to FILE as PEM; give oz-run SSL_CERT_FILE=FILE to
trust it.

Flags:
`

// runFakeServer serves the embedded fake API until SIGINT/SIGTERM.
func runFakeServer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fake-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (host:port)")
	key := fs.String("key", "", "the only API key accepted (default: any key)")
	scale := fs.Float64("time-scale", 1, "multiplies every scripted duration (0.1 = ten times faster)")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with a fresh self-signed certificate, written to this file as PEM (trust it with SSL_CERT_FILE)")
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
		return outcome.ExitOK
	}
	if err := fs.Parse(args); err != nil {
		return outcome.ExitInput
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "oz-run fake-server: unexpected argument %d: flags only (see oz-run fake-server --help)\n", len(args)-fs.NArg()+1)
		return outcome.ExitInput
	}
	if *scale <= 0 {
		fmt.Fprintf(stderr, "oz-run fake-server: --time-scale must be greater than 0, got %v\n", *scale)
		return outcome.ExitInput
	}
	opts := []ozfake.Option{ozfake.WithTimeScale(*scale), ozfake.WithLogf(func(f string, a ...any) {
		fmt.Fprintf(stderr, "%s %s\n", time.Now().UTC().Format(time.TimeOnly), fmt.Sprintf(f, a...))
	})}
	if *key != "" {
		opts = append(opts, ozfake.WithAPIKey(*key))
	} else {
		opts = append(opts, ozfake.WithAnyKey())
	}
	if *tlsCert != "" {
		cert, err := writeFakeCert(*listen, *tlsCert)
		if err != nil {
			fmt.Fprintf(stderr, "oz-run fake-server: --tls-cert: %v\n", err)
			return outcome.ExitInput
		}
		opts = append(opts, ozfake.WithTLS(cert))
	}
	srv, baseURL, err := ozfake.Serve(ctx, *listen, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "oz-run fake-server: listening on %s: %v\n", *listen, err)
		return outcome.ExitInput
	}
	fmt.Fprint(stdout, fakeServerBanner(*listen, baseURL, srv.FilesURL()))
	if *tlsCert != "" {
		fmt.Fprintf(stdout, "trust its certificate: SSL_CERT_FILE=%s\n", *tlsCert)
	}
	for _, s := range ozfake.Scenarios() {
		fmt.Fprintf(stdout, "  %-22s %s\n", s.Tag, s.Description)
	}
	srv.Wait()
	return outcome.ExitOK
}

// fakeServerBanner says where the fake serves: the api_url to use from
// this machine, for an unspecified listen address (0.0.0.0, ::) that any
// address of the machine reaches it too, and that download URLs name the
// host each request named, so that a client in another container that
// reached the API at an address gets its files there as well.
func fakeServerBanner(listen, baseURL, filesURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "fake Oz API serving on %s\nuse: api_url=%s\n", baseURL, baseURL)
	if host, _, err := net.SplitHostPort(listen); err == nil {
		u, uerr := url.Parse(baseURL)
		if ip := net.ParseIP(host); uerr == nil && (host == "" || ip != nil && ip.IsUnspecified()) {
			fmt.Fprintf(&b, "listening on every address of this machine: from elsewhere (another container), use api_url=%s://ADDRESS:%s%s with an address of this machine that reaches it\n",
				u.Scheme, u.Port(), u.Path)
		}
	}
	if u, err := url.Parse(filesURL); err == nil && u.Port() != "" {
		fmt.Fprintf(&b, "file downloads: on port %s of the address each request came in on (its Host header), not always 127.0.0.1\n", u.Port())
	}
	return b.String()
}

// fakeCertValidity is how long fake-server's certificate is valid: a test
// session, not a service.
const fakeCertValidity = 24 * time.Hour

// writeFakeCert makes fake-server's certificate, valid for the listen
// host (for an unspecified address, every address of this machine's
// interfaces: a container's bridge address among them), localhost,
// 127.0.0.1 and ::1, and writes its PEM to path.
func writeFakeCert(listen, path string) (tls.Certificate, error) {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--listen %q is not host:port: %w", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("listing this machine's addresses: %w", err)
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				hosts = append(hosts, n.IP.String())
			}
		}
	} else {
		hosts = append(hosts, host)
	}
	cert, pemCert, err := ozfake.SelfSignedCert(hosts, fakeCertValidity)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(path, pemCert, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("writing the certificate: %w", err)
	}
	return cert, nil
}
