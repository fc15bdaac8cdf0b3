package contracts

import (
	"sort"
	"strings"
	"time"

	"github.com/ratifyhq/ratify/errs"
)

// holidayRules are the District holidays named in an agreement, with the
// date rule for each name and the Saturday/Sunday observance rule.
type holidayRules struct {
	names []string
	dates []func(year int) time.Time // the date rule of each name
	cite  string
}

// holiday is one holiday in one year: its calendar date and the weekday it
// is observed on.
type holiday struct {
	Name     string
	Date     time.Time
	Observed time.Time
}

// holidayDates maps a holiday's name (folded; see holidayKey) to the date
// it falls on in a year.
var holidayDates = map[string]func(year int) time.Time{
	"independence day":           func(y int) time.Time { return date(y, time.July, 4) },
	"labor day":                  func(y int) time.Time { return nthWeekday(y, time.September, time.Monday, 1) },
	"thanksgiving day":           func(y int) time.Time { return nthWeekday(y, time.November, time.Thursday, 4) },
	"day after thanksgiving":     func(y int) time.Time { return nthWeekday(y, time.November, time.Thursday, 4).AddDate(0, 0, 1) },
	"day before christmas":       func(y int) time.Time { return date(y, time.December, 24) },
	"christmas day":              func(y int) time.Time { return date(y, time.December, 25) },
	"day before new years":       func(y int) time.Time { return date(y, time.December, 31) },
	"new years day":              func(y int) time.Time { return date(y, time.January, 1) },
	"martin luther king jr. day": func(y int) time.Time { return nthWeekday(y, time.January, time.Monday, 3) },
	"presidents day":             func(y int) time.Time { return nthWeekday(y, time.February, time.Monday, 3) },
	"memorial day":               func(y int) time.Time { return lastWeekday(y, time.May, time.Monday) },
}

// apostrophes are dropped when folding holiday names.
var apostrophes = strings.NewReplacer("’", "", "'", "", "‘", "")

// holidayKey folds a holiday name: lower case, no apostrophes.
func holidayKey(name string) string {
	return strings.ToLower(collapse(apostrophes.Replace(name)))
}

// readHolidays reads the holiday names from the table with data=holidays.
func readHolidays(d *Document) (holidayRules, error) {
	var h holidayRules
	for _, t := range d.Tables() {
		if t.Data != "holidays" {
			continue
		}
		h.cite = tableCite(d, t)
		for _, row := range t.Rows {
			for _, c := range row {
				if c.Text == "" {
					continue
				}
				rule := holidayDates[holidayKey(c.Text)]
				if rule == nil {
					return h, tableErr(t, "holiday %q has no known date rule", c.Text)
				}
				h.names = append(h.names, c.Text)
				h.dates = append(h.dates, rule)
			}
		}
	}
	if len(h.names) == 0 {
		return h, errs.Field("front_matter.calculators", "the calculators need the holiday list (a table with data=holidays)")
	}
	return h, nil
}

// date returns a civil date at midnight UTC.
func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// nthWeekday returns the nth (1-based) weekday of a month.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) time.Time {
	t := date(y, m, 1)
	t = t.AddDate(0, 0, (int(wd)-int(t.Weekday())+7)%7)
	return t.AddDate(0, 0, 7*(n-1))
}

// lastWeekday returns the last weekday of a month.
func lastWeekday(y int, m time.Month, wd time.Weekday) time.Time {
	t := date(y, m+1, 1).AddDate(0, 0, -1)
	return t.AddDate(0, 0, -((int(t.Weekday()) - int(wd) + 7) % 7))
}

// observe applies the observance rule: a Saturday holiday is observed the
// Friday before, a Sunday holiday the Monday after.
func observe(t time.Time) time.Time {
	switch t.Weekday() {
	case time.Saturday:
		return t.AddDate(0, 0, -1)
	case time.Sunday:
		return t.AddDate(0, 0, 1)
	}
	return t
}

// inYear returns the holidays observed in a calendar year, by observed
// date. A holiday of the next or previous year may be observed in this one
// (New Year's Day on a Saturday is observed on December 31).
func (h holidayRules) inYear(year int) []holiday {
	var out []holiday
	for y := year - 1; y <= year+1; y++ {
		for i, n := range h.names {
			d := h.dates[i](y)
			o := observe(d)
			if o.Year() == year {
				out = append(out, holiday{Name: n, Date: d, Observed: o})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Observed.Before(out[j].Observed) })
	return out
}

// calendar answers whether a day is a workday, caching holidays by year.
type calendar struct {
	rules holidayRules
	years map[int]map[time.Time][]holiday
}

// newCalendar returns a workday calendar for the rules.
func newCalendar(h holidayRules) *calendar {
	return &calendar{rules: h, years: map[int]map[time.Time][]holiday{}}
}

// holidays returns the holidays observed on day t.
func (c *calendar) holidays(t time.Time) []holiday {
	m, ok := c.years[t.Year()]
	if !ok {
		m = map[time.Time][]holiday{}
		for _, h := range c.rules.inYear(t.Year()) {
			m[h.Observed] = append(m[h.Observed], h)
		}
		c.years[t.Year()] = m
	}
	return m[t]
}
