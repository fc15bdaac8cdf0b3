package contracts

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ratifyhq/ratify/errs"
)

// The passages the ACE calculators apply. Each is looked up in the clean
// text when the agreement is loaded, so a calculator never applies a rule
// the agreement does not state, and cites the section that states it.
var (
	reMonthly    = regexp.MustCompile(`paid on a salary basis by direct deposit in \w+ \((\d+)\) equal payments`)
	reAnnual     = regexp.MustCompile(`Annual salary shall be calculated by multiplying the per diem times the number of workdays times the percentage of FTE`)
	reStepUp     = regexp.MustCompile(`Each year on July 1, employees shall move one step within their assigned range`)
	rePromotion  = regexp.MustCompile(`positions in higher ranges, or accept a position in a higher range, shall receive a minimum (\d+)% increase in salary`)
	reCredit     = regexp.MustCompile(`Service credit shall be earned at the following rates`)
	reLife       = regexp.MustCompile(`group life insurance protection for each employee in the amount of \w+ \((\d+)\) times annual salary and group accidental death and dismemberment insurance in the amount of (\w+) times annual salary`)
	reSick       = regexp.MustCompile(`Full-time employees will accrue one and one-third days of sick leave for each calendar month or major fraction thereof in pay status`)
	reLeaveCap   = regexp.MustCompile(`Annual leave shall be accruable to a maximum of \w+ \((\d+)\) days. Annual leave in excess of \w+ \(\d+\) days will be cashed out annually`)
	reOvertime   = regexp.MustCompile(`Employees who occupy position titles in Ranges ([A-Z0-9]+)-([A-Z0-9]+) in Article \d+ shall receive overtime when work beyond (\w+) hours in a day or (\d+) hours in a week is required. Overtime work shall be paid at the rate of one-and-one-half times the regular hourly rate. Overtime work performed on the seventh day of a scheduled workweek shall be paid at two times the regular hourly rate. Work in excess of (\d+) hours in any continuous work period shall be paid at two times the hourly rate`)
	reComp       = regexp.MustCompile(`Compensatory time off can be accrued up to (\d+) hours \(not more than (\d+) hours of actual hours worked\)`)
	reCallBack   = regexp.MustCompile(`notified at home to report back to work .* one and one-half times the regular rate of pay for actual hours worked, with a minimum of (\w+) hours overtime`)
	reFullDay    = regexp.MustCompile(`“Full Day”, in compliance with the Fair Labor Standards Act, means \w+ \((\d+)\) hours`)
	reWorkday    = regexp.MustCompile(`"Workday" or "work day" means a day in paid status .* usually Monday through Friday`)
	reObserve    = regexp.MustCompile(`When a recognized holiday falls on a Saturday, the preceding Friday shall be considered a District holiday. If the holiday falls on Sunday, the following Monday shall be considered a District holiday`)
	reProbation  = regexp.MustCompile(`The probationary period for new employees shall be \w+ \((\d+)\) months or [\w-]+ \((\d+)\) workdays, whichever is longer`)
	reFiling     = regexp.MustCompile(`A grievance must be filed within \w+ \((\d+)\) workdays of the occurrence`)
	reL1Meeting  = regexp.MustCompile(`The immediate supervisor shall meet with the grievant and/or ACE representative within \w+ \((\d+)\) workdays of receipt of a statement of a grievance`)
	reL1Decision = regexp.MustCompile(`The immediate supervisor shall render the decision in writing within \w+ \((\d+)\) workdays of the Level One meeting`)
	reL2Appeal   = regexp.MustCompile(`Department within \w+ \((\d+)\) workdays of the Level One decision or due date of that decision`)
	reL2Meeting  = regexp.MustCompile(`Within \w+ \((\d+)\) workdays of receipt of the written appeal`)
	reL2Decision = regexp.MustCompile(`shall render a written decision within \w+ \((\d+)\) workdays of the Level Two meeting`)
	reArbRequest = regexp.MustCompile(`ACE may file, within \w+ \((\d+)\) workdays of the Level Two decision or due date of that decision, a request for arbitration`)
	reArbSelect  = regexp.MustCompile(`shall mutually select the arbitrator within \w+ \((\d+)\) workdays of the arbitration request`)
)

// deadlineRule is a time limit counted in workdays from an event.
type deadlineRule struct {
	Name     string
	Title    string
	Workdays int
	Cite     string
}

// readRules finds every provision the ACE calculators apply.
func (a *ACE) readRules() error {
	f := ruleFinder{doc: a.doc, family: "ace"}
	r := &a.rules
	var err error
	find := func(dst *provision, what string, re *regexp.Regexp) {
		if err == nil {
			*dst, err = f.find(what, re)
		}
	}
	find(&r.monthly, "the number of salary payments", reMonthly)
	find(&r.annual, "how annual salary is calculated", reAnnual)
	find(&r.stepUp, "the July 1 step increase", reStepUp)
	find(&r.promotion, "the minimum increase on promotion", rePromotion)
	find(&r.serviceCredit, "the service credit rates", reCredit)
	find(&r.lifeIns, "the life insurance multiple", reLife)
	find(&r.sickAccrual, "the sick leave accrual", reSick)
	find(&r.annualCap, "the annual leave cap", reLeaveCap)
	find(&r.overtime, "the overtime rates", reOvertime)
	find(&r.otComp, "the compensatory time cap", reComp)
	find(&r.otCallBack, "the call-back minimum", reCallBack)
	find(&r.fullDay, "the hours of a full day", reFullDay)
	find(&r.workday, "the definition of a workday", reWorkday)
	find(&r.observance, "the holiday observance rule", reObserve)
	find(&r.probation, "the probationary period", reProbation)
	if err != nil {
		return err
	}
	r.payments = r.monthly.number(0)
	r.promoPct = r.promotion.number(0)
	r.lifeMult = r.lifeIns.number(0)
	if wordNumbers[strings.ToLower(r.lifeIns.Groups[1])] != r.lifeMult {
		return errs.Field("front_matter.calculators", "life and AD&D multiples differ in %s; the calculator assumes one multiple", r.lifeIns.Cite)
	}
	r.capDays = r.annualCap.number(0)
	r.otRanges = a.rangeSpan(r.overtime.Groups[0], r.overtime.Groups[1])
	r.dailyHours = wordNumbers[strings.ToLower(r.overtime.Groups[2])]
	r.weekHours = r.overtime.number(3)
	r.continuousHours = r.overtime.number(4)
	r.compCap, r.compActual = r.otComp.number(0), r.otComp.number(1)
	r.callMin = wordNumbers[strings.ToLower(r.otCallBack.Groups[0])]
	if len(r.otRanges) == 0 || r.dailyHours == 0 || r.callMin == 0 || r.payments == 0 || r.fullDay.number(0) == 0 {
		return errs.Field("front_matter.calculators", "the ace calculators could not read the overtime or pay provisions")
	}
	if err := a.readDeadlines(f); err != nil {
		return err
	}
	if err := a.readServiceCredit(f); err != nil {
		return err
	}
	return a.readAnnualLeave(f)
}

// rangeSpan returns the ranges from first to last in schedule order.
func (a *ACE) rangeSpan(first, last string) []string {
	var out []string
	in := false
	for _, r := range a.ranges {
		if r == first {
			in = true
		}
		if in {
			out = append(out, r)
		}
		if r == last {
			return out
		}
	}
	return nil
}

// readDeadlines finds the grievance time limits.
func (a *ACE) readDeadlines(f ruleFinder) error {
	specs := []struct {
		name, title string
		re          *regexp.Regexp
	}{
		{"grievance_filing", "File a grievance", reFiling},
		{"level_one_meeting", "Level One meeting", reL1Meeting},
		{"level_one_decision", "Level One decision", reL1Decision},
		{"level_two_appeal", "Appeal to Level Two", reL2Appeal},
		{"level_two_meeting", "Level Two meeting", reL2Meeting},
		{"level_two_decision", "Level Two decision", reL2Decision},
		{"arbitration_request", "Request arbitration", reArbRequest},
		{"arbitrator_selection", "Select the arbitrator", reArbSelect},
	}
	for _, s := range specs {
		p, err := f.find(s.title, s.re)
		if err != nil {
			return err
		}
		a.rules.deadlines = append(a.rules.deadlines, deadlineRule{Name: s.name, Title: s.title, Workdays: p.number(0), Cite: p.Cite})
	}
	return nil
}

// readServiceCredit reads the service credit bands from the bullets that
// follow "Service credit shall be earned at the following rates".
func (a *ACE) readServiceCredit(f ruleFinder) error {
	for _, p := range f.findAll(creditBand) {
		if p.Anchor != a.rules.serviceCredit.Anchor {
			continue
		}
		from, _ := strconv.Atoi(p.Groups[0])
		to, _ := strconv.Atoi(p.Groups[1])
		pct, err := parseScaled(p.Groups[2], 2)
		if err != nil || to < from {
			return errs.Field("front_matter.calculators", "%s: cannot read the band %q", p.Cite, p.Groups)
		}
		a.credit = append(a.credit, creditRate{From: from, To: to, Pct: pct})
	}
	for _, p := range f.findAll(creditOpen) {
		if p.Anchor != a.rules.serviceCredit.Anchor {
			continue
		}
		from, _ := strconv.Atoi(p.Groups[0])
		pct, err := parseScaled(p.Groups[1], 2)
		if err != nil {
			return errs.Field("front_matter.calculators", "%s: cannot read the band %q", p.Cite, p.Groups)
		}
		a.credit = append(a.credit, creditRate{From: from, Pct: pct})
	}
	sort.Slice(a.credit, func(i, j int) bool { return a.credit[i].From < a.credit[j].From })
	for i := 1; i < len(a.credit); i++ {
		if a.credit[i-1].To == 0 || a.credit[i-1].To+1 != a.credit[i].From {
			return errs.Field("front_matter.calculators", "%s: the service credit bands do not follow on", a.rules.serviceCredit.Cite)
		}
	}
	if len(a.credit) == 0 || a.credit[len(a.credit)-1].To != 0 {
		return errs.Field("front_matter.calculators", "%s: the service credit bands must end with an open band (\"30 plus years\")", a.rules.serviceCredit.Cite)
	}
	return nil
}

// readAnnualLeave reads the days credited for each length of work year.
func (a *ACE) readAnnualLeave(f ruleFinder) error {
	var cites []string
	for _, p := range f.findAll(leaveExact) {
		n := p.number(0)
		a.leave = append(a.leave, leaveCredit{Min: n, Max: n, Days: p.number(1), Cite: p.Cite})
		cites = append(cites, p.Cite)
	}
	for _, p := range f.findAll(leaveRange) {
		a.leave = append(a.leave, leaveCredit{Min: p.number(0), Max: p.number(1), Days: p.number(2), Cite: p.Cite})
		cites = append(cites, p.Cite)
	}
	for _, p := range f.findAll(leaveBelow) {
		a.leave = append(a.leave, leaveCredit{Min: 1, Max: p.number(0) - 1, Days: p.number(1), Cite: p.Cite})
		cites = append(cites, p.Cite)
	}
	sort.Slice(a.leave, func(i, j int) bool { return a.leave[i].Min < a.leave[j].Min })
	for i := 1; i < len(a.leave); i++ {
		if a.leave[i-1].Max+1 != a.leave[i].Min {
			return errs.Field("front_matter.calculators", "the annual leave bands (%s) leave a gap or overlap at %d days", strings.Join(cites, ", "), a.leave[i].Min)
		}
	}
	if len(a.leave) == 0 {
		return errs.Field("front_matter.calculators", "the ace calculators need the annual leave credits (\"work years of … days shall be credited with …\")")
	}
	a.rules.annualLeave = provision{Cite: strings.Join(uniq(cites), ", ")}
	return nil
}

// uniq drops repeated strings, keeping the first of each.
func uniq(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
