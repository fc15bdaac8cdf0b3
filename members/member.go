package members

import (
	"errors"
	"net/mail"
	"strings"
	"time"
)

// Status is a person's union membership status.
type Status string

// The membership statuses.
const (
	StatusMember    Status = "member"
	StatusFeePayer  Status = "fee_payer"
	StatusNonMember Status = "non_member"
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	return s == StatusMember || s == StatusFeePayer || s == StatusNonMember
}

// Member is one employee on the roster.
type Member struct {
	EmployeeID string `json:"employee_id"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	Email      string `json:"email"` // lower-case; "" when the district has none
	Phone      string `json:"phone"`
	Address    string `json:"address"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postal_code"`

	Range        string  `json:"range"` // pay range, e.g. "A" or "12"
	Step         string  `json:"step"`  // pay step, e.g. "C"
	WorkLocation string  `json:"work_location"`
	Title        string  `json:"title"`
	WorkDays     int     `json:"work_days"` // number of work days a year; 0 if unknown
	FTE          float64 `json:"fte"`       // full-time equivalent, 0 if unknown
	HireDate     string  `json:"hire_date"` // date of hire into the unit, YYYY-MM-DD

	Status Status `json:"status"`
	// Separated is true once the member has left the unit: a separation
	// date was given, or a full roster no longer lists them.
	Separated        bool   `json:"separated"`
	SeparatedOn      string `json:"separated_on"` // YYYY-MM-DD
	SeparationReason string `json:"separation_reason"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Name is the member's name as shown: first and last.
func (m Member) Name() string {
	return strings.TrimSpace(m.FirstName + " " + m.LastName)
}

// Eligible is a member who may vote, as the ballot package needs them.
type Eligible struct {
	EmployeeID string `json:"employee_id"`
	Email      string `json:"email"`
	Name       string `json:"name"`
}

// EligibleAt reports whether m may vote at instant t in location loc: a
// member (not a fee payer or non-member), not separated on or before t's
// date, with an email address to send the ballot to.
func (m Member) EligibleAt(t time.Time, loc *time.Location) bool {
	if m.Status != StatusMember || !ValidEmail(m.Email) {
		return false
	}
	if !m.Separated {
		return true
	}
	// A separation dated in the future has not happened yet.
	return m.SeparatedOn != "" && m.SeparatedOn > t.In(loc).Format(dateLayout)
}

const dateLayout = "2006-01-02"

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail reports whether s is a plain, normalised address such as
// "name@example.org": no display name, no spaces, a dot in the domain.
func ValidEmail(s string) bool {
	if s == "" || len(s) > 254 || s != NormalizeEmail(s) || strings.ContainsAny(s, " \t<>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".") && !strings.HasPrefix(domain, ".")
}

// Sentinel errors of the package; each reaches clients wrapped in an
// *errs.Error with its code.
var (
	ErrNotFound    = errors.New("members: not found")
	ErrEmailTaken  = errors.New("members: email belongs to another member")
	ErrRowErrors   = errors.New("members: roster has row errors")
	ErrBadRoster   = errors.New("members: roster file cannot be read")
	ErrRosterEmpty = errors.New("members: roster file is empty")
)
