package contracts

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ratifyhq/ratify/errs"
)

// AEA holds the calculators of an AEA (teachers) agreement and what they
// read from it: the salary schedules by lane and step, the salary
// supplements and the classroom coverage rates. Its methods are pure
// functions of their inputs.
type AEA struct {
	doc       *Document
	years     []string
	schedules map[string]*laneSchedule
	rules     aeaRules
	calcs     []calculator // built once, after the data is read
}

// laneSchedule is one year's salaries by lane and step, in cents.
type laneSchedule struct {
	year   string
	cite   string
	lanes  []string
	salary map[string]map[int]Money
}

// aeaRules holds the provisions the AEA calculators apply.
type aeaRules struct {
	perDiem, doctorate, masters, nbpts, inLieu, coverage, periods, elementary provision
	workdays, docPct, maPct                                                   int
	nbptsAmount                                                               Money
	inLieuLane                                                                string
	inLieuStep                                                                int
	inLieuByYear                                                              map[string]Money
	hourRate, periodRate                                                      Money
	increment                                                                 int
	elemRates                                                                 [3]Money // one, two, three members
}

var (
	reAEAPerDiem   = regexp.MustCompile(`A member's per diem shall be the member's annual salary divided by the (\d+) workdays in the school term`)
	reAEADoctorate = regexp.MustCompile(`highest degree of educational attainment is a Doctorate degree will receive a [\w ]+ \((\d+)%\) annual salary supplement`)
	reAEAMasters   = regexp.MustCompile(`highest degree of educational attainment is a Master's degree will receive a [\w ]+ \((\d+)%\) annual salary supplement`)
	reAEANBPTS     = regexp.MustCompile(`Certificates from the National Board of Professional Teaching Standards shall receive a \$([\d,]+) salary supplement each year`)
	reAEAInLieu    = regexp.MustCompile(`Those members at (B\d+) [^,]*?Step (\d+)\b.* will receive an "in lieu of step" in the amount of \$([\d,]+), prorated by their .*FTE, for the (\d{4}-\d{2}) contract year`)
	reAEACoverage  = regexp.MustCompile(`compensated at the rate of \$(\d+) per hour of coverage calculated in \w+ \((\d+)\) minute increments`)
	reAEAPeriods   = regexp.MustCompile(`Compensation shall be at the rate of \$(\d+) per High School/Middle level class period`)
	reAEAElem      = regexp.MustCompile(`one member, full class, \$(\d+) per hour of coverage; two members split class, \$(\d+) per hour of coverage for each member; three members split class, \$(\d+) per hour of coverage for each member; more than four members split class, no additional compensation`)
	laneName       = regexp.MustCompile(`^B\d\d$`)
)

// AEA returns the calculators of an AEA agreement.
func (l *Library) AEA(docID string) (*AEA, error) {
	e, err := l.get(docID)
	if err != nil {
		return nil, err
	}
	a, ok := e.calc.(*AEA)
	if !ok {
		return nil, errs.New(errs.NotFound, "agreement %s has no AEA calculators", docID)
	}
	return a, nil
}

// buildAEA reads the AEA calculator data from d.
func buildAEA(d *Document) (calcData, error) {
	a := &AEA{doc: d, schedules: map[string]*laneSchedule{}}
	if err := a.readSchedules(); err != nil {
		return nil, err
	}
	if err := a.readRules(); err != nil {
		return nil, err
	}
	a.calcs = aeaCalculators(a)
	return a, nil
}

// readSchedules reads the "aea-salary:<year>" tables.
func (a *AEA) readSchedules() error {
	d := a.doc
	for _, t := range d.Tables() {
		year, ok := strings.CutPrefix(t.Data, "aea-salary:")
		if !ok {
			continue
		}
		if m := yearKey.FindStringSubmatch(year); m == nil || year[:4] < d.Term.Start[:4] || year[:4] >= d.Term.End[:4] {
			return tableErr(t, "school year %q is not a year of the term %s to %s", year, d.Term.Start, d.Term.End)
		}
		if _, dup := a.schedules[year]; dup {
			return tableErr(t, "a second schedule for %s", year)
		}
		s := &laneSchedule{year: year, cite: tableCite(d, t), salary: map[string]map[int]Money{}}
		if len(t.Header) < 2 {
			return tableErr(t, "a salary table needs a header row: Step, then lanes")
		}
		for _, h := range t.Header[1:] {
			if !laneName.MatchString(h.Text) {
				return tableErr(t, "lane %q is not like B00", h.Text)
			}
			s.lanes = append(s.lanes, h.Text)
			s.salary[h.Text] = map[int]Money{}
		}
		for _, row := range t.Rows {
			step, err := strconv.Atoi(row[0].Text)
			if err != nil || step < 0 || step > 99 {
				return tableErr(t, "step %q is not a number", row[0].Text)
			}
			for k, c := range row[1:] {
				if c.IsNum {
					s.salary[s.lanes[k]][step] = Money(c.Num)
				}
			}
		}
		a.schedules[year] = s
		a.years = append(a.years, year)
	}
	if len(a.years) == 0 {
		return errs.Field("front_matter.calculators", "the aea calculators need salary tables (data=aea-salary:<year>)")
	}
	sort.Strings(a.years)
	return nil
}

// readRules finds the provisions the AEA calculators apply.
func (a *AEA) readRules() error {
	f := ruleFinder{doc: a.doc, family: "aea"}
	r := &a.rules
	var err error
	find := func(dst *provision, what string, re *regexp.Regexp) {
		if err == nil {
			*dst, err = f.find(what, re)
		}
	}
	find(&r.perDiem, "the per diem divisor", reAEAPerDiem)
	find(&r.doctorate, "the doctorate supplement", reAEADoctorate)
	find(&r.masters, "the master's supplement", reAEAMasters)
	find(&r.nbpts, "the National Board supplement", reAEANBPTS)
	find(&r.coverage, "the classroom coverage rate", reAEACoverage)
	find(&r.periods, "the class period rate", reAEAPeriods)
	find(&r.elementary, "the elementary coverage rates", reAEAElem)
	if err != nil {
		return err
	}
	dollars := func(s string) Money {
		v, _ := parseScaled(strings.ReplaceAll(s, ",", ""), 2)
		return Money(v)
	}
	r.workdays, r.docPct, r.maPct = r.perDiem.number(0), r.doctorate.number(0), r.masters.number(0)
	r.nbptsAmount = dollars(r.nbpts.Groups[0])
	r.hourRate, r.increment = dollars(r.coverage.Groups[0]), r.coverage.number(1)
	r.periodRate = dollars(r.periods.Groups[0])
	for i := range r.elemRates {
		r.elemRates[i] = dollars(r.elementary.Groups[i])
	}
	r.inLieuByYear = map[string]Money{}
	for _, p := range f.findAll(reAEAInLieu) {
		r.inLieu = p
		r.inLieuLane, r.inLieuStep = p.Groups[0], p.number(1)
		r.inLieuByYear[p.Groups[3]] = dollars(p.Groups[2])
	}
	if r.workdays == 0 || r.increment == 0 || 60%r.increment != 0 {
		return errs.Field("front_matter.calculators", "the aea calculators could not read the per diem or coverage provisions")
	}
	return nil
}

// calculators lists the AEA calculators.
func (a *AEA) calculators() []calculator { return a.calcs }

// aeaCalculators describes the AEA calculators and binds them to a.
func aeaCalculators(a *AEA) []calculator {
	r := a.rules
	lanes := a.schedules[a.years[0]].lanes
	cites := []string{}
	for _, y := range a.years {
		cites = append(cites, a.schedules[y].cite+" ("+y+")")
	}
	f := func(name, typ string, req bool, desc string, enum ...string) InputField {
		return InputField{Name: name, Type: typ, Required: req, Description: desc, Enum: enum}
	}
	fteF := f("fte", "number", false, "Full-time equivalent, more than 0 and at most 1")
	fteF.Default = "1"
	return []calculator{
		{CalculatorInfo{Name: "teacher_salary", Title: "Teacher salary",
			Description: "Salary from the schedule by lane and step, with the degree supplement, the National Board supplement, the in-lieu-of-step payment where it applies, and the per diem.",
			Citations:   append(cites, r.doctorate.Cite, r.nbpts.Cite, r.inLieu.Cite, r.perDiem.Cite),
			Inputs: []InputField{f("year", "string", true, "School year", a.years...), f("lane", "string", true, "Lane", lanes...),
				f("step", "integer", true, "Step (0 and up; the last step depends on the lane)"), fteF,
				f("degree", "string", false, "Highest degree: none, masters or doctorate (default none)", "none", "masters", "doctorate"),
				f("nbpts", "boolean", false, "Holds a National Board (NBPTS) certificate"),
				f("step_movement", "boolean", false, "Received step movement this year (no in-lieu-of-step payment); default false")}}, run(a.TeacherSalary)},
		{CalculatorInfo{Name: "classroom_coverage", Title: "Classroom coverage",
			Description: "Pay for covering a class: secondary coverage by time (in increments) or by class periods, or elementary split-class coverage by the number of members sharing it.",
			Citations:   uniq([]string{r.coverage.Cite, r.periods.Cite, r.elementary.Cite}),
			Inputs: []InputField{f("level", "string", true, "secondary or elementary", "secondary", "elementary"),
				f("minutes", "integer", false, "Minutes of coverage (secondary by time, or elementary)"),
				f("periods", "integer", false, "Secondary: class periods covered"),
				f("members", "integer", false, "Elementary: members sharing the class (1, 2, 3, or more than 4)")}}, run(a.ClassroomCoverage)},
	}
}
