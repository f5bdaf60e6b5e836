package passif

import (
	"errors"
	"testing"
)

// FuzzCompile: whatever the expression, compiling and evaluating it does
// not panic, and every error is an *Error that says where.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		`output.verdict == "pass"`,
		`len(output.findings) == 0`,
		`none(output.items, .sev == "error") && output.n >= 7`,
		`output?.a?.["b"] ?? 1 < 2 < 3`,
		`all(output.list, any(output.list, # == 1)) ? "a" matches "^a" : !false`,
		`"\u00e9" + 'x' + ` + "`raw`" + ` == "" || -1.5e3 % 2 > 0`,
		`((((((((((true))))))))))`,
		`output.a not in output.list or output.s not matches "x"`,
	} {
		f.Add(seed)
	}
	value := doc(f, exprData)
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Compile(src, Any)
		var perr *Error
		if err != nil {
			if !errors.As(err, &perr) || perr.Line < 1 || perr.Column < 1 {
				t.Fatalf("%q: error %v", src, err)
			}
			return
		}
		if _, err := p.Eval(value); err != nil && (!errors.As(err, &perr) || perr.Line < 1) {
			t.Fatalf("%q: evaluation error %v", src, err)
		}
	})
}
