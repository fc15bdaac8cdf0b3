package contracts

import (
	"testing"
	"time"
)

func TestDeadlines(t *testing.T) {
	a := mustACE(t)
	tests := []struct {
		name, rule, date, due string
		skipped               int
		cite                  string
	}{
		// 403 A: 20 workdays from Monday, November 15, 2021, skipping Thanksgiving and the day after (705)
		{"GrievanceFiling", "grievance_filing", "2021-11-15", "2021-12-15", 2, "Article 403 A"},
		// 404 A.2: 5 workdays from Friday, July 1, 2022, skipping Independence Day on Monday the 4th
		{"LevelOneMeeting", "level_one_meeting", "2022-07-01", "2022-07-11", 1, "Article 404 A.2"},
		// 705: July 4, 2026 is a Saturday, observed on Friday, July 3
		{"HolidayObservedFriday", "level_one_meeting", "2026-07-01", "2026-07-09", 1, "Article 404 A.2"},
		// 404 A.4: 10 workdays from December 21, 2022: Dec 24 (Sat) observed Fri 23, Dec 25 (Sun) Mon 26,
		// Dec 31 (Sat) Fri 30, Jan 1 (Sun) Mon Jan 2
		{"SundayObservedMonday", "level_one_decision", "2022-12-21", "2023-01-10", 4, "Article 404 A.4"},
		// 404 C.1: 20 workdays from May 15, 2023, skipping Memorial Day (May 29)
		{"ArbitrationRequest", "arbitration_request", "2023-05-15", "2023-06-13", 1, "Article 404 C.1"},
		// any year: 20 workdays from December 20, 2027, across the new year (Dec 24 Fri, Dec 25 Sat observed Fri 24,
		// Dec 31 Fri, Jan 1 Sat observed Fri Dec 31, MLK Day Jan 17)
		{"AnyYear", "grievance_filing", "2027-12-20", "2028-01-20", 5, "Article 403 A"},
		// 502: five months or 100 workdays, whichever is longer; from August 16, 2021 the months are longer
		{"ProbationMonths", "probation", "2021-08-16", "2022-01-15", 7, "Article 502"},
		// from September 30, 2022 the 100 workdays (February 28) outlast the months (February 27)
		{"ProbationWorkdays", "probation", "2022-09-30", "2023-02-28", 8, "Article 502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Deadline(DeadlineInput{Rule: tt.rule, Date: tt.date})
			if err != nil {
				t.Fatal(err)
			}
			if got.DueDate != tt.due || len(got.HolidaysSkip) != tt.skipped {
				t.Errorf("due %s skipping %d holidays %v; want %s skipping %d", got.DueDate, len(got.HolidaysSkip), got.HolidaysSkip, tt.due, tt.skipped)
			}
			if !containsStr(got.Citations, tt.cite) || !containsStr(got.Citations, "Article 705") {
				t.Errorf("citations %q", got.Citations)
			}
		})
	}
	t.Run("ErrUnknownRule", func(t *testing.T) {
		_, err := a.Deadline(DeadlineInput{Rule: "whenever", Date: "2022-01-03"})
		wantField(t, err, "rule")
	})
	t.Run("ErrBadDate", func(t *testing.T) {
		_, err := a.Deadline(DeadlineInput{Rule: "grievance_filing", Date: "2022-02-30"})
		wantField(t, err, "date")
	})
}

func TestHolidayObservance(t *testing.T) {
	a := mustACE(t)
	tests := []struct {
		name     string
		year     int
		holiday  string
		observed string
	}{
		{"SaturdayToFriday", 2026, "Independence Day", "2026-07-03"},
		{"SundayToMonday", 2027, "Independence Day", "2027-07-05"},
		{"Weekday", 2024, "Independence Day", "2024-07-04"},
		{"NewYearIntoPreviousYear", 2021, "New Year's Day", "2021-12-31"},
		{"Thanksgiving", 2023, "Thanksgiving Day", "2023-11-23"},
		{"MemorialDay", 2024, "Memorial Day", "2024-05-27"},
		{"MLKDay", 2022, "Martin Luther King Jr. Day", "2022-01-17"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var found []string
			for _, h := range a.holidays.inYear(tt.year) {
				if h.Name == tt.holiday {
					found = append(found, h.Observed.Format(time.DateOnly))
				}
			}
			if !containsStr(found, tt.observed) {
				t.Errorf("%s in %d observed on %v, want %s", tt.holiday, tt.year, found, tt.observed)
			}
		})
	}
}
