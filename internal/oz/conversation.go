package oz

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// A run's conversation (GetConversation), decoded as a stream within caps,
// and the agent's answer taken from it.

// ErrNoConversation is wrapped by the error of GetConversation when the API
// answers 404: the run has no conversation (it never started, or the server
// is older than the endpoint). Callers treat it as "no answer".
var ErrNoConversation = errors.New("the run has no conversation (yet), or the API does not serve conversations")

// Roles of a message.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Types of a content block. Only text blocks carry prose.
const (
	BlockText         = "text"
	BlockAction       = "action"
	BlockActionResult = "action_result"
	BlockEvent        = "event"
)

// Conversation is a run's conversation, normalized by the API: root steps
// in order, each with its messages and nested steps (delegated work:
// sub-agents).
//
// A decoded conversation keeps at most a bounded part of a very large one
// (caps.go; Truncated says when something was left out), but its Answer is
// taken from the whole body as received.
type Conversation struct {
	ConversationID string `json:"conversation_id"`
	Steps          []Step `json:"steps"`
	// Truncated reports that texts were cut, or steps, messages or blocks
	// left out, to keep a very large conversation small.
	Truncated bool `json:"-"`

	decoded bool   // answer was taken from the body
	answer  string // "" when none
}

// Step is one step of a conversation.
type Step struct {
	ID          string    `json:"id,omitempty"`
	Description string    `json:"description,omitempty"`
	Summary     string    `json:"summary,omitempty"`
	StartedAt   string    `json:"started_at,omitempty"`
	CompletedAt string    `json:"completed_at,omitempty"`
	Messages    []Message `json:"messages"`
	Steps       []Step    `json:"steps"`
}

// Message is one message of a step.
type Message struct {
	Role      string         `json:"role"`
	Timestamp string         `json:"timestamp,omitempty"`
	Content   []ContentBlock `json:"content"`
}

// ContentBlock is one block of a message: text, an action the agent took,
// an action's result, or an event. Blocks of types not known yet are kept
// with their common fields.
type ContentBlock struct {
	Type      string `json:"type"`
	Text      string `json:"text,omitempty"`
	ID        string `json:"id,omitempty"`
	ActionID  string `json:"action_id,omitempty"`
	Name      string `json:"name,omitempty"`
	Category  string `json:"category,omitempty"`
	State     string `json:"state,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	// Input, Output and Data are an action's payloads, in canonical JSON,
	// capped (an action's output may be a whole command's output).
	Input  json.RawMessage `json:"input,omitempty"`
	Output json.RawMessage `json:"output,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// Answer is the agent's answer: the text of the last assistant message that
// has text among the root steps, in order (nested steps are sub-agents'
// work and are not looked at). A message's text blocks are joined by a
// blank line. The answer is at most MaxAnswer bytes: a longer one is cut at
// a character boundary and ends with a line saying so. ok is false when
// there is no such message.
func (c *Conversation) Answer() (text string, ok bool) {
	if c == nil {
		return "", false
	}
	if c.decoded {
		return c.answer, c.answer != ""
	}
	var last []string
	for _, st := range c.Steps {
		for _, m := range st.Messages {
			if !strings.EqualFold(m.Role, RoleAssistant) {
				continue
			}
			var texts []string
			for _, b := range m.Content {
				if strings.EqualFold(b.Type, BlockText) {
					texts = append(texts, b.Text)
				}
			}
			if hasText(texts) {
				last = texts
			}
		}
	}
	a := joinAnswer(last)
	return a, a != ""
}

// answerCutLine ends an answer that was cut.
const answerCutLine = "\n\n[oz-run cut the answer here: it is longer than 64 KiB. The run's page shows all of it.]"

func hasText(texts []string) bool {
	for _, t := range texts {
		if strings.TrimSpace(t) != "" {
			return true
		}
	}
	return false
}

// joinAnswer joins a message's texts, blank ones left out, by a blank line
// (each text is a paragraph or more of its own), and caps the result.
func joinAnswer(texts []string) string {
	var b strings.Builder
	for _, t := range texts {
		t = strings.TrimRight(strings.TrimLeft(t, "\r\n"), " \t\r\n")
		if strings.TrimSpace(t) == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		if b.Len() > MaxAnswer {
			break // already over: the rest is cut anyway
		}
		b.WriteString(t)
	}
	return capAnswer(b.String())
}

// capAnswer cuts s to MaxAnswer bytes, the cut line included.
func capAnswer(s string) string {
	if len(s) <= MaxAnswer {
		return s
	}
	n := MaxAnswer - len(answerCutLine)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + answerCutLine
}

// GetConversation reads a run's conversation. The body is read as a
// stream, at most 64 MiB, and only a bounded part of it is kept (see
// Conversation). A 404 is an *APIError wrapping ErrNoConversation. It is
// retried like GetRun.
func (c *Client) GetConversation(ctx context.Context, runID string) (*Conversation, error) {
	if runID == "" {
		return nil, errors.New("oz: GetConversation: the run id is empty")
	}
	op := "get conversation of run " + quoteID(runID)
	u := c.endpoint("agent", "runs", runID, "conversation")
	var conv *Conversation
	err := c.withRetry(ctx, op, func(n int) error {
		_, err := c.exchange(ctx, op, n, http.MethodGet, u, nil, maxConversationBody, func(_ *http.Response, r io.Reader) (err error) {
			conv, err = decodeConversation(r)
			return err
		})
		var ae *APIError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound {
			ae.Err = ErrNoConversation
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return conv, nil
}

// convDecoder reads a conversation: the answer from all of it, the Steps
// within the budget.
type convDecoder struct {
	d         *jsonReader
	nodes     int // kept
	bytes     int // of texts and payloads kept
	truncated bool
	answer    []string // the texts of the last assistant message with text
}

// decodeConversation reads a conversation from r (one JSON object).
func decodeConversation(r io.Reader) (*Conversation, error) {
	cd := &convDecoder{d: newJSONReader(r)}
	conv := &Conversation{decoded: true}
	err := readObjectFrom(cd.d, func(d *jsonReader) {
		d.object(func(key string, _ bool) {
			switch key {
			case "conversation_id":
				conv.ConversationID = d.ident(maxIdent)
			case "steps":
				cd.answer = nil // a repeated key: the last one wins, as in encoding/json
				conv.Steps = cd.steps(0, true)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	conv.Truncated = cd.truncated
	conv.answer = joinAnswer(cd.answer)
	return conv, nil
}

// node reserves room for one more step, message or block in the kept
// Steps; false when the budget is spent (the node is then left out).
func (cd *convDecoder) node() bool {
	if cd.nodes >= maxConversationNodes {
		cd.truncated = true
		return false
	}
	cd.nodes++
	return true
}

// room reserves n bytes of text or payload; false when the budget is spent
// (the text is then left out).
func (cd *convDecoder) room(n int) bool {
	if cd.bytes+n > maxConversationBytes {
		cd.truncated = true
		return false
	}
	cd.bytes += n
	return true
}

// steps reads an array of steps at depth (0: the root steps), keeping them
// when keep is set and the budget allows.
func (cd *convDecoder) steps(depth int, keep bool) []Step {
	d := cd.d
	var out []Step
	d.array(func(int) {
		root := depth == 0
		if !root && (!keep || depth >= maxConversationDepth) {
			if keep {
				cd.truncated = true
			}
			d.skip() // sub-agents' work beyond what is kept: not needed for the answer
			return
		}
		keepThis := keep && cd.node()
		st, isObject := cd.step(depth, keepThis)
		if keepThis && isObject {
			out = append(out, st)
		}
	})
	return out
}

// step reads one step object. In a root step, its last assistant message
// with text becomes the answer so far.
func (cd *convDecoder) step(depth int, keep bool) (Step, bool) {
	d := cd.d
	var st Step
	var answer []string // of this step
	kept := func(s string) string {
		if !cd.room(len(s)) {
			return ""
		}
		return s
	}
	ok := d.object(func(key string, _ bool) {
		switch key {
		case "id", "started_at", "completed_at", "description", "summary":
			if !keep {
				d.skip() // a step left out: only its messages matter (the answer)
				return
			}
			switch key {
			case "description":
				st.Description = kept(d.text(maxDescription))
				return
			case "summary":
				st.Summary = kept(d.text(maxSummary))
				return
			}
			limit := maxStamp
			if key == "id" {
				limit = maxIdent
			}
			s := d.ident(limit)
			switch key {
			case "id":
				st.ID = s
			case "started_at":
				st.StartedAt = s
			default:
				st.CompletedAt = s
			}
		case "messages":
			st.Messages, answer = nil, nil // a repeated key: the last one wins
			d.array(func(int) {
				if depth > 0 && !keep {
					d.skip()
					return
				}
				keepMsg := keep && cd.node()
				m, texts, isObject := cd.message(depth == 0, keepMsg)
				if keepMsg && isObject {
					st.Messages = append(st.Messages, m)
				}
				if texts != nil {
					answer = texts
				}
			})
		case "steps":
			st.Steps = cd.steps(depth+1, keep)
		}
	})
	if ok && answer != nil {
		cd.answer = answer
	}
	return st, ok
}

// message reads one message object. In a root step, an assistant message
// with text returns its texts (answer), which are nil otherwise.
func (cd *convDecoder) message(root, keep bool) (m Message, answer []string, ok bool) {
	d := cd.d
	// The texts that are not blank, as far as the answer needs them: once
	// they are longer than an answer may be, the rest is not kept.
	var texts []string
	total := 0
	ok = d.object(func(key string, _ bool) {
		switch key {
		case "role":
			m.Role = d.ident(maxRole)
		case "timestamp":
			m.Timestamp = d.ident(maxStamp)
		case "content":
			m.Content, texts, total = nil, nil, 0 // a repeated key: the last one wins
			d.array(func(int) {
				keepBlock := keep && cd.node()
				answerLimit := 0
				if root && total <= MaxAnswer {
					answerLimit = MaxAnswer + 1 // enough to know that the answer is too long
				}
				b, kept, text, isText := cd.block(answerLimit, keepBlock)
				if isText && answerLimit > 0 && strings.TrimSpace(text) != "" {
					texts = append(texts, text)
					total += len(text)
				}
				if kept {
					m.Content = append(m.Content, b)
				}
			})
		}
	})
	if ok && root && strings.EqualFold(m.Role, RoleAssistant) && len(texts) > 0 {
		answer = texts
	}
	return m, answer, ok
}

// block reads one content block; text is its text, read up to
// answerLimit bytes (or maxBlockText when kept), isText reports a text
// block. kept is false when the block is not kept or is not an object.
func (cd *convDecoder) block(answerLimit int, keep bool) (blk ContentBlock, kept bool, text string, isText bool) {
	d := cd.d
	payload := func() json.RawMessage {
		if !keep {
			d.skip()
			return nil
		}
		v := d.anyValue(0, &budget{left: maxBlockPayload})
		p := canonical(v)
		if !cd.room(len(p)) {
			return nil
		}
		return p
	}
	textLimit := answerLimit
	if keep {
		textLimit = max(textLimit, maxBlockText)
	}
	ok := d.object(func(key string, _ bool) {
		switch key {
		case "type":
			blk.Type = d.ident(maxRole)
		case "text":
			if textLimit == 0 {
				d.skip()
				return
			}
			s, cut, _ := d.str(textLimit)
			if cut {
				s += "…" // longer than kept: joinAnswer and cutText cut it again
			}
			text = s
		case "id":
			blk.ID = d.ident(maxIdent)
		case "action_id":
			blk.ActionID = d.ident(maxIdent)
		case "name":
			blk.Name = d.text(maxTitle)
		case "category":
			blk.Category = d.ident(maxIdent)
		case "state":
			blk.State = d.ident(maxIdent)
		case "message_id":
			blk.MessageID = d.ident(maxIdent)
		case "input":
			blk.Input = payload()
		case "output":
			blk.Output = payload()
		case "data":
			blk.Data = payload()
		}
	})
	isText = ok && strings.EqualFold(blk.Type, BlockText)
	if !ok || !keep {
		return ContentBlock{}, false, text, isText
	}
	blk.Text = cutText(text, maxBlockText)
	if !cd.room(len(blk.Text)) {
		blk.Text = ""
	}
	return blk, true, text, isText
}
