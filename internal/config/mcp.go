package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The mcp input: a JSON object of MCP servers, inline or in a file.

const mcpAccepted = `give a JSON object of MCP servers such as {"github": {"warp_id": "..."}}, or the path of a JSON file holding one (relative to the workspace)`

// setMCP reads the mcp input: inline JSON when it starts with "{" (or
// "[", a JSON array given by mistake: no file name starts so), else the
// path of a JSON file. Inline JSON is never shown in errors: MCP server
// configurations often hold tokens.
func setMCP(l *loader, c *Config, v string) []*InputError {
	if v == "" {
		return nil
	}
	data, shown, where := []byte(v), "", ""
	if !strings.HasPrefix(v, "{") && !strings.HasPrefix(v, "[") {
		var err *InputError
		if data, err = l.read(v); err != nil {
			return one(err)
		}
		shown, where = v, "names a file that "
	}
	servers, problem := parseMCP(data)
	if problem != "" {
		return one(&InputError{Value: shown, Problem: where + problem, Accepted: mcpAccepted})
	}
	c.MCP = servers
	return nil
}

// parseMCP reads a JSON object whose values are JSON objects. The problem,
// if any, says where in the text it is.
func parseMCP(data []byte) (map[string]json.RawMessage, string) {
	switch trimmed := bytes.TrimSpace(data); {
	case len(trimmed) > 0 && trimmed[0] == '[':
		return nil, "is a JSON array: it must be a JSON object of MCP servers by name"
	case len(trimmed) == 0 || trimmed[0] != '{':
		return nil, "is not a JSON object"
	}
	var servers map[string]json.RawMessage
	if err := json.Unmarshal(data, &servers); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			line, col := position(data, syntax.Offset)
			return nil, fmt.Sprintf("is not valid JSON (line %d, column %d: %s)", line, col, syntax.Error())
		}
		return nil, "is not valid JSON (" + err.Error() + ")"
	}
	for _, name := range slices.Sorted(maps.Keys(servers)) {
		if raw := bytes.TrimSpace(servers[name]); len(raw) == 0 || raw[0] != '{' {
			return nil, fmt.Sprintf("gives server %q a value that is not a JSON object", name)
		}
	}
	if len(servers) == 0 {
		return nil, ""
	}
	return servers, ""
}

// position gives the 1-based line and column of the byte that stopped the
// JSON parser after reading offset bytes.
func position(data []byte, offset int64) (line, col int) {
	i := int(min(max(offset-1, 0), int64(len(data))))
	before := data[:i]
	return 1 + bytes.Count(before, []byte("\n")), i - bytes.LastIndexByte(before, '\n')
}
