package oz

// Caps on what is kept of an answer, all in one place. Everything the API
// returns is untrusted: each field is capped while it is decoded (see
// jsonread.go), so that a body the size limit lets through (16 MiB for a run,
// 64 MiB streamed for a conversation) never becomes a field of that size.
//
// Two rules, by kind of field:
//   - Text (a status message, a title, an answer) is cut at a character
//     boundary and ends with "…" (the answer with a line saying it was cut).
//   - Identifiers, URLs, timestamps and paths over their cap are dropped
//     (left empty): a cut id or URL would name something else. The run id
//     is the exception: one that is too long or oddly shaped refuses the
//     whole answer (ErrInvalidRunID).
//
// Counts are capped too: elements past a cap are skipped.
const (
	// MaxAnswer is the most of the agent's answer kept, marker included
	// (the contract's agent_output).
	MaxAnswer = 64 << 10

	maxStatusMessage = 64 << 10 // status_message.message
	maxPrompt        = 64 << 10 // prompt, submitted_prompt (echoes of the request)
	maxTitle         = 1 << 10  // a run's or an artifact's title
	maxDescription   = 4 << 10  // an artifact's or a step's description
	maxSummary       = 16 << 10 // a conversation step's summary
	maxIdent         = 128      // ids: task, session, conversation, artifact, follow-up
	maxStamp         = 64       // timestamps, durations
	maxState         = 64       // a state word (an unknown one is terminal)
	maxCodeLen       = 64       // error codes (as maxCode for error answers)
	maxURL           = 2048     // session_link, trigger_url, a pull request's URL
	maxSignedURL     = 8 << 10  // a download_url: signed URLs carry long signatures
	maxPathLen       = 1 << 10  // a FILE artifact's filename and filepath
	maxMimeType      = 256      // a FILE artifact's mime type, a download's content type
	maxBranch        = 256      // a pull request's branch
	maxCursor        = 1 << 10  // a list's next_cursor
	maxKey           = 128      // object keys kept (longer keys are skipped)

	maxMetadataEntries = 64  // the API allows 20
	maxMetadataKeyLen  = 64  // the API's limit
	maxMetadataValue   = 256 // the API's limit

	maxArtifacts       = 1000     // artifacts kept per run
	maxListRuns        = 1000     // runs kept per list page (the API's limit is 500)
	maxArtifactJSON    = 16 << 10 // an artifact's canonical JSON, about
	maxArtifactString  = 4 << 10  // any string inside an artifact
	maxArtifactDepth   = 8        // nesting kept inside an artifact
	maxArtifactMembers = 256      // members or elements of one object or array in an artifact

	maxNumberLen = 64 // a number literal longer than this is dropped

	// The conversation: its answer is computed from the whole body, but
	// only this much of it is kept as Steps (Conversation.Truncated says
	// when something was left out).
	maxConversationBody  = 64 << 20 // streamed, never held whole
	maxConversationNodes = 20000    // steps, messages and blocks kept
	maxConversationBytes = 4 << 20  // texts and action payloads kept
	maxConversationDepth = 8        // nested (sub-agent) step levels kept
	maxBlockText         = 64 << 10 // one text block kept in Steps
	maxBlockPayload      = 4 << 10  // an action's input, output or data kept (canonical JSON)
	maxRole              = 32       // a message's role, a block's type

	// maxJSONDepth bounds nesting anywhere, as encoding/json does.
	maxJSONDepth = 10000
)
