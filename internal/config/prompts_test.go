package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/runner"
)

// batchOf parses the batch inputs vals (by input name) over a workspace
// holding fs.
func batchOf(t *testing.T, vals map[string]string, fs map[string]string) (*Batch, []*InputError) {
	t.Helper()
	l := &loader{files: files(fs), values: vals}
	return l.parseBatch(&Config{APIKey: testKey})
}

func TestPromptsParse(t *testing.T) {
	t.Parallel()
	ws := map[string]string{
		"p/a.md":      "  review package a  \n",
		"list.yaml":   "- one\n- key: two\n  prompt: second\n",
		"list.JSON":   `["x", {"key": "y", "skill": "o/r:s"}]`,
		"p/empty.txt": "",
	}
	for _, tc := range []struct {
		name  string
		value string
		want  []PromptItem
	}{
		{"strings", "- fix a\n- fix b\n", []PromptItem{{Key: "1", Prompt: "fix a"}, {Key: "2", Prompt: "fix b"}}},
		{"json", `["fix a", {"key":"b-2","prompt":"fix b","model":"m","environment":"e","title":"t"}]`,
			[]PromptItem{{Key: "1", Prompt: "fix a"}, {Key: "b-2", Prompt: "fix b", Model: "m", Environment: "e", Title: "t"}}},
		{"objects", "- key: pkg.a\n  prompt_file: p/a.md\n- key: s_1\n  skill: owner/repo:review\n  prompt: extra\n",
			[]PromptItem{{Key: "pkg.a", Prompt: "review package a", PromptFile: "p/a.md"}, {Key: "s_1", Skill: "owner/repo:review", Prompt: "extra"}}},
		{"yaml file", "list.yaml", []PromptItem{{Key: "1", Prompt: "one"}, {Key: "two", Prompt: "second"}}},
		{"json file", "list.JSON", []PromptItem{{Key: "1", Prompt: "x"}, {Key: "y", Skill: "o/r:s"}}},
		{"numeric key", "- key: 7\n  prompt: p\n", []PromptItem{{Key: "7", Prompt: "p"}}},
		{"block text", "- |\n  line one\n  line two\n", []PromptItem{{Key: "1", Prompt: "line one\nline two"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, errs := batchOf(t, map[string]string{"prompts": tc.value}, ws)
			require.Empty(t, errs)
			assert.Equal(t, tc.want, b.Items)
			assert.Equal(t, DefaultMaxParallel, b.MaxParallel)
			assert.False(t, b.FailFast)
		})
	}
}

func TestPromptsNone(t *testing.T) {
	t.Parallel()
	b, errs := batchOf(t, map[string]string{"prompt": "x"}, nil)
	assert.Nil(t, b)
	assert.Empty(t, errs)
}

func TestPromptsBatchInputs(t *testing.T) {
	t.Parallel()
	b, errs := batchOf(t, map[string]string{"prompts": "- a", "max_parallel": "100", "fail_fast": "true", "wait": "true"}, nil)
	require.Empty(t, errs)
	assert.Equal(t, 100, b.MaxParallel)
	assert.True(t, b.FailFast)
}

// TestPromptsOnBlocked: on_blocked applies to every run of prompts, as to
// one run; blocked_reply goes with reply as it does without prompts.
func TestPromptsOnBlocked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		env     env
		policy  runner.OnBlocked
		reply   string
		blamed  string
		problem string
	}{
		{"default", nil, runner.OnBlockedFail, "", "", ""},
		{"on_blocked wait", env{"INPUT_ON_BLOCKED": "wait"}, runner.OnBlockedWait, "", "", ""},
		{"on_blocked reply", env{"INPUT_ON_BLOCKED": "reply", "INPUT_BLOCKED_REPLY": "push to oz/fix"}, runner.OnBlockedReply, "push to oz/fix", "", ""},
		{"reply without text", env{"INPUT_ON_BLOCKED": "reply"}, "", "", "blocked_reply", "is required with on_blocked: reply"},
		{"text with wait", env{"INPUT_ON_BLOCKED": "wait", "INPUT_BLOCKED_REPLY": "go"}, "", "", "blocked_reply", "would never be sent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := env{"INPUT_WARP_API_KEY": testKey, "INPUT_PROMPTS": "- fix a\n- fix b"}.with(tc.env)
			c, _, err := Load(nil, Env(e), files(nil))
			if tc.blamed != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), `input "`+tc.blamed+`"`)
				assert.Contains(t, err.Error(), tc.problem)
				return
			}
			require.NoError(t, err)
			bs := c.BatchSpec("b1")
			require.Len(t, bs.Items, 2)
			for _, it := range bs.Items {
				assert.Equal(t, tc.policy, it.Spec.OnBlocked, it.Key)
				assert.Equal(t, tc.reply, it.Spec.BlockedReply, it.Key)
			}
		})
	}
}

func TestPromptsRejects(t *testing.T) {
	t.Parallel()
	ws := map[string]string{"empty.md": "", "bad.yaml": "- [", "../out.yaml": "- a"}
	long := strings.Repeat("- a\n", MaxPrompts+1)
	for _, tc := range []struct {
		name  string
		vals  map[string]string
		input string // the input blamed
		want  string // in the message
	}{
		{"not yaml", map[string]string{"prompts": "- [oops"}, "prompts", "is not a YAML or JSON list"},
		{"not a list", map[string]string{"prompts": "prompt: x"}, "prompts", "is not a list"},
		{"scalar", map[string]string{"prompts": "just text"}, "prompts", "is not a list"},
		{"empty list", map[string]string{"prompts": "[]"}, "prompts", "is an empty list"},
		{"too many", map[string]string{"prompts": long}, "prompts", "257 items, more than 256"},
		{"unknown field", map[string]string{"prompts": "- promt: x"}, "prompts", `item 1 has an unknown field "promt"`},
		{"field twice", map[string]string{"prompts": "- prompt: x\n  prompt: y"}, "prompts", `item 1 has the field "prompt" twice`},
		{"duplicate key", map[string]string{"prompts": "- key: a\n  prompt: x\n- key: a\n  prompt: y"}, "prompts", `item 2 has key "a", as item 1 has`},
		{"key clashes with a position", map[string]string{"prompts": "- x\n- key: \"1\"\n  prompt: y"}, "prompts", `item 2 has key "1", as item 1 has`},
		{"bad key", map[string]string{"prompts": "- key: Upper\n  prompt: x"}, "prompts", `item 1 has the key "Upper"`},
		{"long key", map[string]string{"prompts": "- key: " + strings.Repeat("a", 41) + "\n  prompt: x"}, "prompts", "item 1 has the key"},
		{"no prompt", map[string]string{"prompts": "- key: a\n  model: m"}, "prompts", "item 1 has no prompt"},
		{"null item", map[string]string{"prompts": "- a\n- "}, "prompts", "item 2 is empty"},
		{"nested list", map[string]string{"prompts": "- [a, b]"}, "prompts", "item 1 is neither a string nor an object"},
		{"prompt and file", map[string]string{"prompts": "- prompt: x\n  prompt_file: empty.md"}, "prompts", "both prompt and prompt_file"},
		{"empty file", map[string]string{"prompts": "- prompt_file: empty.md"}, "prompts", "names an empty file"},
		{"missing file", map[string]string{"prompts": "- prompt_file: nope.md"}, "prompts", "cannot be read"},
		{"file outside", map[string]string{"prompts": "- prompt_file: ../x.md"}, "prompts", "outside the workspace"},
		{"bad skill", map[string]string{"prompts": "- skill: review"}, "prompts", "bare skill name"},
		{"object value", map[string]string{"prompts": "- prompt: {a: 1}"}, "prompts", "has a prompt that is not text"},
		{"alias", map[string]string{"prompts": "- &a x\n- *a"}, "prompts", "anchor or alias"},
		{"model line break", map[string]string{"prompts": "- prompt: x\n  model: \"a\\nb\""}, "prompts", "model with control characters"},
		{"key in prompt", map[string]string{"prompts": "- use " + testKey}, "prompts", "contains the API key"},
		{"pass_if without a schema", map[string]string{"prompts": "- prompt: x\n  pass_if: output.ok"}, "prompts", "item 1 has pass_if without output_schema"},
		{"bad item schema", map[string]string{"prompts": "- prompt: x\n  output_schema: {type: 12}"}, "prompts", "item 1 has an output_schema that is not a usable JSON Schema"},
		{"bad item schema word", map[string]string{"prompts": "- prompt: x\n  output_schema: revue"}, "prompts", "item 1 has an output_schema that is neither review"},
		{"bad item gate", map[string]string{"prompts": "- prompt: x\n  output_schema: review\n  pass_if: output.nope == 1"}, "prompts", "item 1 has a pass_if that"},
		{"schema alias", map[string]string{"prompts": "- prompt: x\n  output_schema: {type: object, properties: {a: &t {type: string}, b: *t}}"}, "prompts", "anchor or alias"},
		{"list file unreadable", map[string]string{"prompts": "bad.yaml"}, "prompts", "is not a YAML or JSON list"},
		{"list file outside", map[string]string{"prompts": "../out.yaml"}, "prompts", "outside the workspace"},
		{"with prompt", map[string]string{"prompts": "- a", "prompt": "b"}, "prompts", "together with prompt"},
		{"with prompt_file", map[string]string{"prompts": "- a", "prompt_file": "b"}, "prompts", "together with prompt_file"},
		{"with skill", map[string]string{"prompts": "- a", "skill": "o/r:s"}, "prompts", "together with skill"},
		{"with conversation_id", map[string]string{"prompts": "- a", "conversation_id": "c"}, "prompts", "together with conversation_id"},
		{"with run_id", map[string]string{"prompts": "- a", "run_id": "r"}, "prompts", "together with run_id"},
		{"with followup", map[string]string{"prompts": "- a", "followup": "f"}, "prompts", "together with followup"},
		{"no wait", map[string]string{"prompts": "- a", "wait": "false"}, "wait", "a batch is always waited on"},
		{"max_parallel 0", map[string]string{"prompts": "- a", "max_parallel": "0"}, "max_parallel", "from 1 to 100"},
		{"max_parallel 101", map[string]string{"prompts": "- a", "max_parallel": "101"}, "max_parallel", "from 1 to 100"},
		{"max_parallel word", map[string]string{"prompts": "- a", "max_parallel": "ten"}, "max_parallel", "from 1 to 100"},
		{"fail_fast word", map[string]string{"prompts": "- a", "fail_fast": "maybe"}, "fail_fast", ""},
		// A bad value is a bad input, with prompts or without.
		{"max_parallel 0 without prompts", map[string]string{"max_parallel": "0"}, "max_parallel", "from 1 to 100"},
		{"max_parallel 101 without prompts", map[string]string{"max_parallel": "101"}, "max_parallel", "from 1 to 100"},
		{"fail_fast word without prompts", map[string]string{"fail_fast": "maybe"}, "fail_fast", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, errs := batchOf(t, tc.vals, ws)
			assert.Nil(t, b)
			require.NotEmpty(t, errs)
			found := false
			for _, e := range errs {
				assert.NotContains(t, e.Error(), testKey)
				if e.Input == tc.input && strings.Contains(e.Error(), tc.want) {
					found = true
				}
			}
			assert.True(t, found, "no error on %s saying %q in %v", tc.input, tc.want, errs)
		})
	}
}

func TestPromptsLeaveRoomInTheMetadata(t *testing.T) {
	t.Parallel()
	var md []string
	for i := range maxMetadataKeys {
		md = append(md, fmt.Sprintf("k%d=v", i))
	}
	e := env{"INPUT_WARP_API_KEY": testKey, "INPUT_PROMPTS": "- a", "INPUT_METADATA": strings.Join(md[:maxMetadataKeys-1], "\n")}
	_, _, err := Load(nil, Env(e), files(nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a run of prompts carries 2 more")
	e["INPUT_METADATA"] = strings.Join(md[:maxMetadataKeys-2], "\n")
	_, _, err = Load(nil, Env(e), files(nil))
	require.NoError(t, err)
}

func TestPromptsEveryItemsErrorSaid(t *testing.T) {
	t.Parallel()
	_, errs := batchOf(t, map[string]string{"prompts": "- promt: x\n- ok\n- key: BAD\n  prompt: y"}, nil)
	require.Len(t, errs, 2)
	assert.Contains(t, errs[0].Error(), "item 1")
	assert.Contains(t, errs[1].Error(), "item 3")
}

func FuzzPrompts(f *testing.F) {
	for _, s := range []string{"- a", `["a",{"key":"b","prompt":"c"}]`, "- &x a\n- *x", "- key: 1\n  prompt: [", "{a: 1}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		l := &loader{files: files(nil), values: map[string]string{"prompts": v}}
		b, errs := l.parseBatch(&Config{APIKey: testKey})
		if (b == nil) == (len(errs) == 0) && strings.TrimSpace(v) != "" {
			t.Fatalf("batch %v with errors %v", b, errs)
		}
		if b != nil {
			for _, it := range b.Items {
				if !validPromptKey(it.Key) || it.Prompt == "" && it.Skill == "" {
					t.Fatalf("item %+v", it)
				}
			}
		}
	})
}

func TestLoadPrompts(t *testing.T) {
	t.Parallel()
	e := env{"INPUT_WARP_API_KEY": testKey, "INPUT_PROMPTS": "- fix a\n- key: b\n  prompt: fix b\n  model: m2\n  title: B",
		"INPUT_MAX_PARALLEL": "3", "INPUT_FAIL_FAST": "true", "INPUT_MODEL": "m1", "INPUT_TIMEOUT": "5m"}
	c, _, err := Load(nil, Env(e), files(nil))
	require.NoError(t, err)
	require.NotNil(t, c.Batch)
	bs := c.BatchSpec("batch-x")
	assert.Equal(t, "batch-x", bs.ID)
	assert.Equal(t, 3, bs.MaxParallel)
	assert.True(t, bs.FailFast)
	require.Len(t, bs.Items, 2)
	assert.Equal(t, "1", bs.Items[0].Key)
	assert.Equal(t, "fix a", bs.Items[0].Spec.Create.Prompt)
	assert.Equal(t, "m1", bs.Items[0].Spec.Create.Config.ModelID)
	assert.Equal(t, "b", bs.Items[1].Key)
	assert.Equal(t, "m2", bs.Items[1].Spec.Create.Config.ModelID)
	assert.Equal(t, "B", bs.Items[1].Spec.Create.Title)
	assert.Equal(t, c.Timeout, bs.Timeout)
}

func TestLoadPromptsExclusive(t *testing.T) {
	t.Parallel()
	e := env{"INPUT_WARP_API_KEY": testKey, "INPUT_PROMPTS": "- a", "INPUT_PROMPT": "b", "INPUT_WAIT": "false"}
	_, _, err := Load(nil, Env(e), files(nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `input "prompts" is given together with prompt`)
	assert.Contains(t, err.Error(), `input "wait": "false" is false with prompts`)
}

func TestPromptsVerdict(t *testing.T) {
	t.Parallel()
	e := env{"INPUT_WARP_API_KEY": testKey, "INPUT_OUTPUT_SCHEMA": "review", "INPUT_PROMPTS": `
- plain, judged by the step's review
- key: own
  prompt: answer with ok
  output_schema:
    type: object
    properties: {ok: {type: boolean}}
    required: [ok]
  pass_if: output.ok
- key: gate
  prompt: review with a gate of its own
  pass_if: len(output.findings) == 0
- key: json
  prompt: a schema as inline JSON
  output_schema: '{"type": "object"}'
`}
	c, _, err := Load(nil, Env(e), files(nil))
	require.NoError(t, err)
	require.Len(t, c.Batch.Items, 4)
	step := c.BatchItem(0)
	assert.True(t, step.Judge.Schema.IsReview())
	assert.NotNil(t, step.Judge.Gate, "the review's default gate")
	own := c.BatchItem(1)
	assert.False(t, own.Judge.Schema.IsReview())
	assert.NotNil(t, own.Judge.Gate)
	assert.Contains(t, c.BatchSpec("b").Items[1].Spec.Create.Prompt, `"ok"`, "the item's schema is asked for in its prompt")
	gate := c.BatchItem(2)
	assert.True(t, gate.Judge.Schema.IsReview())
	assert.NotSame(t, step.Judge.Gate, gate.Judge.Gate)
	js := c.BatchItem(3)
	assert.NotNil(t, js.Judge.Schema)
	assert.Nil(t, js.Judge.Gate)
}
