package ballot

import (
	"fmt"
	"strings"
	"time"

	"github.com/ratifyhq/ratify/errs"
)

// Status is where a vote is in its life.
type Status string

// The statuses of a vote. Opening is transient: the snapshot and the tokens
// are being made.
const (
	Draft     Status = "draft"
	Scheduled Status = "scheduled"
	Opening   Status = "opening"
	Open      Status = "open"
	Closed    Status = "closed"
	Published Status = "published"
	Cancelled Status = "cancelled"
)

// Pass rules.
const (
	Majority  = "majority"
	TwoThirds = "two_thirds"
)

// Meeting is a Q&A meeting shown to voters.
type Meeting struct {
	Title    string    `json:"title" bson:"title"`
	StartsAt time.Time `json:"starts_at" bson:"starts_at"`
	URL      string    `json:"url,omitempty" bson:"url,omitempty"`
}

// Info is what voters are told besides the question.
type Info struct {
	SummaryURL string    `json:"summary_url,omitempty" bson:"summary_url,omitempty"`
	Text       string    `json:"text,omitempty" bson:"text,omitempty"`
	Meetings   []Meeting `json:"meetings,omitempty" bson:"meetings,omitempty"`
}

// Voter is a member who may vote, as the roster says at the snapshot.
type Voter struct {
	EmployeeID string `json:"employee_id" bson:"employee_id"`
	Email      string `json:"email" bson:"email"`
	Name       string `json:"name" bson:"name"`
}

// Vote is a ratification vote.
type Vote struct {
	ID             string    `json:"id" bson:"_id"`
	Title          string    `json:"title" bson:"title"`
	ContractID     string    `json:"contract_id" bson:"contract_id"`
	ContractTitle  string    `json:"contract_title,omitempty" bson:"contract_title,omitempty"`
	ContractSHA256 string    `json:"contract_sha256,omitempty" bson:"contract_sha256,omitempty"`
	Question       string    `json:"question" bson:"question"`
	Choices        []string  `json:"choices" bson:"choices"`
	OpensAt        time.Time `json:"opens_at" bson:"opens_at"`
	ClosesAt       time.Time `json:"closes_at" bson:"closes_at"`
	TimeZone       string    `json:"timezone" bson:"timezone"`
	PassRule       string    `json:"pass_rule" bson:"pass_rule"`
	QuorumPercent  float64   `json:"quorum_percent,omitempty" bson:"quorum_percent,omitempty"`
	Info           Info      `json:"info" bson:"info"`
	// RemindBeforeHours schedules a reminder to those who have not voted
	// this many hours before the close (0: none).
	RemindBeforeHours int       `json:"remind_before_hours,omitempty" bson:"remind_before_hours,omitempty"`
	Test              bool      `json:"test" bson:"test"`
	TestVoters        []Voter   `json:"-" bson:"test_voters,omitempty"`
	Status            Status    `json:"status" bson:"status"`
	Eligible          int       `json:"eligible" bson:"eligible"`
	CreatedAt         time.Time `json:"created_at" bson:"created_at"`
	OpenedAt          time.Time `json:"opened_at,omitzero" bson:"opened_at,omitempty"`
	ClosedAt          time.Time `json:"closed_at,omitzero" bson:"closed_at,omitempty"`
	PublishedAt       time.Time `json:"published_at,omitzero" bson:"published_at,omitempty"`
	Results           *Results  `json:"-" bson:"results,omitempty"`
	// Cancelled wins over any status written by a transition that raced
	// with the cancellation.
	Cancelled bool `json:"-" bson:"cancelled,omitempty"`
	// ResultsMailed is set once every results mail is queued.
	ResultsMailed bool `json:"-" bson:"results_mailed,omitempty"`

	// Lease of the instance performing a transition (opening).
	LeaseOwner string    `json:"-" bson:"lease_owner,omitempty"`
	LeaseUntil time.Time `json:"-" bson:"lease_until,omitempty"`
	// The reminder round being queued (see reminders.go): its name, the
	// instance queueing it and that instance's lease.
	ReminderRound string    `json:"-" bson:"reminder_round,omitempty"`
	ReminderOwner string    `json:"-" bson:"reminder_owner,omitempty"`
	ReminderLease time.Time `json:"-" bson:"reminder_lease,omitempty"`
	// Spares: how many spare tokens were made and how many issued.
	SpareTotal int `json:"-" bson:"spare_total"`
	SpareNext  int `json:"-" bson:"spare_next"`
	// Batches counts token batches made after opening.
	Batches int `json:"-" bson:"batches"`
}

// Location returns the vote's time zone (UTC if unknown).
func (v *Vote) Location() *time.Location {
	loc, err := time.LoadLocation(v.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Accepting reports whether a cast that begins at t is accepted.
func (v *Vote) Accepting(t time.Time) bool {
	return v.Status == Open && !t.Before(v.OpensAt) && t.Before(v.ClosesAt)
}

// NewVote is what an officer gives to create a vote.
type NewVote struct {
	Title         string    `json:"title"`
	ContractID    string    `json:"contract_id"`
	Question      string    `json:"question"`
	Choices       []string  `json:"choices"`
	OpensAt       time.Time `json:"opens_at"`
	ClosesAt      time.Time `json:"closes_at"`
	TimeZone      string    `json:"timezone"`
	PassRule      string    `json:"pass_rule"`
	QuorumPercent float64   `json:"quorum_percent"`
	Info          Info      `json:"info"`
	// RemindBeforeHours schedules a reminder this many hours before the
	// close to the members who have not voted (0: none).
	RemindBeforeHours int `json:"remind_before_hours"`
	// Draft keeps the vote from opening by itself until scheduled.
	Draft bool `json:"draft"`
	// Test marks a test vote, run with TestVoters instead of the roster.
	Test       bool    `json:"test"`
	TestVoters []Voter `json:"test_voters"`
}

// validate fills defaults and checks every field, naming the first at fault.
func (n *NewVote) validate(now time.Time) error {
	n.Title = strings.TrimSpace(n.Title)
	n.Question = strings.TrimSpace(n.Question)
	if n.Title == "" {
		return errs.Field("title", "a vote needs a title")
	}
	if len(n.Title) > 200 {
		return errs.Field("title", "the title is longer than 200 characters")
	}
	if n.Question == "" {
		n.Question = "Do you ratify the tentative agreement?"
	}
	if len(n.Question) > 2000 {
		return errs.Field("question", "the question is longer than 2000 characters")
	}
	if len(n.Choices) == 0 {
		n.Choices = []string{"Yes", "No"}
	}
	seen := map[string]bool{}
	for i, c := range n.Choices {
		c = strings.TrimSpace(c)
		if c == "" || len(c) > 100 {
			return errs.Field("choices", "choice %d is empty or longer than 100 characters", i+1)
		}
		if seen[strings.ToLower(c)] {
			return errs.Field("choices", "choice %q is listed twice", c)
		}
		seen[strings.ToLower(c)] = true
		n.Choices[i] = c
	}
	if len(n.Choices) < 2 {
		return errs.Field("choices", "a vote needs at least two choices")
	}
	if len(n.Choices) > 20 {
		return errs.Field("choices", "a vote has at most 20 choices")
	}
	if n.TimeZone == "" {
		n.TimeZone = "America/Anchorage"
	}
	if _, err := time.LoadLocation(n.TimeZone); err != nil {
		return errs.Field("timezone", "%q is not an IANA time zone", n.TimeZone)
	}
	if n.OpensAt.IsZero() {
		return errs.Field("opens_at", "the opening time is missing (RFC 3339)")
	}
	if n.ClosesAt.IsZero() {
		return errs.Field("closes_at", "the closing time is missing (RFC 3339)")
	}
	if !n.ClosesAt.After(n.OpensAt) {
		return errs.Field("closes_at", "the vote must close after it opens")
	}
	if !n.ClosesAt.After(now) {
		return errs.Field("closes_at", "the closing time is in the past")
	}
	n.OpensAt, n.ClosesAt = n.OpensAt.UTC(), n.ClosesAt.UTC()
	switch n.PassRule {
	case "":
		n.PassRule = Majority
	case Majority, TwoThirds:
	default:
		return errs.Field("pass_rule", "%q is not a pass rule; use majority or two_thirds", n.PassRule)
	}
	if n.RemindBeforeHours < 0 || time.Duration(n.RemindBeforeHours)*time.Hour >= n.ClosesAt.Sub(n.OpensAt) {
		return errs.Field("remind_before_hours", "the reminder must fall between the opening and the close")
	}
	if n.QuorumPercent < 0 || n.QuorumPercent > 100 {
		return errs.Field("quorum_percent", "the quorum must be between 0 and 100 percent")
	}
	if u := n.Info.SummaryURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "/") {
		return errs.Field("info.summary_url", "the summary link must be an http(s) URL or a path")
	}
	for i, m := range n.Info.Meetings {
		if strings.TrimSpace(m.Title) == "" || m.StartsAt.IsZero() {
			return errs.Field("info.meetings", "meeting %d needs a title and a start time", i+1)
		}
		n.Info.Meetings[i].StartsAt = m.StartsAt.UTC()
	}
	if n.Test {
		if len(n.TestVoters) == 0 {
			return errs.Field("test_voters", "a test vote needs its own test roster")
		}
		for i, tv := range n.TestVoters {
			tv.Email = strings.ToLower(strings.TrimSpace(tv.Email))
			if tv.EmployeeID == "" || !strings.Contains(tv.Email, "@") {
				return errs.Field("test_voters", "test voter %d needs an employee_id and an email", i+1)
			}
			n.TestVoters[i] = tv
		}
	} else if len(n.TestVoters) > 0 {
		return errs.Field("test_voters", "only a test vote takes a test roster")
	}
	return nil
}

// ChoiceIndex returns the canonical choice matching s (case-insensitive).
func (v *Vote) ChoiceIndex(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, c := range v.Choices {
		if strings.EqualFold(c, s) {
			return c, true
		}
	}
	return "", false
}

// notOpenError explains why a vote does not take a ballot now.
func (v *Vote) notOpenError(now time.Time) error {
	loc := v.Location()
	f := func(t time.Time) string { return t.In(loc).Format("Monday, January 2, 2006 at 3:04 PM MST") }
	switch {
	case v.Status == Cancelled:
		return wrapCode(ErrVoteNotOpen, "this vote was cancelled")
	case v.Status == Draft || v.Status == Scheduled || v.Status == Opening || now.Before(v.OpensAt):
		return wrapCode(ErrVoteNotOpen, fmt.Sprintf("voting has not opened yet; it opens %s", f(v.OpensAt)))
	default:
		return wrapCode(ErrVoteClosed, fmt.Sprintf("voting closed %s", f(v.ClosesAt)))
	}
}
