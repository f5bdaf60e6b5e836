package weburl

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsLoopbackHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LocalHost", true},
		{"LOCALHOST.", true},
		{"localhost.", true},
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"127.255.255.255", true},
		{"::1", true},
		{"[::1]", true},
		{"0:0:0:0:0:0:0:1", true},
		{"::ffff:127.0.0.1", true},
		{"[::ffff:127.0.0.1]", true},
		{"::ffff:7f00:1", true},
		{"::FFFF:7F00:1", true},
		{"::ffff:7f01:203", true}, // 127.1.2.3

		{"", false},
		{"localhost..", false},
		{".localhost", false},
		{"x.localhost", false},
		{"localhost.example", false},
		{"notlocalhost", false},
		{"0.0.0.0", false},
		{"::", false},
		{"::ffff:0.0.0.0", false},
		{"::127.0.0.1", false}, // IPv4-compatible, not mapped
		{"64:ff9b::7f00:1", false},
		{"::1%lo", false},
		{"127.0.0.1%lo", false},
		{"127.1", false},
		{"127.000.000.001", false},
		{"0x7f.0.0.1", false},
		{"2130706433", false},
		{"127.0.0.1.", false},
		{"128.0.0.1", false},
		{"126.255.255.255", false},
		{"10.0.0.1", false},
		{"::2", false},
		{"[::1", false},
		{"[localhost]", false},
		{"[127.0.0.1]", false},
		{"127.0.0.1:80", false},
		{"example.com", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, IsLoopbackHost(tt.host), "%q", tt.host)
	}
}

// The rule holds for hosts as url.URL.Hostname gives them, which is what
// every caller passes.
func TestIsLoopbackHostOfURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		"http://[::ffff:127.0.0.1]:8080/api": true,
		"http://LocalHost:1/":                true,
		"http://localhost./":                 true,
		"http://127.1.2.3/":                  true,
		"http://[::ffff:7f00:1]/":            true,
		"http://[::1%25lo]/":                 false,
		"http://0.0.0.0:8080/":               false,
		"http://x.localhost/":                false,
		"http://localhost@evil.example/":     false,
	} {
		u, err := url.Parse(raw)
		if assert.NoError(t, err, raw) {
			assert.Equal(t, want, IsLoopbackHost(u.Hostname()), raw)
		}
	}
}
