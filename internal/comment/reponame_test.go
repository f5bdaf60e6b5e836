package comment

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// isRepoName accepts exactly what the regexp it replaced accepted.
func TestRepoNameAsTheRegexpWas(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
	for _, s := range []string{"", "a", "acme", "my.repo-1_x", ".", "..", "a/b", "a b", "é", "a\n", "-",
		strings.Repeat("a", 99), strings.Repeat("a", 100), strings.Repeat("a", 101)} {
		assert.Equal(t, re.MatchString(s), isRepoName(s), "%q", s)
	}
}
