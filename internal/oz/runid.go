package oz

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The shape of a run id, checked on what the API returns as on the input.

// MaxRunIDLen is the longest run id accepted, from the API as from the
// run_id input.
const MaxRunIDLen = 128

// ErrInvalidRunID is wrapped by the error of an answer whose run id does not
// have the shape of a run id (see CheckRunID). Such an answer is refused,
// finally: the id would become an output, a path segment and a link.
var ErrInvalidRunID = errors.New("the API returned an invalid run id")

// CheckRunID reports what is wrong with id as a run id, without showing it
// (it may hold anything): empty, longer than MaxRunIDLen bytes, not UTF-8,
// holding white space, control or format (bidi) characters or "/", or
// being "." or "..". Run ids are UUIDs; these are the characters that would
// change the meaning of a URL, a path, a log line or an output.
func CheckRunID(id string) error {
	var problem string
	switch {
	case id == "":
		problem = "it is empty"
	case len(id) > MaxRunIDLen:
		problem = fmt.Sprintf("it is longer than %d bytes", MaxRunIDLen)
	case !utf8.ValidString(id):
		problem = "it is not UTF-8 text"
	case strings.ContainsFunc(id, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}):
		problem = "it contains white space, control or format characters"
	case strings.Contains(id, "/"):
		problem = `it contains "/"`
	case id == "." || id == "..":
		problem = `it is "." or ".."`
	default:
		return nil
	}
	return errors.New(problem)
}

// checkReturnedID is the error of an answer carrying run id id, or nil.
// The error is final (not retried): asking again returns the same id.
func checkReturnedID(id string) error {
	if err := CheckRunID(id); err != nil {
		return final(fmt.Errorf("%w (%v): the answer was refused", ErrInvalidRunID, err))
	}
	return nil
}

// refuseKeyAsID refuses a returned run id that holds the API key (in the
// encodings holdsKey knows): a server echoing the key must not get it into
// outputs, paths and links.
func (c *Client) refuseKeyAsID(id string) error {
	if c.holdsKey(id) {
		return final(fmt.Errorf("%w (it holds the API key): the answer was refused", ErrInvalidRunID))
	}
	return nil
}

// finalError marks a failure to read a 2xx answer that asking again cannot
// cure: it is not retried.
type finalError struct{ err error }

func final(err error) error         { return &finalError{err: err} }
func (e *finalError) Error() string { return e.err.Error() }
func (e *finalError) Unwrap() error { return e.err }
func isFinal(err error) bool        { var f *finalError; return errors.As(err, &f) }
