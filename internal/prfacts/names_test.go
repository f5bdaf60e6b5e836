package prfacts

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// isName accepts exactly what the regexp it replaced accepted.
func TestNameAsTheRegexpWas(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
	for _, s := range []string{"", "a", "acme", "my.repo-1_x", ".", "..", "a/b", "a b", "é", "a\n", "-",
		strings.Repeat("a", 99), strings.Repeat("a", 100), strings.Repeat("a", 101)} {
		assert.Equal(t, re.MatchString(s), isName(s), "%q", s)
	}
}

// refNumber takes what ^refs/pull/(\d+)/(?:merge|head)$ took, as a number
// of at most 18 digits that is not 0.
func TestRefNumberAsTheRegexpWas(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^refs/pull/(\d+)/(?:merge|head)$`)
	for _, s := range []string{"refs/pull/12/merge", "refs/pull/12/head", "refs/pull//merge", "refs/pull/1x/merge", "refs/pull/12/merged",
		"refs/pull/12/head/x", "refs/pull/١٢/merge", "refs/heads/main", "refs/pull/12", "refs/pull/007/head", "Refs/pull/1/head",
		"refs/pull/0/merge", "refs/pull/+1/merge", "refs/pull/" + strings.Repeat("9", 19) + "/merge", ""} {
		n, ok := refNumber(s)
		m := re.FindStringSubmatch(s)
		want := 0
		if m != nil && len(m[1]) <= 18 {
			want, _ = strconv.Atoi(m[1])
		}
		assert.Equal(t, want > 0, ok, "%q", s)
		assert.Equal(t, want, n, "%q", s)
	}
}
