package config

import (
	"net/url"
	"strings"
)

// MinURLSecret is the shortest part of api_url that Secrets returns: a
// shorter one (`?a=1`) would hide every occurrence of a common word. The
// error about api_url shows none of these parts, whatever their length.
const MinURLSecret = 8

// Secrets are the values to mask and redact before anything is printed,
// read from the arguments and the environment as far as they can be read,
// also when Load fails on them (a flag that does not parse, a key with a
// space, an api_url holding the key):
//
//   - every secret input (the key, the forge tokens: any input named *_key
//     or *_token), from its flag, its INPUT_ variable and its fallback
//     variable (WARP_API_KEY...), as given and trimmed, whatever else is
//     wrong;
//   - from api_url (--api_url, INPUT_API_URL): the user name, the password,
//     each name and value of the query, and the fragment, as written and
//     unescaped, those of at least MinURLSecret bytes. The URL need not
//     parse: its parts are found in the text.
//
// Nothing in it is checked: Load does that.
func Secrets(args []string, env Env) []string {
	var keys, urls []string
	for i := 0; i < len(args); i++ {
		name, ok := strings.CutPrefix(args[i], "-")
		if !ok {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(name, "-"), "=")
		in := lookup(name)
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
		if in.name == "api_url" {
			urls = append(urls, value)
		} else {
			keys = append(keys, value)
		}
	}
	for i := range inputs {
		if in := &inputs[i]; isSecret(in) {
			keys = append(keys, env.Get(envName(in.name)))
			if in.fallbackEnv != "" {
				keys = append(keys, env.Get(in.fallbackEnv))
			}
		}
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
		add(k, 1)
	}
	for _, u := range urls {
		for _, part := range urlSecrets(u) {
			add(part, MinURLSecret)
			if un, err := url.PathUnescape(part); err == nil {
				add(un, MinURLSecret)
			}
			if un, err := url.QueryUnescape(part); err == nil {
				add(un, MinURLSecret)
			}
		}
	}
	return out
}

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
