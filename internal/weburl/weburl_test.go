package weburl

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShellSafe(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://github.com/o/r/pull/1", "https://github.com/o/r/pull/1"},
		{"  HTTPS://GitHub.com/o/r/pull/1?a=1&b=[2]#x  ", "https://GitHub.com/o/r/pull/1?a=1&b=[2]#x"},
		{"https://app.warp.dev:443/session/abc~_-.!@,;=+:", "https://app.warp.dev:443/session/abc~_-.!@,;=+:"},
		{"https://app.warp.dev.", "https://app.warp.dev."},
		{"https://[::1]:8443/x", "https://[::1]:8443/x"},
		{"https://x.dev/a b", "https://x.dev/a%20b"},
		{"https://x.dev/$(touch pwned)", "https://x.dev/%24%28touch%20pwned%29"},
		{"https://x.dev/`id`'\"\\{}|^<>*", "https://x.dev/%60id%60%27%22%5C%7B%7D%7C%5E%3C%3E%2A"},
		{"https://x.dev/%41%zz%", "https://x.dev/%41%25zz%25"},
		{"https://x.dev/é\u202e", "https://x.dev/%C3%A9%E2%80%AE"},
		{"https://x.dev?q=1", "https://x.dev?q=1"},
		{"https://x.dev#f", "https://x.dev#f"},
		// refused
		{"http://github.com/o/r", ""},
		{"javascript:alert(1)", ""},
		{"https://github.com@evil.example/", ""},
		{"https://user:pass@github.com/", ""},
		{"https://evil.example\\@github.com/", ""},
		{"https://github.com/o/r\n::error::x", ""},
		{"https://github.com/\x00", ""},
		{"https://github.com/\x1b[31m", ""},
		{"https://github.com/\r", "https://github.com/"}, // trimmed
		{"https://", ""},
		{"https:///path", ""},
		{"https://-bad.example/", ""},
		{"https://a..b/", ""},
		{"https://exa_mple.com/", ""},
		{"https://ex%41mple.com/", ""},
		{"https://éxample.com/", ""},
		{"https://x.dev:0/", ""},
		{"https://x.dev:65536/", ""},
		{"https://x.dev:+80/", ""},
		{"https://x.dev:/", ""},
		{"https://[::1/", ""},
		{"https://[]/", ""},
		{"https://[x]/", ""},
		{"https://oz.warp.dev/runs/../../x", ""},
		{"https://oz.warp.dev/runs/%2e%2E/x", ""},
		{"https://oz.warp.dev/runs/./x", ""},
		{"https://x.dev/" + strings.Repeat("a", MaxLen), ""},
		{"//github.com/o/r", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := ShellSafe(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want != "", ok)
		})
	}
}

// checkShellSafe asserts what ShellSafe promises of what it accepts.
func checkShellSafe(t testing.TB, raw, got string) {
	t.Helper()
	u, err := url.Parse(got)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Host == "" || u.Opaque != "" {
		t.Fatalf("ShellSafe(%q) = %q: not an https URL without user info (%v)", raw, got, err)
	}
	if len(got) > MaxLen {
		t.Fatalf("ShellSafe(%q) is %d bytes", raw, len(got))
	}
	for i := 0; i < len(got); i++ {
		if !inertInURL[got[i]] {
			t.Fatalf("ShellSafe(%q) = %q holds %q", raw, got, got[i])
		}
		if got[i] == '%' && (i+2 >= len(got) || !isHexDigit(got[i+1]) || !isHexDigit(got[i+2])) {
			t.Fatalf("ShellSafe(%q) = %q: a %% that is not an escape", raw, got)
		}
	}
	if again, ok := ShellSafe(got); !ok || again != got {
		t.Fatalf("ShellSafe(%q) = %q, but again: %q %v", raw, got, again, ok)
	}
}

// FuzzShellSafe: whatever is accepted is an https URL without user info
// that holds only inert bytes, and is accepted again as it is.
func FuzzShellSafe(f *testing.F) {
	for _, s := range []string{
		"https://github.com/o/r/pull/1", "https://github.com@evil.example", "https://x.dev/$(id)",
		"https://[::1]:1/%zz", "https://a.b/\u202e\x00", "HTTPS://A.B:65535?x#y", "https://a.b/..%2f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := ShellSafe(raw)
		if !ok {
			if got != "" {
				t.Fatalf("refused but returned %q", got)
			}
			return
		}
		checkShellSafe(t, raw, got)
	})
}
