package summary

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/textclean"
)

// The plain-text summary: the golden cases of Render, as a terminal shows
// them.
func TestTextGolden(t *testing.T) {
	t.Parallel()
	cases := goldenCases(t)
	answered := cases["succeeded"]
	answered.r.Work.Answer = "I fixed the test.\n\nSee https://github.com/acme/app/pull/42 \u202eand\x1b[2J more."
	cases["answered"] = answered
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := Text(tc.r, tc.opts)
			checkTextInvariants(t, got, DefaultMaxBytes)
			path := filepath.Join("testdata", "text_"+name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run `go test ./internal/summary -update` to create the golden files")
			assert.Equal(t, string(want), got)
		})
	}
}

// checkTextInvariants asserts what must hold for any input: valid UTF-8,
// the size cap, no control or bidi characters but line breaks.
func checkTextInvariants(t testing.TB, s string, maxBytes int) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("invalid UTF-8:\n%q", s)
	}
	if len(s) > maxBytes {
		t.Fatalf("len %d > MaxBytes %d", len(s), maxBytes)
	}
	for i, r := range s {
		if (unicode.IsControl(r) && r != '\n') || textclean.Hidden(r) {
			t.Fatalf("control or bidi character %U at %d in:\n%q", r, i, s)
		}
	}
}

func TestTextIsNotMarkdown(t *testing.T) {
	t.Parallel()
	got := Text(goldenCases(t)["succeeded"].r, Options{})
	for _, md := range []string{`\:`, `\_`, "**", "`", "](", "| Run |", "###"} {
		assert.NotContains(t, got, md)
	}
	assert.Contains(t, got, "Run:       run_8f3a (https://oz.warp.dev/runs/run_8f3a)\n")
	assert.Contains(t, got, "  - https://github.com/acme/app/pull/42 (branch oz/fix-flaky-test)\n")
	assert.Contains(t, got, "Session:   https://app.warp.dev/session/sess_1\n")

	hostile := Text(goldenCases(t)["hostile"].r, Options{})
	assert.NotContains(t, hostile, "  - javascript:", "no URL but http(s) shown as a URL")
	assert.NotContains(t, hostile, "evil.example/pull", "no URL with user info")
	assert.Contains(t, hostile, "  - (a link that is not a plain http(s) URL, not shown)\n")
}

func TestTextTruncates(t *testing.T) {
	t.Parallel()
	r := terminal(oz.StateFailed, outcome.Failed, &oz.StatusMessage{Message: strings.Repeat("é line\n", 2000)})
	for _, max := range []int{1, 5, 40, 100, 1000, 4096} {
		got := Text(r, Options{MaxBytes: max})
		checkTextInvariants(t, got, max)
	}
}

func FuzzText(f *testing.F) {
	f.Add("Fix the test", "Done.", "", `[]`, "https://github.com/acme/app/pull/1", uint8(1), uint16(0))
	f.Add("\u202eevil\x1b[31m", "::x\r\n\x00\xff", "`c`", `{"artifact_type":"FILE","data":{"filename":"<f>"}}`, "javascript:x", uint8(0xff), uint16(50))
	f.Fuzz(func(t *testing.T, title, message, errorCode, artifactJSON, prURL string, sel uint8, maxBytes uint16) {
		r := fuzzResult(title, message, errorCode, artifactJSON, prURL, sel)
		r.Work.Answer = message
		max := int(maxBytes)
		got := Text(r, Options{FailOn: outcome.FailOn{outcome.Failed: true}, MaxBytes: max, Title: title})
		if max == 0 {
			max = DefaultMaxBytes
		}
		checkTextInvariants(t, got, max)
	})
}

// run_id with wait: false: the summary says whether the run had ended or
// was still working; a run left going says how to attach to it again.
func TestNotesSayWhatHappened(t *testing.T) {
	t.Parallel()
	ended := terminal(oz.StateFailed, outcome.Failed, nil)
	ended.Attached, ended.NoWait = true, true
	still := terminal(oz.StateInProgress, outcome.Submitted, nil)
	still.Attached, still.NoWait = true, true
	left := terminal(oz.StateInProgress, outcome.TimedOut, nil)
	tests := []struct {
		name string
		r    outcome.Result
		want []string
		not  []string
	}{
		{"attached, ended", ended, []string{"The step read the existing run once (`run_id` with `wait: false`) and created none: it had already ended, so this is its outcome."},
			[]string{"was submitted", "did not wait"}},
		{"attached, working", still, []string{"📨 Oz run was submitted", "it was still working, so it is reported as submitted"},
			[]string{"The step did not wait for the run to end"}},
		{"timed out, left running", left, []string{"it may still be going. To wait for it again, run the step with `run_id`: `run_8f3a`."}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			md := Render(tt.r, Options{FailOn: defaultFailOn()})
			txt := Text(tt.r, Options{FailOn: defaultFailOn()})
			for _, w := range tt.want {
				assert.Contains(t, md, w)
				assert.Contains(t, txt, strings.ReplaceAll(w, "`", ""))
			}
			for _, n := range tt.not {
				assert.NotContains(t, md, n)
			}
		})
	}
}
