package ci

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// GitHub's outputs file ($GITHUB_OUTPUT): each value under a delimiter of
// its own, and the parser the tests read it back with.

// maxOutputValue is the most bytes one GitHub output value takes; longer
// values are cut (on a UTF-8 boundary) and end with "… [truncated N bytes]".
const maxOutputValue = 64 << 10

// outputValue is the value ParseGitHubOutput returns for a value written by
// a GitHub platform: invalid UTF-8 replaced, line breaks made LF, control
// and bidi characters dropped (as prepareOutputs already did), then cut to
// maxOutputValue.
func outputValue(v string) string {
	return truncate(textclean.Value(v, true), maxOutputValue)
}

// formatGitHubOutput renders outputs in the $GITHUB_OUTPUT format, every
// value in a heredoc with a fresh random delimiter that it does not contain.
// Outputs with an invalid name are left out and reported in the error.
func formatGitHubOutput(outs []Output, rnd io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	var errs []error
	for _, out := range outs {
		if !isOutputName(out.Name) {
			errs = append(errs, fmt.Errorf("ci: output name %q is not valid (letters, digits, _ and -, starting with a letter or _): left out", out.Name))
			continue
		}
		value := outputValue(out.Value)
		if out.Name == "runs" {
			value = truncate(textclean.Value(out.Value, true), MaxRunsValue)
		}
		delim, err := delimiterFor(value, rnd)
		if err != nil {
			errs = append(errs, fmt.Errorf("ci: output %s: %w", out.Name, err))
			continue
		}
		fmt.Fprintf(&buf, "%s<<%s\n%s\n%s\n", out.Name, delim, value, delim)
	}
	return buf.Bytes(), errors.Join(errs...)
}

// delimiterFor returns `ghadelimiter_<32 hex>` that does not occur in value.
func delimiterFor(value string, rnd io.Reader) (string, error) {
	for range 8 {
		var b [16]byte
		if _, err := io.ReadFull(rnd, b[:]); err != nil {
			return "", fmt.Errorf("making a random heredoc delimiter: %w", err)
		}
		delim := "ghadelimiter_" + hex.EncodeToString(b[:])
		if !strings.Contains(value, delim) {
			return delim, nil
		}
	}
	return "", errors.New("every random heredoc delimiter tried occurs in the value")
}

var defaultRand io.Reader = rand.Reader

// ParseGitHubOutput reads a $GITHUB_OUTPUT file as the GitHub runner (on
// Linux) does: lines end at LF; an empty line is skipped; `name=value` is one
// output; `name<<DELIM` starts a value that ends before the first line equal
// to DELIM (the value keeps its inner newlines and CRs); any other line is a
// format error, and so is a heredoc without its end delimiter. A later entry
// for the same name wins.
func ParseGitHubOutput(data []byte) (map[string]string, error) {
	text := string(data)
	outs := map[string]string{}
	lineNo := 0
	next := func() (line string, ok bool) {
		if text == "" {
			return "", false
		}
		lineNo++
		line, text, _ = strings.Cut(text, "\n")
		return line, true
	}
	for {
		line, ok := next()
		if !ok {
			return outs, nil
		}
		if line == "" {
			continue
		}
		eq := strings.Index(line, "=")
		hd := strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			name, value, _ := strings.Cut(line, "=")
			if name == "" {
				return nil, fmt.Errorf("ci: GITHUB_OUTPUT line %d: invalid format %q: the name is empty", lineNo, line)
			}
			outs[name] = value
		case hd >= 0:
			name, delim, _ := strings.Cut(line, "<<")
			if name == "" || delim == "" {
				return nil, fmt.Errorf("ci: GITHUB_OUTPUT line %d: invalid format %q: the name and the delimiter must not be empty", lineNo, line)
			}
			start := lineNo
			var value []string
			for {
				l, ok := next()
				if !ok {
					return nil, fmt.Errorf("ci: GITHUB_OUTPUT line %d: the value of %s has no line %q that ends it", start, name, delim)
				}
				if l == delim {
					break
				}
				value = append(value, l)
			}
			outs[name] = strings.Join(value, "\n")
		default:
			return nil, fmt.Errorf("ci: GITHUB_OUTPUT line %d: invalid format %q: want name=value or name<<DELIMITER", lineNo, line)
		}
	}
}
