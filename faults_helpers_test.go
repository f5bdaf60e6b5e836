package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// The fault matrix and the soak run the program as a process, but as the
// test binary itself rather than the release build: with AsProgramEnv=1 set,
// the test binary runs the program exactly as main() does (signalContext,
// realMain, exit code), then fails with ExitLeak if a goroutine outlived
// realMain. Built by `go test -race`, it also carries the race detector
// (a race makes the process exit 66). bench/soak uses the same switch on a
// binary built with `go test -c`.
const (
	asProgramEnv = "OZ_RUN_TEST_AS_PROGRAM"
	exitLeak     = 70
)

func init() {
	if os.Getenv(asProgramEnv) == "1" {
		os.Exit(runAsProgram())
	}
}

// runAsProgram is main() with a goroutine check at the end.
func runAsProgram() int {
	ctx, stop := signalContext()
	code := realMain(ctx, os.Args[1:], config.NewEnv(os.Environ()), os.Stdout, os.Stderr)
	stop()
	// main() exits at once here; the check below takes a while, and a late
	// signal must not kill the process in the meantime.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	if err := goleak.Find(programLeakOptions()...); err != nil {
		fmt.Fprintf(os.Stderr, "oz-run: goroutines outlived the run (exit %d):\n%v\n", code, err)
		return exitLeak
	}
	return code
}

// programLeakOptions are what the goroutine checks ignore: idle HTTP
// keep-alive connections are the transport's, not the program's.
func programLeakOptions() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	}
}

// checkedBinary is the path of the test binary, which runs as the program
// when asProgramEnv is set.
func checkedBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	return exe
}

// newStoppableFake is newFake with a way to kill the server early (the API
// going down mid-run).
func newStoppableFake(t *testing.T, opts ...ozfake.Option) (*ozfake.Server, string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	opts = append([]ozfake.Option{ozfake.WithAPIKey(testKey), ozfake.WithTimeScale(0.05)}, opts...)
	srv, base, err := ozfake.Serve(ctx, "127.0.0.1:0", opts...)
	require.NoError(t, err)
	u, err := url.Parse(base)
	require.NoError(t, err)
	port, err := strconv.Atoi(u.Port())
	require.NoError(t, err)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			_ = srv.Wait()
			// Keep the port: another test's server must not answer for
			// the dead one. (It may fail if a connection lingers; then
			// the port is still not free to be taken.)
			_, _ = holdPort(t, port)
		})
	}
	t.Cleanup(stop)
	return srv, base, stop
}

// deadAPIURL is an API URL on a loopback port where nothing listens, held
// for the test's lifetime so that no other test's server can take it.
func deadAPIURL(t *testing.T) string {
	t.Helper()
	port, err := holdPort(t, 0)
	require.NoError(t, err)
	return fmt.Sprintf("http://127.0.0.1:%d/api/v1", port)
}

// holdPort binds a TCP socket to 127.0.0.1:port (0: any free port) without
// listening, until the test ends: connections to it are refused, and the
// port cannot be handed to another socket meanwhile.
func holdPort(t *testing.T, port int) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return 0, err
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return 0, err
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return 0, err
	}
	return sa.(*syscall.SockaddrInet4).Port, nil
}

// proc is one run of the checked program in a GitHub step, driven from a
// goroutine of the parent test, checked later in a subtest.
type proc struct {
	s        *step
	fake     *ozfake.Server // nil when the API is down from the start
	stopFake func()
	forge    *forgefake.Forge // the fake GitHub of a row with a PR comment

	cmd       *exec.Cmd
	ctx       context.Context // kills the program if it outlives the test
	out, errb bytes.Buffer
	started   time.Time
	signalled time.Time       // zero unless a signal was sent
	exited    time.Time       // when Wait returned
	err       error           // what went wrong driving the process
	before    map[string]bool // the workspace's files before the start
}

// start starts the checked program; ctx kills it if it outlives the test.
func (p *proc) start(ctx context.Context, bin string) error {
	p.ctx = ctx
	p.cmd = exec.CommandContext(ctx, bin)
	p.cmd.Dir = p.s.dir
	for k, v := range p.s.env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Env = append(p.cmd.Env, asProgramEnv+"=1")
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errb
	p.cmd.WaitDelay = time.Second
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("starting the program: %w", err)
	}
	return nil
}

// wait waits for the exit and fills the step's results.
func (p *proc) wait() error {
	err := p.cmd.Wait()
	p.exited = time.Now()
	p.s.elapsed = p.exited.Sub(p.started)
	if p.ctx.Err() != nil {
		return fmt.Errorf("the program hung: it was still running when the test's deadline passed, and was killed after %s", p.s.elapsed.Round(time.Millisecond))
	}
	p.s.stdout, p.s.stderr = p.out.String(), p.errb.String()
	p.s.code = -1
	if p.cmd.ProcessState != nil {
		p.s.code = p.cmd.ProcessState.ExitCode()
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return fmt.Errorf("waiting for the program: %w", err)
	}
	return nil
}

// signal sends sig to the program and notes when.
func (p *proc) signal(sig syscall.Signal) error {
	p.signalled = time.Now()
	return p.cmd.Process.Signal(sig)
}

// requests counts the fake's requests of route ("GET /agent/runs/{id}").
func (p *proc) requests(route string) int { return p.fake.Count(route) }

// requestTimes are the arrival times of route's requests, oldest first.
func (p *proc) requestTimes(route string) []time.Time {
	var out []time.Time
	for _, r := range p.fake.Requests() {
		if r.Route == route {
			out = append(out, r.At)
		}
	}
	return out
}

// hangLimit is how long a process test waits for something the program
// does in milliseconds when all is well (a request, the run's end) before
// it calls the program hung. It only detects a hang: a process built with
// the race detector, started on a busy machine, needs room.
const hangLimit = time.Minute

// awaitRequests waits until the fake has received n requests of route.
func (p *proc) awaitRequests(route string, n int) error {
	deadline := time.Now().Add(hangLimit)
	for p.requests(route) < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("the fake got %d requests of %s in %s, want %d", p.requests(route), route, hangLimit, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

// Routes of the fake API.
const (
	routeCreate = "POST /agent/runs"
	routeGet    = "GET /agent/runs/{id}"
	routeList   = "GET /agent/runs"
	routeCancel = "POST /agent/runs/{id}/cancel"
)

// signalAt is a driver that waits for the n-th request of route, then
// after pause sends sig.
func signalAt(route string, n int, pause time.Duration, sig syscall.Signal) func(*proc) error {
	return func(p *proc) error {
		if err := p.awaitRequests(route, n); err != nil {
			return err
		}
		time.Sleep(pause)
		return p.signal(sig)
	}
}

// checkSignalOrder checks the order a signal sets: every cancel the fake
// got came after the signal and before the program exited. How soon the
// program exits after a signal is a figure of `go run ./bench`, not a
// test's: on a busy machine any bound would fail for nothing.
func checkSignalOrder(t *testing.T, p *proc) {
	t.Helper()
	if p.signalled.IsZero() || p.fake == nil {
		return
	}
	for i, at := range p.requestTimes(routeCancel) {
		assert.False(t, at.Before(p.signalled), "cancel %d came before the signal", i+1)
		assert.True(t, at.Before(p.exited), "cancel %d was received after the program exited", i+1)
	}
}

// checkFilesWhole checks that the step's files were written whole, as a
// kill right after the exit would find them: the outputs parse by the
// platform's rules, the summary ends with its last line (a summary of
// invalid input has none), and the result file, when there is one, is
// valid JSON.
func checkFilesWhole(t *testing.T, s *step) {
	t.Helper()
	s.stepOutputs()
	if sum, err := os.ReadFile(filepath.Join(s.dir, summaryName(s))); err == nil && len(sum) > 0 && s.code != 2 {
		lines := strings.Split(strings.TrimRight(string(sum), "\n"), "\n")
		assert.True(t, strings.HasPrefix(lines[len(lines)-1], "oz-run · "), "the summary ends with its last line, not with %q", lines[len(lines)-1])
	}
	if name := s.env["INPUT_RESULT_FILE"]; name != "" {
		if b, err := os.ReadFile(filepath.Join(s.dir, name)); err == nil {
			assert.True(t, json.Valid(b), "the result file %s is valid JSON", name)
		}
	}
}

// leakOrRace reports a goroutine leak or a data race the checked program
// printed, or "".
func leakOrRace(stderr string) string {
	for _, sign := range []string{"goroutines outlived the run", "WARNING: DATA RACE", "panic:"} {
		if strings.Contains(stderr, sign) {
			return sign
		}
	}
	return ""
}
