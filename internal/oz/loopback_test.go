package oz

import (
	"errors"
	"net/url"
	"testing"
)

// A download (and each redirect) may be plain http exactly where
// weburl.IsLoopbackHost says the host is this machine (before,
// "localhost." was refused here and taken by api_url).
func TestDownloadPlainHTTPFollowsTheLoopbackRule(t *testing.T) {
	t.Parallel()
	c, err := NewClient("https://api.example/api/v1", WithAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	for host, loopback := range map[string]bool{
		"LocalHost": true, "LOCALHOST.": true, "127.1.2.3": true, "[::1]": true,
		"[::ffff:127.0.0.1]": true, "[::ffff:7f00:1]": true,
		"0.0.0.0": false, "[::]": false, "x.localhost": false, "[::1%25lo]": false, "storage.example": false,
	} {
		raw := "http://" + host + ":8080/file"
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		err = c.checkHop(u, raw)
		if loopback && err != nil {
			t.Errorf("%s refused: %v", raw, err)
		}
		if !loopback && !errors.Is(err, ErrDownloadRefusedURL) {
			t.Errorf("%s: got %v, want ErrDownloadRefusedURL", raw, err)
		}
	}
}
