package contracts

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ratifyhq/ratify/errs"
)

// ACE holds the calculators of an ACE agreement and what they read from it:
// the per-diem schedules, the job-title list, the cash-out tiers, the
// holidays, and the provisions they apply with where each is stated. Its
// methods are pure functions of their inputs.
type ACE struct {
	doc       *Document
	years     []string             // school years with a schedule, in order
	schedules map[string]*schedule // by school year, "2022-23"
	ranges    []string             // in schedule order: A B C D 4 … 13
	steps     []string             // A … V
	jobs      []Job
	tiers     []tier
	tierCite  string
	holidays  holidayRules
	credit    []creditRate
	leave     []leaveCredit
	rules     aceRules
	jobsCite  string       // where the job-title list is
	calcs     []calculator // built once, after the data is read
}

// schedule is one school year's per-diem rates by range and step.
type schedule struct {
	year    string
	cite    string
	perDiem map[string]map[string]Money
}

// Job is one line of the job-title list: a title, its range and the
// numbers of work days the position may be assigned.
type Job struct {
	Title string `json:"title"`
	Range string `json:"range"`
	Days  []int  `json:"days"`
	key   string // the title folded for matching
}

// tier is one band of the sick-leave cash-out table: days above From up
// to To (0: no limit) are paid at Pct hundredths of a percent of per diem.
type tier struct {
	Label string
	From  int
	To    int
	Pct   int64 // hundredths of a percent: 45% -> 4500
}

// creditRate is a service-credit band: full years From through To (0: and
// up) earn Pct hundredths of a percent of the year's gross wages.
type creditRate struct {
	From, To int
	Pct      int64
}

// leaveCredit is an annual-leave band: work years of Min through Max days
// (Max 0: no upper bound) are credited Days days.
type leaveCredit struct {
	Min, Max, Days int
	Cite           string
}

// aceRules holds each provision the ACE calculators apply and where it is.
type aceRules struct {
	monthly, annual, stepUp, promotion, serviceCredit, lifeIns provision
	sickAccrual, annualLeave, annualCap                        provision
	overtime, otComp, otCallBack, fullDay                      provision
	workday, observance, probation                             provision
	deadlines                                                  []deadlineRule
	payments, promoPct, lifeMult, capDays, weekHours           int
	dailyHours, continuousHours, compCap, compActual, callMin  int
	otRanges                                                   []string
}

var (
	yearKey     = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	daysCell    = regexp.MustCompile(`^\d{2,3}(?:[/ ]+\d{2,3})*$`)
	tierFirst   = regexp.MustCompile(`^(First|Next)\s+(\d+)\b`)
	tierOver    = regexp.MustCompile(`^Over\s+(\d+)\b`)
	creditBand  = regexp.MustCompile(`(\d+) years through (\d+) years of service: ([\d.]+)% of annual salary`)
	creditOpen  = regexp.MustCompile(`(\d+) plus years of service: ([\d.]+)% of annual salary`)
	leaveExact  = regexp.MustCompile(`work years of (\d+) days shall be credited with \w+ \((\d+)\) days`)
	leaveRange  = regexp.MustCompile(`work years of at least (\d+) days but no more than (\d+) days shall be credited with \w+ \((\d+)\) days`)
	leaveBelow  = regexp.MustCompile(`work years of fewer than (\d+) days shall be credited with \w+ \((\d+)\) days`)
	rangeCell   = regexp.MustCompile(`^(?:[A-Z]|\d{1,2})$`)
	stepHeaders = regexp.MustCompile(`^[A-Z]$`)
)

// buildACE reads the ACE calculator data from d.
func buildACE(d *Document) (calcData, error) {
	a := &ACE{doc: d, schedules: map[string]*schedule{}}
	if err := a.readSchedules(); err != nil {
		return nil, err
	}
	if err := a.readJobs(); err != nil {
		return nil, err
	}
	if err := a.readTiers(); err != nil {
		return nil, err
	}
	var err error
	if a.holidays, err = readHolidays(d); err != nil {
		return nil, err
	}
	if err := a.readRules(); err != nil {
		return nil, err
	}
	a.calcs = aceCalculators(a)
	return a, nil
}

// tableErr is a data error naming the table's line.
func tableErr(t *Table, format string, args ...any) error {
	return lineErr(t.Line, "table."+t.ID, format, args...)
}

// readSchedules merges the "salary:<year>" tables into one schedule a year.
func (a *ACE) readSchedules() error {
	d := a.doc
	termStart, _ := strconv.Atoi(d.Term.Start[:4])
	termEnd, _ := strconv.Atoi(d.Term.End[:4])
	for _, t := range d.Tables() {
		year, ok := strings.CutPrefix(t.Data, "salary:")
		if !ok {
			continue
		}
		m := yearKey.FindStringSubmatch(year)
		if m == nil {
			return tableErr(t, "salary data must name a school year like salary:2022-23, not %q", t.Data)
		}
		y1, _ := strconv.Atoi(m[1])
		y2, _ := strconv.Atoi(m[2])
		if (y1+1)%100 != y2 || y1 < termStart || y1+1 > termEnd {
			return tableErr(t, "school year %s is not a year of the term %s to %s", year, d.Term.Start, d.Term.End)
		}
		if len(t.Header) < 2 {
			return tableErr(t, "a salary table needs a header row: Range, then step letters")
		}
		s := a.schedules[year]
		if s == nil {
			s = &schedule{year: year, cite: tableCite(d, t), perDiem: map[string]map[string]Money{}}
			a.schedules[year] = s
			a.years = append(a.years, year)
		}
		for _, h := range t.Header[1:] {
			if !stepHeaders.MatchString(h.Text) {
				return tableErr(t, "step %q in the header is not a letter", h.Text)
			}
		}
		for _, row := range t.Rows {
			rng := row[0].Text
			if !rangeCell.MatchString(rng) {
				return tableErr(t, "range %q is not a letter or a number", rng)
			}
			if s.perDiem[rng] == nil {
				s.perDiem[rng] = map[string]Money{}
				if year == a.firstYear() && !contains(a.ranges, rng) {
					a.ranges = append(a.ranges, rng)
				}
			}
			for k, c := range row[1:] {
				step := t.Header[k+1].Text
				if !c.IsNum {
					continue // a cell the schedule does not have
				}
				if c.Num <= 0 {
					return tableErr(t, "range %s step %s: a per diem must be positive", rng, step)
				}
				if _, dup := s.perDiem[rng][step]; dup {
					return tableErr(t, "range %s step %s is given twice for %s", rng, step, year)
				}
				s.perDiem[rng][step] = Money(c.Num)
				if year == a.firstYear() && !contains(a.steps, step) {
					a.steps = append(a.steps, step)
				}
			}
		}
	}
	if len(a.years) == 0 {
		return errs.Field("front_matter.calculators", "the ace calculators need salary tables (data=salary:<year>)")
	}
	sort.Strings(a.years)
	sort.Strings(a.steps)
	for _, y := range a.years {
		for _, r := range a.ranges {
			if len(a.schedules[y].perDiem[r]) == 0 {
				return errs.Field("front_matter.calculators", "the %s salary schedule has no range %s", y, r)
			}
		}
	}
	return nil
}

// firstYear is the first school year whose table was read; its ranges and
// steps set the order.
func (a *ACE) firstYear() string {
	if len(a.years) == 0 {
		return ""
	}
	return a.years[0]
}

// contains reports whether xs holds x.
func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// readJobs reads the job-title list from the "jobs" tables; a blank range
// cell repeats the range above it.
func (a *ACE) readJobs() error {
	for _, t := range a.doc.Tables() {
		if t.Data != "jobs" {
			continue
		}
		if len(t.Rows[0]) != 3 {
			return tableErr(t, "a jobs table has three columns: Range, Job Title, Number of Days")
		}
		rng := ""
		for _, row := range t.Rows {
			if row[0].Text != "" {
				rng = row[0].Text
			}
			if !contains(a.ranges, rng) {
				return tableErr(t, "job %q: range %q is not in the salary schedules", row[1].Text, rng)
			}
			if !daysCell.MatchString(row[2].Text) {
				return tableErr(t, "job %q: number of days %q is not like 230 or 230/240", row[1].Text, row[2].Text)
			}
			var days []int
			for _, f := range strings.FieldsFunc(row[2].Text, func(r rune) bool { return r == '/' || r == ' ' }) {
				n, _ := strconv.Atoi(f)
				if !containsInt(days, n) {
					days = append(days, n)
				}
			}
			sort.Ints(days)
			a.jobs = append(a.jobs, Job{Title: row[1].Text, Range: rng, Days: days, key: jobKey(row[1].Text)})
		}
	}
	if len(a.jobs) == 0 {
		return errs.Field("front_matter.calculators", "the ace calculators need the job-title list (a table with data=jobs)")
	}
	for _, t := range a.doc.Tables() {
		if t.Data == "jobs" {
			a.jobsCite = tableCite(a.doc, t)
			break
		}
	}
	return nil
}

// containsInt reports whether xs holds x.
func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// readTiers reads the sick-leave cash-out tiers.
func (a *ACE) readTiers() error {
	var t *Table
	for _, x := range a.doc.Tables() {
		if x.Data == "sick-leave-cashout" {
			t = x
		}
	}
	if t == nil {
		return errs.Field("front_matter.calculators", "the ace calculators need the sick-leave cash-out table (data=sick-leave-cashout)")
	}
	at := 0
	for i, row := range t.Rows {
		if len(row) != 2 || !row[1].IsNum {
			return tableErr(t, "row %d: a cash-out row is a band and a percentage", i+1)
		}
		label := row[0].Text
		if m := tierFirst.FindStringSubmatch(label); m != nil {
			if (m[1] == "First") != (i == 0) {
				return tableErr(t, "row %d: only the first band is \"First\"", i+1)
			}
			n, _ := strconv.Atoi(m[2])
			a.tiers = append(a.tiers, tier{Label: label, From: at, To: at + n, Pct: row[1].Num})
			at += n
			continue
		}
		if m := tierOver.FindStringSubmatch(label); m != nil && i == len(t.Rows)-1 {
			n, _ := strconv.Atoi(m[1])
			if n != at {
				return tableErr(t, "\"Over %d\" does not follow the bands above, which end at %d", n, at)
			}
			a.tiers = append(a.tiers, tier{Label: label, From: at, Pct: row[1].Num})
			continue
		}
		return tableErr(t, "row %d: %q is not a band like \"Next 10\" or a last \"Over 100\"", i+1, label)
	}
	if len(a.tiers) == 0 || a.tiers[len(a.tiers)-1].To != 0 {
		return tableErr(t, "the last band must be open-ended (\"Over …\")")
	}
	a.tierCite = tableCite(a.doc, t)
	return nil
}
