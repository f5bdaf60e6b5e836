package oz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// This file reads the API's answers with jsonReader, each field capped as
// caps.go says. A field of an unexpected type is ignored, as encoding/json
// would leave it: one odd field does not hide the run.

// Typed values, each read whatever the value's type is (another type is
// read through and ignored).

// str reads a string of at most limit bytes; ok is false for another type.
func (d *jsonReader) str(limit int) (s string, cut, ok bool) {
	if d.kind() != '"' {
		d.skip()
		return "", false, false
	}
	s, cut = d.readString(limit)
	return s, cut, true
}

// text reads a string cut to limit bytes, marked with "…" when cut.
func (d *jsonReader) text(limit int) string {
	s, cut, _ := d.str(limit)
	if cut {
		s = cutText(s, limit)
	}
	return s
}

// ident reads an id, URL or timestamp: dropped when longer than limit.
func (d *jsonReader) ident(limit int) string {
	s, cut, _ := d.str(limit)
	if cut {
		return ""
	}
	return s
}

// optIdent is ident as a pointer: nil for null or another type.
func (d *jsonReader) optIdent(limit int) *string {
	s, cut, ok := d.str(limit)
	if !ok || cut {
		return nil
	}
	return &s
}

// float reads a number; nil for another type, a long literal or a value
// out of range.
func (d *jsonReader) float() *float64 {
	if d.kind() != '0' {
		d.skip()
		return nil
	}
	lit, _ := d.number()
	f, err := strconv.ParseFloat(lit, 64)
	if lit == "" || err != nil {
		return nil
	}
	return &f
}

// integer reads an integral number; nil otherwise.
func (d *jsonReader) integer() *int64 {
	if d.kind() != '0' {
		d.skip()
		return nil
	}
	lit, _ := d.number()
	n, err := strconv.ParseInt(lit, 10, 64)
	if lit == "" || err != nil {
		return nil
	}
	return &n
}

// boolean reads true or false; nil for another type.
func (d *jsonReader) boolean() *bool {
	if d.kind() != 'b' {
		d.skip()
		return nil
	}
	v := d.literal() == 't'
	return &v
}

// cutText cuts s (valid UTF-8) to at most limit bytes at a character
// boundary, ending with "…".
func cutText(s string, limit int) string {
	const mark = "…"
	if len(s) <= limit {
		return s
	}
	n := max(limit-len(mark), 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + mark
}

// readObject decodes a body, which must hold one JSON object and nothing
// else, with read (which reads the object's value).
func readObject(r io.Reader, read func(d *jsonReader)) error {
	return readObjectFrom(newJSONReader(r), read)
}

// readObjectFrom is readObject with a reader made already.
func readObjectFrom(d *jsonReader, read func(d *jsonReader)) error {
	c, ok, eof := d.peek()
	switch {
	case eof:
		return errors.New("the body is empty")
	case !ok:
		return d.err
	case c != '{':
		return errors.New("the body is not a JSON object")
	}
	read(d)
	if err := d.end(); err != nil {
		if errors.Is(err, errSyntax) {
			return fmt.Errorf("decoding the body: %w", err)
		}
		return err
	}
	return nil
}

// The run.

// readRun reads a RunItem into r; the caller checks run_id and state.
func (d *jsonReader) readRun(r *Run) {
	*r = Run{}
	d.object(func(key string, _ bool) {
		switch key {
		case "run_id":
			// One byte more than allowed, so that CheckRunID sees it is too long.
			r.RunID, _, _ = d.str(MaxRunIDLen + 1)
		case "task_id":
			r.TaskID = d.ident(maxIdent)
		case "title":
			r.Title = d.text(maxTitle)
		case "state":
			r.State = d.state()
		case "prompt":
			r.Prompt = d.text(maxPrompt)
		case "submitted_prompt":
			r.SubmittedPrompt = d.text(maxPrompt)
		case "created_at":
			r.CreatedAt = d.ident(maxStamp)
		case "updated_at":
			r.UpdatedAt = d.ident(maxStamp)
		case "started_at":
			r.StartedAt = d.optIdent(maxStamp)
		case "finished_at":
			r.FinishedAt = d.ident(maxStamp)
		case "run_time":
			r.RunTime = d.ident(maxStamp)
		case "status_message":
			r.StatusMessage = d.statusMessage()
		case "session_id":
			r.SessionID = d.ident(maxIdent)
		case "session_link":
			r.SessionLink = d.ident(maxURL)
		case "trigger_url":
			r.TriggerURL = d.ident(maxURL)
		case "artifacts":
			r.Artifacts, r.ArtifactsLeftOut = d.artifacts()
		case "request_usage":
			r.RequestUsage = d.usage()
		case "conversation_id":
			r.ConversationID = d.ident(maxIdent)
		case "root_run_id":
			r.RootRunID = d.ident(maxIdent)
		case "parent_run_id":
			r.ParentRunID = d.ident(maxIdent)
		case "metadata":
			r.Metadata = d.metadata()
		case "is_run_type_cancellable":
			r.IsRunTypeCancellable = d.boolean()
		}
	})
}

// state reads a state word, cut to maxState bytes (an odd one is unknown,
// so terminal); "" for another type.
func (d *jsonReader) state() State {
	s, _, _ := d.str(maxState)
	return ParseState(s)
}

func (d *jsonReader) statusMessage() *StatusMessage {
	var m StatusMessage
	if !d.object(func(key string, _ bool) {
		switch key {
		case "message":
			m.Message = d.text(maxStatusMessage)
		case "error_code":
			m.ErrorCode = d.ident(maxCode)
		case "retryable":
			m.Retryable = d.boolean()
		}
	}) {
		return nil
	}
	return &m
}

func (d *jsonReader) usage() *Usage {
	var u Usage
	if !d.object(func(key string, _ bool) {
		switch key {
		case "inference_cost":
			u.InferenceCost = d.float()
		case "compute_cost":
			u.ComputeCost = d.float()
		case "platform_cost":
			u.PlatformCost = d.float()
		case "inference_cost_usd":
			u.InferenceCostUSD = d.float()
		case "compute_cost_usd":
			u.ComputeCostUSD = d.float()
		case "platform_cost_usd":
			u.PlatformCostUSD = d.float()
		case "total_tokens":
			u.TotalTokens = d.integer()
		}
	}) {
		return nil
	}
	return &u
}

// metadata keeps string values within the API's limits; other entries are
// skipped.
func (d *jsonReader) metadata() map[string]string {
	md := map[string]string{}
	if !d.object(func(key string, cut bool) {
		if cut || key == "" || len(key) > maxMetadataKeyLen {
			d.skip()
			return
		}
		if _, known := md[key]; !known && len(md) >= maxMetadataEntries {
			d.skip()
			return
		}
		if v, vcut, ok := d.str(maxMetadataValue); ok && !vcut {
			md[key] = v
		}
	}) {
		return nil
	}
	return md
}

// artifacts keeps the elements that are objects, at most maxArtifacts;
// leftOut counts the objects past that cap.
func (d *jsonReader) artifacts() (out []Artifact, leftOut int) {
	d.array(func(int) {
		if d.kind() != '{' {
			d.skip()
			return
		}
		if len(out) >= maxArtifacts {
			leftOut++
			d.skip()
			return
		}
		var a Artifact
		if d.readArtifact(&a) {
			out = append(out, a)
		}
	})
	return out, leftOut
}

// readArtifact reads an artifact object into its canonical form: decoded,
// capped (caps.go), and encoded again with sorted keys and no escapes
// beyond JSON's own, so that what is written out is what was understood.
func (d *jsonReader) readArtifact(a *Artifact) bool {
	if d.kind() != '{' {
		d.skip()
		return false
	}
	b := &budget{left: maxArtifactJSON}
	m, _ := d.anyValue(0, b).(map[string]any)
	if d.err != nil || m == nil {
		return false
	}
	*a = Artifact{raw: canonical(m)}
	if s, ok := m["artifact_type"].(string); ok {
		a.Type = cutText(s, maxCode)
	}
	if s, ok := m["created_at"].(string); ok && len(s) <= maxStamp {
		a.CreatedAt = s
	}
	if v, ok := m["data"]; ok {
		a.Data = canonical(v)
	}
	return true
}

// budget is what is left of the bytes an artifact may keep.
type budget struct{ left int }

// anyValue reads a value as encoding/json reads into an any with
// UseNumber, within the budget: strings cut at maxArtifactString (marked
// "…"), long numbers dropped (null), nesting past maxArtifactDepth and
// members past the budget or maxArtifactMembers left out.
func (d *jsonReader) anyValue(depth int, b *budget) any {
	switch d.kind() {
	case '"':
		s, cut := d.readString(min(maxArtifactString, max(b.left, 0)))
		if cut {
			s = cutText(s, min(maxArtifactString, max(b.left, len("…"))))
		}
		b.left -= len(s) + 2
		return s
	case '0':
		lit, _ := d.number()
		b.left -= len(lit) + 1
		if lit == "" {
			return nil
		}
		return json.Number(lit)
	case 'b':
		b.left -= 5
		return d.literal() == 't'
	case 'n':
		b.left -= 4
		d.literal()
		return nil
	case '{':
		if depth >= maxArtifactDepth {
			d.skip()
			b.left -= 4
			return nil
		}
		m := map[string]any{}
		b.left -= 2
		d.object(func(key string, cut bool) {
			if _, dup := m[key]; cut || b.left <= len(key)+4 || !dup && len(m) >= maxArtifactMembers {
				d.skip()
				return
			}
			b.left -= len(key) + 4
			m[key] = d.anyValue(depth+1, b)
		})
		return m
	case '[':
		if depth >= maxArtifactDepth {
			d.skip()
			b.left -= 4
			return nil
		}
		l := []any{}
		b.left -= 2
		d.array(func(int) {
			if b.left <= 1 || len(l) >= maxArtifactMembers {
				d.skip()
				return
			}
			b.left--
			l = append(l, d.anyValue(depth+1, b))
		})
		return l
	}
	return nil
}

// canonical encodes v as JSON without HTML escaping (its strings are valid
// UTF-8 already).
func canonical(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return json.RawMessage("null") // not reached: v came from JSON
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// Answers made of runs.

// decodeRun is readRunAnswer of b.
func decodeRun(b []byte) (*Run, error) { return readRunAnswer(bytes.NewReader(b)) }

// readRunAnswer reads a RunItem; it fails on anything that is not a JSON
// object with a run_id and a state (a run without a state would be read as
// ended in an unknown state, so failed), and finally on a run id of the
// wrong shape.
func readRunAnswer(body io.Reader) (*Run, error) {
	var r Run
	if err := readObject(body, func(d *jsonReader) { d.readRun(&r) }); err != nil {
		return nil, err
	}
	switch {
	case r.RunID == "":
		return nil, errors.New("the run has no run_id")
	case r.State == "":
		return nil, errors.New("the run has no state")
	}
	if err := checkReturnedID(r.RunID); err != nil {
		return nil, err
	}
	return &r, nil
}

// decodeList reads a list of runs, keeping at most maxListRuns. A run id
// of the wrong shape refuses the whole list; a run without an id is kept
// (the caller skips it).
func decodeList(r io.Reader) (*ListRunsResponse, error) {
	var out ListRunsResponse
	err := readObject(r, func(d *jsonReader) {
		d.object(func(key string, _ bool) {
			switch key {
			case "runs":
				d.array(func(int) {
					if len(out.Runs) >= maxListRuns || d.kind() != '{' {
						d.skip()
						return
					}
					var r Run
					d.readRun(&r)
					out.Runs = append(out.Runs, r)
				})
			case "page_info":
				d.object(func(key string, _ bool) {
					switch key {
					case "has_next_page":
						if v := d.boolean(); v != nil {
							out.PageInfo.HasNextPage = *v
						}
					case "next_cursor":
						out.PageInfo.NextCursor = d.ident(maxCursor)
					}
				})
			}
		})
	})
	if err != nil {
		return nil, err
	}
	for _, r := range out.Runs {
		if r.RunID == "" {
			continue
		}
		if err := checkReturnedID(r.RunID); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// decodeCreated reads the create's answer.
func decodeCreated(r io.Reader) (*CreateRunResponse, error) {
	var out CreateRunResponse
	err := readObject(r, func(d *jsonReader) {
		d.object(func(key string, _ bool) {
			switch key {
			case "run_id":
				out.RunID, _, _ = d.str(MaxRunIDLen + 1)
			case "task_id":
				out.TaskID = d.ident(maxIdent)
			case "state":
				out.State = d.state()
			case "at_capacity":
				if v := d.boolean(); v != nil {
					out.AtCapacity = *v
				}
			}
		})
	})
	if err != nil {
		return nil, err
	}
	if out.RunID == "" {
		return nil, errors.New("the answer has no run_id")
	}
	if err := checkReturnedID(out.RunID); err != nil {
		return nil, err
	}
	return &out, nil
}

// limitedBody reads at most limit bytes of a body; past them it fails with
// a "larger than" error, and it names other read errors.
type limitedBody struct {
	r     io.Reader
	left  int64
	limit int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, l.tooLarge()
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n - int(-l.left), l.tooLarge()
	}
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("reading the body: %w", err)
	}
	return n, err
}

func (l *limitedBody) tooLarge() error {
	return final(fmt.Errorf("the body is larger than %d bytes", l.limit))
}
