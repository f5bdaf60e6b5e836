package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// api_url takes plain http exactly where weburl.IsLoopbackHost says the
// host is this machine: the one rule that oz's downloads and the comment's
// forge URLs follow too (IPv4-mapped addresses and any case included).
func TestAPIURLPlainHTTPFollowsTheLoopbackRule(t *testing.T) {
	t.Parallel()
	for host, loopback := range map[string]bool{
		"LocalHost": true, "LOCALHOST.": true, "127.1.2.3": true, "[::1]": true,
		"[::ffff:127.0.0.1]": true, "[::ffff:7f00:1]": true,
		"0.0.0.0": false, "[::]": false, "x.localhost": false, "[::1%25lo]": false, "oz.example": false,
	} {
		_, _, err := Load(nil, Env(base.with(env{"INPUT_API_URL": "http://" + host + ":8080/api/v1"})), files(nil))
		if loopback {
			assert.NoError(t, err, host)
		} else if assert.Error(t, err, host) {
			assert.True(t, strings.Contains(err.Error(), "is plain http to a host that is not loopback"), "%s: %v", host, err)
		}
	}
}
