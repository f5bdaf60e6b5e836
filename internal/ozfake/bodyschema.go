package ozfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// jsonType is what a value of a request body must be, after the spec's
// schemas (RunAgentRequest, FollowupRequest). Properties the fake does not
// know are let through, as the schema allows.
type jsonType struct {
	kind     string // "string", "boolean", "integer", "object" or "array"
	base64   bool   // a string's format is byte
	enum     []string
	min, max int64 // an integer's range
	nullable bool
	props    map[string]jsonType // an object's known properties
	required []string            // an object's required properties
	values   *jsonType           // an object's additionalProperties, an array's items
}

var (
	strType  = jsonType{kind: "string"}
	boolType = jsonType{kind: "boolean"}
)

// decode reads body, one JSON object, into v once it has checked the
// object against t; the error says what is wrong with the body.
func (t jsonType) decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("the request body is not valid: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("the request body is not valid: it goes on after the JSON object")
	}
	if err := t.check("", raw); err != nil {
		return fmt.Errorf("the request body is not valid: %w", err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("the request body is not valid: %v", err)
	}
	return nil
}

func enumOf(values ...string) jsonType { return jsonType{kind: "string", enum: values} }

func objectOf(props map[string]jsonType, required ...string) jsonType {
	return jsonType{kind: "object", props: props, required: required}
}

func mapOf(t jsonType) jsonType   { return jsonType{kind: "object", values: &t} }
func arrayOf(t jsonType) jsonType { return jsonType{kind: "array", values: &t} }

// The schemas are built on first use, as everything of the fake: it is
// linked into every oz-run, and its init must cost nothing.

// mcpServerType is the spec's MCPServerConfig.
func mcpServerType() jsonType {
	return objectOf(map[string]jsonType{
		"warp_id": strType, "command": strType, "args": arrayOf(strType),
		"url": strType, "env": mapOf(strType), "headers": mapOf(strType),
	})
}

// agentConfigType is the spec's AmbientAgentConfig.
func agentConfigType() jsonType {
	return objectOf(map[string]jsonType{
		"name": strType, "model_id": strType, "base_prompt": strType,
		"environment_id": strType, "runner_id": strType, "skill_spec": strType,
		"skills":                arrayOf(strType),
		"mcp_servers":           mapOf(mcpServerType()),
		"computer_use_enabled":  boolType,
		"computer_use_model_id": strType,
		"idle_timeout_minutes":  {kind: "integer", min: 1, max: 60},
		"worker_host":           strType,
		"harness": objectOf(map[string]jsonType{
			"type": enumOf("oz", "claude", "gemini", "codex"), "model_id": strType, "reasoning_level": strType,
		}),
		"harness_auth_secrets": objectOf(map[string]jsonType{"claude_auth_secret_name": strType, "codex_auth_secret_name": strType}),
		"session_sharing":      objectOf(map[string]jsonType{"public_access": enumOf("VIEWER", "EDITOR")}),
		"memory_stores": arrayOf(objectOf(map[string]jsonType{
			"uid": strType, "access": enumOf("read_write", "read_only"), "instructions": strType,
		}, "uid", "access", "instructions")),
		"inference_providers": objectOf(map[string]jsonType{
			"aws": objectOf(map[string]jsonType{"disabled": boolType, "role_arn": strType, "region": strType}),
		}),
		"credential_strategy": {kind: "string", enum: []string{"CREATOR", "EXECUTOR"}, nullable: true},
	})
}

// createBodyType is the spec's RunAgentRequest.
var createBodyType = sync.OnceValue(func() jsonType {
	return objectOf(map[string]jsonType{
		"prompt": strType, "mode": enumOf("normal", "plan", "orchestrate"), "skill": strType,
		"config": agentConfigType(), "title": strType, "team": boolType,
		"agent_identity_uid": strType, "on_behalf_of": strType, "conversation_id": strType,
		"attachments": arrayOf(objectOf(map[string]jsonType{
			"file_name": strType, "mime_type": strType, "data": {kind: "string", base64: true},
		}, "file_name", "mime_type", "data")),
		"parent_run_id": strType, "interactive": boolType,
		"metadata": mapOf(strType),
	})
})

// check reports the first place where v (decoded with UseNumber) is not of
// type t; path names v in the message ("config.mcp_servers[\"gh\"]").
// Values are not echoed, except a bad enum value, clipped.
func (t jsonType) check(path string, v any) error {
	if v == nil {
		if t.nullable {
			return nil
		}
		return fmt.Errorf("%s must be %s, not null", path, t.noun())
	}
	switch t.kind {
	case "string":
		s, ok := v.(string)
		if !ok {
			return t.mismatch(path, v)
		}
		if t.enum != nil && !slices.Contains(t.enum, s) {
			return fmt.Errorf("%s must be one of %s, not %s", path, strings.Join(t.enum, ", "), quoteClip(s))
		}
		if t.base64 {
			if _, err := base64.StdEncoding.DecodeString(s); err != nil {
				return fmt.Errorf("%s must be base64 (RFC 4648, with padding)", path)
			}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return t.mismatch(path, v)
		}
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return t.mismatch(path, v)
		}
		f, err := strconv.ParseFloat(n.String(), 64) // 5, 5.0 and 5e0 are the same integer
		if err != nil || f != math.Trunc(f) || f < float64(t.min) || f > float64(t.max) {
			return fmt.Errorf("%s must be an integer from %d to %d", path, t.min, t.max)
		}
	case "array":
		items, ok := v.([]any)
		if !ok {
			return t.mismatch(path, v)
		}
		for i, item := range items {
			if err := t.values.check(fmt.Sprintf("%s[%d]", path, i), item); err != nil {
				return err
			}
		}
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return t.mismatch(path, v)
		}
		return t.checkObject(path, obj)
	}
	return nil
}

func (t jsonType) checkObject(path string, obj map[string]any) error {
	for _, name := range t.required {
		if _, ok := obj[name]; !ok {
			return fmt.Errorf("%s is required", join(path, name))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		var err error
		if pt, ok := t.props[k]; ok {
			err = pt.check(join(path, k), obj[k])
		} else if t.values != nil {
			err = t.values.check(path+"["+quoteClip(k)+"]", obj[k])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (t jsonType) mismatch(path string, v any) error {
	return fmt.Errorf("%s must be %s, not %s", path, t.noun(), nounOf(v))
}

// noun names the type in a message.
func (t jsonType) noun() string {
	switch t.kind {
	case "integer", "object", "array":
		return "an " + t.kind
	}
	return "a " + t.kind
}

// nounOf names the JSON type of a decoded value.
func nounOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}
