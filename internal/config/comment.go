package config

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The inputs of the PR/MR comment: comment_key and the forge tokens.

// MaxCommentKeyLen is the longest comment_key accepted, in bytes.
const MaxCommentKeyLen = 256

func setCommentKey(_ *loader, c *Config, v string) []*InputError {
	problem := ""
	switch {
	case len(v) > MaxCommentKeyLen:
		problem = "is longer than " + strconv.Itoa(MaxCommentKeyLen) + " bytes"
	case !utf8.ValidString(v):
		problem = "is not UTF-8 text"
	case strings.ContainsFunc(v, func(r rune) bool { return !unicode.IsGraphic(r) }):
		problem = "contains control or invisible characters"
	}
	if problem != "" {
		return one(&InputError{Value: v, Problem: problem,
			Accepted: "give a short name for this comment, such as review or lint (one line, printable characters)"})
	}
	c.CommentKey = v
	return nil
}

// token sets a forge token, but only when the comment is on: otherwise the
// token is not used, and neither checked nor kept (the action passes the
// workflow's token to every step). It is not checked here: a token the
// comment cannot use is a warning of the comment's (comment.New), never a
// bad input, as the comment never changes the exit code. The value is
// never shown.
func token(field func(*Config) *string) setter {
	return func(l *loader, c *Config, v string) []*InputError {
		if v == "" || !strings.EqualFold(l.values["comment"], "true") {
			return nil
		}
		*field(c) = v
		return nil
	}
}

// Tokens are the forge tokens that are set (with comment: true), to be
// masked like the key and kept out of everything sent to the Oz API.
func (c *Config) Tokens() []string {
	var out []string
	for _, t := range []string{c.GitHubToken, c.GitLabToken} {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// checkTokens refuses a prompt that holds a forge token: the prompt goes to
// the Oz API, and a token goes nowhere but its forge.
func (l *loader) checkTokens(c *Config) []*InputError {
	for _, t := range c.Tokens() {
		if strings.Contains(c.Prompt, t) {
			name := "prompt"
			if l.values["prompt_file"] != "" {
				name = "prompt_file"
			}
			return []*InputError{{
				Input:    name,
				Problem:  "contains a token given for the PR/MR comment",
				Accepted: "a prompt without the token: oz-run sends a forge token to its forge alone",
			}}
		}
	}
	return nil
}
