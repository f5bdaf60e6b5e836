package config

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/verdict"
)

// Many runs in one step: the prompts input (a YAML or JSON list, inline or
// a workspace file), max_parallel and fail_fast, checked before anything
// is sent.

// Batch is what prompts asks for: its items in list order, and how they run.
type Batch struct {
	Items []PromptItem
	// MaxParallel is how many runs work at once (max_parallel, 1-100).
	MaxParallel int
	// FailFast cancels the other runs once one ends in a fail_on
	// conclusion (fail_fast).
	FailFast bool
}

// PromptItem is one item of prompts. What it leaves empty comes from the
// step's inputs (Environment, Model, Title); one of Prompt and Skill is set.
type PromptItem struct {
	// Key names the item in the outputs, the files and the run's metadata:
	// [a-z0-9._-], 1-40 characters, unique; its position (1, 2, ...) unless
	// given.
	Key         string
	Prompt      string // the prompt, or the content of PromptFile
	PromptFile  string
	Skill       string
	Environment string
	Model       string
	Title       string
	// Judge is the item's output_schema and pass_if, compiled; its
	// Schema nil: the step's (output_schema, pass_if) judge the run.
	Judge verdict.Spec
}

// The limits of prompts.
const (
	MaxPrompts         = 256
	MaxPromptKey       = 40
	DefaultMaxParallel = 10
	MaxMaxParallel     = 100
)

// promptFields are the fields an item object may hold, in the contract's
// order.
var promptFields = []string{"key", "prompt", "prompt_file", "skill", "environment", "model", "title", "output_schema", "pass_if"}

// batchExcludes are the inputs prompts cannot be given with.
var batchExcludes = []string{"prompt", "prompt_file", "skill", "conversation_id", "run_id", "followup"}

const promptsAccepted = "give a YAML or JSON list (inline, or the path of a .yml, .yaml or .json file in the workspace) whose items are " +
	"strings (a prompt) or objects with key, prompt, prompt_file, skill, environment, model, title, output_schema, pass_if"

// parseBatch reads prompts, max_parallel and fail_fast as resolved (nil
// without prompts), against the other inputs: every problem is an error
// of its own.
func (l *loader) parseBatch(c *Config) (*Batch, []*InputError) {
	b := &Batch{MaxParallel: DefaultMaxParallel}
	errs := l.parseBatchOptions(b)
	v := l.values["prompts"]
	if v == "" {
		return nil, errs // checked without prompts too: a bad value is a bad input, whatever it is for
	}
	for _, name := range batchExcludes {
		if l.values[name] != "" {
			errs = append(errs, &InputError{Input: "prompts", Problem: "is given together with " + name,
				Accepted: "give each run's prompt, prompt_file or skill in its item of prompts; prompts cannot continue a conversation, attach to a run or send a follow-up"})
		}
	}
	if w := l.values["wait"]; w != "" {
		if b, err := parseBool(w); err == nil && !b {
			errs = append(errs, &InputError{Input: "wait", Value: w, Problem: "is false with prompts: a batch is always waited on",
				Accepted: "leave wait unset (true) with prompts"})
		}
	}
	if n := len(c.Metadata); n > maxMetadataKeys-2 {
		errs = append(errs, &InputError{Input: "metadata", Problem: fmt.Sprintf("has %d keys, and a run of prompts carries 2 more (%s, %s)", n, runner.BatchIDKey, runner.BatchItemKey),
			Accepted: fmt.Sprintf("give at most %d keys with prompts", maxMetadataKeys-2)})
	}
	items, perrs := l.parsePrompts(c, v)
	errs = append(errs, perrs...)
	b.Items = items
	if len(errs) > 0 {
		return nil, errs
	}
	return b, nil
}

// parseBatchOptions reads max_parallel and fail_fast into b.
func (l *loader) parseBatchOptions(b *Batch) []*InputError {
	var errs []*InputError
	if s := l.values["max_parallel"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxMaxParallel {
			errs = append(errs, &InputError{Input: "max_parallel", Value: s, Problem: "is not a whole number from 1 to 100",
				Accepted: "give how many runs of prompts may work at once, from 1 to 100 (default 10)"})
		} else {
			b.MaxParallel = n
		}
	}
	if s := l.values["fail_fast"]; s != "" {
		ff, err := parseBool(s)
		if err != nil {
			err.Input = "fail_fast"
			errs = append(errs, err)
		}
		b.FailFast = ff
	}
	return errs
}

// isPromptsPath reports whether the value of prompts names a file rather
// than holding the list: one line ending in .yml, .yaml or .json.
func isPromptsPath(v string) bool {
	if strings.ContainsAny(v, "\n[{") || strings.HasPrefix(v, "- ") {
		return false
	}
	lower := strings.ToLower(v)
	return strings.HasSuffix(lower, ".yml") || strings.HasSuffix(lower, ".yaml") || strings.HasSuffix(lower, ".json")
}

// parsePrompts reads the list; each error names the item it is about.
func (l *loader) parsePrompts(c *Config, v string) ([]PromptItem, []*InputError) {
	bad := func(problem, accepted string) []*InputError {
		return one(&InputError{Input: "prompts", Problem: problem, Accepted: accepted})
	}
	data := []byte(v)
	if isPromptsPath(v) {
		var err *InputError
		if data, err = l.read(v); err != nil {
			err.Input = "prompts"
			return nil, one(err)
		}
	} else if len(data) > MaxInputFile {
		return nil, bad("is larger than "+maxInputFileWords, "keep the list under "+maxInputFileWords+", or give the path of a file holding it")
	}
	if !utf8.Valid(data) {
		return nil, bad("is not UTF-8 text", promptsAccepted)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, bad("is not a YAML or JSON list ("+shorten(err.Error())+")", promptsAccepted)
	}
	if doc.Kind == 0 {
		return nil, bad("is empty", promptsAccepted)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.SequenceNode {
		return nil, bad("is not a list", promptsAccepted)
	}
	switch n := len(root.Content); {
	case n == 0:
		return nil, bad("is an empty list", promptsAccepted)
	case n > MaxPrompts:
		return nil, bad(fmt.Sprintf("has %d items, more than %d", n, MaxPrompts), fmt.Sprintf("give at most %d items, or split them over several steps", MaxPrompts))
	}
	var (
		items []PromptItem
		errs  []*InputError
		where = map[string]int{} // key -> item number
	)
	for i, n := range root.Content {
		it, ierrs := l.parsePromptItem(c, i+1, n)
		errs = append(errs, ierrs...)
		if len(ierrs) > 0 {
			continue
		}
		if first, dup := where[it.Key]; dup {
			errs = append(errs, &InputError{Input: "prompts", Problem: fmt.Sprintf("item %d has key %q, as item %d has", i+1, it.Key, first),
				Accepted: "give each item a key of its own (an item without one is keyed by its position: 1, 2, ...)"})
			continue
		}
		where[it.Key] = i + 1
		items = append(items, it)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return items, nil
}

// parsePromptItem reads item number num.
func (l *loader) parsePromptItem(c *Config, num int, n *yaml.Node) (it PromptItem, errs []*InputError) {
	it = PromptItem{Key: strconv.Itoa(num)}
	var (
		schemaNode          *yaml.Node
		schemaText, gateSrc string
	)
	bad := func(problem, accepted string) {
		errs = append(errs, &InputError{Input: "prompts", Problem: fmt.Sprintf("item %d %s", num, problem), Accepted: accepted})
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		bad("uses a YAML anchor or alias", "write each item out in full")
		return it, errs
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			bad("is empty", promptsAccepted)
			return it, errs
		}
		it.Prompt = strings.TrimSpace(n.Value)
	case yaml.MappingNode:
		seen := map[string]bool{}
		defer func() {
			if len(errs) == 0 {
				errs = append(errs, l.itemJudge(c, num, &it, schemaNode, schemaText, gateSrc, seen["output_schema"], seen["pass_if"])...)
			}
		}()
		for j := 0; j+1 < len(n.Content); j += 2 {
			k, val := n.Content[j], n.Content[j+1]
			name := k.Value
			switch {
			case k.Kind != yaml.ScalarNode:
				bad("has a field name that is not a word", promptsAccepted)
				continue
			case !slices.Contains(promptFields, name):
				bad(fmt.Sprintf("has an unknown field %q", shorten(name)), "an item's fields are "+strings.Join(promptFields, ", "))
				continue
			case seen[name]:
				bad(fmt.Sprintf("has the field %q twice", name), "give each field once")
				continue
			}
			seen[name] = true
			if name == "output_schema" && val.Kind == yaml.MappingNode {
				schemaNode = val // a schema written as a YAML (or JSON) object
				continue
			}
			if val.Kind != yaml.ScalarNode || val.Tag == "!!null" || val.Anchor != "" {
				bad(fmt.Sprintf("has a %s that is not text", name), "give "+name+" as a string")
				continue
			}
			s := strings.TrimSpace(val.Value)
			switch name {
			case "key":
				it.Key = s
			case "prompt":
				it.Prompt = s
			case "prompt_file":
				it.PromptFile = s
			case "skill":
				it.Skill = s
			case "environment":
				it.Environment = s
			case "model":
				it.Model = s
			case "title":
				it.Title = s
			case "output_schema":
				schemaText = s
			case "pass_if":
				gateSrc = s
			}
		}
		if len(errs) > 0 {
			return it, errs
		}
		if seen["key"] && !validPromptKey(it.Key) {
			bad(fmt.Sprintf("has the key %q", shorten(it.Key)), "a key is 1 to 40 characters of a-z, 0-9, '.', '_' and '-'")
		}
		if seen["prompt"] && seen["prompt_file"] {
			bad("has both prompt and prompt_file", "give either prompt or prompt_file")
		}
		for _, f := range []struct{ name, v string }{{"environment", it.Environment}, {"model", it.Model}, {"title", it.Title}} {
			if strings.ContainsFunc(f.v, unicode.IsControl) {
				bad("has a "+f.name+" with control characters or line breaks", "give "+f.name+" on one line")
			}
		}
	default:
		bad("is neither a string nor an object", promptsAccepted)
		return it, errs
	}
	if it.PromptFile != "" && len(errs) == 0 {
		var scratch Config
		pl := &loader{files: l.files, values: map[string]string{}}
		if e := setPromptFile(pl, &scratch, it.PromptFile); len(e) > 0 {
			for _, x := range e {
				bad("has prompt_file "+strconv.Quote(shorten(it.PromptFile))+" that "+x.Problem, x.Accepted)
			}
		}
		it.Prompt = scratch.Prompt
	}
	if it.Skill != "" {
		var scratch Config
		for _, x := range setSkill(nil, &scratch, it.Skill) {
			bad("has skill "+strconv.Quote(shorten(it.Skill))+" that "+x.Problem, x.Accepted)
		}
	}
	if len(errs) > 0 {
		return it, errs
	}
	if it.Prompt == "" && it.Skill == "" {
		bad("has no prompt", "give the item a prompt, a prompt_file or a skill (a string item is its prompt)")
	}
	if c != nil && c.APIKey != "" && strings.Contains(it.Prompt, c.APIKey) {
		bad("contains the API key in its prompt", "a prompt without the key: oz-run never sends the key to the agent")
	}
	return it, errs
}

// itemJudge compiles an item's output_schema and pass_if. An item with
// output_schema has its own judge: its pass_if, else with review the
// review's default gate; an item with pass_if alone is judged by the
// step's output_schema with its own gate; an item with neither is the
// step's.
func (l *loader) itemJudge(c *Config, num int, it *PromptItem, node *yaml.Node, text, gate string, hasSchema, hasGate bool) []*InputError {
	bad := func(problem, accepted string) []*InputError {
		return one(&InputError{Input: "prompts", Problem: fmt.Sprintf("item %d %s", num, problem), Accepted: accepted})
	}
	if !hasSchema && !hasGate {
		return nil
	}
	var schema *verdict.Schema
	switch {
	case node != nil:
		if hasAlias(node) {
			return bad("has an output_schema with a YAML anchor or alias", "write the schema out in full")
		}
		var v any
		if err := node.Decode(&v); err != nil {
			return bad("has an output_schema that cannot be read ("+shorten(err.Error())+")", outputSchemaAccepted)
		}
		doc, err := json.Marshal(v)
		if err != nil {
			return bad("has an output_schema that is not JSON ("+shorten(err.Error())+")", outputSchemaAccepted)
		}
		if schema, err = verdict.NewSchema(doc, "inline"); err != nil {
			return bad("has an output_schema that is not a usable JSON Schema: "+err.Error(), outputSchemaAccepted)
		}
	case hasSchema:
		var scratch Config
		for _, e := range setOutputSchema(l, &scratch, text) {
			return bad("has an output_schema that "+e.Problem, e.Accepted)
		}
		schema = scratch.Judge.Schema
	default:
		schema = nil
		if c != nil {
			schema = c.Judge.Schema
		}
		if schema == nil {
			return bad("has pass_if without output_schema", "give the item an output_schema (or the step one), whose valid answer pass_if is evaluated on")
		}
	}
	if !hasGate && schema.IsReview() {
		gate = verdict.DefaultReviewGate
	}
	it.Judge.Schema = schema
	if gate != "" {
		g, err := verdict.NewGate(gate, schema)
		if err != nil {
			return bad("has a pass_if that "+err.Error(), `an expression over output that is true or false, such as output.verdict == "pass"`)
		}
		it.Judge.Gate = g
	}
	return nil
}

// hasAlias reports whether a YAML node holds an alias or an anchor.
func hasAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c) {
			return true
		}
	}
	return false
}

// validPromptKey reports whether key is 1-40 characters of [a-z0-9._-].
func validPromptKey(key string) bool {
	if key == "" || len(key) > MaxPromptKey {
		return false
	}
	for _, r := range key {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// batchInput is the setter of prompts, max_parallel and fail_fast: they
// are read together, against the other inputs, by parseBatch.
func batchInput(*loader, *Config, string) []*InputError { return nil }

// showPrompts shows prompts in the settings by its size, not its text.
func showPrompts(c *Config, v string) string {
	if v == "" {
		return ""
	}
	if c.Batch != nil {
		return fmt.Sprintf("%d runs", len(c.Batch.Items))
	}
	return "(set)"
}

// BatchSpec is what the runner needs of the inputs for a batch whose id
// is id: each item's Spec (the step's, with what the item gives), and
// the batch's timing.
func (c *Config) BatchSpec(id string) runner.BatchSpec {
	b := c.Batch
	if b == nil {
		return runner.BatchSpec{ID: id}
	}
	bs := runner.BatchSpec{
		ID: id, MaxParallel: b.MaxParallel, FailFast: b.FailFast, FailOn: c.FailOn,
		Timeout: c.Timeout, PollInterval: c.PollInterval, PollMaxInterval: c.PollMaxInterval,
		CancelOnTimeout: c.OnTimeout == OnTimeoutCancel, CancelOnAbort: c.CancelOnAbort, MaxCostUSD: c.MaxCostUSD,
	}
	for i, it := range b.Items {
		bs.Items = append(bs.Items, runner.BatchItem{Key: it.Key, Spec: c.BatchItem(i).Spec()})
	}
	return bs
}

// BatchItem is the Config of item i of prompts: the step's, with what the
// item gives (its prompt or skill, environment, model, title, and its
// output_schema and pass_if); it judges that run's answer.
func (c *Config) BatchItem(i int) *Config {
	it := c.Batch.Items[i]
	one := *c
	one.Batch = nil
	one.Prompt, one.PromptFile, one.Skill = it.Prompt, it.PromptFile, it.Skill
	one.RunID, one.Followup, one.ConversationID, one.Wait = "", "", "", true
	if it.Environment != "" {
		one.Environment = it.Environment
	}
	if it.Model != "" {
		one.Model = it.Model
	}
	if it.Title != "" {
		one.Title = it.Title
	}
	if it.Judge.Schema != nil {
		one.Judge = it.Judge
	}
	return &one
}
