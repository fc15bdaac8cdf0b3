package officers

import (
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ratifyhq/ratify/errs"
)

// Role is what an officer may do.
type Role string

// The roles.
const (
	RoleAdmin    Role = "admin"
	RoleOfficer  Role = "officer"
	RoleObserver Role = "observer"
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleOfficer || r == RoleObserver }

// Officer is an account that may sign in.
type Officer struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// LockedUntil is set while failed sign-ins lock the account.
	LockedUntil *time.Time `json:"locked_until,omitempty"`
}

// NewOfficer is what creating an account takes.
type NewOfficer struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Password string `json:"password"`
}

// Principal is a signed-in officer, as a verified token says.
type Principal struct {
	OfficerID string
	Email     string
	Role      Role
	SessionID string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Token is a signed session token and when it expires.
type Token struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Principal Principal `json:"-"`
}

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 12

// Sentinel errors; each reaches clients wrapped in an *errs.Error.
var (
	ErrNotFound       = errors.New("officers: not found")
	ErrBadCredentials = errors.New("officers: wrong email or password")
	ErrLocked         = errors.New("officers: locked after failed sign-ins")
	ErrSession        = errors.New("officers: no valid session")
	ErrLastAdmin      = errors.New("officers: the last administrator")
	ErrEmailTaken     = errors.New("officers: email taken")
)

// normalizeEmail trims and lower-cases an address.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// checkEmail validates a normalised address.
func checkEmail(e string) error {
	a, err := mail.ParseAddress(e)
	if e == "" || err != nil || a.Address != e || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return errs.Field("email", "%q is not a valid email address", e)
	}
	return nil
}

// checkPassword applies the password rules.
func checkPassword(field, password, email string) error {
	switch n := utf8.RuneCountInString(password); {
	case n < MinPasswordLength:
		return errs.Field(field, "the password must have at least %d characters", MinPasswordLength)
	case len(password) > 1024:
		return errs.Field(field, "the password must have at most 1024 bytes")
	case strings.TrimSpace(password) == "":
		return errs.Field(field, "the password is blank")
	case strings.EqualFold(password, email):
		return errs.Field(field, "the password must not be the email address")
	}
	return nil
}
