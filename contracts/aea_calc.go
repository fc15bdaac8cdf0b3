package contracts

import (
	"sort"
	"strings"

	"github.com/ratifyhq/ratify/errs"
)

// TeacherSalaryInput is the input of the teacher salary calculator.
type TeacherSalaryInput struct {
	Year         string `json:"year"`
	Lane         string `json:"lane"`
	Step         Number `json:"step"`
	FTE          Number `json:"fte"`
	Degree       string `json:"degree"`
	NBPTS        bool   `json:"nbpts"`
	StepMovement bool   `json:"step_movement"`
}

// TeacherSalaryResult is a teacher's salary and supplements for a year.
type TeacherSalaryResult struct {
	Year              string  `json:"year"`
	Lane              string  `json:"lane"`
	Step              int     `json:"step"`
	FTE               Decimal `json:"fte"`
	Degree            string  `json:"degree"`
	BaseSalary        Money   `json:"base_salary"`
	Salary            Money   `json:"salary"`
	DegreeSupplement  Money   `json:"degree_supplement"`
	AnnualSalary      Money   `json:"annual_salary"`
	NBPTSSupplement   Money   `json:"nbpts_supplement"`
	InLieuOfStep      Money   `json:"in_lieu_of_step"`
	TotalCompensation Money   `json:"total_compensation"`
	PerDiem           Money   `json:"per_diem"`
	result
}

// degreeOf reads the degree input.
func degreeOf(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s, "'", ""))) {
	case "", "none", "bachelors":
		return "none", nil
	case "masters", "master", "ma", "ms", "med":
		return "masters", nil
	case "doctorate", "doctoral", "phd", "edd":
		return "doctorate", nil
	}
	return "", errs.Field("degree", "degree is none, masters or doctorate, not %q", clip(s))
}

// TeacherSalary computes the schedule salary for a lane and step, prorated
// by FTE, the degree supplement on it, the National Board supplement, the
// in-lieu-of-step payment at the top of its lane, and the per diem.
func (a *AEA) TeacherSalary(in TeacherSalaryInput) (TeacherSalaryResult, error) {
	var out TeacherSalaryResult
	r := a.rules
	if in.Year == "" {
		return out, errs.Field("year", "required: a school year such as %s", a.years[0])
	}
	year := normYear(in.Year)
	s, ok := a.schedules[year]
	if !ok {
		return out, errs.Field("year", "year %q is outside the agreement's term; years are %s", clip(in.Year), strings.Join(a.years, ", "))
	}
	lane := strings.ToUpper(strings.TrimSpace(in.Lane))
	steps, ok := s.salary[lane]
	if !ok {
		return out, errs.Field("lane", "unknown lane %q; lanes are %s", clip(in.Lane), strings.Join(s.lanes, ", "))
	}
	if !in.Step.IsSet() {
		return out, errs.Field("step", "required: a step number")
	}
	st, err := in.Step.scaled("step", 0)
	if err != nil {
		return out, errs.Field("step", "%q is not a whole step number", clip(in.Step.raw))
	}
	base, ok := steps[int(st)]
	if !ok {
		return out, errs.Field("step", "step %d is beyond lane %s in %s (steps %s)", st, lane, year, stepSpan(steps))
	}
	f, err := fte(in.FTE)
	if err != nil {
		return out, err
	}
	deg, err := degreeOf(in.Degree)
	if err != nil {
		return out, err
	}
	out.Year, out.Lane, out.Step, out.FTE, out.Degree, out.BaseSalary = year, lane, int(st), Decimal{Value: f, Places: 4}, deg, base
	sc := s.cite + " (" + year + ")"
	out.cite(sc)
	out.line("Schedule salary, lane %s step %d, %s: %s (%s)", lane, st, year, base.Display(), sc)
	out.Salary = Money(divRound(int64(base)*f, 10000))
	out.line("Prorated by FTE: %s × %s = %s", base.Display(), out.FTE, out.Salary.Display())
	switch deg {
	case "masters", "doctorate":
		pct, p := r.maPct, r.masters
		if deg == "doctorate" {
			pct, p = r.docPct, r.doctorate
		}
		out.DegreeSupplement = Money(divRound(int64(out.Salary)*int64(pct), 100))
		out.line("Degree supplement (%s): %d%% × %s = %s (%s)", deg, pct, out.Salary.Display(), out.DegreeSupplement.Display(), p.Cite)
		out.cite(p.Cite)
	}
	out.AnnualSalary = out.Salary + out.DegreeSupplement
	if in.NBPTS {
		out.NBPTSSupplement = r.nbptsAmount
		out.line("National Board certificate supplement: %s a year, paid by addenda (%s)", r.nbptsAmount.Display(), r.nbpts.Cite)
		out.cite(r.nbpts.Cite)
	}
	if amt, ok := r.inLieuByYear[year]; ok && lane == r.inLieuLane && int(st) == r.inLieuStep {
		if in.StepMovement {
			out.line("No in-lieu-of-step payment: step movement was received (%s)", r.inLieu.Cite)
		} else {
			out.InLieuOfStep = Money(divRound(int64(amt)*f, 10000))
			out.line("In lieu of step at %s step %d: %s × FTE %s = %s (%s)", lane, st, amt.Display(), out.FTE, out.InLieuOfStep.Display(), r.inLieu.Cite)
		}
		out.cite(r.inLieu.Cite)
	}
	out.TotalCompensation = out.AnnualSalary + out.NBPTSSupplement + out.InLieuOfStep
	out.PerDiem = Money(divRound(int64(out.AnnualSalary), int64(r.workdays)))
	out.line("Annual salary = %s + degree supplement %s = %s", out.Salary.Display(), out.DegreeSupplement.Display(), out.AnnualSalary.Display())
	out.line("Per diem = annual salary ÷ %d workdays = %s%s (%s)", r.workdays, out.PerDiem.Display(), roundedNote(int64(out.AnnualSalary), int64(r.workdays)), r.perDiem.Cite)
	out.line("Total with supplements and payments = %s", out.TotalCompensation.Display())
	out.cite(r.perDiem.Cite)
	return out, nil
}

// stepSpan describes the steps of a lane: "0-10".
func stepSpan(steps map[int]Money) string {
	keys := make([]int, 0, len(steps))
	for k := range steps {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	if len(keys) == 0 {
		return "none"
	}
	return itoa(keys[0]) + "-" + itoa(keys[len(keys)-1])
}

// ClassroomCoverageInput is the input of the classroom coverage calculator.
type ClassroomCoverageInput struct {
	Level   string `json:"level"`
	Minutes Number `json:"minutes"`
	Periods Number `json:"periods"`
	Members Number `json:"members"`
}

// ClassroomCoverageResult is the pay for a coverage.
type ClassroomCoverageResult struct {
	Level      string `json:"level"`
	Minutes    int    `json:"minutes,omitempty"`
	Increments int    `json:"increments,omitempty"`
	Periods    int    `json:"periods,omitempty"`
	Members    int    `json:"members,omitempty"`
	Rate       Money  `json:"rate"`
	Pay        Money  `json:"pay"`
	result
}

// count reads a non-negative whole number input.
func count(field string, n Number, max int64) (int, error) {
	v, err := n.scaled(field, 0)
	if err != nil {
		return 0, errs.Field(field, "%q is not a whole number", clip(n.raw))
	}
	if v < 0 {
		return 0, errs.Field(field, "must not be negative, not %s", n.raw)
	}
	if v > max {
		return 0, errs.Field(field, "must be at most %d, not %s", max, n.raw)
	}
	return int(v), nil
}

// ClassroomCoverage computes coverage pay. Secondary coverage by time is
// paid per hour in increments of minutes, a part increment counting as a
// whole one; by class periods, per period. Elementary coverage is paid per
// hour by the number of members sharing the class, to the minute.
func (a *AEA) ClassroomCoverage(in ClassroomCoverageInput) (ClassroomCoverageResult, error) {
	var out ClassroomCoverageResult
	r := a.rules
	out.Level = strings.ToLower(strings.TrimSpace(in.Level))
	switch out.Level {
	case "secondary":
		if in.Minutes.IsSet() == in.Periods.IsSet() {
			return out, errs.Field("minutes", "give minutes of coverage or class periods, not both or neither")
		}
		if in.Periods.IsSet() {
			n, err := count("periods", in.Periods, 100)
			if err != nil {
				return out, err
			}
			out.Periods, out.Rate = n, r.periodRate
			out.Pay = r.periodRate * Money(n)
			out.line("%d class periods × %s = %s (%s)", n, r.periodRate.Display(), out.Pay.Display(), r.periods.Cite)
			out.cite(r.periods.Cite)
			return out, nil
		}
		m, err := count("minutes", in.Minutes, 24*60)
		if err != nil {
			return out, err
		}
		inc := r.increment
		out.Minutes, out.Rate = m, r.hourRate
		out.Increments = (m + inc - 1) / inc
		per := Money(int64(r.hourRate) * int64(inc) / 60)
		out.Pay = per * Money(out.Increments)
		out.line("%d minutes = %d increments of %d minutes (a part increment counts as one) (%s)", m, out.Increments, inc, r.coverage.Cite)
		out.line("%d × %s (%s an hour ÷ %d) = %s (%s)", out.Increments, per.Display(), r.hourRate.Display(), 60/inc, out.Pay.Display(), r.coverage.Cite)
		out.cite(r.coverage.Cite)
	case "elementary":
		m, err := count("minutes", in.Minutes, 24*60)
		if err != nil {
			return out, err
		}
		if !in.Members.IsSet() {
			return out, errs.Field("members", "required: the members sharing the class")
		}
		n, err := count("members", in.Members, 100)
		if err != nil {
			return out, err
		}
		out.Minutes, out.Members = m, n
		out.cite(r.elementary.Cite)
		switch {
		case n >= 1 && n <= 3:
			out.Rate = r.elemRates[n-1]
		case n > 4:
			out.line("More than four members split the class: no additional compensation (%s)", r.elementary.Cite)
			return out, nil
		default:
			return out, errs.Field("members", "the agreement sets rates for one, two or three members and none for more than four; it states no rate for %d (%s)", n, r.elementary.Cite)
		}
		num := int64(out.Rate) * int64(m)
		out.Pay = Money(divRound(num, 60))
		out.line("%d member(s): %s an hour each × %d minutes ÷ 60 = %s%s (%s)", n, out.Rate.Display(), m, out.Pay.Display(), roundedNote(num, 60), r.elementary.Cite)
	default:
		return out, errs.Field("level", "level is secondary or elementary, not %q", clip(in.Level))
	}
	return out, nil
}
