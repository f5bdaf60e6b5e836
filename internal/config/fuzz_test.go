package config

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/weburl"
)

// sep separates the fuzzed values of the inputs after warp_api_key, in the
// table's order.
const sep = "\x1e"

// anyFile is a workspace at /ws where every file holds the same content.
type anyFile struct {
	*fakeFiles
	content string
}

func (a anyFile) ReadFile(p string, limit int64) ([]byte, error) {
	if _, err := a.Abs(p); err != nil {
		return nil, err
	}
	return []byte(a.content), nil
}

func FuzzLoad(f *testing.F) {
	values := func(v map[string]string) string {
		var out []string
		for _, in := range inputs[1:] {
			out = append(out, v[in.name])
		}
		return strings.Join(out, sep)
	}
	f.Add(testKey, values(map[string]string{"prompt": "fix it"}), "", "", false)
	f.Add(testKey, values(map[string]string{
		"prompt_file": "p.md", "skill": "a/b:c", "mcp": `{"a": {"command": "x"}}`, "computer_use": "TRUE",
		"agent_mode": "plan", "metadata": "a=1\n# c\nb=2", "wait": "false", "timeout": "90",
		"on_timeout": "leave", "fail_on": "none", "poll_interval": "1s", "poll_max_interval": "1s",
		"api_url": "http://127.0.0.1:1/", "result_file": "out/r.json", "debug": "true",
	}), "the prompt", "", true)
	f.Add("wk-a b", values(map[string]string{"run_id": "r/1", "timeout": "-1", "fail_on": "none,x"}), "", "--debug", false)
	f.Add("wk-secret", values(map[string]string{"mcp": "m.json", "metadata": "oz_run_request_id=wk-secret"}), `{"a": [wk-secret]}`, "", true)
	f.Add(" wk-secret\n", values(map[string]string{"prompt": "p", "prompt_file": "p.md", "api_url": "https://u:wk-secret@x/?q"}), "", "--title"+sep+"-h", false)
	f.Add("", "", "", "--nope=wk-secret", false)
	f.Add("wk-secret", values(map[string]string{"prompt": "p", "result_file": "../x", "dotenv": "/x", "poll_interval": "9999999999999999999"}), "\xff", "-", true)

	f.Fuzz(func(t *testing.T, key, values, file, extra string, viaFlags bool) {
		load := func(key string) (*Config, error) {
			e := env{}
			var args []string
			set := func(name, v string) {
				if viaFlags {
					args = append(args, "--"+name+"="+v)
				} else {
					e[envName(name)] = v
				}
			}
			set("warp_api_key", key)
			for i, v := range strings.Split(values, sep) {
				if i+1 < len(inputs) {
					set(inputs[i+1].name, v)
				}
			}
			if extra != "" {
				args = append(args, strings.Split(extra, sep)...)
			}
			c, _, err := Load(args, Env(e), anyFile{files(nil), file})
			return c, err
		}

		c, err := load(key)
		if (c == nil) == (err == nil) {
			t.Fatalf("Load returned config %v and error %v", c, err)
		}
		if err != nil {
			if errors.Is(err, ErrHelp) {
				return
			}
			// The key must not show. Skip keys too short to tell, or that the
			// message would hold anyway: text from other inputs or from the
			// messages themselves, as seen with stand-in keys.
			k := strings.TrimSpace(key)
			if len(k) < 6 {
				return
			}
			var refs strings.Builder
			for _, ref := range []string{"wk-stand-in", "wk stand-in"} {
				if _, err := load(ref); err != nil {
					refs.WriteString(err.Error())
				}
			}
			if strings.Contains(refs.String(), k) {
				return
			}
			if strings.Contains(err.Error(), k) {
				t.Fatalf("the error shows the key %q:\n%v", k, err)
			}
			return
		}

		if c.APIKey == "" || c.APIKey != strings.TrimSpace(c.APIKey) || strings.ContainsFunc(c.APIKey, isUnseen) {
			t.Fatalf("bad APIKey accepted")
		}
		if c.Prompt == "" && c.Skill == "" && c.RunID == "" && c.ConversationID == "" {
			t.Fatalf("nothing to run: %+v", c)
		}
		if (c.Followup != "" && c.RunID == "") || (c.ConversationID != "" && c.RunID != "") {
			t.Fatalf("followup without run_id, or conversation_id with it: %+v", c)
		}
		if d := c.IdleTimeout; d != 0 && (d < MinIdleTimeout || d > MaxIdleTimeout || d%time.Minute != 0) {
			t.Fatalf("bad idle_timeout %v", d)
		}
		switch c.Share {
		case "", "VIEWER", "EDITOR":
		default:
			t.Fatalf("bad share %q", c.Share)
		}
		if c.Timeout <= 0 || c.PollInterval <= 0 || c.PollMaxInterval < c.PollInterval {
			t.Fatalf("bad durations: %v %v %v", c.Timeout, c.PollInterval, c.PollMaxInterval)
		}
		if c.FailOn == nil || (c.OnTimeout != OnTimeoutCancel && c.OnTimeout != OnTimeoutLeave) {
			t.Fatalf("bad fail_on or on_timeout: %v %v", c.FailOn, c.OnTimeout)
		}
		switch c.AgentMode {
		case "normal", "plan", "orchestrate":
		default:
			t.Fatalf("bad agent_mode %q", c.AgentMode)
		}
		if len(c.Metadata) > maxMetadataKeys || c.Metadata[oz.RequestIDKey] != "" {
			t.Fatalf("bad metadata %v", c.Metadata)
		}
		for _, p := range []string{c.ResultFile, c.Dotenv, c.SummaryFile, c.JUnitFile} {
			if p == "" {
				continue
			}
			abs := p
			if !filepath.IsAbs(p) {
				abs = filepath.Join("/ws", p)
			}
			if rel, err := filepath.Rel("/ws", filepath.Clean(abs)); err != nil || !filepath.IsLocal(rel) {
				t.Fatalf("path %q outside the workspace", p)
			}
		}
		if strings.HasSuffix(c.APIURL, "/") || !strings.HasPrefix(strings.ToLower(c.APIURL), "http") {
			t.Fatalf("bad api_url %q", c.APIURL)
		}
		if u, err := url.Parse(c.APIURL); err != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
			(u.Scheme == "http" && !weburl.IsLoopbackHost(u.Hostname())) {
			t.Fatalf("api_url %q: credentials, or plain http to a host that is not loopback", c.APIURL)
		}
	})
}
