package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewEnv(t *testing.T) {
	t.Parallel()
	e := NewEnv([]string{"A=1", "B=", "C=x=y", "A=2", "NOEQUALS", "=hidden"})
	assert.Equal(t, Env{"A": "2", "B": "", "C": "x=y"}, e)
	v, set := e.lookup("B")
	assert.True(t, set, "an empty variable is set")
	assert.Empty(t, v)
	_, set = e.lookup("D")
	assert.False(t, set)
}

// An INPUT_ variable that names no input is a warning that names the
// closest input; the run goes on.
func TestUnknownInputs(t *testing.T) {
	t.Parallel()
	e := base.with(env{
		"INPUT_ENVIROMENT":     "env1",
		"INPUT_TIMOUT":         "1s",
		"INPUT_FAIL-ON":        "none",
		"INPUT_ENVIRONMENT_ID": "env1",
		"INPUT_API_KEY":        "",
		"INPUT_XYZZY":          "1",
		"INPUT_" + testKey:     "pasted by mistake",
		"INPUT_JUNIT":          "j.xml", // a GitLab-only input is an input too
		"INPUT_DOTENV":         "oz.env",
		"NOT_AN_INPUT":         "x",
	})
	c, warnings, err := Load(nil, Env(e), files(nil))
	require.NoError(t, err, "the run goes on")
	assert.Equal(t, "oz.env", c.Dotenv)
	assert.Equal(t, []string{
		"INPUT_API_KEY: no such input; did you mean warp_api_key?",
		"INPUT_ENVIROMENT: no such input; did you mean environment?",
		"INPUT_ENVIRONMENT_ID: no such input; did you mean environment?",
		"INPUT_FAIL-ON: no such input; did you mean fail_on?",
		"INPUT_JUNIT: no such input; did you mean junit_file?",
		"INPUT_TIMOUT: no such input; did you mean timeout?",
		"INPUT_XYZZY: no such input; the inputs are listed at https://github.com/oz-run/oz-run-action/blob/main/docs/inputs.md#inputs",
		"INPUT_<a name that is not a word>: no such input; the inputs are listed at https://github.com/oz-run/oz-run-action/blob/main/docs/inputs.md#inputs",
	}, warnings)

	// Also when the inputs do not load: a typo often explains the error.
	_, warnings, err = Load(nil, Env(env{"INPUT_PROMT": "x", "INPUT_WARP_API_KEY": testKey}), files(nil))
	require.Error(t, err)
	assert.Equal(t, []string{"INPUT_PROMT: no such input; did you mean prompt?"}, warnings)

	// Every input of the table is known, the ones added later too.
	all := env{}
	for _, in := range inputs {
		all[envName(in.name)] = ""
	}
	assert.Empty(t, unknownInputs(Env(all)))
}

func TestClosestInput(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"enviroment": "environment", "TIMOUT": "timeout", "promt": "prompt", "poll-interval": "poll_interval",
		"model_id": "model", "warp_apikey": "warp_api_key", "resultfile": "result_file", "dryrun": "dry_run",
		"x": "", "v": "", "p": "", "verbose": "", "zzzzzzzzzzzz": "",
	} {
		got, ok := closestInput(name)
		assert.Equal(t, want, got, name)
		assert.Equal(t, want != "", ok, name)
	}
	assert.Equal(t, 3, distance("kitten", "sitting"))
	assert.Equal(t, 0, distance("", ""))
	assert.Equal(t, 4, distance("", "abcd"))
}

// The report files: written in CI by default; on a terminal only when
// given; given empty on purpose, nowhere.
func TestReportFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		inCI     bool
		args     []string
		env      env
		want     [3]string
		wantFail bool // Load fails (ReportFiles still answers)
	}{
		{"CI: the defaults", true, nil, nil, [3]string{"oz-run.env", "oz-run-summary.md", "oz-run-junit.xml"}, false},
		{"CI: given", true, []string{"--junit_file", "r/j.xml"}, env{"INPUT_DOTENV": "r/oz.env"}, [3]string{"r/oz.env", "oz-run-summary.md", "r/j.xml"}, false},
		{"CI: a flag given empty turns the file off", true, []string{"--dotenv", "", "--junit_file="}, nil, [3]string{"", "oz-run-summary.md", ""}, false},
		{"CI: a variable set empty turns the file off", true, nil, env{"INPUT_SUMMARY_FILE": " "}, [3]string{"oz-run.env", "", "oz-run-junit.xml"}, false},
		{"CI: an empty flag wins over the variable", true, []string{"--dotenv="}, env{"INPUT_DOTENV": "x.env"}, [3]string{"", "oz-run-summary.md", "oz-run-junit.xml"}, false},
		{"terminal: none by default", false, nil, nil, [3]string{}, false},
		{"terminal: only those asked for", false, []string{"--summary_file", "s.md"}, env{"INPUT_JUNIT_FILE": "j.xml"}, [3]string{"", "s.md", "j.xml"}, false},
		{"terminal: given empty", false, []string{"--dotenv", ""}, nil, [3]string{}, false},
		{"CI: invalid input elsewhere", true, []string{"--dotenv", "d.env"}, env{"INPUT_TIMEOUT": "soon"}, [3]string{"d.env", "oz-run-summary.md", "oz-run-junit.xml"}, true},
		{"CI: an invalid report path falls back", true, nil, env{"INPUT_DOTENV": "../d.env", "INPUT_JUNIT_FILE": "j.xml"}, [3]string{"oz-run.env", "oz-run-summary.md", "j.xml"}, true},
		{"terminal: invalid input elsewhere", false, nil, env{"INPUT_TIMEOUT": "soon", "INPUT_JUNIT_FILE": "j.xml"}, [3]string{"", "", "j.xml"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, fs := Env(base.with(tt.env)), filesAt("/ws", tt.inCI, nil)
			c, _, err := Load(tt.args, e, fs)
			if tt.wantFail {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.want, [3]string{c.Dotenv, c.SummaryFile, c.JUnitFile}, "Load")
			}
			d, s, j := ReportFiles(tt.args, e, fs)
			assert.Equal(t, tt.want, [3]string{d, s, j}, "ReportFiles")
		})
	}
}
