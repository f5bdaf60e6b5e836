package redact

import (
	"bytes"
	"encoding/json"
	"reflect"
	"time"
)

// Copy: a value with every string in it redacted, errors included.

// maxCopyDepth bounds how deep Copy walks; deeper values are kept as they
// are (no value oz-run redacts comes near it).
const maxCopyDepth = 64

// Copy returns a copy of v in which everything r finds is redacted, so
// that a result can be redacted once, whole, before anything renders or
// escapes it:
//
//   - every string: struct fields, map keys and values, and the elements
//     of slices and arrays, through pointers and interfaces;
//   - byte slices (json.RawMessage included) as JSON documents (JSON);
//   - errors: one whose message holds a secret becomes an error with the
//     redacted message (it no longer unwraps); the others are kept;
//   - a struct with unexported fields that marshals to and from JSON (an
//     artifact that keeps its raw bytes) goes through JSON: marshalled,
//     redacted with JSON and unmarshalled again when it held a secret.
//
// Other unexported fields are copied as they are; time.Time is kept.
// Strings and byte slices are shared where nothing was found (a result
// holds megabytes of them, and is not changed afterwards); maps, other
// slices and pointers are new. With no secret, v is returned as it is.
func Copy[T any](r *Redactor, v T) T {
	if r == nil || r.Empty() {
		return v
	}
	src := reflect.ValueOf(&v).Elem()
	dst := reflect.New(src.Type()).Elem()
	c := copier{r: r, ptrs: map[uintptr]reflect.Value{}}
	c.copy(dst, src, 0)
	return dst.Interface().(T)
}

type copier struct {
	r    *Redactor
	ptrs map[uintptr]reflect.Value // copies of pointers seen, so that shared and cyclic ones stay so
}

var (
	errorType       = reflect.TypeFor[error]()
	timeType        = reflect.TypeFor[time.Time]()
	marshalerType   = reflect.TypeFor[json.Marshaler]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// redactedError is an error whose message was redacted.
type redactedError struct{ msg string }

func (e redactedError) Error() string { return e.msg }

// copy sets dst (settable, of src's type) to src redacted.
func (c *copier) copy(dst, src reflect.Value, depth int) {
	if depth > maxCopyDepth {
		dst.Set(src)
		return
	}
	switch src.Kind() {
	case reflect.String:
		dst.SetString(c.r.String(src.String()))
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		if src.Type().Elem().Kind() == reflect.Uint8 {
			b := src.Bytes()
			if red := c.r.JSON(b); len(red) != len(b) || len(b) > 0 && &red[0] != &b[0] {
				dst.Set(reflect.ValueOf(red).Convert(dst.Type()))
			} else {
				dst.Set(src) // nothing found: shared, as strings are
			}
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			c.copy(s.Index(i), src.Index(i), depth+1)
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			c.copy(dst.Index(i), src.Index(i), depth+1)
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		kt, et := src.Type().Key(), src.Type().Elem()
		for it := src.MapRange(); it.Next(); {
			k, e := reflect.New(kt).Elem(), reflect.New(et).Elem()
			c.copy(k, it.Key(), depth+1)
			c.copy(e, it.Value(), depth+1)
			m.SetMapIndex(k, e)
		}
		dst.Set(m)
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		if p, ok := c.ptrs[src.Pointer()]; ok && p.Type() == src.Type() {
			dst.Set(p)
			return
		}
		p := reflect.New(src.Type().Elem())
		c.ptrs[src.Pointer()] = p
		c.copy(p.Elem(), src.Elem(), depth+1)
		dst.Set(p)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		if src.Type() == errorType || src.Type().NumMethod() == 0 && src.Elem().Type().Implements(errorType) {
			err := src.Interface().(error)
			if msg := err.Error(); c.r.Contains(msg) {
				dst.Set(reflect.ValueOf(redactedError{c.r.String(msg)}))
			} else {
				dst.Set(src)
			}
			return
		}
		e := src.Elem()
		v := reflect.New(e.Type()).Elem()
		c.copy(v, e, depth+1)
		dst.Set(v)
	case reflect.Struct:
		c.copyStruct(dst, src, depth)
	default:
		dst.Set(src)
	}
}

func (c *copier) copyStruct(dst, src reflect.Value, depth int) {
	t := src.Type()
	if t == timeType {
		dst.Set(src)
		return
	}
	dst.Set(src) // the unexported fields
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			c.viaJSON(dst, src)
			break
		}
	}
	// Then the exported fields, also those JSON leaves out (`json:"-"`).
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			c.copy(dst.Field(i), dst.Field(i), depth+1)
		}
	}
}

// viaJSON sets dst to src redacted through JSON when src's type marshals
// (by a method) and unmarshals (by a pointer method) itself, so that its
// unexported fields are reached too.
func (c *copier) viaJSON(dst, src reflect.Value) {
	t := src.Type()
	if !(t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType)) || !reflect.PointerTo(t).Implements(unmarshalerType) {
		return
	}
	p := reflect.New(t)
	p.Elem().Set(src)
	var data []byte
	var err error
	if m, ok := p.Interface().(json.Marshaler); ok {
		data, err = m.MarshalJSON() // as it is: no need for json.Marshal's check and compaction
	} else {
		data, err = json.Marshal(p.Interface())
	}
	if err != nil {
		return
	}
	red := c.r.JSON(data)
	if bytes.Equal(red, data) {
		return // dst holds src: nothing to redact
	}
	q := reflect.New(t)
	if json.Unmarshal(red, q.Interface()) == nil {
		dst.Set(q.Elem())
	}
}
