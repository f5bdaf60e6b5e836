package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Issue 16, item 11: fake-server's banner says that a fake listening on
// every address is reached at any of them, and that download URLs name
// the address each request came in on (not always 127.0.0.1).
func TestFakeServerBanner(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, listen, base, files string
		says, not                 []string
	}{
		{name: "every address", listen: "0.0.0.0:8765", base: "https://127.0.0.1:8765/api/v1", files: "https://127.0.0.1:40123",
			says: []string{
				"use: api_url=https://127.0.0.1:8765/api/v1\n",
				"listening on every address of this machine: from elsewhere (another container), use api_url=https://ADDRESS:8765/api/v1",
				"file downloads: on port 40123 of the address each request came in on (its Host header), not always 127.0.0.1",
			}},
		{name: "every IPv6 address, any port", listen: "[::]:0", base: "http://127.0.0.1:39999/api/v1", files: "http://127.0.0.1:40000",
			says: []string{"use api_url=http://ADDRESS:39999/api/v1", "file downloads: on port 40000"}},
		{name: "loopback", listen: "127.0.0.1:8080", base: "http://127.0.0.1:8080/api/v1", files: "http://127.0.0.1:40001",
			says: []string{"fake Oz API serving on http://127.0.0.1:8080/api/v1\nuse: api_url=http://127.0.0.1:8080/api/v1\n", "file downloads: on port 40001"},
			not:  []string{"every address"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := fakeServerBanner(tc.listen, tc.base, tc.files)
			for _, s := range tc.says {
				assert.Contains(t, got, s)
			}
			for _, s := range tc.not {
				assert.NotContains(t, got, s)
			}
		})
	}
}
