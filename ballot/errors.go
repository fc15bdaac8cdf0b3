package ballot

import (
	"errors"

	"github.com/ratifyhq/ratify/errs"
)

// Sentinel errors; each is wrapped in an *errs.Error with the HTTP-facing
// code and a message for the member or officer.
var (
	ErrNotFound      = errors.New("ballot: not found")
	ErrBadToken      = errors.New("ballot: invalid or replaced voting link")
	ErrVoteNotOpen   = errors.New("ballot: vote not open yet")
	ErrVoteClosed    = errors.New("ballot: vote closed")
	ErrAlreadyVoted  = errors.New("ballot: already voted")
	ErrBadTransition = errors.New("ballot: transition not allowed")
	ErrNotTallied    = errors.New("ballot: results not available")
)

var codeOf = map[error]errs.Code{
	ErrNotFound:      errs.NotFound,
	ErrBadToken:      errs.Unauthorized,
	ErrVoteNotOpen:   errs.Conflict,
	ErrVoteClosed:    errs.Conflict,
	ErrAlreadyVoted:  errs.Conflict,
	ErrBadTransition: errs.Conflict,
	ErrNotTallied:    errs.Conflict,
}

// wrapCode returns sentinel wrapped with its code and a message.
func wrapCode(sentinel error, msg string) error {
	return errs.Wrap(codeOf[sentinel], sentinel, msg)
}

func fieldErr(field, format string, args ...any) error {
	return errs.Field(field, format, args...)
}
