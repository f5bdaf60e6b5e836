package summary

// hints says, for each PlatformErrorCode the API documents, what it means
// and what the user can do. Unknown codes are shown without a hint.
var hints = map[string]string{
	"insufficient_credits":             "The team has run out of credits: add credits or raise the spending limit in Warp, then run again.",
	"feature_not_available":            "A feature this run asked for is not available to the team: check the team's plan, or leave the option out.",
	"external_authentication_required": "A service the agent uses (such as GitHub) needs to be connected or re-authorised in Warp, then run again.",
	"not_authorized":                   "The API key may not do this: check the key's team and permissions (and `team_uid`).",
	"invalid_request":                  "The request was rejected as invalid: check the inputs (prompt, environment, model, MCP servers, metadata).",
	"resource_not_found":               "Something the run refers to does not exist or is not visible to the key: check `environment`, `model`, `skill` and `run_id`.",
	"budget_exceeded":                  "A spending budget was reached: raise it in Warp or wait until it resets.",
	"integration_disabled":             "The integration this run uses is turned off: turn it on in Warp's settings.",
	"integration_not_configured":       "The integration this run uses is not set up: configure it in Warp's settings.",
	"operation_not_supported":          "This operation is not supported for this run or run type.",
	"environment_setup_failed":         "The cloud environment could not be set up: check its image, setup commands and repositories in Warp.",
	"content_policy_violation":         "The request was refused under Warp's content policy: revise the prompt.",
	"conflict":                         "The request conflicts with the run's current state: try again shortly.",
	"authentication_required":          "The API key is missing, wrong or expired: check `warp_api_key` (or `WARP_API_KEY`).",
	"resource_unavailable":             "Something the run needs is unavailable for now (for example capacity): try again later.",
	"internal_error":                   "Something failed on Warp's side: try again; if it keeps failing, contact Warp support with the run link.",
}
