package redact

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawKept is like an API artifact: it keeps its raw JSON in an unexported
// field and writes it back as it came.
type rawKept struct {
	Kind string `json:"kind"`
	raw  []byte
}

func (r rawKept) MarshalJSON() ([]byte, error) { return r.raw, nil }

func (r *rawKept) UnmarshalJSON(b []byte) error {
	var v struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = rawKept{Kind: v.Kind, raw: append([]byte(nil), b...)}
	return nil
}

type inner struct {
	Text string
	Next *inner
}

// every holds a string in every place Copy must reach.
type every struct {
	S       string
	P       *string
	L       []string
	A       [2]string
	M       map[string]string
	MP      map[string]*inner
	B       []byte
	J       json.RawMessage
	Err     error
	Any     any
	AnyErr  any
	In      inner
	InP     *inner
	Raws    []rawKept
	Skipped string `json:"-"`
	When    time.Time
	N       int
	F       *float64
	hidden  string
}

func fill(secret string, rnd *rand.Rand) every {
	enc := func() string {
		names := []string{"raw", "query", "path", "base64", "hex", "json marshal", "json every char", "markdown", "html mixed", "percent mixed", "zero width"}
		return "before " + encoders[names[rnd.IntN(len(names))]](secret, rnd) + " after"
	}
	s := enc()
	cyc := &inner{Text: enc()}
	cyc.Next = cyc
	f := 1.5
	js, _ := json.Marshal(map[string]string{"k": secret})
	raw, _ := json.Marshal(map[string]string{"kind": secret, "extra": secret})
	return every{
		S: enc(), P: &s, L: []string{enc(), "plain"}, A: [2]string{enc(), enc()},
		M: map[string]string{enc(): enc()}, MP: map[string]*inner{"x": {Text: enc()}},
		B: []byte(enc()), J: js,
		Err: fmt.Errorf("reading: %w", errors.New(enc())), Any: enc(), AnyErr: errors.New(enc()),
		In: inner{Text: enc(), Next: &inner{Text: enc()}}, InP: cyc,
		Raws:    []rawKept{{Kind: secret, raw: raw}},
		Skipped: enc(), When: time.Unix(1, 0), N: 7, F: &f, hidden: "kept",
	}
}

// leaks walks v as Copy does and lists where r still finds a secret.
func leaks(r *Redactor, v reflect.Value, path string, seen map[uintptr]bool) []string {
	var out []string
	switch v.Kind() {
	case reflect.String:
		if r.Contains(v.String()) {
			out = append(out, path)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if r.Contains(string(v.Bytes())) {
				out = append(out, path)
			}
			return out
		}
		for i := range v.Len() {
			out = append(out, leaks(r, v.Index(i), fmt.Sprintf("%s[%d]", path, i), seen)...)
		}
	case reflect.Array:
		for i := range v.Len() {
			out = append(out, leaks(r, v.Index(i), fmt.Sprintf("%s[%d]", path, i), seen)...)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			out = append(out, leaks(r, it.Key(), path+"{key}", seen)...)
			out = append(out, leaks(r, it.Value(), path+"{value}", seen)...)
		}
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return nil
		}
		seen[v.Pointer()] = true
		out = append(out, leaks(r, v.Elem(), path, seen)...)
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		if err, ok := v.Interface().(error); ok && r.Contains(err.Error()) {
			return append(out, path+".Error()")
		}
		out = append(out, leaks(r, v.Elem(), path, seen)...)
	case reflect.Struct:
		if m, ok := v.Interface().(json.Marshaler); ok {
			if b, err := m.MarshalJSON(); err == nil && r.Contains(string(b)) {
				out = append(out, path+" as JSON")
			}
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = append(out, leaks(r, v.Field(i), path+"."+v.Type().Field(i).Name, seen)...)
			}
		}
	}
	return out
}

func TestCopyRedactsEverywhere(t *testing.T) {
	t.Parallel()
	r := New(key, odd)
	for seed := range uint64(50) {
		rnd := rand.New(rand.NewPCG(seed, 1))
		secret := []string{key, odd}[seed%2]
		v := fill(secret, rnd)
		before := leaks(r, reflect.ValueOf(v), "v", map[uintptr]bool{})
		require.NotEmpty(t, before, "the test's value holds the secret")

		got := Copy(r, v)
		assert.Empty(t, leaks(r, reflect.ValueOf(got), "copy", map[uintptr]bool{}), "seed %d", seed)
		assert.NotContains(t, fmt.Sprint(got.Err, got.AnyErr), secret)
		assert.Equal(t, before, leaks(r, reflect.ValueOf(v), "v", map[uintptr]bool{}), "the original is not changed")

		// What holds no secret is kept as it was.
		assert.Equal(t, "plain", got.L[1])
		assert.Equal(t, 7, got.N)
		assert.Equal(t, 1.5, *got.F)
		assert.NotSame(t, v.F, got.F, "pointers are new")
		assert.True(t, got.When.Equal(v.When))
		assert.Equal(t, "kept", got.hidden)
		assert.Same(t, got.InP, got.InP.Next, "a cycle stays a cycle")
		assert.Contains(t, got.S, "before ")
		var raw map[string]string
		require.NoError(t, json.Unmarshal(got.Raws[0].raw, &raw), "the raw JSON stays JSON")
		assert.Equal(t, Mark, raw["extra"])
	}
}

func TestCopyKeepsErrorsWithoutSecrets(t *testing.T) {
	t.Parallel()
	sentinel := errors.New("no secret here")
	type result struct{ Err error }
	got := Copy(New(key), result{Err: fmt.Errorf("wrapped: %w", sentinel)})
	assert.ErrorIs(t, got.Err, sentinel, "an error without a secret still unwraps")

	got = Copy(New(key), result{Err: fmt.Errorf("%s: %w", key, sentinel)})
	assert.Equal(t, "***: no secret here", got.Err.Error())
	assert.NotErrorIs(t, got.Err, sentinel, "nothing behind the redacted message")
}

func TestCopyWithoutSecrets(t *testing.T) {
	t.Parallel()
	v := &inner{Text: key}
	assert.Same(t, v, Copy(New(), v))
	assert.Same(t, v, Copy[*inner](nil, v))
	var nilMap map[string]string
	assert.Nil(t, Copy(New(key), nilMap))
}

// FuzzCopy: whatever the strings, a copy holds no secret Contains finds.
func FuzzCopy(f *testing.F) {
	f.Add(key, "a "+key+" b", "%77k-", []byte(`{"a":"`+key+`"}`))
	f.Add(odd, url2(odd), strings.Repeat("x", 100), []byte("not json "+odd))
	f.Fuzz(func(t *testing.T, secret, a, b string, raw []byte) {
		if len(secret) < MinEncodedLen {
			return
		}
		r := New(secret)
		type doc struct {
			A   string
			M   map[string][]string
			Raw json.RawMessage
			Err error
		}
		got := Copy(r, doc{A: a, M: map[string][]string{b: {a, b}}, Raw: raw, Err: errors.New(a + b)})
		if l := leaks(r, reflect.ValueOf(got), "copy", map[uintptr]bool{}); len(l) > 0 {
			t.Fatalf("secret %q left in %v", secret, l)
		}
	})
}

func url2(s string) string { return strings.ReplaceAll(s, " ", "%20") }
