package contracts

import "strings"

// run decodes the JSON input into an In and applies fn.
func run[In any, Out any](fn func(In) (Out, error)) func([]byte) (any, error) {
	return func(b []byte) (any, error) {
		var in In
		if err := decodeInput(b, &in); err != nil {
			return nil, err
		}
		out, err := fn(in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// aceCalculators describes the ACE calculators and binds them to a.
func aceCalculators(a *ACE) []calculator {
	r := a.rules
	years := a.years
	steps := a.steps
	titles := make([]string, 0, len(a.jobs))
	for _, j := range a.jobs {
		if !contains(titles, j.Title) {
			titles = append(titles, j.Title)
		}
	}
	sched := make([]string, 0, len(years))
	for _, y := range years {
		sched = append(sched, a.scheduleCite(y))
	}
	f := func(name, typ string, req bool, desc string, enum ...string) InputField {
		return InputField{Name: name, Type: typ, Required: req, Description: desc, Enum: enum}
	}
	yearF := f("year", "string", true, "School year, e.g. "+years[0], years...)
	rangeF := f("range", "string", false, "Salary range "+a.rangeList()+"; required unless job_title is given", a.ranges...)
	stepF := f("step", "string", true, "Step "+steps[0]+"-"+steps[len(steps)-1], steps...)
	jobF := f("job_title", "string", false, "Job title from "+a.jobCite()+"; gives the range and the allowed work days", titles...)
	daysF := f("days", "integer", false, "Work days in the work year; required unless the job title has one day count")
	fteF := f("fte", "number", false, "Full-time equivalent, more than 0 and at most 1")
	fteF.Default = "1"
	perDiemF := f("per_diem", "number", false, "Per diem in dollars; or give range, step and year")
	optYear := yearF
	optYear.Required = false
	optRange, optStep := rangeF, stepF
	optRange.Description, optStep.Required = "Salary range, with step and year, instead of per_diem", false
	deadlineNames := a.DeadlineRules()
	var dl []string
	for _, d := range r.deadlines {
		dl = append(dl, d.Name+" ("+itoa(d.Workdays)+" workdays, "+d.Cite+")")
	}
	return []calculator{
		{CalculatorInfo{Name: "salary", Title: "Salary",
			Description: "A year's salary: the per diem from the year's schedule × work days × FTE, and the monthly payment.",
			Citations:   append(append([]string{a.jobCite()}, sched...), r.annual.Cite, r.monthly.Cite),
			Inputs:      []InputField{jobF, rangeF, stepF, yearF, daysF, fteF}}, run(a.Salary)},
		{CalculatorInfo{Name: "career", Title: "Salary over the agreement",
			Description: "The same member's salary year by year to the end of the agreement, one step up each July 1, held at the top step.",
			Citations:   append(append([]string{a.jobCite(), r.stepUp.Cite}, sched...), r.annual.Cite),
			Inputs:      []InputField{jobF, rangeF, stepF, withDesc(optYear, "First school year (default "+years[0]+")"), daysF, fteF}}, run(a.Career)},
		{CalculatorInfo{Name: "service_credit", Title: "Service credit",
			Description: "The service credit percentage for full years of service and the payment on the fiscal year's gross wages.",
			Citations:   []string{r.serviceCredit.Cite},
			Inputs: []InputField{f("years_of_service", "number", true, "Full years of service in ACE as of June 30"),
				f("gross_wages", "number", true, "Gross wages of the fiscal year, in dollars"),
				f("completed_work_calendar", "boolean", false, "Whether the full work calendar was completed by June 30 (default true)")}}, run(a.ServiceCredit)},
		{CalculatorInfo{Name: "sick_leave_accrual", Title: "Sick leave accrual",
			Description: "Sick leave accrued: one and one-third days a month in pay status, in proportion to FTE.",
			Citations:   []string{r.sickAccrual.Cite},
			Inputs:      []InputField{f("months", "number", true, "Calendar months in pay status (a part month counts if more than half)"), fteF}}, run(a.SickLeaveAccrual)},
		{CalculatorInfo{Name: "sick_leave_cashout", Title: "Sick leave cash-out at retirement",
			Description: "The cash-out of accumulated sick leave at PERS retirement, band by band at a percentage of per diem.",
			Citations:   []string{a.tierCite},
			Inputs:      []InputField{f("days", "number", true, "Days of sick leave accumulated"), perDiemF, optRange, optStep, optYear}}, run(a.SickLeaveCashout)},
		{CalculatorInfo{Name: "annual_leave", Title: "Annual leave",
			Description: "Days credited each year for the length of the work year, and the balance over the cap cashed out in July.",
			Citations:   append(strings.Split(r.annualLeave.Cite, ", "), r.annualCap.Cite),
			Inputs: []InputField{f("work_days", "integer", true, "Days of the work year"), f("balance_days", "number", false, "Annual leave balance on June 30"),
				perDiemF, optRange, optStep, optYear}}, run(a.AnnualLeave)},
		{CalculatorInfo{Name: "overtime", Title: "Overtime",
			Description: "A week's straight and overtime pay in Ranges " + strings.Join(r.otRanges, ", ") + ": one and one-half times beyond the daily or weekly hours, two times on the seventh day or beyond the continuous hours, call-backs with a minimum; or compensatory time up to the cap.",
			Citations:   []string{r.overtime.Cite, r.otComp.Cite, r.otCallBack.Cite, r.fullDay.Cite},
			Inputs: []InputField{withEnum(rangeF, r.otRanges, true), stepF, yearF,
				{Name: "hours", Type: "array", Items: "number", Length: 7, Required: true, Description: "Hours worked each day of the week, Monday first"},
				f("seventh_day", "boolean", false, "The last day (Sunday) is the seventh day of the scheduled workweek"),
				{Name: "call_backs", Type: "array", Items: "object", Description: "Call-backs: {\"day\": 1-7 (Monday = 1), \"hours\": hours worked}"},
				f("comp_time", "boolean", false, "Take compensatory time instead of overtime pay"),
				f("comp_balance_hours", "number", false, "Compensatory time already accrued, in hours")}}, run(a.Overtime)},
		{CalculatorInfo{Name: "promotion", Title: "Promotion placement",
			Description: "Placement in a higher range at the lowest step giving at least the minimum increase.",
			Citations:   append([]string{r.promotion.Cite}, sched...),
			Inputs: []InputField{withDesc(rangeF, "Current range"), stepF, f("new_range", "string", true, "The higher range", a.ranges...), yearF,
				f("days", "integer", false, "Current work days (with new_days, compares annual salaries)"), f("new_days", "integer", false, "Work days in the new position")}}, run(a.Promotion)},
		{CalculatorInfo{Name: "life_insurance", Title: "Life insurance",
			Description: "Group life and accidental death and dismemberment coverage as a multiple of annual salary.",
			Citations:   []string{r.lifeIns.Cite},
			Inputs: []InputField{f("annual_salary", "number", false, "Annual salary in dollars; or give a position as for the salary calculator"),
				jobF, optRange, optStep, optYear, daysF, fteF}}, run(a.LifeInsurance)},
		{CalculatorInfo{Name: "deadlines", Title: "Deadlines",
			Description: "A due date counted in workdays (Monday to Friday, without District holidays as observed), or the end of probation. Rules: probation, " + strings.Join(dl, "; ") + ".",
			Citations:   []string{r.probation.Cite, a.holidays.cite, r.observance.Cite},
			Inputs: []InputField{f("rule", "string", true, "The time limit", deadlineNames...),
				f("date", "date", true, "The date the count starts from (YYYY-MM-DD)")}}, run(a.Deadline)},
	}
}

// withDesc returns the field with another description.
func withDesc(f InputField, d string) InputField { f.Description = d; return f }

// withEnum returns the field with other allowed values.
func withEnum(f InputField, enum []string, required bool) InputField {
	f.Enum, f.Required = enum, required
	return f
}

// itoa formats an int.
func itoa(n int) string { return fmtScaled(int64(n), 0) }
