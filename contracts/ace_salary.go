package contracts

import (
	"github.com/ratifyhq/ratify/errs"
)

// maxWorkDays bounds the work days of a year (there are at most 262
// weekdays in a year).
const maxWorkDays = 262

// SalaryInput is the input of the salary calculator: a job title from the
// job-title list or a range, a step, a school year, work days and FTE.
type SalaryInput struct {
	JobTitle string `json:"job_title,omitempty"`
	Range    string `json:"range,omitempty"`
	Step     string `json:"step"`
	Year     string `json:"year"`
	Days     Number `json:"days"`
	FTE      Number `json:"fte"`
}

// SalaryResult is a year's salary for a position.
type SalaryResult struct {
	JobTitle       string  `json:"job_title,omitempty"`
	Range          string  `json:"range"`
	Step           string  `json:"step"`
	Year           string  `json:"year"`
	PerDiem        Money   `json:"per_diem"`
	Days           int     `json:"days"`
	FTE            Decimal `json:"fte"`
	AnnualSalary   Money   `json:"annual_salary"`
	MonthlyPayment Money   `json:"monthly_payment"`
	result
}

// position is a resolved range, step, year and work days.
type position struct {
	job     *Job
	rng     string
	step    string
	year    string
	perDiem Money
	days    int
	fte     int64 // ten-thousandths
}

// position resolves the job title or range, the step, the year, the days
// and the FTE of a salary-like input, adding its working to r.
func (a *ACE) position(in SalaryInput, needDays bool, r *result) (position, error) {
	var p position
	year, err := a.year("year", in.Year)
	if err != nil {
		return p, err
	}
	p.year = year
	days, err := wholeDays("days", in.Days, maxWorkDays)
	if err != nil {
		return p, err
	}
	if in.Range != "" {
		if p.rng, err = a.rangeOf("range", in.Range); err != nil {
			return p, err
		}
	}
	if in.JobTitle != "" {
		j, err := a.findJob(in.JobTitle, p.rng, days)
		if err != nil {
			return p, err
		}
		p.job, p.rng = &j, j.Range
		switch {
		case days == 0 && len(j.Days) == 1:
			days = j.Days[0]
		case days == 0 && needDays:
			return p, errs.Field("days", "required: %s works %s days", j.Title, orList(j.Days))
		case days != 0 && !containsInt(j.Days, days):
			return p, errs.Field("days", "%s works %s days, not %d", j.Title, orList(j.Days), days)
		}
		r.line("%s: Range %s, %s work days (%s)", j.Title, j.Range, joinInts(j.Days, " or "), a.jobCite())
		r.cite(a.jobCite())
	}
	if p.rng == "" {
		return p, errs.Field("range", "required: a range (%s) or a job_title", a.rangeList())
	}
	if days == 0 && needDays {
		return p, errs.Field("days", "required: the number of work days in the work year")
	}
	p.days = days
	if p.fte, err = fte(in.FTE); err != nil {
		return p, err
	}
	p.step = normStep(in.Step)
	if p.perDiem, err = a.perDiem(p.year, p.rng, "step", in.Step); err != nil {
		return p, err
	}
	return p, nil
}

// normStep upper-cases a step letter.
func normStep(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(trimSpaceBytes(b))
}

// trimSpaceBytes trims ASCII spaces.
func trimSpaceBytes(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

// annual computes per diem × days × FTE, rounded to the cent, and the
// monthly payment, adding the working.
func (a *ACE) annual(p position, r *result) (annual, monthly Money) {
	annual = Money(divRound(int64(p.perDiem)*int64(p.days)*p.fte, 10000))
	r.line("Annual salary = per diem × work days × FTE = %s × %d × %s = %s (%s)",
		p.perDiem.Display(), p.days, fmtScaled(p.fte, 4), annual.Display(), a.rules.annual.Cite)
	monthly = Money(divRound(int64(annual), int64(a.rules.payments)))
	r.line("Monthly payment = annual salary ÷ %d equal payments = %s ÷ %d = %s%s (%s)",
		a.rules.payments, annual.Display(), a.rules.payments, monthly.Display(), roundedNote(int64(annual), int64(a.rules.payments)), a.rules.monthly.Cite)
	r.cite(a.rules.annual.Cite, a.rules.monthly.Cite)
	return annual, monthly
}

// roundedNote says when a division was rounded to the cent.
func roundedNote(num, den int64) string {
	if num%den != 0 {
		return ", rounded to the cent"
	}
	return ""
}

// Salary computes a year's salary: the per diem from the year's schedule,
// annual salary = per diem × work days × FTE, and the monthly payment.
func (a *ACE) Salary(in SalaryInput) (SalaryResult, error) {
	var out SalaryResult
	p, err := a.position(in, true, &out.result)
	if err != nil {
		return out, err
	}
	out.Range, out.Step, out.Year, out.PerDiem, out.Days = p.rng, p.step, p.year, p.perDiem, p.days
	out.FTE = Decimal{Value: p.fte, Places: 4}
	if p.job != nil {
		out.JobTitle = p.job.Title
	}
	out.line("Per diem, Range %s step %s, %s schedule: %s (%s)", p.rng, p.step, p.year, p.perDiem.Display(), a.scheduleCite(p.year))
	out.cite(a.scheduleCite(p.year))
	out.AnnualSalary, out.MonthlyPayment = a.annual(p, &out.result)
	return out, nil
}

// CareerYear is one year of a career projection.
type CareerYear struct {
	Year           string `json:"year"`
	Step           string `json:"step"`
	HeldAtTop      bool   `json:"held_at_top_step"`
	PerDiem        Money  `json:"per_diem"`
	AnnualSalary   Money  `json:"annual_salary"`
	MonthlyPayment Money  `json:"monthly_payment"`
}

// CareerResult is a member's salary year by year to the end of the term.
type CareerResult struct {
	JobTitle string       `json:"job_title,omitempty"`
	Range    string       `json:"range"`
	Days     int          `json:"days"`
	FTE      Decimal      `json:"fte"`
	Years    []CareerYear `json:"years"`
	Total    Money        `json:"total"`
	result
}

// Career projects a salary from the given year (the first of the term if
// empty) to the end of the term, moving one step each July 1 and holding at
// the top step.
func (a *ACE) Career(in SalaryInput) (CareerResult, error) {
	var out CareerResult
	if in.Year == "" {
		in.Year = a.years[0]
	}
	p, err := a.position(in, true, &out.result)
	if err != nil {
		return out, err
	}
	out.Range, out.Days, out.FTE = p.rng, p.days, Decimal{Value: p.fte, Places: 4}
	if p.job != nil {
		out.JobTitle = p.job.Title
	}
	stepAt := indexOf(a.steps, p.step)
	for _, y := range a.years {
		if y < p.year {
			continue
		}
		held := false
		if y != p.year {
			if stepAt+1 < len(a.steps) {
				stepAt++
				out.line("July 1, %s: one step up, to step %s (%s)", y[:4], a.steps[stepAt], a.rules.stepUp.Cite)
			} else {
				held = true
				out.line("July 1, %s: held at step %s, the top of range %s (%s)", y[:4], a.steps[stepAt], p.rng, a.rules.stepUp.Cite)
			}
			out.cite(a.rules.stepUp.Cite)
		}
		q := p
		q.year, q.step = y, a.steps[stepAt]
		if q.perDiem, err = a.perDiem(y, p.rng, "step", q.step); err != nil {
			return out, err
		}
		out.line("%s: Range %s step %s, per diem %s (%s)", y, p.rng, q.step, q.perDiem.Display(), a.scheduleCite(y))
		out.cite(a.scheduleCite(y))
		annual, monthly := a.annual(q, &out.result)
		out.Years = append(out.Years, CareerYear{Year: y, Step: q.step, HeldAtTop: held, PerDiem: q.perDiem, AnnualSalary: annual, MonthlyPayment: monthly})
		out.Total += annual
	}
	out.line("Total over %d years: %s", len(out.Years), out.Total.Display())
	return out, nil
}

// indexOf returns the position of x in xs, or -1.
func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// PromotionInput is the input of the promotion calculator.
type PromotionInput struct {
	Range    string `json:"range"`
	Step     string `json:"step"`
	NewRange string `json:"new_range"`
	Year     string `json:"year"`
	Days     Number `json:"days"`
	NewDays  Number `json:"new_days"`
}

// PromotionResult is the placement on promotion.
type PromotionResult struct {
	Range           string  `json:"range"`
	Step            string  `json:"step"`
	PerDiem         Money   `json:"per_diem"`
	NewRange        string  `json:"new_range"`
	NewStep         string  `json:"new_step"`
	NewPerDiem      Money   `json:"new_per_diem"`
	IncreasePercent Decimal `json:"increase_percent"`
	AboveSchedule   bool    `json:"above_schedule"`
	MinimumSalary   Money   `json:"minimum_salary,omitempty"`
	result
}

// Promotion places a member promoted to a higher range at the lowest step
// that gives at least the minimum increase in salary. With days and
// new_days it compares annual salaries; otherwise per diems.
func (a *ACE) Promotion(in PromotionInput) (PromotionResult, error) {
	var out PromotionResult
	year, err := a.year("year", in.Year)
	if err != nil {
		return out, err
	}
	from, err := a.rangeOf("range", in.Range)
	if err != nil {
		return out, err
	}
	to, err := a.rangeOf("new_range", in.NewRange)
	if err != nil {
		return out, err
	}
	if indexOf(a.ranges, to) <= indexOf(a.ranges, from) {
		return out, errs.Field("new_range", "a promotion is to a higher range: %s is not above %s (ranges in order: %v)", to, from, a.ranges)
	}
	pd, err := a.perDiem(year, from, "step", in.Step)
	if err != nil {
		return out, err
	}
	days, err := wholeDays("days", in.Days, maxWorkDays)
	if err != nil {
		return out, err
	}
	newDays, err := wholeDays("new_days", in.NewDays, maxWorkDays)
	if err != nil {
		return out, err
	}
	if (days == 0) != (newDays == 0) {
		return out, errs.Field("new_days", "give both days and new_days, or neither")
	}
	if days == 0 {
		days, newDays = 1, 1
	}
	out.Range, out.Step, out.PerDiem, out.NewRange = from, normStep(in.Step), pd, to
	pct := int64(a.rules.promoPct)
	out.line("Current: Range %s step %s, per diem %s (%s)", from, out.Step, pd.Display(), a.scheduleCite(year))
	old := int64(pd) * int64(days)
	if days > 1 {
		out.line("Current salary = %s × %d days = %s", pd.Display(), days, Money(old).Display())
	}
	out.line("A promotion must give at least a %d%% increase (%s)", pct, a.rules.promotion.Cite)
	out.cite(a.scheduleCite(year), a.rules.promotion.Cite)
	for _, st := range a.steps {
		npd, ok := a.schedules[year].perDiem[to][st]
		if !ok {
			continue
		}
		if int64(npd)*int64(newDays)*100 >= old*(100+pct) {
			out.NewStep, out.NewPerDiem = st, npd
			break
		}
		out.line("Range %s step %s: %s is less than %d%% more", to, st, npd.Display(), pct)
	}
	if out.NewStep == "" {
		top := a.steps[len(a.steps)-1]
		out.NewStep, out.NewPerDiem, out.AboveSchedule = top, a.schedules[year].perDiem[to][top], true
		out.MinimumSalary = Money(ceilDiv(old*(100+pct), 100))
		out.line("No step of range %s gives %d%% more; placed at step %s, the salary must still be at least %s (%s)",
			to, pct, top, out.MinimumSalary.Display(), a.rules.promotion.Cite)
	}
	newSal := int64(out.NewPerDiem) * int64(newDays)
	out.IncreasePercent = Decimal{Value: divRound((newSal-old)*10000, old), Places: 2}
	out.line("Placed at Range %s step %s, per diem %s: an increase of %s%%", to, out.NewStep, out.NewPerDiem.Display(), out.IncreasePercent)
	return out, nil
}

// ceilDiv divides rounding up (for non-negative numbers).
func ceilDiv(num, den int64) int64 { return (num + den - 1) / den }

// LifeInsuranceInput is the input of the life insurance calculator: an
// annual salary, or a position to compute it from.
type LifeInsuranceInput struct {
	AnnualSalary *Money `json:"annual_salary"`
	SalaryInput
}

// LifeInsuranceResult is the life and AD&D coverage.
type LifeInsuranceResult struct {
	AnnualSalary    Money `json:"annual_salary"`
	Multiple        int   `json:"multiple"`
	LifeCoverage    Money `json:"life_coverage"`
	AccidentalDeath Money `json:"add_coverage"`
	result
}

// LifeInsurance computes group life and AD&D coverage as a multiple of
// annual salary.
func (a *ACE) LifeInsurance(in LifeInsuranceInput) (LifeInsuranceResult, error) {
	var out LifeInsuranceResult
	switch {
	case in.AnnualSalary != nil:
		if *in.AnnualSalary <= 0 {
			return out, errs.Field("annual_salary", "must be more than 0")
		}
		out.AnnualSalary = *in.AnnualSalary
		out.line("Annual salary: %s", out.AnnualSalary.Display())
	case in.Range != "" || in.JobTitle != "":
		s, err := a.Salary(in.SalaryInput)
		if err != nil {
			return out, err
		}
		out.AnnualSalary = s.AnnualSalary
		out.Working = append(out.Working, s.Working[:len(s.Working)-1]...)
		out.cite(s.Citations...)
	default:
		return out, errs.Field("annual_salary", "required: the annual salary (or a job_title or range, step, year and days)")
	}
	m := a.rules.lifeMult
	out.Multiple = m
	out.LifeCoverage = out.AnnualSalary * Money(m)
	out.AccidentalDeath = out.AnnualSalary * Money(m)
	out.line("Group life insurance = %d × %s = %s (%s)", m, out.AnnualSalary.Display(), out.LifeCoverage.Display(), a.rules.lifeIns.Cite)
	out.line("Accidental death and dismemberment = %d × %s = %s (%s)", m, out.AnnualSalary.Display(), out.AccidentalDeath.Display(), a.rules.lifeIns.Cite)
	out.cite(a.rules.lifeIns.Cite)
	return out, nil
}

// ServiceCreditInput is the input of the service credit calculator.
type ServiceCreditInput struct {
	YearsOfService        Number `json:"years_of_service"`
	GrossWages            *Money `json:"gross_wages"`
	CompletedWorkCalendar *bool  `json:"completed_work_calendar"`
}

// ServiceCreditResult is the service credit payment for a fiscal year.
type ServiceCreditResult struct {
	YearsOfService int     `json:"years_of_service"`
	GrossWages     Money   `json:"gross_wages"`
	Percent        Decimal `json:"percent"`
	Amount         Money   `json:"amount"`
	result
}

// ServiceCredit computes the service credit payment: the band's percentage
// of the fiscal year's gross wages, by full years of service.
func (a *ACE) ServiceCredit(in ServiceCreditInput) (ServiceCreditResult, error) {
	var out ServiceCreditResult
	if !in.YearsOfService.IsSet() {
		return out, errs.Field("years_of_service", "required: full years of service in ACE as of June 30")
	}
	yrs, err := in.YearsOfService.scaled("years_of_service", 2)
	if err != nil {
		return out, err
	}
	if yrs < 0 || yrs > 6000 {
		return out, errs.Field("years_of_service", "must be between 0 and 60, not %s", in.YearsOfService.raw)
	}
	if in.GrossWages == nil {
		return out, errs.Field("gross_wages", "required: the gross wages of the fiscal year")
	}
	if *in.GrossWages < 0 {
		return out, errs.Field("gross_wages", "must not be negative")
	}
	out.YearsOfService, out.GrossWages = int(yrs/100), *in.GrossWages
	cite := a.rules.serviceCredit.Cite
	out.cite(cite)
	if yrs%100 != 0 {
		out.line("Service credit counts full years: %s years is %d full years (%s)", in.YearsOfService.raw, out.YearsOfService, cite)
	}
	if in.CompletedWorkCalendar != nil && !*in.CompletedWorkCalendar {
		out.Percent = Decimal{Places: 2}
		out.line("No payment: the employee must complete the full work calendar on or before June 30 (%s)", cite)
		return out, nil
	}
	for _, b := range a.credit {
		if out.YearsOfService >= b.From && (b.To == 0 || out.YearsOfService <= b.To) {
			out.Percent = Decimal{Value: b.Pct, Places: 2}
		}
	}
	if out.Percent.Value == 0 {
		out.Percent = Decimal{Places: 2}
		out.line("%d years of service: below the first band (%d years), no service credit (%s)", out.YearsOfService, a.credit[0].From, cite)
		return out, nil
	}
	num := int64(out.GrossWages) * out.Percent.Value
	out.Amount = Money(divRound(num, 10000))
	out.line("%d years of service earns %s%% (%s)", out.YearsOfService, out.Percent, cite)
	out.line("Payment = %s%% × gross wages %s = %s%s (%s)", out.Percent, out.GrossWages.Display(), out.Amount.Display(), roundedNote(num, 10000), cite)
	return out, nil
}
