package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A credential in api_url, wherever it is and whatever else is wrong with
// the URL, is not in the error.
func TestAPIURLErrorShowsNoCredential(t *testing.T) {
	t.Parallel()
	const k = "wk-SECRET-in-the-url-42"
	for _, v := range []string{
		"https://" + k + "@app.warp.dev/api/v1",
		"https://user:" + k + "@app.warp.dev/api/v1",
		"https://" + k + ":" + k + "@app.warp.dev/api/v1",
		"https://app.warp.dev/api/v1?key=" + k,
		"https://app.warp.dev/api/v1?" + k,
		"https://app.warp.dev/api/v1#" + k,
		"https://app.warp.dev/api/v1?a=1#key=" + k,
		"http://" + k + "@oz.example.com/api",
		"https://" + k + "@exa mple.com/api", // does not parse
		"https://app.warp.dev/%zz?" + k,      // does not parse
		k,                                    // the key pasted into api_url
		"mailto:" + k,
		"ftp://u:" + k + "@x/",
		"//" + k + "@app.warp.dev/api",
		"https://app.warp.dev:" + k + "/api",
	} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			_, _, err := Load(nil, Env(base.with(env{"INPUT_API_URL": v})), files(nil))
			require.Error(t, err)
			assert.Contains(t, err.Error(), `input "api_url"`)
			assert.NotContains(t, err.Error(), "SECRET")
		})
	}
}

func TestAPIURLPlainHTTPOnlyToLoopback(t *testing.T) {
	t.Parallel()
	for v, ok := range map[string]bool{
		"http://127.0.0.1:8080/api/v1":    true,
		"http://127.9.9.9/api/v1":         true,
		"http://[::1]:8080/api/v1":        true,
		"http://[::ffff:127.0.0.1]:1/api": true,
		"http://localhost:1/api/v1":       true,
		"HTTP://LOCALHOST.:1/api/v1":      true,
		"https://oz.example.com/api/v1":   true,
		"http://oz.example.com/api/v1":    false,
		"http://10.0.0.1:8765/api/v1":     false,
		"http://172.17.0.2:8765/api/v1":   false,
		"http://0.0.0.0:8765/api/v1":      false,
		"http://127.0.0.1.nip.io/api/v1":  false,
		"http://localhost.example.com/":   false,
		"http://[::2]/api/v1":             false,
	} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			_, _, err := Load(nil, Env(base.with(env{"INPUT_API_URL": v, "INPUT_POLL_INTERVAL": "1s"})), files(nil))
			if ok {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "is plain http to a host that is not loopback")
			assert.Contains(t, err.Error(), "use https")
		})
	}
}

// The 1 s floor applies to Warp's host however it is spelled.
func TestPollIntervalFloorHostSpellings(t *testing.T) {
	t.Parallel()
	for v, floor := range map[string]bool{
		"https://app.warp.dev/api/v1":      true,
		"https://APP.WARP.DEV/api/v1":      true,
		"https://app.warp.dev:443/api/v1":  true,
		"https://app.warp.dev./api/v1":     true,
		"https://App.Warp.Dev.:443/api/v1": true,
		"https://staging.warp.dev/api/v1":  true,
		"https://warp.dev/api/v1":          true,
		"https://notwarp.dev/api/v1":       false,
		"https://app.warp.dev.example/api": false,
		"http://127.0.0.1:9/api/v1":        false,
	} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			_, _, err := Load(nil, Env(base.with(env{"INPUT_API_URL": v, "INPUT_POLL_INTERVAL": "10ms", "INPUT_POLL_MAX_INTERVAL": "50ms"})), files(nil))
			if !floor {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), `input "poll_interval"`)
		})
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	const k = "wk-key-0123456789"
	tests := []struct {
		name string
		args []string
		env  env
		want []string // among the secrets
		not  []string // not among them
	}{
		{"the key's three sources", []string{"--warp_api_key", " " + k + "-flag "}, env{"INPUT_WARP_API_KEY": k + "-input", "WARP_API_KEY": k + "-env"},
			[]string{" " + k + "-flag ", k + "-flag", k + "-input", k + "-env"}, nil},
		{"flag forms", []string{"-warp-api-key=" + k + "-a", "--api-url", "https://u:" + k + "-b@x/"}, nil,
			[]string{k + "-a", k + "-b"}, nil},
		{"a key with a space is still a secret", nil, env{"INPUT_WARP_API_KEY": "wk-abc def"}, []string{"wk-abc def"}, nil},
		{"a key too short to mask", nil, env{"INPUT_WARP_API_KEY": "x", "WARP_API_KEY": "wk-1234"}, nil, []string{"x", "wk-1234"}},
		{"a flag that does not parse is still read", []string{"--nope", "--warp_api_key=" + k, "stray"}, nil, []string{k}, nil},
		{"user name", nil, env{"INPUT_API_URL": "https://" + k + "@x/api"}, []string{k}, nil},
		{"password", nil, env{"INPUT_API_URL": "https://user:" + k + "@x/api"}, []string{k, "user:" + k}, []string{"user"}},
		{"escaped password", nil, env{"INPUT_API_URL": "https://u:wk%2Dkey%2F0123456789@x/api"}, []string{"wk-key/0123456789", "wk%2Dkey%2F0123456789"}, nil},
		{"query value", nil, env{"INPUT_API_URL": "https://x/api?a=1&key=" + k}, []string{k, "key=" + k}, []string{"1", "a"}},
		{"query name", nil, env{"INPUT_API_URL": "https://x/api?" + k}, []string{k}, nil},
		{"fragment", nil, env{"INPUT_API_URL": "https://x/api#" + k}, []string{k}, nil},
		{"a URL that does not parse", nil, env{"INPUT_API_URL": "https://" + k + "@exa mple/%zz?x=" + k + "2"}, []string{k, k + "2"}, nil},
		{"a plain URL has none", nil, env{"INPUT_API_URL": "https://app.warp.dev/api/v1"}, nil, []string{"https://app.warp.dev/api/v1", "app.warp.dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Secrets(tt.args, Env(tt.env))
			for _, w := range tt.want {
				assert.True(t, slices.Contains(got, w), "%q not among %q", w, got)
			}
			for _, n := range tt.not {
				assert.False(t, slices.Contains(got, n), "%q among %q", n, got)
			}
			for _, s := range got {
				assert.NotEmpty(t, strings.TrimSpace(s))
			}
		})
	}
	assert.Empty(t, Secrets(nil, nil))
	// The forge tokens, with comment: true only (they are read only then).
	tokens := []string{"--github-token", "ghp_0123456789"}
	gitlab := Env{"GITLAB_TOKEN": "glpat-0123456789"}
	assert.Empty(t, Secrets(tokens, gitlab))
	assert.ElementsMatch(t, []string{"ghp_0123456789", "glpat-0123456789"}, Secrets(append(tokens, "--comment"), gitlab))
	assert.ElementsMatch(t, []string{"ghp_0123456789", "glpat-0123456789"}, Secrets(tokens, Env{"GITLAB_TOKEN": "glpat-0123456789", "INPUT_COMMENT": "TRUE"}))
	assert.Empty(t, Secrets(append(tokens, "--comment", "false"), gitlab))
	assert.Empty(t, Secrets(append(tokens, "--comment=false"), Env{"GITLAB_TOKEN": "glpat-0123456789", "INPUT_COMMENT": "true"}))
}

// FuzzAPIURLCredentials puts a credential in each part of api_url where
// one may be written: Load's error never shows it, and Secrets finds it
// (so that it is masked and redacted before the error is reported).
func FuzzAPIURLCredentials(f *testing.F) {
	f.Add("wk-SECRET-0123456789", uint8(0), "app.warp.dev", "/api/v1", "--")
	f.Add("wk%2FSECRET%20x", uint8(1), "x", "", "")
	f.Add("hunter2hunter2", uint8(4), "127.0.0.1:1", "/a b", "-w")
	f.Add("s3cr3t-t0ken", uint8(6), "exa mple", "%zz", "")
	f.Add("wk-\u202eSECRET", uint8(7), "x", "/", "")
	const hole = "{secret}" // where the secret goes in a template
	f.Fuzz(func(t *testing.T, secret string, where uint8, host, path, scheme string) {
		if len(secret) < MinSecret || strings.ContainsAny(secret, "@/?#&=;:%{}") || strings.TrimSpace(secret) != secret ||
			strings.ContainsAny(host+path, "@?#{}") || strings.Contains(host+path+scheme, secret) {
			return // a part of the URL's syntax, or text the error would hold anyway
		}
		schemes := []string{"https://", "http://", "ftp://", "", "//"}
		sch := schemes[len(scheme)%len(schemes)]
		templates := []string{
			sch + hole + "@" + host + path,
			sch + "user:" + hole + "@" + host + path,
			sch + host + path + "?key=" + hole,
			sch + host + path + "?" + hole,
			sch + host + path + "#" + hole,
			sch + host + path + "?a=1&b=" + hole + "#c",
			sch + hole + ":" + hole + "@" + host + path,
			hole,
		}
		tmpl := templates[int(where)%len(templates)]
		v := strings.ReplaceAll(tmpl, hole, secret)
		_, _, err := Load(nil, Env(base.with(env{"INPUT_API_URL": v})), files(nil))
		if err == nil {
			t.Fatalf("api_url %q was accepted", v)
		}
		// The reference: the same URL with a stand-in; the message may hold
		// the secret's text only if it held it anyway.
		_, _, ref := Load(nil, Env(base.with(env{"INPUT_API_URL": strings.ReplaceAll(tmpl, hole, "wk-stand-in")})), files(nil))
		if ref != nil && strings.Contains(ref.Error(), secret) {
			return
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("the error about %q shows the secret:\n%v", v, err)
		}
		if tmpl == hole || !strings.Contains(sch, "/") {
			return // no URL parts to find: the error shows nothing
		}
		if got := Secrets(nil, Env{"INPUT_API_URL": v}); !slices.Contains(got, secret) {
			t.Fatalf("Secrets misses %q in %q: %q", secret, v, got)
		}
	})
}
