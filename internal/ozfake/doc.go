// Package ozfake is an embedded fake of the Oz runs API. It serves the
// tests of oz-run, `oz-run demo` and `oz-run fake-server --listen`, with
// which users test their workflows offline, so it answers in the real API's
// shapes (testdata/openapi-runs.yaml) and status codes.
//
// # Routes
//
// Under /api/v1, with "Authorization: Bearer <key>" (default key "wk-fake";
// WithAnyKey accepts any):
//
//	POST /agent/runs               create a run: {run_id, task_id, state, at_capacity?}
//	POST /agent/run                the same, deprecated
//	GET  /agent/runs/{id}          the run (RunItem); 404 when unknown
//	GET  /agent/runs               list: limit, cursor, state (repeated),
//	                               metadata[key]=value, created_after, sort_by, ...
//	POST /agent/runs/{id}/cancel   200 with the run id as a JSON string; 400 once
//	                               ended, 409 while PENDING, 422 uncancellable
//	GET  /agent/runs/{id}/conversation
//	                               the run's conversation; 404 until it has worked
//	POST /agent/runs/{id}/followups
//	                               {message, mode?}: {followup_id, outcome}
//	GET  /agent/artifacts/{uid}    a FILE artifact's signed download URL, fresh
//	                               each time, on the file server
//
// Errors are application/problem+json with type, title, status and error.
//
// # Files
//
// Download URLs point at a file server of its own (Files), which Serve
// runs on another port of the same host: another origin, as cloud storage
// is. A URL is signed (an HMAC of the artifact and the expiry) and expires
// (2 minutes, scaled by WithTimeScale, at least a second). As
// cloud storage does, the file server answers 400 to a request that
// carries an Authorization header as well, 403 to an expired URL or a bad
// signature, and the bytes otherwise, with Content-Length.
//
// # Follow-ups
//
// A follow-up to a run that works is handed to it (live_session; before
// the agent started: queued_prompt). A follow-up to a run that has ended
// starts a new execution of the same run (handoff_execution): for a pickup
// window (WithFollowupPickup; 3 s, scaled by WithTimeScale, by default)
// the run still shows its old terminal state and updated_at, as the real
// API does; then it is QUEUED again (updated_at moves) and goes on as the
// default script, with the scenario tags found in the follow-up's message,
// says. With [fake:touch] in the message, the acceptance writes the run:
// updated_at moves at once while the old state is still served (the real
// API may do that too); with [fake:quick], the new execution starts and
// ends in an instant, so that only updated_at and the conversation show
// it. More follow-ups during the window queue behind it (queue_pending).
// Followups lists what a run received; the conversation gains a root step
// per execution, ending with the agent's answer to the follow-up.
//
// Requests are held to the spec, so that what passes here does not fail
// against Warp for being read more kindly: a create needs "Content-Type: application/json" (parameters such as
// charset are fine) and a body whose known fields have the types of
// RunAgentRequest (mode one of normal, plan, orchestrate; booleans as
// true/false; no nulls), or it is a 400 invalid_request. A list's
// parameters must be exactly as the spec writes them: state= one of
// QUEUED, PENDING, CLAIMED, INPROGRESS, SUCCEEDED, FAILED, BLOCKED, ERROR,
// CANCELLED (not in_progress, not lower case, one state per state=), limit
// an integer from 1 to 500, sort_by, sort_order, source,
// execution_location and artifact_type from their enums, dates as RFC 3339
// date-times, at most 5 metadata[key]=value filters; anything else is a
// 400.
//
// # Runs
//
// A run follows a Script: working states, each held for a while, then a
// final state. Its state is computed from its creation time and the clock
// (WithClock), so no goroutine drives it; WithTimeScale speeds every run up.
// The default run is QUEUED 0.5s, PENDING 0.5s, CLAIMED 0.5s, INPROGRESS 3s,
// then SUCCEEDED with a pull-request artifact. From INPROGRESS on, a run has
// session_id, session_link and a conversation (the prompt, the agent's work
// with a command and its result, a sub-agent's step); once it ends,
// run_time, finished_at, request_usage (credits, dollars, tokens),
// status_message, and the agent's answer, which names the run.
//
// # Scenarios
//
// A tag in the prompt picks what the run does (tags combine; an unknown tag
// is a 400):
//
//	[fake:fail]           FAILED while its environment is set up (environment_setup_failed)
//	[fake:error]          ERROR on Warp's side while working (internal_error, retryable)
//	[fake:block]          BLOCKED, waiting for a person's approval
//	[fake:cancel]         CANCELLED by a teammate while working
//	[fake:nocredits]      FAILED before it starts: the team is out of credits (insufficient_credits)
//	[fake:slow]           never ends: stays INPROGRESS (timeout and cancellation tests)
//	[fake:capacity]       at_capacity is true and the run stays QUEUED 10s longer
//	[fake:uncancellable]  cancel answers 422, as for runs started from GitHub Actions
//	[fake:nolink]         session_id without session_link
//	[fake:nopr]           a success without a pull request
//	[fake:files]          two FILE artifacts once ended: reports/oz-report.md and changes.patch
//	[fake:hostilefiles]   FILE artifacts named ../x, /abs, with NUL, 300 bytes long, twice the same, ...
//	[fake:bigfile]        a FILE artifact of exactly 100 MiB, generated as it is sent
//	[fake:longanswer]     the agent's answer is longer than 64 KiB
//	[fake:noconversation] the conversation answers 404, as on older servers
//	[fake:touch]          in a follow-up: its acceptance moves updated_at while the old state is served
//	[fake:quick]          the working states pass in an instant (starts and ends between two polls)
//	[fake:costly]         the cost grows by $0.25 a second of work, in request_usage while the run works
//	[fake:blocked-reply]  BLOCKED with a question until a follow-up answers it; then it succeeds
//	[fake:review-pass]    on success, the answer ends with a review (a fenced json block valid against
//	                      output_schema: review): verdict pass, one notice
//	[fake:review-fail]    the same, verdict fail: an error with a path and lines, a warning, a notice
//	[fake:review-invalid-then-fixed] the first answer's review is invalid against the schema,
//	                      a follow-up's valid (verdict pass)
//	[fake:review-invalid] no json block in any answer, however many follow-ups ask
//	[fake:review-hostile] verdict fail, findings whose paths and lines name no file (../, absolute,
//	                      control characters, line 0, end_line before line), and one whose title and
//	                      message hold workflow commands
//
// Scenarios returns the same list. The same tags in a follow-up's message
// pick what the new execution does.
//
// # Tests
//
// Inject makes chosen calls misbehave (ozfaketest.Fault: status, body,
// delay, hang, dropped connection, a create or a follow-up that succeeds
// but answers an error), the file server's downloads included; a server
// has no fault until one is injected, and the product binary links none. Requests, Runs, Run, Followups and
// CreatedCount show what happened; SetState, Finish, FinishWithMessage,
// Delete and AddFile change runs; EndedRun makes, through the API, the
// ended run of an earlier step that a follow-up continues.
//
// Two races that a client must survive on the real API:
//
//   - ozfaketest.Fault.CreateLatency: the server is still processing a create when it
//     answers an error (Status 504, say), hangs until the client gives up,
//     or drops the connection. The run exists but shows up in GET and in
//     lists only once the latency has passed on the server's clock; until
//     then a lookup by the request id in its metadata finds nothing. Alone
//     (no answer set), the create answers 200 and its run still shows up
//     late.
//   - WithListOmitsMetadata(true): list items leave metadata out, while the
//     metadata[key]=value filter still works (GET of one run shows it).
package ozfake
