package passif

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/stretchr/testify/require"
)

// The claim of the package: what reads as expr means what expr makes of
// it. expr is a test dependency only (linking it would keep every method
// of every type in oz-run). Where both evaluate an expression without an
// error, they agree; where expr gives nil for a missing member, this
// package fails instead (by design).

const exprData = `{"flag":true,"off":false,"n":5,"m":-3,"x":0.25,"s":"Hello, Wörld","t":"abc","none":null,
	"list":[1,2,3],"items":[{"ok":true,"sev":"error","n":1},{"ok":false,"sev":"notice","n":2}],"obj":{"a":{"b":1}},"empty":[]}`

// exprAgrees evaluates src with both and fails when both succeed and
// disagree; it reports whether both succeeded.
func exprAgrees(t *testing.T, src string, value any) bool {
	t.Helper()
	ours, err := Compile(src, Any)
	if err != nil {
		return false
	}
	got, err := ours.Eval(value)
	if err != nil {
		return false
	}
	env := map[string]any{"output": exprValue(normalize(value))}
	theirs, err := expr.Compile(src, expr.Env(env), expr.AsBool())
	if err != nil {
		t.Fatalf("%s: passif compiles it and evaluates it to %v, expr does not compile it: %v", src, got, err)
	}
	want, err := expr.Run(theirs, env)
	if err != nil {
		t.Fatalf("%s: passif evaluates it to %v, expr fails: %v", src, got, err)
	}
	if want != got {
		t.Fatalf("%s: passif says %v, expr %v", src, got, want)
	}
	return true
}

// exprValue is a value as expr's own: integers as int.
func exprValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = exprValue(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = exprValue(e)
		}
		return a
	case int64:
		return int(x)
	}
	return v
}

func TestAgreesWithExpr(t *testing.T) {
	t.Parallel()
	value := doc(t, exprData)
	for _, src := range []string{
		`!true == false`,
		`!output.flag || output.flag && false`,
		`not output.off and output.flag or false`,
		`1 + 2 * 3 == 7`,
		`-2 * 3 == -6 && 10 - 2 - 3 == 5 && 2 * 3 % 4 == 2`,
		`7 / 2 == 3.5 && 8 / 4 == 2`,
		`(output.n ?? 0) + 1 == 6 && 1 + output.n ?? 0 == 6`,
		`-output.m ?? 0 > 2`,
		`(output.none ?? 4) == 4`,
		`1 < output.n < 6 && 1 < 2 <= 2 < 3 && !(3 > 2 > 2)`,
		`1 < 2 == true`,
		`output.x < 0.5 == true`,
		`true ? false : true`,
		`(output.flag ? 1 : 2) == 1`,
		`false ? 1 : output.n > 4`,
		`2 in output.list and 4 not in output.list`,
		`"flag" in output && "nope" not in output`,
		`output.s contains "Wö" && output.s not startsWith "x" && output.s endsWith "rld"`,
		`output.s matches "^H" and output.t not matches "^H"`,
		`len(output.s) == 12 && len(output.list) == 3 && len(output.obj) == 1`,
		`lower(output.s) + upper(output.t) == "hello, wörldABC"`,
		`all(output.list, # > 0) && any(output.list, # == 2) && none(output.list, # > 3) && one(output.list, # == 1)`,
		`count(output.items, .ok) == 1 && len(filter(output.items, {.sev == "notice"})) == 1`,
		`any(output.items, all(output.list, # < 4) && #.ok)`,
		`output.list[-1] == 3 && output.list[0] == 1 && output["obj"].a["b"] == 1`,
		`output.obj?.a?.b == 1 && output.none?.a == nil`,
		`output.list == output.list && output.obj == output.obj && output.n == 5.0`,
		`"abc" < "abd" && "b" > "abc" && 2 <= 2.0 && 3 >= 2`,
		`1 == 1 == true`,
		`output.n > 4 == output.flag`,
	} {
		if !exprAgrees(t, src, value) {
			t.Errorf("%s: passif does not evaluate it", src)
		}
	}
}

// gen writes a random expression of the kind asked for (b: boolean, n:
// number, s: string) from the fuzzer's bytes.
type gen struct {
	data  []byte
	depth int
}

func (g *gen) pick(n int) int {
	if len(g.data) == 0 {
		return 0
	}
	c := int(g.data[0])
	g.data = g.data[1:]
	return c % n
}

func (g *gen) expr(kind byte) string {
	g.depth++
	defer func() { g.depth-- }()
	leaf := g.depth > 5
	switch kind {
	case 'n':
		leaves := []string{"0", "1", "2", "7", "2.5", "output.n", "output.m", "output.x", "len(output.list)", "output.list[0]", "output.list[-1]", "count(output.items, .ok)", "(output.none ?? 3)"}
		if leaf {
			return leaves[g.pick(len(leaves))]
		}
		switch g.pick(9) {
		case 0:
			return "-" + g.operand('n')
		case 1:
			return g.expr('n') + " + " + g.expr('n')
		case 2:
			return g.expr('n') + " - " + g.expr('n')
		case 3:
			return g.expr('n') + " * " + g.expr('n')
		case 4:
			return "(" + g.expr('n') + ")"
		case 5:
			return g.expr('b') + " ? " + g.expr('n') + " : " + g.expr('n')
		case 6:
			return "(" + g.expr('n') + " ?? " + g.expr('n') + ")"
		}
		return leaves[g.pick(len(leaves))]
	case 's':
		leaves := []string{`"a"`, `"abc"`, `output.s`, `output.t`, `lower(output.s)`, `upper("x")`, `output.items[0].sev`}
		if !leaf && g.pick(3) == 0 {
			return g.expr('s') + " + " + g.expr('s')
		}
		return leaves[g.pick(len(leaves))]
	}
	leaves := []string{"true", "false", "output.flag", "output.off", "output.items[1].ok"}
	if leaf {
		return leaves[g.pick(len(leaves))]
	}
	switch g.pick(16) {
	case 0:
		return "!" + g.operand('b')
	case 1:
		return "not " + g.operand('b')
	case 2:
		return g.expr('b') + []string{" && ", " || ", " and ", " or "}[g.pick(4)] + g.expr('b')
	case 3:
		return g.expr('n') + []string{" == ", " != ", " < ", " <= ", " > ", " >= "}[g.pick(6)] + g.expr('n')
	case 4:
		return g.expr('s') + []string{" == ", " != ", " < ", " > "}[g.pick(4)] + g.expr('s')
	case 5:
		return g.expr('b') + []string{" == ", " != "}[g.pick(2)] + g.expr('b')
	case 6:
		return "(" + g.expr('b') + ")"
	case 7:
		return g.expr('n') + []string{" in ", " not in "}[g.pick(2)] + "output.list"
	case 8:
		return g.expr('s') + []string{" contains ", " startsWith ", " endsWith ", " not contains "}[g.pick(4)] + g.expr('s')
	case 9:
		return []string{"all", "any", "none", "one"}[g.pick(4)] + "(output.list, " + strings.ReplaceAll(g.expr('b'), "output.n", "#") + ")"
	case 10:
		return []string{"all", "any", "none", "one"}[g.pick(4)] + "(output.items, .ok " + []string{"&&", "||"}[g.pick(2)] + " " + g.expr('b') + ")"
	case 11:
		return g.expr('b') + " ? " + g.expr('b') + " : " + g.expr('b')
	case 12:
		return "(output.flag ?? " + g.expr('b') + ")"
	}
	return leaves[g.pick(len(leaves))]
}

// operand is an expression as the operand of a unary operator, which
// binds tighter than any binary one: in parentheses unless it is a leaf
// (one time in three, the expression as it comes, which both refuse when
// the kinds do not fit).
func (g *gen) operand(kind byte) string {
	e := g.expr(kind)
	if g.pick(3) == 0 {
		return e
	}
	return "(" + e + ")"
}

// FuzzAgreesWithExpr: expressions written from the fuzzer's bytes mean
// the same in both, precedence and all.
func FuzzAgreesWithExpr(f *testing.F) {
	for _, seed := range []string{"", "\x02\x03\x01", "\x0b\x06\x02\x05", "\x03\x01\x06\x02\x00\x05\x06", "\x09\x02\x03\x03\x01\x02"} {
		f.Add([]byte(seed))
	}
	value := doc(f, exprData)
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{data: data}
		src := g.expr('b')
		if len(src) > MaxSource {
			return
		}
		exprAgrees(t, src, value)
	})
}

// The generator's expressions are mostly evaluated by both (so that the
// fuzzer compares something).
func TestGeneratorEvaluates(t *testing.T) {
	t.Parallel()
	value := doc(t, exprData)
	both := 0
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		data := make([]byte, 64)
		for j := range data {
			data[j] = byte(rng.IntN(256))
		}
		if exprAgrees(t, (&gen{data: data}).expr('b'), value) {
			both++
		}
	}
	t.Logf("%d of 300 evaluated by both", both)
	require.Greater(t, both, 150)
}
