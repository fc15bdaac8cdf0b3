// Package errs defines the one error type the domain packages return for
// failures a client can act on. Each carries a Code that handlers map to an
// HTTP status in one table, a human message, and where it applies the field
// (and for file imports the row and column) that caused it.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for the HTTP layer.
type Code string

// The codes a domain package may return.
const (
	Invalid      Code = "invalid"      // 422: input fails validation
	BadRequest   Code = "bad_request"  // 400: input cannot be parsed at all
	NotFound     Code = "not_found"    // 404
	Conflict     Code = "conflict"     // 409: state forbids the action
	Unauthorized Code = "unauthorized" // 401: missing or bad credentials
	Forbidden    Code = "forbidden"    // 403: authenticated but not allowed
	TooLarge     Code = "too_large"    // 413
	RateLimited  Code = "rate_limited" // 429
	Unavailable  Code = "unavailable"  // 503: a dependency is down
	Unsupported  Code = "unsupported"  // 415: wrong content or file type
)

// Error is a client-facing error.
type Error struct {
	Code    Code
	Message string
	Field   string // the input field at fault, if any
	Err     error  // wrapped cause, if any (for errors.Is)
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, &Error{Code: X}) match on the code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// New returns an error with the code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns a validation error (Invalid) naming the field.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with the code whose message is msg and whose cause is err.
func Wrap(code Code, err error, msg string) *Error {
	return &Error{Code: code, Message: msg, Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, or "" if none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
