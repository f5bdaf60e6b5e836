package ozfake

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
)

func TestCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prompt string
		after  time.Duration
		status int
		code   string
		state  oz.State // after the cancel
	}{
		{"queued", "x", 0, http.StatusOK, "", oz.StateCancelled},
		{"pending", "x", 600 * time.Millisecond, http.StatusConflict, "conflict", oz.StatePending},
		{"claimed", "x", 1200 * time.Millisecond, http.StatusOK, "", oz.StateCancelled},
		{"in progress", "x", 2 * time.Second, http.StatusOK, "", oz.StateCancelled},
		{"succeeded", "x", time.Minute, http.StatusBadRequest, "invalid_request", oz.StateSucceeded},
		{"failed", "[fake:fail]", time.Minute, http.StatusBadRequest, "invalid_request", oz.StateFailed},
		{"uncancellable", "[fake:uncancellable]", 2 * time.Second, http.StatusUnprocessableEntity, "operation_not_supported", oz.StateInProgress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			id := f.create(tt.prompt)
			f.clock.Advance(tt.after)
			r := f.do("POST", "/agent/runs/"+id+"/cancel", "")
			if tt.status == http.StatusOK {
				require.Equal(t, http.StatusOK, r.status, string(r.body))
				assert.Equal(t, "application/json", r.header.Get("Content-Type"))
				assert.JSONEq(t, `"`+id+`"`, string(r.body))
			} else {
				p := problemOf(t, r, tt.status, tt.code)
				assert.Equal(t, tt.status == http.StatusConflict, p.Retryable)
			}
			run := f.get(id)
			assert.Equal(t, tt.state, run.State)
			if tt.status != http.StatusOK {
				return
			}
			assert.Equal(t, "Cancelled through the API.", run.StatusMessage.Message)
			assert.Equal(t, timestamp(t0.Add(tt.after)), run.UpdatedAt)
			assert.NotEmpty(t, run.RunTime)
			assert.Empty(t, run.Artifacts)
			f.clock.Advance(time.Hour)
			assert.Equal(t, oz.StateCancelled, f.get(id).State, "a cancelled run stays cancelled")
			problemOf(t, f.do("POST", "/agent/runs/"+id+"/cancel", ""), http.StatusBadRequest, "invalid_request")
		})
	}
}

func TestCancelUnknown(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	p := problemOf(t, f.do("POST", "/agent/runs/nope/cancel", ""), http.StatusNotFound, "resource_not_found")
	assert.Contains(t, p.Detail, `"nope"`)
	assert.Equal(t, BasePath+"/agent/runs/nope/cancel", p.Instance)
}
