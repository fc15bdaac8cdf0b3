package contracts

import (
	"strings"
	"time"

	"github.com/ratifyhq/ratify/errs"
)

// DeadlineInput is the input of the deadlines calculator: a rule and the
// date the count starts from (the event, or the first day of probation).
type DeadlineInput struct {
	Rule string `json:"rule"`
	Date string `json:"date"`
}

// ObservedHoliday is a holiday skipped while counting workdays.
type ObservedHoliday struct {
	Name     string `json:"name"`
	Date     string `json:"date"`
	Observed string `json:"observed"`
}

// DeadlineResult is the due date under a rule.
type DeadlineResult struct {
	Rule         string            `json:"rule"`
	Title        string            `json:"title"`
	Date         string            `json:"date"`
	Workdays     int               `json:"workdays"`
	Months       int               `json:"months,omitempty"`
	MonthsEnd    string            `json:"months_end,omitempty"`
	WorkdaysEnd  string            `json:"workdays_end,omitempty"`
	DueDate      string            `json:"due_date"`
	HolidaysSkip []ObservedHoliday `json:"holidays_skipped"`
	result
}

// DeadlineRules lists the rules the deadlines calculator knows, by name.
func (a *ACE) DeadlineRules() []string {
	out := []string{"probation"}
	for _, d := range a.rules.deadlines {
		out = append(out, d.Name)
	}
	return out
}

// Deadline computes a due date. Time limits count workdays after the
// event: Monday to Friday, skipping the District holidays as observed (a
// Saturday holiday on the Friday before, a Sunday holiday on the Monday
// after). Probation ends after the longer of its months and its workdays,
// counting the first day as day one.
func (a *ACE) Deadline(in DeadlineInput) (DeadlineResult, error) {
	var out DeadlineResult
	start, err := ParseDate(strings.TrimSpace(in.Date))
	if err != nil {
		return out, errs.Field("date", "%q is not a date (YYYY-MM-DD)", clip(in.Date))
	}
	if start.Year() < 1900 || start.Year() > 2200 {
		return out, errs.Field("date", "the date must be between 1900 and 2200")
	}
	out.Date = start.Format(time.DateOnly)
	out.Rule = strings.TrimSpace(in.Rule)
	cal := newCalendar(a.holidays)
	r := a.rules
	out.cite(a.holidays.cite, r.observance.Cite, r.workday.Cite)
	if out.Rule == "probation" {
		return a.probation(out, start, cal)
	}
	var rule *deadlineRule
	for i := range r.deadlines {
		if r.deadlines[i].Name == out.Rule {
			rule = &r.deadlines[i]
		}
	}
	if rule == nil {
		return out, errs.Field("rule", "unknown rule %q; rules are %s", clip(in.Rule), strings.Join(a.DeadlineRules(), ", "))
	}
	out.Title, out.Workdays = rule.Title, rule.Workdays
	out.line("%s: within %d workdays of %s (%s)", rule.Title, rule.Workdays, out.Date, rule.Cite)
	out.cite(rule.Cite)
	due := a.countWorkdays(&out, cal, start, rule.Workdays, false)
	out.DueDate = due.Format(time.DateOnly)
	out.line("Due: %s (%s)", due.Format("Monday, January 2, 2006"), out.DueDate)
	return out, nil
}

// countWorkdays counts n workdays from start (after it, or from it when
// inclusive), recording the holidays skipped, and returns the nth workday.
func (a *ACE) countWorkdays(out *DeadlineResult, cal *calendar, start time.Time, n int, inclusive bool) time.Time {
	t := start
	if !inclusive {
		t = t.AddDate(0, 0, 1)
	}
	weekend := 0
	for count := 0; ; t = t.AddDate(0, 0, 1) {
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			weekend++
			continue
		}
		if hs := cal.holidays(t); len(hs) > 0 {
			for _, h := range hs {
				out.HolidaysSkip = append(out.HolidaysSkip, ObservedHoliday{Name: h.Name, Date: h.Date.Format(time.DateOnly), Observed: h.Observed.Format(time.DateOnly)})
				note := ""
				if !h.Date.Equal(h.Observed) {
					note = ", observed on " + h.Observed.Format("Monday, January 2")
				}
				out.line("Skipped %s (%s%s) (%s)", h.Name, h.Date.Format("Monday, January 2, 2006"), note, a.holidays.cite)
			}
			continue
		}
		count++
		if count == n {
			break
		}
	}
	out.line("Counted %d workdays, Monday to Friday, passing %d weekend days (%s)", n, weekend, a.rules.workday.Cite)
	if out.HolidaysSkip == nil {
		out.HolidaysSkip = []ObservedHoliday{}
	}
	return t
}

// probation computes the end of the probationary period: the later of the
// months and the workdays.
func (a *ACE) probation(out DeadlineResult, start time.Time, cal *calendar) (DeadlineResult, error) {
	r := a.rules.probation
	months, days := r.number(0), r.number(1)
	out.Title, out.Months, out.Workdays = "End of probation", months, days
	out.cite(r.Cite)
	out.line("Probation: %d months or %d workdays, whichever is longer, from %s (%s)", months, days, out.Date, r.Cite)
	mEnd := addMonths(start, months).AddDate(0, 0, -1)
	out.MonthsEnd = mEnd.Format(time.DateOnly)
	out.line("%d months from %s end on %s", months, out.Date, out.MonthsEnd)
	wEnd := a.countWorkdays(&out, cal, start, days, true)
	out.WorkdaysEnd = wEnd.Format(time.DateOnly)
	out.line("%d workdays, counting %s as the first, end on %s", days, out.Date, out.WorkdaysEnd)
	due := mEnd
	which := "the months"
	if wEnd.After(mEnd) {
		due, which = wEnd, "the workdays"
	}
	out.DueDate = due.Format(time.DateOnly)
	out.line("Probation ends on %s, at the end of %s, the longer (%s)", due.Format("Monday, January 2, 2006"), which, r.Cite)
	return out, nil
}

// addMonths adds calendar months, clamping to the month's last day
// (January 31 + 1 month = February 28 or 29).
func addMonths(t time.Time, n int) time.Time {
	first := date(t.Year(), t.Month(), 1).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	d := t.Day()
	if d > last {
		d = last
	}
	return date(first.Year(), first.Month(), d)
}
