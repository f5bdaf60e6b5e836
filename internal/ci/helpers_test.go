package ci

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	require.Equal(t, string(want), string(got), "golden %s", name)
}

// env is a getenv over a map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// seqReader is a deterministic random source: 0, 1, 2, ... mod 256.
type seqReader struct{ n byte }

func (s *seqReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = s.n
		s.n++
	}
	return len(p), nil
}

var fixedNow = func() time.Time { return time.Unix(1700000000, 0) }

// hostile is untrusted text that tries every trick this package defends
// against: workflow commands, a legacy command, delimiter-like lines, CR,
// NUL, ANSI and a forged GitLab section marker.
const hostile = "line one\n::set-output name=x::pwned\r\nghadelimiter_000102030405060708090a0b0c0d0e0f\nEOF\n" +
	"  ::add-mask::x\rx ##[error]legacy\x00 nul \x1b[31mred\x1b[0m \x1b[0Ksection_end:1:x\r\x1b[0K 100% %0A done"

func sampleReport() Report {
	return Report{
		Outputs: []Output{
			{"run_id", "run-123"},
			{"run_url", "https://oz.warp.dev/runs/run-123"},
			{"state", "FAILED"},
			{"conclusion", "failed"},
			{"status_message", hostile},
			{"error_code", "E_AGENT"},
			{"session_link", "https://app.warp.dev/session/abc"},
			{"pr_urls", "https://github.com/o/r/pull/1\nhttps://github.com/o/r/pull/2\n"},
			{"artifacts", `[{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/o/r/pull/1"}}]`},
			{"credits", "12.5"},
			{"run_time", "PT1M30S"},
			{"result_file", ""},
		},
		Summary:    "## Oz run `run-123`\n\n| state | FAILED |\n",
		Failed:     true,
		Title:      `Fix <the> "bug" & more`,
		Message:    "the run ended FAILED: E_AGENT",
		Duration:   90*time.Second + 250*time.Millisecond,
		ResultFile: "result.json",
		ResultJSON: []byte(`{"run_id":"run-123"}` + "\n"),
	}
}

func outputMap(outs []Output) map[string]string {
	m := map[string]string{}
	for _, o := range outs {
		m[o.Name] = o.Value
	}
	return m
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

func newBuffers() (*bytes.Buffer, *bytes.Buffer) { return new(bytes.Buffer), new(bytes.Buffer) }
