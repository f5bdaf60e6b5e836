package ci

// The names the CI platforms and the Oz API accept (output names, dotenv
// keys, metadata keys), checked with loops: the regular expressions they were, with counted repetitions such
// as {1,255}, cost about a millisecond to compile at every start.

// isOutputName reports whether s is what GitHub accepts as an output name
// (and what an expression `steps.x.outputs.NAME` can refer to):
// ^[A-Za-z_][A-Za-z0-9_-]{0,99}$.
func isOutputName(s string) bool {
	return len(s) > 0 && (isLetter(s[0]) || s[0] == '_') &&
		allOf(s, 1, 100, func(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c == '-' })
}

// isDotenvKey reports whether s is a GitLab dotenv key: ^[A-Za-z0-9_]{1,255}$.
func isDotenvKey(s string) bool {
	return allOf(s, 1, 255, func(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' })
}

// isMetadataKey reports whether s is an Oz metadata key: ^[a-zA-Z0-9._-]{1,64}$.
func isMetadataKey(s string) bool {
	return allOf(s, 1, 64, func(c byte) bool { return isLetter(c) || isDigit(c) || c == '.' || c == '_' || c == '-' })
}

// allOf reports whether s has lo to hi bytes, each one ok.
func allOf(s string, lo, hi int, ok func(byte) bool) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
