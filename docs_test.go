package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README is a newcomer's page; the reference, the recipes and the
// rest are pages under docs/ (issue 22). These tests keep the set whole:
// the README short, and every relative link and anchor in it and in
// docs/ pointing at a file and a heading that exist.

// docPages are the README and every page under docs/.
func docPages(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join("docs", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	return append([]string{"README.md"}, docs...)
}

func TestDocsReadmeIsShort(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	lines := strings.Count(string(b), "\n")
	assert.LessOrEqual(t, lines, 400, "the README is a newcomer's page: move reference text to docs/")
	for _, page := range []string{"docs/inputs.md", "docs/recipes.md", "docs/gitlab.md", "docs/comment.md",
		"docs/security.md", "docs/performance.md", "docs/testing.md", "docs/design.md"} {
		assert.Contains(t, string(b), "]("+page, "the README links to %s", page)
	}
}

var (
	mdLink    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdHeading = regexp.MustCompile(`^#+ (.*)$`)
)

// githubAnchor is the anchor GitHub gives a heading: lower case, every
// character but letters, digits, spaces, '-' and '_' dropped, spaces as '-'.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdScan returns a Markdown file's links and its headings' anchors,
// outside fenced code blocks.
func mdScan(t *testing.T, path string) (links []string, anchors map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	anchors = map[string]bool{}
	fence := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		if m := mdHeading.FindStringSubmatch(l); m != nil {
			anchors[githubAnchor(m[1])] = true
		}
		for _, m := range mdLink.FindAllStringSubmatch(l, -1) {
			links = append(links, m[1])
		}
	}
	return links, anchors
}

func TestDocsLinksResolve(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "the-pull-request--merge-request-comment", githubAnchor("The pull request / merge request comment"))
	assert.Equal(t, "many-runs-in-one-step-prompts", githubAnchor("Many runs in one step (`prompts`)"))
	for _, page := range docPages(t) {
		links, own := mdScan(t, page)
		for _, link := range links {
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(link, "#")
			target := page
			if path != "" {
				target = filepath.Join(filepath.Dir(page), filepath.FromSlash(path))
				if _, err := os.Stat(target); err != nil {
					assert.NoError(t, err, "%s: the link %s", page, link)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			anchors := own
			if target != page {
				require.True(t, strings.HasSuffix(target, ".md"), "%s: an anchor into %s", page, target)
				_, anchors = mdScan(t, target)
			}
			assert.True(t, anchors[anchor], "%s: the link %s: %s has no heading #%s", page, link, target, anchor)
		}
	}
}
