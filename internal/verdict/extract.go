package verdict

import (
	"strings"
)

// lastJSONBlock finds the content of the answer's last fenced code block
// whose info string's first word is json (in any case), as CommonMark
// reads fences at the top level: an opening line of at most three spaces,
// then three or more backticks or tildes (a backtick fence's info string
// holds no backtick); a closing line of at most three spaces, then the
// same character at least as many times, then only spaces or tabs; a
// fence never closed runs to the end of the answer. One pass over the
// lines, whatever they hold.
func lastJSONBlock(answer string) (content string, found bool) {
	var (
		open      bool // inside a fenced block
		fenceChar byte
		fenceLen  int
		isJSON    bool
		start     int // where the open block's content starts
	)
	for pos := 0; pos < len(answer); {
		end := strings.IndexByte(answer[pos:], '\n')
		next := len(answer)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(answer)
		}
		line := strings.TrimSuffix(answer[pos:end], "\r")
		if open {
			if closesFence(line, fenceChar, fenceLen) {
				if isJSON {
					content, found = answer[start:pos], true
				}
				open = false
			}
		} else if c, n, info, ok := opensFence(line); ok {
			open, fenceChar, fenceLen, isJSON, start = true, c, n, infoIsJSON(info), next
		}
		pos = next
	}
	if open && isJSON {
		content, found = answer[min(start, len(answer)):], true
	}
	return content, found
}

// indent is the line without its indentation of at most three spaces;
// ok is false when it is indented more (an indented code block's line).
func indent(line string) (rest string, ok bool) {
	i := 0
	for i < len(line) && i < 4 && line[i] == ' ' {
		i++
	}
	return line[i:], i <= 3
}

// opensFence reads an opening code fence: its character, its length and
// its info string.
func opensFence(line string) (c byte, n int, info string, ok bool) {
	rest, ok := indent(line)
	if !ok || len(rest) < 3 || (rest[0] != '`' && rest[0] != '~') {
		return 0, 0, "", false
	}
	c = rest[0]
	for n < len(rest) && rest[n] == c {
		n++
	}
	if n < 3 {
		return 0, 0, "", false
	}
	info = strings.TrimSpace(rest[n:])
	if c == '`' && strings.IndexByte(info, '`') >= 0 {
		return 0, 0, "", false
	}
	return c, n, info, true
}

// closesFence reports whether line closes a fence of n characters c.
func closesFence(line string, c byte, n int) bool {
	rest, ok := indent(line)
	if !ok {
		return false
	}
	i := 0
	for i < len(rest) && rest[i] == c {
		i++
	}
	return i >= n && strings.Trim(rest[i:], " \t") == ""
}

// infoIsJSON reports whether an info string's first word is json.
func infoIsJSON(info string) bool {
	word := info
	if i := strings.IndexAny(info, " \t"); i >= 0 {
		word = info[:i]
	}
	return strings.EqualFold(word, "json")
}
