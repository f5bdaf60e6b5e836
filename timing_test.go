package main

import (
	"time"

	"github.com/oz-run/oz-run-action/internal/config"
)

// The tests' knobs of a step's timing, read from its environment by the
// test binary alone (in process, and as the program: the fault matrix and
// the soak run this binary): OZ_RUN_REQUEST_TIMEOUT (a Go duration)
// bounds each HTTP attempt, OZ_RUN_HEARTBEAT is how often a line says the
// run is still going. The product reads neither. Set at package
// initialization, before any init runs the program (faults_helpers_test.go).
var _ = func() bool {
	testTiming = func(env config.Env) (requestTimeout, heartbeat time.Duration) {
		return positiveDuration(env.Get("OZ_RUN_REQUEST_TIMEOUT")), positiveDuration(env.Get("OZ_RUN_HEARTBEAT"))
	}
	return true
}()

// positiveDuration is s as a Go duration, or 0 when it is none or not
// positive.
func positiveDuration(s string) time.Duration {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d
	}
	return 0
}
