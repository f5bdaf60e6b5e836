package workspace

import (
	"errors"
	"path/filepath"
	"testing"
)

// FuzzPaths: whatever the path, a confined workspace places it inside
// itself or refuses it as outside.
func FuzzPaths(f *testing.F) {
	for _, s := range []string{"a", "../a", "/etc/passwd", "a/../../b", "./", "", "..", "a\x00b", "/ws/../ws/x", `a\..\..\b`} {
		f.Add(s)
	}
	w := New("/ws", true)
	f.Fuzz(func(t *testing.T, p string) {
		abs, err := w.Abs(p)
		switch {
		case err == nil:
			if rel, rerr := filepath.Rel("/ws", abs); rerr != nil || (rel != "." && !filepath.IsLocal(rel)) {
				t.Fatalf("Abs(%q) = %q, outside the workspace", p, abs)
			}
		case p != "" && !errors.Is(err, ErrOutside):
			t.Fatalf("Abs(%q): %v, not ErrOutside", p, err)
		}
	})
}
