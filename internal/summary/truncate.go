package summary

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// capSize returns s if it fits in maxBytes, else s cut at the end of a line
// with a visible marker appended, the whole at most maxBytes long. A line
// boundary is also a UTF-8 boundary, and no Markdown construct of the
// summary spans lines but tables and quotes, which end cleanly at any line.
func capSize(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	marker := fmt.Sprintf("\n\n… summary truncated (%d bytes over the limit)\n", len(s)-maxBytes)
	if budget := maxBytes - len(marker); budget >= 0 {
		if i := strings.LastIndexByte(s[:budget+1], '\n'); i > 0 {
			return s[:i] + marker
		}
	}
	// Not even the first line fits: the marker alone, shortened if need be.
	marker = strings.TrimLeft(marker, "\n")
	if len(marker) <= maxBytes {
		return marker
	}
	cut := maxBytes
	for cut > 0 && !utf8.RuneStart(marker[cut]) {
		cut--
	}
	return marker[:cut]
}
