package oz

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonReader reads JSON from a stream, one value at a time, keeping only
// what its caller asks for and at most as much of each string as the caller
// allows: a 16 MiB string is read through, never held. It checks the syntax
// as strictly as encoding/json (the fuzz tests compare the two), never
// panics, and stops at the first error, which it keeps (err): every method
// is then a no-op, so callers check d.err once at the end.
//
// Errors of the underlying reader (a body too large, a connection reset, a
// context ended) are kept as they are; syntax errors say where they are.
type jsonReader struct {
	r     *bufio.Reader
	off   int64 // bytes consumed
	depth int   // objects and arrays open
	err   error
	raw   []byte // scratch for strings
}

// errSyntax is wrapped by every syntax error.
var errSyntax = errors.New("invalid JSON")

func newJSONReader(r io.Reader) *jsonReader {
	return &jsonReader{r: bufio.NewReaderSize(r, 32<<10)}
}

// jsonReaderOf reads b.
func jsonReaderOf(b []byte) *jsonReader {
	return &jsonReader{r: bufio.NewReaderSize(bytes.NewReader(b), min(max(len(b), 16), 32<<10))}
}

func (d *jsonReader) syntax(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w at byte %d: %s", errSyntax, d.off, fmt.Sprintf(format, args...))
	}
}

// fail keeps a read error; EOF in the middle of a value is a syntax error.
func (d *jsonReader) fail(err error) {
	if d.err != nil {
		return
	}
	if errors.Is(err, io.EOF) {
		d.syntax("unexpected end of JSON")
		return
	}
	d.err = err
}

func (d *jsonReader) readByte() (byte, bool) {
	if d.err != nil {
		return 0, false
	}
	c, err := d.r.ReadByte()
	if err != nil {
		d.fail(err)
		return 0, false
	}
	d.off++
	return c, true
}

// peek skips white space and returns the next byte without consuming it;
// ok is false at the end of the input or on an error (eof tells which).
func (d *jsonReader) peek() (c byte, ok bool, eof bool) {
	for d.err == nil {
		b, err := d.r.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, false, true
			}
			d.fail(err)
			return 0, false, false
		}
		switch b[0] {
		case ' ', '\t', '\n', '\r':
			_, _ = d.r.ReadByte()
			d.off++
			continue
		}
		return b[0], true, false
	}
	return 0, false, false
}

// next is peek that makes the end of the input a syntax error.
func (d *jsonReader) next() (byte, bool) {
	c, ok, eof := d.peek()
	if eof {
		d.syntax("unexpected end of JSON")
	}
	return c, ok
}

// expect consumes the byte c after white space.
func (d *jsonReader) expect(c byte) bool {
	got, ok := d.next()
	if !ok {
		return false
	}
	if got != c {
		d.syntax("expected %q, found %q", c, got)
		return false
	}
	d.readByte()
	return true
}

// end checks that nothing but white space follows the value read.
func (d *jsonReader) end() error {
	if c, ok, _ := d.peek(); ok {
		d.syntax("unexpected %q after the JSON value", c)
	}
	return d.err
}

// kind is the type of the next value: '{', '[', '"', 'n' (null), 'b'
// (true or false), '0' (a number); 0 on an error.
func (d *jsonReader) kind() byte {
	c, ok := d.next()
	switch {
	case !ok:
		return 0
	case c == '{', c == '[', c == '"', c == 'n':
		return c
	case c == 't', c == 'f':
		return 'b'
	case c == '-', '0' <= c && c <= '9':
		return '0'
	}
	d.syntax("unexpected %q", c)
	return 0
}

// open and close count nesting, which is capped as encoding/json caps it.
func (d *jsonReader) open() bool {
	d.depth++
	if d.depth > maxJSONDepth {
		d.syntax("nested too deeply")
		return false
	}
	return true
}

func (d *jsonReader) close() { d.depth-- }

// object reads an object, calling member with each key (at most maxKey
// bytes; cut reports a longer one) to read its value; a value member
// leaves unread is skipped. It reports whether the value was an object:
// any other value (null, or one of the wrong type) is read through and
// ignored, so that a field of an unexpected type loses only itself.
func (d *jsonReader) object(member func(key string, cut bool)) bool {
	if d.kind() != '{' {
		d.skip()
		return false
	}
	return d.entries('}', func() {
		if !d.expectString() {
			return
		}
		key, cut := d.readString(maxKey)
		if d.expect(':') {
			d.value(func() { member(key, cut) })
		}
	})
}

// array reads an array, calling elem for each element (numbered from 0)
// to read it; an element elem leaves unread is skipped. It reports whether
// the value was an array; any other value is read through and ignored.
func (d *jsonReader) array(elem func(i int)) bool {
	if d.kind() != '[' {
		d.skip()
		return false
	}
	i := 0
	return d.entries(']', func() {
		d.value(func() { elem(i) })
		i++
	})
}

// entries reads an object or array from its opening byte to closer: entry
// reads each entry, and commas separate them. It reports whether the whole
// container was read.
func (d *jsonReader) entries(closer byte, entry func()) bool {
	d.readByte()
	if !d.open() {
		return false
	}
	defer d.close()
	if c, ok := d.next(); ok && c == closer {
		d.readByte()
		return true
	}
	for d.err == nil {
		entry()
		c, ok := d.next()
		if !ok {
			return false
		}
		d.readByte()
		switch c {
		case ',':
		case closer:
			return true
		default:
			d.syntax("expected ',' or %q, found %q", closer, c)
		}
	}
	return false
}

// value calls read to read the value that comes next, and skips the value
// when read has left it alone.
func (d *jsonReader) value(read func()) {
	depth, off := d.depth, d.off
	read()
	switch {
	case d.err != nil:
	case d.off == off:
		d.skip()
	case d.depth != depth:
		d.syntax("internal: a value was read in part") // a bug, not the input
	}
}

// skip reads one value of any kind and throws it away, without recursion:
// the nesting it can read is bounded by maxJSONDepth, not by the stack.
func (d *jsonReader) skip() {
	var stack []byte // '{' or '[' per open container
	expectKey := false
	for d.err == nil {
		// A value (or, inside an object, a key and a value).
		if expectKey {
			if !d.expectString() {
				return
			}
			d.readString(0)
			if !d.expect(':') {
				return
			}
		}
		switch d.kind() {
		case 0:
			return
		case '"':
			d.readString(0)
		case '0':
			d.number()
		case 'n', 'b':
			d.literal()
		case '{', '[':
			c, _ := d.readByte()
			if !d.open() {
				return
			}
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if n, ok := d.next(); ok && n == closer {
				d.readByte()
				d.close()
				break
			}
			stack = append(stack, c)
			expectKey = c == '{'
			continue
		}
		// After a value: close what ends here, or go on to the next one.
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			c, ok := d.next()
			if !ok {
				return
			}
			d.readByte()
			if c == ',' {
				expectKey = top == '{'
				break
			}
			if top == '{' && c == '}' || top == '[' && c == ']' {
				stack = stack[:len(stack)-1]
				d.close()
				continue
			}
			d.syntax("expected ',' or a closing bracket, found %q", c)
			return
		}
		if len(stack) == 0 {
			return
		}
	}
}

func (d *jsonReader) expectString() bool {
	c, ok := d.next()
	if ok && c != '"' {
		d.syntax("expected a key, found %q", c)
		return false
	}
	return ok
}

// literal reads true, false or null and reports which: 't', 'f' or 'n'.
func (d *jsonReader) literal() byte {
	c, ok := d.next()
	if !ok {
		return 0
	}
	var want string
	switch c {
	case 't':
		want = "true"
	case 'f':
		want = "false"
	case 'n':
		want = "null"
	default:
		d.syntax("unexpected %q", c)
		return 0
	}
	for i := 0; i < len(want); i++ {
		b, ok := d.readByte()
		if !ok {
			return 0
		}
		if b != want[i] {
			d.syntax("invalid literal, expected %s", want)
			return 0
		}
	}
	return c
}

// number reads a number and returns its literal, or "" with long set when
// it is longer than maxNumberLen bytes (it is still read through).
func (d *jsonReader) number() (lit string, long bool) {
	var buf [maxNumberLen]byte
	n := 0
	put := func(c byte) {
		if n < len(buf) {
			buf[n] = c
		} else {
			long = true
		}
		n++
	}
	peekByte := func() (byte, bool) {
		if d.err != nil {
			return 0, false
		}
		b, err := d.r.Peek(1)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				d.fail(err)
			}
			return 0, false
		}
		return b[0], true
	}
	digits := func() int {
		count := 0
		for {
			c, ok := peekByte()
			if !ok || c < '0' || c > '9' {
				return count
			}
			d.readByte()
			put(c)
			count++
		}
	}
	if c, ok := peekByte(); ok && c == '-' {
		d.readByte()
		put(c)
	}
	c, ok := peekByte()
	switch {
	case !ok:
		d.syntax("unexpected end of a number")
		return "", false
	case c == '0':
		d.readByte()
		put(c)
	case '1' <= c && c <= '9':
		digits()
	default:
		d.syntax("invalid number")
		return "", false
	}
	if c, ok := peekByte(); ok && c == '.' {
		d.readByte()
		put(c)
		if digits() == 0 {
			d.syntax("invalid number: no digit after '.'")
			return "", false
		}
	}
	if c, ok := peekByte(); ok && (c == 'e' || c == 'E') {
		d.readByte()
		put(c)
		if c, ok := peekByte(); ok && (c == '+' || c == '-') {
			d.readByte()
			put(c)
		}
		if digits() == 0 {
			d.syntax("invalid number: no digit in the exponent")
			return "", false
		}
	}
	if d.err != nil || long {
		return "", long
	}
	return string(buf[:n]), false
}

// readString reads a string and returns at most limit bytes of it, cut at
// a character boundary (cut reports that it was longer). The text is valid
// UTF-8: invalid bytes and lone surrogates become U+FFFD, as encoding/json
// makes them. With limit 0 the string is only checked.
func (d *jsonReader) readString(limit int) (s string, cut bool) {
	if !d.expect('"') {
		return "", false
	}
	limit = max(limit, 0)
	keep := limit + utf8.UTFMax // enough to finish the last character kept
	raw := d.raw[:0]
	over := false
	add := func(p []byte) {
		if room := keep - len(raw); room < len(p) {
			p, over = p[:max(room, 0)], true
		}
		raw = append(raw, p...)
	}
	for d.err == nil {
		// The fast path: plain bytes already buffered.
		if n := d.r.Buffered(); n > 0 {
			chunk, _ := d.r.Peek(n)
			i := 0
			for i < len(chunk) && chunk[i] != '"' && chunk[i] != '\\' && chunk[i] >= 0x20 {
				i++
			}
			if limit > 0 {
				add(chunk[:i])
			}
			_, _ = d.r.Discard(i)
			d.off += int64(i)
			if i == len(chunk) {
				continue
			}
		}
		c, ok := d.readByte()
		if !ok {
			break
		}
		switch {
		case c == '"':
			d.raw = raw[:0]
			if limit == 0 {
				return "", false
			}
			return finishString(raw, limit, over)
		case c < 0x20:
			d.syntax("control character %#x in a string", c)
		case c == '\\':
			r := d.escape()
			if limit > 0 && d.err == nil {
				var b [utf8.UTFMax]byte
				add(b[:utf8.EncodeRune(b[:], r)])
			}
		default:
			if limit > 0 {
				add([]byte{c})
			}
		}
	}
	d.raw = raw[:0]
	return "", false
}

// escape reads the rest of an escape sequence after its backslash.
func (d *jsonReader) escape() rune {
	c, ok := d.readByte()
	if !ok {
		return 0
	}
	switch c {
	case '"', '\\', '/':
		return rune(c)
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'u':
	default:
		d.syntax("invalid escape \\%c", c)
		return 0
	}
	r1 := d.hex4()
	if d.err != nil || !utf16.IsSurrogate(r1) {
		return r1
	}
	// A surrogate pair is two escapes; anything else makes U+FFFD.
	if p, err := d.r.Peek(6); err == nil && p[0] == '\\' && p[1] == 'u' {
		if r2, ok := parseHex4(p[2:6]); ok {
			if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
				_, _ = d.r.Discard(6)
				d.off += 6
				return r
			}
		}
	}
	return utf8.RuneError
}

func (d *jsonReader) hex4() rune {
	var b [4]byte
	for i := range b {
		c, ok := d.readByte()
		if !ok {
			return 0
		}
		b[i] = c
	}
	r, ok := parseHex4(b[:])
	if !ok {
		d.syntax("invalid \\u escape")
	}
	return r
}

func parseHex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// interned are the keys and words the decoders meet again and again: they
// are returned without a new string each time. Not an optimization to
// drop: a conversation of 16 MiB of tiny messages peaks at 20 MiB of heap
// without it, 16 MiB is the budget (TestHugeBodiesOverHTTP).
var interned = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		// RunItem
		"run_id", "task_id", "title", "state", "prompt", "submitted_prompt", "created_at", "updated_at",
		"started_at", "finished_at", "run_time", "status_message", "message", "error_code", "retryable",
		"session_id", "session_link", "trigger_url", "artifacts", "request_usage", "conversation_id",
		"root_run_id", "parent_run_id", "metadata", "is_run_type_cancellable", "execution_location",
		"source", "creator", "agent_config", "is_sandbox_running", "runs", "page_info", "has_next_page",
		"next_cursor", "inference_cost", "compute_cost", "platform_cost", "inference_cost_usd",
		"compute_cost_usd", "platform_cost_usd", "total_tokens",
		"QUEUED", "PENDING", "CLAIMED", "INPROGRESS", "SUCCEEDED", "FAILED", "ERROR", "BLOCKED", "CANCELLED",
		// artifacts
		"artifact_type", "artifact_uid", "data", "url", "branch", "status", "filename", "filepath",
		"mime_type", "size_bytes", "description", "download_url", "expires_at", "content_type",
		"PULL_REQUEST", "PLAN", "SCREENSHOT", "FILE", "EXTERNAL_REFERENCE",
		// conversation
		"steps", "id", "summary", "completed_at", "messages", "role", "timestamp", "content", "type",
		"text", "action_id", "name", "category", "message_id", "input", "output", "request_id", "message_ids",
		"user", "assistant", "tool", "system", "action", "action_result", "event",
		// follow-up
		"followup_id", "outcome",
	} {
		m[s] = s
	}
	return m
}()

// finishString makes raw valid UTF-8 (each invalid byte becomes U+FFFD, as
// in encoding/json) and cuts it to limit bytes at a character boundary.
func finishString(raw []byte, limit int, over bool) (string, bool) {
	if len(raw) <= limit && !over {
		if s, ok := interned[string(raw)]; ok { // no allocation
			return s, false
		}
	}
	if utf8.Valid(raw) && len(raw) <= limit {
		return string(raw), over
	}
	var b []byte
	for i := 0; i < len(raw); {
		// raw holds up to limit+UTFMax bytes: every character that can
		// start within the first limit bytes is whole.
		r, size := utf8.DecodeRune(raw[i:])
		if len(b)+utf8.RuneLen(r) > limit {
			return string(b), true
		}
		b = utf8.AppendRune(b, r)
		i += size
	}
	return string(b), over
}
