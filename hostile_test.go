package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
	"github.com/oz-run/oz-run-action/internal/redact"
)

// What a hostile API, or hostile inputs, do to the program, and what must
// come of it: the key in no stream or file in any form, outputs without
// control or bidi characters, every section of the summary in place.

// echoKey is a key that Markdown, JSON and URLs all escape.
const echoKey = "wk-sec_ret*key[1]+/=&<x>"

// jsonText is s as the inside of a JSON string literal.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// assertNoSecret checks that secret is in no stream or file of the step in
// any form the redactor knows, nor in any of the forms given; the
// ::add-mask:: commands are where it belongs.
func assertNoSecret(t *testing.T, s *step, secret string, forms ...string) {
	t.Helper()
	det := redact.New(secret)
	check := func(where, text string) {
		t.Helper()
		// Also as a reader sees it: any number of Markdown escapes
		// undone (every backslash dropped), HTML entities decoded.
		unescaped := html.UnescapeString(strings.ReplaceAll(text, `\`, ""))
		if det.Contains(text) || det.Contains(unescaped) {
			assert.Failf(t, "the secret leaked", "into %s (in some form)", where)
		}
		for _, f := range append(forms, secret) {
			if len(f) >= 8 && strings.Contains(text, f) {
				assert.Failf(t, "the secret leaked", "into %s as %q", where, f)
			}
		}
	}
	var stdout []string
	for _, l := range strings.SplitAfter(s.stdout, "\n") {
		if !strings.HasPrefix(l, "::add-mask::") {
			stdout = append(stdout, l)
		}
	}
	check("stdout", strings.Join(stdout, ""))
	check("stderr", s.stderr)
	require.NoError(t, filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(s.dir, path)
		check(rel, string(b))
		return nil
	}))
}

// stepOutputs are the outputs a step published: GitHub's output file, or
// the dotenv report (OZ_RUN_ID as run_id) elsewhere.
func (s *step) stepOutputs() map[string]string {
	s.t.Helper()
	if s.env["GITHUB_ACTIONS"] == "true" {
		return s.outputs()
	}
	name := s.env["INPUT_DOTENV"]
	if name == "" {
		name = "oz-run.env"
	}
	vars, err := ci.ParseDotenv([]byte(s.file(name)))
	require.NoError(s.t, err, "the dotenv report must parse")
	out := map[string]string{}
	for k, v := range vars {
		out[strings.ToLower(strings.TrimPrefix(k, "OZ_"))] = v
	}
	return out
}

// assertCleanOutputs checks that no output value holds a control or bidi
// character (but the line breaks of a multi-line value).
func assertCleanOutputs(t *testing.T, outs map[string]string) {
	t.Helper()
	for name, v := range outs {
		for _, r := range v {
			if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\ufeff' || r == '\u200e' || r == '\u200f') {
				assert.Failf(t, "an output holds a control or bidi character", "%s holds %U", name, r)
				break
			}
		}
	}
}

// The API sends the key back in every form it can take, in every string of
// the run: on GitHub and GitLab, it is in no output, summary, result file,
// dotenv, JUnit report or log line.
func TestProcessKeyEchoedInEveryForm(t *testing.T) {
	t.Parallel()
	for name, form := range ozfaketest.KeyForms(echoKey) {
		for _, platform := range []string{"github", "gitlab"} {
			t.Run(name+"/"+platform, func(t *testing.T) {
				t.Parallel()
				fake, base := newFake(t, ozfake.WithAPIKey(echoKey))
				fake.Inject(onGet(ozfaketest.Fault{Status: 200, Body: ozfaketest.HostileRun("fake-run-000001", "SUCCEEDED", form)}))
				s := echoStep(t, platform, base)
				s.run()
				require.Equal(t, 0, s.code)
				outs := s.stepOutputs()
				assert.Equal(t, "succeeded", outs["conclusion"])
				assertCleanOutputs(t, outs)
				var result map[string]any
				require.NoError(t, json.Unmarshal([]byte(s.file("r.json")), &result), "the result file stays JSON")
				assertNoSecret(t, s, echoKey, strings.ReplaceAll(form, `\`, ``), form)
			})
		}
	}
}

// A create answered with the key as the run id, in any form, is refused
// (exit 3): the key is in no output, link, path or report.
func TestProcessKeyEchoedAsTheRunID(t *testing.T) {
	t.Parallel()
	for name, form := range ozfaketest.KeyForms(echoKey) {
		for _, platform := range []string{"github", "gitlab"} {
			t.Run(name+"/"+platform, func(t *testing.T) {
				t.Parallel()
				fake, base := newFake(t, ozfake.WithAPIKey(echoKey))
				fake.Inject(onCreate(ozfaketest.Fault{Status: 201, Body: `{"run_id":"` + form + `","state":"QUEUED"}`}))
				s := echoStep(t, platform, base)
				s.run()
				require.Equal(t, 3, s.code)
				assert.Contains(t, s.stdout+s.stderr, "invalid run id")
				outs := s.stepOutputs()
				assert.Empty(t, outs["run_id"])
				assertCleanOutputs(t, outs)
				assertNoSecret(t, s, echoKey, strings.ReplaceAll(form, `\`, ``), form)
				assert.Zero(t, fake.Count(routeGet), "the refused id is never asked for")
			})
		}
	}
}

// echoStep is a GitHub step or a GitLab job with echoKey as the key, a
// result file and debug logs.
func echoStep(t *testing.T, platform, base string) *step {
	if platform == "github" {
		return githubStep(t, base, map[string]string{"warp_api_key": echoKey, "result_file": "r.json", "debug": "true"})
	}
	s := gitlabStep(t, base, "fix it")
	s.env["WARP_API_KEY"] = echoKey
	s.env["INPUT_RESULT_FILE"] = "r.json"
	s.env["INPUT_DEBUG"] = "true"
	return s
}

// api_url holding the key (in its query, its fragment, as user name or
// password) is refused before anything is sent, and the key is in no
// stream or file, on GitHub, GitLab and a terminal, whether or not it is
// also given as warp_api_key.
func TestProcessAPIURLHoldingTheKey(t *testing.T) {
	t.Parallel()
	where := map[string]func(host string) string{
		"query": func(h string) string { return "https://" + h + "/api/v1?key=" + url.QueryEscape(echoKey) },
		"bare query": func(h string) string {
			return "https://" + h + "/api/v1?" + url.QueryEscape(echoKey)
		},
		"fragment":  func(h string) string { return "https://" + h + "/api/v1#" + echoKey },
		"user name": func(h string) string { return "https://" + url.PathEscape(echoKey) + "@" + h + "/api/v1" },
		"password":  func(h string) string { return "https://oz:" + url.PathEscape(echoKey) + "@" + h + "/api/v1" },
		"password, plain http": func(h string) string {
			return "http://oz:" + url.PathEscape(echoKey) + "@" + h + "/api/v1"
		},
	}
	for name, make := range where {
		for _, platform := range []string{"github", "gitlab", "terminal"} {
			for _, alsoKey := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/key given too: %v", name, platform, alsoKey), func(t *testing.T) {
					t.Parallel()
					fake, base := newFake(t)
					u, err := url.Parse(base)
					require.NoError(t, err)
					apiURL := make(u.Host)
					var s *step
					switch platform {
					case "github":
						s = githubStep(t, base, map[string]string{"api_url": apiURL, "warp_api_key": ""})
					case "gitlab":
						s = gitlabStep(t, base, "fix it")
						s.env["INPUT_API_URL"] = apiURL
						delete(s.env, "WARP_API_KEY")
					default:
						dir := t.TempDir()
						s = &step{t: t, dir: dir, env: map[string]string{"PATH": "/usr/bin:/bin", "INPUT_API_URL": apiURL, "INPUT_PROMPT": "fix it",
							"INPUT_DOTENV": "oz-run.env", "INPUT_SUMMARY_FILE": "s.md", "INPUT_JUNIT_FILE": "j.xml"}}
					}
					if alsoKey {
						s.env["WARP_API_KEY"] = echoKey
					}
					s.run()
					assert.Equal(t, 2, s.code)
					assert.Empty(t, fake.Requests(), "nothing is sent")
					assert.Contains(t, s.stdout+s.stderr, `input "api_url"`)
					assertNoSecret(t, s, echoKey, url.QueryEscape(echoKey), url.PathEscape(echoKey))
					if platform != "terminal" {
						s.stepOutputs() // written, and parses
					}
				})
			}
		}
	}
}

// A key given by flag is masked even when the flags do not parse, and a
// key given as a stray word is not echoed.
func TestProcessKeyOnTheCommandLineWhenInputsAreBad(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"unknown flag":           {"--warp_api_key=" + echoKey, "--nope"},
		"flag without a value":   {"--warp-api-key", echoKey, "--timeout"},
		"bad value":              {"--warp_api_key", echoKey, "--timeout", "soon"},
		"the key as a word":      {echoKey},
		"the key as a command":   {"wkabcdefghijklmnopqrst0123"},
		"key with a space":       {"--warp_api_key", "wk-abc " + echoKey},
		"key in api_url by flag": {"--api_url", "https://x.example/api?k=" + url.QueryEscape(echoKey)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := githubStep(t, base, map[string]string{"warp_api_key": ""})
			s.run(args...)
			assert.Equal(t, 2, s.code)
			assert.Empty(t, fake.Requests(), "nothing is sent")
			assertNoSecret(t, s, echoKey)
			assert.NotContains(t, s.stdout+s.stderr, "wkabcdefghijklmnopqrst0123")
		})
	}
}

// Rows of the fault matrix for hostile content: the answer to every status
// read is a terminal run whose fields the row fills. Each row runs as a
// GitHub step and as a GitLab job.
func hostileCases() []faultCase {
	terminal := func(state, text string) []ozfaketest.Fault {
		return []ozfaketest.Fault{onGet(ozfaketest.Fault{Status: 200, Body: ozfaketest.HostileRun("fake-run-000001", state, text)})}
	}
	// custom is a run in state with extra members (JSON) added.
	custom := func(state, members string) []ozfaketest.Fault {
		return []ozfaketest.Fault{onGet(ozfaketest.Fault{Status: 200, Body: `{"run_id":"fake-run-000001","state":"` + state + `",` + members + `}`})}
	}
	controls := ozfaketest.ControlText
	forms := ozfaketest.KeyForms(testKey)
	// The largest bodies the client reads (16 MiB), less room for the rest.
	const bodyCap = 16<<20 - 4096
	var prs strings.Builder
	for i := 0; prs.Len() < bodyCap-200; i++ {
		if i > 0 {
			prs.WriteByte(',')
		}
		fmt.Fprintf(&prs, `{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/some-org/some-repository/pull/%06d?x=%s","branch":"oz/b-%d"}}`, i, strings.Repeat("u", 30), i)
	}
	status := strings.Repeat("status & <b> ", bodyCap/13)
	rows := []struct {
		name       string
		faults     []ozfaketest.Fault
		code       int
		conclusion string
		check      func(*testing.T, *proc)
	}{
		{"hostile/key echoed JSON-escaped", terminal("SUCCEEDED", forms["json every char"]), 0, "succeeded", hostileChecks(forms["json every char"])},
		{"hostile/key echoed base64", terminal("SUCCEEDED", forms["base64 shifted by 1"]), 0, "succeeded", hostileChecks(forms["base64 shifted by 1"])},
		{"hostile/key echoed URL-encoded", terminal("SUCCEEDED", forms["url query"]), 0, "succeeded", hostileChecks(forms["url query"])},
		{"hostile/key echoed hex", terminal("SUCCEEDED", forms["hex"]), 0, "succeeded", hostileChecks(forms["hex"])},
		{"hostile/control and bidi characters in every field", terminal("FAILED", controls), 1, "failed", hostileChecks()},
		{"hostile/a 16 MB status message", custom("FAILED", `"status_message":{"message":"`+status+`"}`), 1, "failed",
			hostileChecks()},
		{"hostile/a 2 MB session link", custom("SUCCEEDED", `"session_link":"https://app.warp.dev/session/`+strings.Repeat("s", 2<<20)+`"`), 0, "succeeded",
			func(t *testing.T, p *proc) {
				hostileChecks()(t, p)
				assert.Empty(t, p.s.stepOutputs()["session_link"], "not a URL to publish")
			}},
		{"hostile/100k pull requests (16 MB)", custom("SUCCEEDED", `"artifacts":[`+prs.String()+`]`), 0, "succeeded",
			func(t *testing.T, p *proc) {
				hostileChecks()(t, p)
				assert.True(t, strings.Contains(p.s.file(summaryName(p.s)), "- … and "), "the list says how many more")
			}},
	}
	var cases []faultCase
	for _, r := range rows {
		for _, gitlab := range []bool{false, true} {
			name := r.name + " (GitHub)"
			if gitlab {
				name = r.name + " (GitLab)"
			}
			cases = append(cases, faultCase{name: name, gitlab: gitlab, faults: r.faults, inputs: map[string]string{"result_file": "r.json"},
				code: r.code, conclusion: r.conclusion, created: 1, creates: 1, check: r.check})
		}
	}
	return append(cases,
		faultCase{name: "hostile/api_url plain http to a host that is not loopback", inputs: map[string]string{"api_url": "http://oz.example.invalid/api/v1"},
			code: 2, says: []string{`input "api_url": "http://oz.example.invalid/api/v1" is plain http`, "use https"}, check: routeCount(routeCreate, 0)},
		faultCase{name: "hostile/api_url plain http (GitLab)", gitlab: true, inputs: map[string]string{"api_url": "http://10.1.2.3:8765/api/v1"},
			code: 2, says: []string{"is plain http", "use https"}, check: routeCount(routeCreate, 0)},
	)
}

// summaryName is the summary file of the step's platform.
func summaryName(s *step) string {
	if s.env["GITHUB_ACTIONS"] == "true" {
		return "summary"
	}
	return "oz-run-summary.md"
}

// hostileChecks are what every hostile row must show: the key in no form
// (nor in the given ones), outputs without control or bidi characters and
// within their caps, every section of the summary (it ends with its
// footer) under GitHub's 1 MiB, a JUnit report that parses, a result file
// that is JSON of at most 8 MiB, no log line over 4 KiB.
func hostileChecks(forms ...string) func(*testing.T, *proc) {
	return func(t *testing.T, p *proc) {
		s := p.s
		assertNoSecret(t, s, testKey, forms...)
		outs := s.stepOutputs()
		assertCleanOutputs(t, outs)
		for name, v := range outs {
			assert.LessOrEqual(t, len(v), 64<<10+64, "output %s", name)
		}
		sum := s.file(summaryName(s))
		assert.Less(t, len(sum), 1<<20, "the summary")
		assert.True(t, strings.Contains(sum, "\n---\n\noz-run · "), "the summary's last section (its footer) is there")
		assert.False(t, strings.ContainsAny(sum, "\x00\x1b\r\u202e\u2066\ufeff"), "no control or bidi characters in the summary")
		if s.env["GITLAB_CI"] == "true" {
			junit := s.file("oz-run-junit.xml")
			assert.Less(t, len(junit), 256<<10, "the JUnit report")
			var doc struct {
				XMLName xml.Name
			}
			assert.NoError(t, xml.Unmarshal([]byte(junit), &doc), "the JUnit report is XML")
		}
		res := s.file("r.json")
		assert.LessOrEqual(t, len(res), 8<<20+64, "the result file")
		assert.True(t, json.Valid([]byte(res)), "the result file is JSON")
		for _, line := range strings.Split(s.stdout+s.stderr, "\n") {
			if !strings.HasPrefix(line, "::add-mask::") {
				assert.LessOrEqual(t, len(line), 4<<10+200, "a log line")
			}
		}
	}
}

// FuzzInputErrorReport: a key given anywhere the inputs take one (in
// warp_api_key, by flag or environment, or in api_url as user name,
// password, query or fragment), with inputs that do not load, is in no
// stream or file of the report, on GitHub, GitLab or a terminal. The key
// is made of the characters keys are made of; another input is always
// bad, so nothing is ever sent.
func FuzzInputErrorReport(f *testing.F) {
	f.Add("Sup3rS3cret-7c1d", uint8(0), uint8(0), "soon", false)
	f.Add("a_b.c~d-e", uint8(3), uint8(1), "90", true)
	f.Add("0123456789", uint8(5), uint8(2), "", false)
	f.Add("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", uint8(6), uint8(1), "1h", true)
	const keyChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
	f.Fuzz(func(t *testing.T, suffix string, where, platform uint8, timeout string, viaFlag bool) {
		if len(suffix) < 5 || strings.Trim(suffix, keyChars) != "" {
			return
		}
		key := "wk-" + suffix
		dir := t.TempDir()
		env := map[string]string{"INPUT_PROMPT": "fix it", "INPUT_WAIT": "maybe", "INPUT_TIMEOUT": timeout}
		switch platform % 3 {
		case 0:
			for k, v := range map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(dir, "output"),
				"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"), "GITHUB_WORKSPACE": dir} {
				env[k] = v
			}
		case 1:
			env["GITLAB_CI"], env["CI"], env["CI_PROJECT_DIR"] = "true", "true", dir
		default:
			for k, v := range map[string]string{"INPUT_DOTENV": "oz-run.env", "INPUT_SUMMARY_FILE": "s.md", "INPUT_JUNIT_FILE": "j.xml"} {
				env[k] = filepath.Join(dir, v)
			}
		}
		apiURL := []string{
			"", // the key only in warp_api_key
			"https://" + key + "@127.0.0.1:1/api/v1",
			"https://oz:" + key + "@127.0.0.1:1/api/v1",
			"https://127.0.0.1:1/api/v1?key=" + key,
			"https://127.0.0.1:1/api/v1?" + key,
			"https://127.0.0.1:1/api/v1#" + key,
			"http://" + key + ":" + key + "@oz.example.com/api/v1?k=" + key + "#" + key,
		}[int(where)%7]
		var args []string
		set := func(name, v string) {
			if viaFlag {
				args = append(args, "--"+name+"="+v)
			} else {
				env[strings.ToUpper("INPUT_"+name)] = v
			}
		}
		if apiURL != "" {
			set("api_url", apiURL)
		}
		if apiURL == "" || where%2 == 0 {
			set("warp_api_key", key)
		}
		var stdout, stderr strings.Builder
		code := runWith(context.Background(), args, config.Env(env), &stdout, &stderr, runSettings{version: "fuzz"})
		if code != 2 {
			t.Fatalf("exit %d, want 2\n%s%s", code, stdout.String(), stderr.String())
		}
		forms := []string{key, url.QueryEscape(key), url.PathEscape(key), jsonText(key)}
		look := func(where, text string) {
			for _, form := range forms {
				if strings.Contains(text, form) {
					t.Fatalf("the key %q is in %s:\n%s", key, where, text)
				}
			}
		}
		var log []string
		for _, l := range strings.SplitAfter(stdout.String(), "\n") {
			if !strings.HasPrefix(l, "::add-mask::") {
				log = append(log, l)
			}
		}
		look("stdout", strings.Join(log, ""))
		look("stderr", stderr.String())
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			look(e.Name(), string(b))
		}
	})
}
