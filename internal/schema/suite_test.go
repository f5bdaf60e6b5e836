package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	// The official JSON-Schema-Test-Suite comes with this module (its
	// testdata); the import keeps it required, for the tests only.
	_ "github.com/kaptinlin/jsonschema"
)

// suiteDir is the JSON-Schema-Test-Suite's tests directory, in the module
// cache.
func suiteDir(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/kaptinlin/jsonschema").Output()
	if err != nil {
		t.Fatalf("locating the kaptinlin/jsonschema module (it holds the test suite): %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "testdata", "JSON-Schema-Test-Suite", "tests")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the JSON-Schema-Test-Suite is not where expected: %v", err)
	}
	return dir
}

type suiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

func decodeNumbers(t testing.TB, raw []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return v
}

// skipped are the suite's cases that this package does not pass, each
// with why. Key: "file|group|test" (test "" for the whole group).
var skipped = map[string]string{}

// remote names the groups whose schema names another document (the
// suite's remotes, served from localhost:1234, or a metaschema): these
// must be refused at compile with an *OtherDocumentError, never skipped
// silently.
func remote(schema []byte) bool {
	return bytes.Contains(schema, []byte("localhost:1234")) ||
		bytes.Contains(schema, []byte(`"$ref":"https://json-schema.org/draft/`)) ||
		bytes.Contains(schema, []byte(`"$ref":"http://json-schema.org/draft`))
}

func TestSuite(t *testing.T) {
	t.Parallel()
	dir := suiteDir(t)
	for _, d := range []string{"draft2020-12", "draft2019-09", "draft7", "draft6", "draft4"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			runSuite(t, filepath.Join(dir, d), d)
		})
	}
}

func runSuite(t *testing.T, dir, draftName string) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in %s: %v", dir, err)
	}
	sort.Strings(files)
	meta := map[string]string{
		"draft2020-12": "https://json-schema.org/draft/2020-12/schema",
		"draft2019-09": "https://json-schema.org/draft/2019-09/schema",
		"draft7":       "http://json-schema.org/draft-07/schema#",
		"draft6":       "http://json-schema.org/draft-06/schema#",
		"draft4":       "http://json-schema.org/draft-04/schema#",
	}[draftName]
	var passed, refused, skips, failed int
	for _, file := range files {
		base := filepath.Base(file)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var groups []suiteGroup
		if err := json.Unmarshal(data, &groups); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		for _, g := range groups {
			var compact bytes.Buffer
			_ = json.Compact(&compact, g.Schema)
			doc := decodeNumbers(t, g.Schema)
			if obj, ok := doc.(map[string]any); ok && meta != "" {
				if _, has := obj["$schema"]; !has {
					obj["$schema"] = meta
				}
			}
			if why, ok := skipped[base+"|"+g.Description+"|"]; ok {
				skips += len(g.Tests)
				t.Logf("skipped %s %q: %s", base, g.Description, why)
				continue
			}
			s, err := Compile(doc)
			if remote(compact.Bytes()) {
				var other *OtherDocumentError
				if err != nil && errors.As(err, &other) {
					refused += len(g.Tests)
					t.Logf("refused %s %q: %v", base, g.Description, other.URL)
					continue
				}
				if err != nil {
					t.Errorf("%s %q: a schema naming another document, refused with the wrong error: %v", base, g.Description, err)
					failed += len(g.Tests)
					continue
				}
				// it may name another document only where no evaluation goes
			}
			if err != nil {
				t.Errorf("%s %q: does not compile: %v", base, g.Description, err)
				failed += len(g.Tests)
				continue
			}
			for _, tc := range g.Tests {
				if why, ok := skipped[base+"|"+g.Description+"|"+tc.Description]; ok {
					skips++
					t.Logf("skipped %s %q %q: %s", base, g.Description, tc.Description, why)
					continue
				}
				v := decodeNumbers(t, tc.Data)
				problems := s.Validate(v, 0)
				if got := problems == nil; got != tc.Valid {
					t.Errorf("%s %q %q: valid %v, want %v (%v)", base, g.Description, tc.Description, got, tc.Valid, problems)
					failed++
					continue
				}
				passed++
			}
		}
	}
	t.Logf("%s: %d passed, %d refused at compile (another document), %d skipped, %d failed", draftName, passed, refused, skips, failed)
}
