package contracts

import (
	"fmt"
	"strings"

	"github.com/ratifyhq/ratify/errs"
)

// ACE returns the calculators of an ACE agreement, for Go callers that want
// typed inputs and results.
func (l *Library) ACE(docID string) (*ACE, error) {
	e, err := l.get(docID)
	if err != nil {
		return nil, err
	}
	a, ok := e.calc.(*ACE)
	if !ok {
		return nil, errs.New(errs.NotFound, "agreement %s has no ACE calculators", docID)
	}
	return a, nil
}

// Years returns the school years the agreement has a salary schedule for.
func (a *ACE) Years() []string { return append([]string(nil), a.years...) }

// Ranges returns the salary ranges in schedule order.
func (a *ACE) Ranges() []string { return append([]string(nil), a.ranges...) }

// Steps returns the steps in order.
func (a *ACE) Steps() []string { return append([]string(nil), a.steps...) }

// Jobs returns the job-title list with each title's range and work days.
func (a *ACE) Jobs() []Job {
	out := make([]Job, len(a.jobs))
	for i, j := range a.jobs {
		out[i] = Job{Title: j.Title, Range: j.Range, Days: append([]int(nil), j.Days...), key: j.key}
	}
	return out
}

// normYear accepts "2022-23" or "2022-2023" and returns "2022-23".
func normYear(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 9 && s[4] == '-' && s[5:7] == "20" {
		return s[:5] + s[7:]
	}
	return s
}

// year checks a school year against the schedules.
func (a *ACE) year(field, s string) (string, error) {
	if s == "" {
		return "", errs.Field(field, "required: a school year such as %s", a.years[0])
	}
	y := normYear(s)
	if _, ok := a.schedules[y]; !ok {
		return "", errs.Field(field, "year %q is outside the agreement's term; years are %s", clip(s), strings.Join(a.years, ", "))
	}
	return y, nil
}

// rangeOf checks a range name ("D", "4", "range 7").
func (a *ACE) rangeOf(field, s string) (string, error) {
	r := strings.ToUpper(strings.TrimSpace(s))
	r = strings.TrimSpace(strings.TrimPrefix(r, "RANGE"))
	if !contains(a.ranges, r) {
		return "", errs.Field(field, "unknown range %q; ranges are %s", clip(s), a.rangeList())
	}
	return r, nil
}

// rangeList describes the ranges: "A-D and 4-13".
func (a *ACE) rangeList() string {
	var letters, nums []string
	for _, r := range a.ranges {
		if r[0] >= 'A' && r[0] <= 'Z' {
			letters = append(letters, r)
		} else {
			nums = append(nums, r)
		}
	}
	span := func(xs []string) string {
		if len(xs) == 0 {
			return ""
		}
		if len(xs) == 1 {
			return xs[0]
		}
		return xs[0] + "-" + xs[len(xs)-1]
	}
	if len(nums) == 0 {
		return span(letters)
	}
	if len(letters) == 0 {
		return span(nums)
	}
	return span(letters) + " and " + span(nums)
}

// perDiem returns the per diem for a year, range and step, refusing a step
// the range does not have.
func (a *ACE) perDiem(year, rng, stepField, step string) (Money, error) {
	st := strings.ToUpper(strings.TrimSpace(step))
	if step == "" {
		return 0, errs.Field(stepField, "required: a step %s-%s", a.steps[0], a.steps[len(a.steps)-1])
	}
	if !contains(a.steps, st) {
		return 0, errs.Field(stepField, "unknown step %q; steps are %s-%s", clip(step), a.steps[0], a.steps[len(a.steps)-1])
	}
	pd, ok := a.schedules[year].perDiem[rng][st]
	if !ok {
		return 0, errs.Field(stepField, "step %s is beyond range %s in the %s schedule", st, rng, year)
	}
	return pd, nil
}

// scheduleCite cites the schedule of a year.
func (a *ACE) scheduleCite(year string) string {
	return fmt.Sprintf("%s (%s)", a.schedules[year].cite, year)
}

// findJob looks a title up in the job-title list. When the title is listed
// in more than one range, rng (if given) or days choose among them.
func (a *ACE) findJob(title, rng string, days int) (Job, error) {
	key := jobKey(title)
	var matches []Job
	for _, j := range a.jobs {
		if j.key == key {
			matches = append(matches, j)
		}
	}
	if len(matches) == 0 {
		return Job{}, errs.Field("job_title", "unknown job title %q; see the list in %s", clip(title), a.jobCite())
	}
	if rng != "" {
		var in []Job
		for _, j := range matches {
			if j.Range == rng {
				in = append(in, j)
			}
		}
		if len(in) == 0 {
			return Job{}, errs.Field("range", "%s is listed in %s, not in range %s", matches[0].Title, jobRanges(matches), rng)
		}
		matches = in
	}
	if len(matches) > 1 && days > 0 {
		var in []Job
		for _, j := range matches {
			if containsInt(j.Days, days) {
				in = append(in, j)
			}
		}
		if len(in) > 0 {
			matches = in
		}
	}
	if len(matches) > 1 {
		return Job{}, errs.Field("job_title", "%s is listed in %s; give the range or the days too", matches[0].Title, jobRanges(matches))
	}
	return matches[0], nil
}

// jobRanges describes where a title is listed: "4 (188 days) or 6 (198 days)".
func jobRanges(js []Job) string {
	parts := make([]string, len(js))
	for i, j := range js {
		parts[i] = fmt.Sprintf("Range %s (%s days)", j.Range, joinInts(j.Days, "/"))
	}
	return strings.Join(parts, " and ")
}

// jobCite cites the job-title list.
func (a *ACE) jobCite() string { return a.jobsCite }

// jobPunct is the punctuation ignored when matching job titles.
var jobPunct = strings.NewReplacer("’", "'", ",", " ", ".", " ")

// jobKey folds a job title for matching.
func jobKey(s string) string {
	return strings.ToLower(collapse(jobPunct.Replace(s)))
}

// orList joins numbers as "198, 215 or 230".
func orList(xs []int) string {
	s := joinInts(xs, ", ")
	if i := strings.LastIndex(s, ", "); i >= 0 {
		s = s[:i] + " or " + s[i+2:]
	}
	return s
}

// joinInts joins numbers with sep.
func joinInts(xs []int, sep string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, sep)
}

// fte reads an FTE in (0, 1], in ten-thousandths; unset means 1.
func fte(n Number) (int64, error) {
	if !n.IsSet() {
		return 10000, nil
	}
	v, err := n.scaled("fte", 4)
	if err != nil {
		return 0, err
	}
	if v <= 0 || v > 10000 {
		return 0, errs.Field("fte", "FTE must be more than 0 and at most 1, not %s", n.raw)
	}
	return v, nil
}

// wholeDays reads a positive whole number of work days.
func wholeDays(field string, n Number, max int) (int, error) {
	if !n.IsSet() {
		return 0, nil
	}
	v, err := n.scaled(field, 0)
	if err != nil {
		return 0, errs.Field(field, "%q is not a whole number of days", clip(n.raw))
	}
	if v <= 0 || v > int64(max) {
		return 0, errs.Field(field, "work days must be between 1 and %d, not %s", max, n.raw)
	}
	return int(v), nil
}

// calculators lists the ACE calculators with their input schemas.
func (a *ACE) calculators() []calculator { return a.calcs }
