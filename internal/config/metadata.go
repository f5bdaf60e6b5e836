package config

import (
	"fmt"
	"strings"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// The metadata input.

// The API's metadata limits. One of the API's 20 keys is oz.RequestIDKey,
// the client's request id (it makes a create safe to retry): users may not
// set it.
const (
	maxMetadataKeys     = 20 - 1
	maxMetadataKeyLen   = 64
	maxMetadataValueLen = 256
)

const metadataAccepted = "write one key=value per line; keys of 1-64 letters, digits, '.', '_' or '-'; values of at most 256 bytes"

// setMetadata reads one key=value per line; blank lines and lines starting
// with # are skipped. Every bad line is reported, with its number.
func setMetadata(_ *loader, c *Config, v string) []*InputError {
	if v == "" {
		return nil
	}
	md := map[string]string{}
	var errs []*InputError
	bad := func(n int, line, problem, accepted string) {
		errs = append(errs, &InputError{Value: line, Problem: fmt.Sprintf("on line %d %s", n, problem), Accepted: accepted})
	}
	for i, line := range strings.Split(v, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch {
		case !ok:
			bad(n, line, "is not key=value", metadataAccepted)
		case !validMetadataKey(key):
			bad(n, line, "has a bad key", metadataAccepted)
		case len(value) > maxMetadataValueLen:
			bad(n, line, fmt.Sprintf("has a value of %d bytes", len(value)), metadataAccepted)
		case strings.ContainsRune(value, 0):
			bad(n, line, "has a NUL byte in its value", metadataAccepted)
		case strings.HasPrefix(key, ownMetadataPrefix):
			bad(n, line, "uses the key "+key+": keys starting with "+ownMetadataPrefix+" are oz-run's own (the request id, re-runs, batches)",
				"choose a key that does not start with "+ownMetadataPrefix)
		default:
			if _, dup := md[key]; dup {
				bad(n, line, "repeats the key "+key, "give each key once")
				continue
			}
			md[key] = value
		}
	}
	if len(md) > maxMetadataKeys {
		errs = append(errs, &InputError{
			Problem:  fmt.Sprintf("has %d keys", len(md)),
			Accepted: fmt.Sprintf("give at most %d keys (the API takes 20 and oz-run uses one, %s)", maxMetadataKeys, oz.RequestIDKey),
		})
	}
	if errs != nil {
		return errs
	}
	c.Metadata = md
	return nil
}

func validMetadataKey(k string) bool {
	if len(k) == 0 || len(k) > maxMetadataKeyLen {
		return false
	}
	for _, r := range k {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}

// ownMetadataPrefix starts every metadata key oz-run sets itself
// (oz.RequestIDKey, the re-run keys, the batch keys): a user's value there
// would break what oz-run finds by them (a re-run would start a second
// run instead of attaching to the first).
const ownMetadataPrefix = "oz_run_"
