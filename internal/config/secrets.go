package config

import (
	"net/url"
	"strings"
)

// The values to mask and redact, read before the inputs are checked.

// MinSecret is the shortest value Secrets returns: a shorter one (a key
// "x", the `1` of `?a=1`) would hide every occurrence of a common word.
// Such a key is refused anyway, and the error about api_url shows none of
// its parts, whatever their length.
const MinSecret = 8

// Secrets are the values to mask and redact before anything is printed,
// read from the arguments and the environment as far as they can be read,
// also when Load fails on them (a flag that does not parse, a key with a
// space, an api_url holding the key):
//
//   - every secret input (the key; the forge tokens, with comment: true,
//     the only case they are read), from its flag, its INPUT_ variable and
//     its fallback variable (WARP_API_KEY...), as given and trimmed,
//     whatever else is wrong;
//   - from api_url (--api_url, INPUT_API_URL): the user name, the password,
//     each name and value of the query, and the fragment, as written and
//     unescaped. The URL need not parse: its parts are found in the text.
//
// Values shorter than MinSecret bytes are left out.
//
// Nothing in it is checked: Load does that.
func Secrets(args []string, env Env) []string {
	var keys, tokens, urls []string
	comment := strings.EqualFold(strings.TrimSpace(env.Get(envName("comment"))), "true")
	for i := 0; i < len(args); i++ {
		name, ok := strings.CutPrefix(args[i], "-")
		if !ok {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(name, "-"), "=")
		in := lookup(name)
		if in != nil && in.name == "comment" {
			// A boolean flag: --comment, --comment=true, --comment true.
			switch {
			case hasValue:
				comment = strings.EqualFold(strings.TrimSpace(value), "true")
			case i+1 < len(args) && strings.EqualFold(strings.TrimSpace(args[i+1]), "false"):
				comment = false
			default:
				comment = true
			}
			continue
		}
		if in == nil || (!isSecret(in) && in.name != "api_url") {
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				continue
			}
			i++
			value = args[i]
		}
		switch {
		case in.name == "api_url":
			urls = append(urls, value)
		case isToken(in):
			tokens = append(tokens, value)
		default:
			keys = append(keys, value)
		}
	}
	for i := range inputs {
		in := &inputs[i]
		if !isSecret(in) {
			continue
		}
		vs := []string{env.Get(envName(in.name))}
		if in.fallbackEnv != "" {
			vs = append(vs, env.Get(in.fallbackEnv))
		}
		if isToken(in) {
			tokens = append(tokens, vs...)
		} else {
			keys = append(keys, vs...)
		}
	}
	if comment {
		keys = append(keys, tokens...)
	}
	urls = append(urls, env.Get(envName("api_url")))

	var out []string
	seen := map[string]bool{}
	add := func(s string, minLen int) {
		for _, v := range []string{s, strings.TrimSpace(s)} {
			if len(strings.TrimSpace(v)) >= minLen && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	for _, k := range keys {
		add(k, MinSecret)
	}
	for _, u := range urls {
		for _, part := range urlSecrets(u) {
			add(part, MinSecret)
			if un, err := url.PathUnescape(part); err == nil {
				add(un, MinSecret)
			}
			if un, err := url.QueryUnescape(part); err == nil {
				add(un, MinSecret)
			}
		}
	}
	return out
}

// isToken reports whether in is a forge token, read only with comment:
// true.
func isToken(in *input) bool { return strings.HasSuffix(in.name, "_token") }

// urlSecrets are the parts of a URL's text that may hold a credential:
// the user info (whole, and the user name and password apart), the query
// (whole, and each name and value), and the fragment. The text is read as
// written, without parsing it: a URL that does not parse still has parts.
func urlSecrets(raw string) []string {
	raw = strings.TrimSpace(raw)
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	} else {
		rest = strings.TrimPrefix(rest, "//")
	}
	var parts []string
	authEnd := strings.IndexAny(rest, "/?#")
	if authEnd < 0 {
		authEnd = len(rest)
	}
	if at := strings.LastIndex(rest[:authEnd], "@"); at >= 0 {
		info := rest[:at]
		user, pass, _ := strings.Cut(info, ":")
		parts = append(parts, info, user, pass)
	}
	tail := rest[authEnd:]
	if i := strings.IndexByte(tail, '#'); i >= 0 {
		parts = append(parts, tail[i+1:])
		tail = tail[:i]
	}
	if i := strings.IndexByte(tail, '?'); i >= 0 {
		query := tail[i+1:]
		parts = append(parts, query)
		for _, pair := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
			name, value, _ := strings.Cut(pair, "=")
			parts = append(parts, pair, name, value)
		}
	}
	return parts
}
