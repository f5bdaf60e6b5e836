// Command oz-run starts a Warp Oz cloud agent run from CI, waits for it to
// end, publishes its outcome as step outputs and a job summary, and exits
// with a code that gates the pull request. See README.md and the contract.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"unicode"

	"github.com/oz-run/oz-run-action/internal/abort"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/redact"
)

// version is set at build time with -ldflags "-X main.version=..."; a
// `go install module@version` build reports the module's version instead.
var version = "dev"

func init() {
	if info, ok := debug.ReadBuildInfo(); ok && version == "dev" && strings.HasPrefix(info.Main.Version, "v") {
		version = info.Main.Version
	}
}

// memoryLimit is the soft limit of the Go heap (unless GOMEMLIMIT sets
// another): the largest answer the client reads (16 MiB) keeps about
// 45 MiB live while it is published, and the collector's default target
// (twice the live heap) would take the process past 100 MiB; near this
// limit it collects sooner instead. Measured by `go run ./bench`.
const memoryLimit = 48 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signalContext()
	code := realMain(ctx, os.Args[1:], config.NewEnv(os.Environ()), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// realMain runs a subcommand and returns the process exit code. env is the
// process's environment (the inputs' INPUT_ variables among it).
func realMain(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if len(args) > 0 && cmd == "" {
		switch args[0] {
		case "--version", "-version", "-v":
			cmd, args = "version", args[1:]
		}
	}
	switch cmd {
	case "", "run":
		return runAction(ctx, args, env, stdout, stderr, version)
	case "demo":
		return runDemo(ctx, args, stdout, stderr, version)
	case "fake-server":
		return runFakeServer(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "oz-run", version)
		return 0
	case "help":
		fmt.Fprint(stdout, config.Usage())
		return 0
	}
	fmt.Fprintln(stderr, "oz-run: "+unknownSubcommand(cmd, args, env))
	return 2
}

// subcommands are the words realMain runs.
var subcommands = []string{"run", "demo", "fake-server", "version", "help"}

// unknownSubcommand says what is wrong with cmd in the place of a
// subcommand. It may be anything, the key too: it is shown only when it
// reads like a command's name; a sentence (a prompt given bare) is never
// shown, and gets the flag it needed.
func unknownSubcommand(cmd string, args []string, env config.Env) string {
	const use = "use run (the default), demo, fake-server, version or help"
	if strings.ContainsFunc(strings.TrimSpace(cmd), unicode.IsSpace) {
		return `the first argument is not a subcommand: to give the prompt, use --prompt "..." (inputs are flags: --name value)`
	}
	if !isWord(cmd) || redact.New(config.Secrets(args, env)...).Contains(cmd) {
		return "unknown subcommand the first argument; " + use + " (inputs are flags: --name value)"
	}
	if best, ok := config.Closest(cmd, subcommands); ok {
		return fmt.Sprintf("unknown subcommand %q: did you mean %s?", cmd, best)
	}
	if slices.Contains(config.Inputs(), strings.ReplaceAll(cmd, "-", "_")) {
		return fmt.Sprintf("unknown subcommand %q: inputs are flags, --%s value", cmd, cmd)
	}
	return fmt.Sprintf(`unknown subcommand %q; %s (inputs are flags: --name value; a prompt is --prompt "...")`, cmd, use)
}

// isWord reports whether s is a short lowercase word (letters and '-'),
// not shaped like an API key.
func isWord(s string) bool {
	if s == "" || len(s) > 20 || strings.HasPrefix(s, "wk-") {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '-' {
			return false
		}
	}
	return true
}

// signalContext is the step's context: it ends, with the signal as its
// cause (abort.Cause), on the first SIGINT or SIGTERM, and carries the
// abort deadline (abort.From) that the handler owns: each signal sets one
// when it arrives, which the remote cancel, the comment's final edit and
// publishing share; a SIGTERM after a SIGINT brings it forward. No signal
// kills the process: the outputs are whole when it exits.
func signalContext() (context.Context, func()) {
	d := abort.New(nil)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		for {
			select {
			case s := <-sigs:
				d.Signal(s)
			case <-done:
				return
			}
		}
	}()
	// The handler is left installed: a signal arriving after the run ended,
	// while main exits, is absorbed instead of killing the process (143).
	return d.Context(), func() {
		close(done)
		<-ended
		d.Release()
	}
}
