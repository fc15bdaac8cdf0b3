package contracts

import (
	"time"

	"github.com/ratifyhq/ratify/errs"
)

// Status is a stage in an agreement's life. Stages only move forward, in the
// order of the constants below.
type Status string

// The stages of an agreement, in order.
const (
	StatusTentative     Status = "tentative_agreement" // the bargaining teams have signed off
	StatusOutForVote    Status = "out_for_vote"        // the members' ratification vote is open
	StatusRatified      Status = "ratified"            // the members ratified it (with the vote id)
	StatusBoardApproved Status = "board_approved"      // the employer's board approved it
	StatusSigned        Status = "signed"              // the final agreement is signed
)

var statusOrder = []Status{StatusTentative, StatusOutForVote, StatusRatified, StatusBoardApproved, StatusSigned}

// Statuses returns every status in order.
func Statuses() []Status { return append([]Status(nil), statusOrder...) }

// Rank returns the position of the status in the order (0 for the first), or
// -1 for an unknown status.
func (s Status) Rank() int {
	for i, x := range statusOrder {
		if x == s {
			return i
		}
	}
	return -1
}

// Label returns a human name for the status.
func (s Status) Label() string {
	switch s {
	case StatusTentative:
		return "Tentative agreement"
	case StatusOutForVote:
		return "Out for ratification vote"
	case StatusRatified:
		return "Ratified by members"
	case StatusBoardApproved:
		return "Approved by the board"
	case StatusSigned:
		return "Final signed"
	}
	return string(s)
}

// StatusEvent records that a document reached a status. Date is a civil date
// (YYYY-MM-DD), empty when the record does not give it.
type StatusEvent struct {
	Status Status `json:"status"`
	Date   string `json:"date,omitempty"`
	VoteID string `json:"vote_id,omitempty"`
	Note   string `json:"note,omitempty"`
}

// ParseDate parses a civil date (YYYY-MM-DD).
func ParseDate(s string) (time.Time, error) {
	return time.Parse(time.DateOnly, s)
}

// CheckAdvance reports whether next may follow history: the status must be
// later than the last one, its date (required here) must be a real date no
// earlier than the last dated event, and a ratification must name its vote.
// Errors name the field at fault.
func CheckAdvance(history []StatusEvent, next StatusEvent) error {
	r := next.Status.Rank()
	if r < 0 {
		return errs.Field("status", "unknown status %q", next.Status)
	}
	d, err := ParseDate(next.Date)
	if err != nil {
		return errs.Field("date", "date %q is not a date (YYYY-MM-DD)", next.Date)
	}
	if next.Status == StatusRatified && next.VoteID == "" {
		return errs.Field("vote_id", "a ratification must name the vote that ratified it")
	}
	if len(history) == 0 {
		return nil
	}
	last := history[len(history)-1]
	if r <= last.Status.Rank() {
		return errs.Field("status", "status cannot move from %s back or sideways to %s", last.Status, next.Status)
	}
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].Date == "" {
			continue
		}
		if ld, err := ParseDate(history[i].Date); err == nil && d.Before(ld) {
			return errs.Field("date", "date %s is before the %s event on %s", next.Date, history[i].Status, history[i].Date)
		}
		break
	}
	return nil
}
