package comment

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A forge's API URL may be plain http exactly where weburl.IsLoopbackHost
// says the host is this machine (before, "LocalHost" and "localhost." were
// refused here and taken by api_url).
func TestAPIBasePlainHTTPFollowsTheLoopbackRule(t *testing.T) {
	t.Parallel()
	for host, loopback := range map[string]bool{
		"LocalHost": true, "LOCALHOST.": true, "127.1.2.3": true, "[::1]": true,
		"[::ffff:127.0.0.1]": true, "[::ffff:7f00:1]": true,
		"0.0.0.0": false, "[::]": false, "x.localhost": false, "[::1%25lo]": false, "ghe.example": false,
	} {
		_, err := apiBase("GITHUB_API_URL", "http://"+host+":8080/api/v3")
		if loopback {
			assert.NoError(t, err, host)
		} else if assert.Error(t, err, host) {
			assert.Contains(t, err.Error(), "is plain http", host)
		}
	}
}
