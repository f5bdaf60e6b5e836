package verdict

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzJudge: whatever the answer, judging it does not panic; a value
// taken is valid JSON, compact, at most MaxValueBytes, and found in the
// answer (its last json block, or the whole of it); an invalid answer
// has problems and a repair, a valid one neither; the findings are
// sorted, and the annotations and the report hold only usable ones.
func FuzzJudge(f *testing.F) {
	for _, seed := range []string{
		"",
		"LGTM",
		`{"verdict":"pass","summary":"s","findings":[]}`,
		"text\n```json\n{\"verdict\":\"fail\",\"summary\":\"s\",\"findings\":[{\"path\":\"a.go\",\"line\":3,\"severity\":\"error\",\"message\":\"m\"}]}\n```\n",
		"```json\n{\"verdict\":\"fail\",\"summary\":\"s\",\"findings\":[{\"path\":\"../a\",\"line\":0,\"end_line\":-1,\"severity\":\"error\",\"message\":\"m\"}]}\n```",
		"````json\n```\n{}\n```\n````",
		"~~~JSON\r\n[1e1001]\r\n~~~",
		"```json\n{\"a\":1,\"a\":2}\n```",
		"```json\n" + strings.Repeat("[", 200) + "\n```",
		"   ```json\n{\"verdict\":\"pass\"\n",
	} {
		f.Add(seed)
	}
	spec := Spec{Schema: Review()}
	gate, err := NewGate(`output.verdict == "pass" && none(output.findings, .severity == "error")`, spec.Schema)
	if err != nil {
		f.Fatal(err)
	}
	spec.Gate = gate
	f.Fuzz(func(t *testing.T, answer string) {
		o := spec.Judge(answer)
		switch o.Conclusion {
		case Passed, Rejected, InvalidOutput:
		default:
			t.Fatalf("conclusion %q", o.Conclusion)
		}
		if (o.Conclusion == Passed) != (o.Reason == "") {
			t.Fatalf("conclusion %q with reason %q", o.Conclusion, o.Reason)
		}
		if strings.Contains(o.Reason, "\n") {
			t.Fatalf("reason on more than one line: %q", o.Reason)
		}
		if (len(o.Problems) > 0) != (o.Repair() != "") || (len(o.Problems) > 0) != (o.Structured == nil) {
			t.Fatalf("problems %v, repair %q, structured %s", o.Problems, o.Repair(), o.Structured)
		}
		if o.Structured != nil {
			checkStructured(t, answer, o.Structured)
		}
		checkFindings(t, o.Findings)
	})
}

func checkStructured(t *testing.T, answer string, got []byte) {
	t.Helper()
	if !json.Valid(got) || len(got) > MaxValueBytes {
		t.Fatalf("structured value of %d bytes, valid %v", len(got), json.Valid(got))
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, got); err != nil || !bytes.Equal(buf.Bytes(), got) {
		t.Fatalf("not compact: %s", got)
	}
	src, fenced := lastJSONBlock(answer)
	if !fenced {
		src = answer
	}
	if !strings.Contains(answer, src) {
		t.Fatalf("the block is not part of the answer")
	}
	buf.Reset()
	if err := json.Compact(&buf, []byte(src)); err != nil || !bytes.Equal(buf.Bytes(), got) {
		t.Fatalf("the value %s is not the one of the %s", got, map[bool]string{true: "block", false: "answer"}[fenced])
	}
}

func checkFindings(t *testing.T, findings []Finding) {
	t.Helper()
	for i, f := range findings {
		if i > 0 && rank(findings[i-1].Severity) > rank(f.Severity) {
			t.Fatalf("findings not sorted: %v", findings)
		}
		if f.Usable() {
			if pathProblem(f.Path) != "" || f.Line < 0 || f.Line > maxLine || f.EndLine < 0 || (f.EndLine > 0 && f.EndLine < f.Line) || rank(f.Severity) == len(severities) {
				t.Fatalf("usable finding %+v", f)
			}
		}
	}
	count := map[string]int{}
	for _, a := range Annotations(findings) {
		if !a.Usable() {
			t.Fatalf("annotation of a dropped finding %+v", a)
		}
		count[a.Severity]++
		if count[a.Severity] > MaxAnnotations {
			t.Fatalf("more than %d %s annotations", MaxAnnotations, a.Severity)
		}
	}
	var entries []map[string]any
	if err := json.Unmarshal(CodeQuality(findings), &entries); err != nil {
		t.Fatalf("code quality report: %v", err)
	}
	usable := 0
	for _, f := range findings {
		if f.Usable() {
			usable++
		}
	}
	if len(entries) != usable {
		t.Fatalf("%d entries for %d usable findings", len(entries), usable)
	}
	_ = Counts(findings)
	_ = DroppedWarning(findings)
}

// FuzzFindings: findings read from any JSON value (not validated against
// the review schema) keep the same promises.
func FuzzFindings(f *testing.F) {
	for _, seed := range []string{
		`{"findings":[{"path":"a.go","line":1,"severity":"error","message":"m"}]}`,
		`{"findings":[{"path":"/a","line":"x","end_line":null,"severity":"bogus"},1,null,[],{"path":"a\u202e","line":1e300}]}`,
		`{"findings":[{"path":"a","line":5,"end_line":4,"severity":"warning"},{"path":"C:x","severity":"notice"}]}`,
		`[1,2,3]`,
		`{"findings":{}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		d := json.NewDecoder(bytes.NewReader(doc))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil {
			return
		}
		findings := Findings(v)
		checkFindings(t, findings)
		_ = reviewValue(v)
	})
}
