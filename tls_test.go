package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startFakeServer runs `oz-run fake-server` (the checked program) with
// args, and returns its base URL once it serves; it is stopped with
// SIGTERM, and must exit 0, when the test ends.
func startFakeServer(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	cmd := exec.CommandContext(ctx, checkedBinary(t), append([]string{"fake-server"}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", asProgramEnv + "=1"}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		defer cancel()
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		assert.NoError(t, cmd.Wait(), "fake-server ends with exit 0 on SIGTERM")
	})
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "use: api_url="); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return u
		}
	}
	t.Fatalf("fake-server printed no api_url: %v", lines.Err())
	return ""
}

// fake-server --tls-cert serves HTTPS with a certificate that oz-run
// trusts through SSL_CERT_FILE (as the self-test workflow does with the
// fake in a container), and that it refuses without it.
func TestProcessFakeServerTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile := filepath.Join(dir, "oz-fake.pem")
	base := startFakeServer(t, "--listen", "0.0.0.0:0", "--tls-cert", certFile, "--key", testKey, "--time-scale", "0.05")
	require.True(t, strings.HasPrefix(base, "https://127.0.0.1:"), base)
	u, err := url.Parse(base)
	require.NoError(t, err)

	bases := map[string]string{"loopback": base}
	// The certificate holds this machine's other addresses too: reached at
	// one of them (as a container's bridge address is), over https, which
	// oz-run accepts to any host.
	if ip := nonLoopbackIPv4(); ip != "" {
		bases["address "+ip] = "https://" + net.JoinHostPort(ip, u.Port()) + u.Path
	} else {
		t.Log("no address but loopback: only 127.0.0.1 is tried")
	}
	for name, b := range bases {
		t.Run(name, func(t *testing.T) {
			s := githubStep(t, b, nil)
			s.env["SSL_CERT_FILE"] = certFile
			s.run()
			assert.Equal(t, 0, s.code)
			assert.Equal(t, "succeeded", s.outputs()["conclusion"])
			s.assertNoKey()

			untrusted := githubStep(t, b, nil)
			untrusted.run()
			assert.Equal(t, 3, untrusted.code, "without SSL_CERT_FILE the certificate is unknown")
			assert.Contains(t, untrusted.stdout, "certificate")
		})
	}
}

// nonLoopbackIPv4 is an IPv4 address of this machine that is not loopback,
// or "".
func nonLoopbackIPv4() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	return ""
}

// fake-server refuses a --tls-cert it cannot write, before it serves.
func TestProcessFakeServerTLSCertUnwritable(t *testing.T) {
	t.Parallel()
	s := &step{t: t, dir: t.TempDir(), env: map[string]string{"PATH": "/usr/bin:/bin"}}
	s.run("fake-server", "--listen", "127.0.0.1:0", "--tls-cert", filepath.Join(s.dir, "no", "such", "dir", "c.pem"))
	assert.Equal(t, 2, s.code)
	assert.Contains(t, s.stderr, "--tls-cert: writing the certificate")
	assert.NotContains(t, s.stdout, "serving", "nothing is served")
}
