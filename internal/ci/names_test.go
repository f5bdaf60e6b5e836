package ci

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The loops in names.go accept exactly what the regular expressions they
// replace accepted (compiled here, in the test only).
var (
	outputNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,99}$`)
	dotenvKeyRE   = regexp.MustCompile(`^[A-Za-z0-9_]{1,255}$`)
	metadataKeyRE = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,64}$`)
)

func nameSamples() []string {
	s := []string{"", "a", "_", "-", "1", "a-b_c.d", "A9", "-x", "1x", "x y", "é", "a\n", "run_id", "x.y", "\x00"}
	for _, n := range []int{63, 64, 65, 99, 100, 101, 254, 255, 256} {
		s = append(s, strings.Repeat("a", n), "_"+strings.Repeat("b", n-1), strings.Repeat("9", n))
	}
	return s
}

func TestNamesAsTheRegexpsWere(t *testing.T) {
	t.Parallel()
	for _, s := range nameSamples() {
		assert.Equal(t, outputNameRE.MatchString(s), isOutputName(s), "output name %q", s)
		assert.Equal(t, dotenvKeyRE.MatchString(s), isDotenvKey(s), "dotenv key %q", s)
		assert.Equal(t, metadataKeyRE.MatchString(s), isMetadataKey(s), "metadata key %q", s)
	}
}

func FuzzNamesAsTheRegexpsWere(f *testing.F) {
	for _, s := range nameSamples() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if outputNameRE.MatchString(s) != isOutputName(s) || dotenvKeyRE.MatchString(s) != isDotenvKey(s) ||
			metadataKeyRE.MatchString(s) != isMetadataKey(s) {
			t.Fatalf("%q: the loops and the regexps differ", s)
		}
	})
}
