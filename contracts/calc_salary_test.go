package contracts

import (
	"testing"

	"github.com/ratifyhq/ratify/errs"
)

// mustACE returns the calculators of the embedded ACE agreement.
func mustACE(t testing.TB) *ACE {
	t.Helper()
	a, err := mustLib(t).ACE("ace-2021-2024")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantField checks that err is an Invalid *errs.Error naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid || e.Field != field {
		t.Fatalf("got error %v, want an Invalid error naming %q", err, field)
	}
}

// money parses a dollar amount for expectations.
func money(s string) Money {
	v, err := parseScaled(s, 2)
	if err != nil {
		panic(err)
	}
	return Money(v)
}

func TestSalary(t *testing.T) {
	a := mustACE(t)
	tests := []struct {
		name            string
		in              SalaryInput
		perDiem, annual string
		monthly         string
		rng             string
	}{
		// 2021-22 Range D step A = 163.68 ladder: 189.46; 189.46 × 230 = 43,575.80 (801 B); ÷ 12 = 3,631.3167 -> 3,631.32 (801 A)
		{"RangeD", SalaryInput{Range: "D", Step: "A", Year: "2021-22", Days: Num("230")}, "189.46", "43575.80", "3631.32", "D"},
		// Range 4 carries the same rates as Range D in every schedule
		{"Range4SameAsD", SalaryInput{Range: "4", Step: "A", Year: "2021-22", Days: Num("230")}, "189.46", "43575.80", "3631.32", "4"},
		// step V, the top: 2023-24 Range 13 step V = 510.59; × 240 = 122,541.60; ÷ 12 = 10,211.80
		{"StepV", SalaryInput{Range: "13", Step: "V", Year: "2023-24", Days: Num("240")}, "510.59", "122541.60", "10211.80", "13"},
		// FTE 0.5: 2021-22 Range A step A = 163.68 × 180 × 0.5 = 14,731.20; ÷ 12 = 1,227.60
		{"HalfTime", SalaryInput{Range: "A", Step: "A", Year: "2021-22", Days: Num("180"), FTE: Num("0.5")}, "163.68", "14731.20", "1227.60", "A"},
		// job title from the 807 list: Technician, Payroll is Range B, 240 days; 2022-23 B step C = 184.04 × 240 = 44,169.60
		{"JobTitle", SalaryInput{JobTitle: "Technician, Payroll", Step: "c", Year: "2022-2023"}, "184.04", "44169.60", "3680.80", "B"},
		// Technician, Grant works 198/215/230 days: 2023-24 B step A = 178.80 × 215 = 38,442.00; ÷ 12 = 3,203.50
		{"JobTitleDays", SalaryInput{JobTitle: "technician grant", Step: "A", Year: "2023-24", Days: Num("215")}, "178.80", "38442.00", "3203.50", "B"},
		// Behavior Strategist is listed in Range 4 (188 days) and Range 6 (198 days): 198 days picks Range 6;
		// 2021-22 Range 6 step A = 208.89 × 198 = 41,360.22; ÷ 12 = 3,446.685 -> 3,446.69 (half up)
		{"AmbiguousTitleByDays", SalaryInput{JobTitle: "Behavior Strategist", Step: "A", Year: "2021-22", Days: Num("198")}, "208.89", "41360.22", "3446.69", "6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Salary(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.PerDiem != money(tt.perDiem) || got.AnnualSalary != money(tt.annual) || got.MonthlyPayment != money(tt.monthly) || got.Range != tt.rng {
				t.Errorf("got range %s per diem %s annual %s monthly %s; want %s %s %s %s",
					got.Range, got.PerDiem, got.AnnualSalary, got.MonthlyPayment, tt.rng, tt.perDiem, tt.annual, tt.monthly)
			}
			if len(got.Working) < 3 || !containsStr(got.Citations, "Article 801 B") || !containsStr(got.Citations, "Article 801 A") {
				t.Errorf("working %q, citations %q", got.Working, got.Citations)
			}
		})
	}
}

func TestSalaryErrors(t *testing.T) {
	a := mustACE(t)
	tests := []struct {
		name  string
		in    SalaryInput
		field string
	}{
		{"ErrUnknownRange", SalaryInput{Range: "E", Step: "A", Year: "2021-22", Days: Num("200")}, "range"},
		{"ErrUnknownStep", SalaryInput{Range: "A", Step: "W", Year: "2021-22", Days: Num("200")}, "step"},
		{"ErrYearOutsideTerm", SalaryInput{Range: "A", Step: "A", Year: "2020-21", Days: Num("200")}, "year"},
		{"ErrFTEAboveOne", SalaryInput{Range: "A", Step: "A", Year: "2021-22", Days: Num("200"), FTE: Num("1.5")}, "fte"},
		{"ErrFTEZero", SalaryInput{Range: "A", Step: "A", Year: "2021-22", Days: Num("200"), FTE: Num("0")}, "fte"},
		{"ErrNegativeDays", SalaryInput{Range: "A", Step: "A", Year: "2021-22", Days: Num("-5")}, "days"},
		{"ErrDaysNotForJob", SalaryInput{JobTitle: "Technician, Payroll", Step: "A", Year: "2021-22", Days: Num("230")}, "days"},
		{"ErrAmbiguousTitle", SalaryInput{JobTitle: "Behavior Strategist", Step: "A", Year: "2021-22"}, "job_title"},
		{"ErrUnknownTitle", SalaryInput{JobTitle: "Astronaut", Step: "A", Year: "2021-22"}, "job_title"},
		{"ErrTitleInOtherRange", SalaryInput{JobTitle: "Buyer", Range: "9", Step: "A", Year: "2021-22"}, "range"},
		{"ErrNoRange", SalaryInput{Step: "A", Year: "2021-22", Days: Num("200")}, "range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Salary(tt.in)
			wantField(t, err, tt.field)
		})
	}
}

func TestCareer(t *testing.T) {
	a := mustACE(t)
	tests := []struct {
		name   string
		in     SalaryInput
		steps  string
		annual []string
		held   []bool
		total  string
	}{
		// Range 13 from step T, 240 days (801 C): T 467.36, U 488.37, V 510.59 -> 112,166.40 + 117,208.80 + 122,541.60
		{"ReachesTop", SalaryInput{Range: "13", Step: "T", Days: Num("240")}, "TUV",
			[]string{"112166.40", "117208.80", "122541.60"}, []bool{false, false, false}, "351916.80"},
		// Range A step V, 180 days: held at V (801 C): 273.28, 278.75, 284.32 × 180
		{"HeldAtTop", SalaryInput{Range: "A", Step: "V", Year: "2021-22", Days: Num("180")}, "VVV",
			[]string{"49190.40", "50175.00", "51177.60"}, []bool{false, true, true}, "150543.00"},
		// from 2022-23, Range B step A, 215 days, FTE 0.5: 175.30 × 215 × .5 = 18,844.75; 183.27 × 215 × .5 = 19,701.525 -> 19,701.53
		{"HalfTimeFromSecondYear", SalaryInput{Range: "B", Step: "A", Year: "2022-23", Days: Num("215"), FTE: Num("0.5")}, "AB",
			[]string{"18844.75", "19701.53"}, []bool{false, false}, "38546.28"},
		// Registered Nurse (Range D, 180 days) from step K: 241.80, 252.83, 264.18 × 180
		{"JobTitle", SalaryInput{JobTitle: "Registered Nurse", Step: "K", Year: "2021-22"}, "KLM",
			[]string{"43524.00", "45509.40", "47552.40"}, []bool{false, false, false}, "136585.80"},
		// the last year only
		{"LastYear", SalaryInput{Range: "7", Step: "A", Year: "2023-24", Days: Num("230")}, "A",
			[]string{"52488.30"}, []bool{false}, "52488.30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Career(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Years) != len(tt.annual) {
				t.Fatalf("%d years, want %d", len(got.Years), len(tt.annual))
			}
			for i, y := range got.Years {
				if y.Step != string(tt.steps[i]) || y.AnnualSalary != money(tt.annual[i]) || y.HeldAtTop != tt.held[i] {
					t.Errorf("year %s: step %s annual %s held %v; want %c %s %v", y.Year, y.Step, y.AnnualSalary, y.HeldAtTop, tt.steps[i], tt.annual[i], tt.held[i])
				}
			}
			if got.Total != money(tt.total) {
				t.Errorf("total %s, want %s", got.Total, tt.total)
			}
		})
	}
	t.Run("ErrYearOutsideTerm", func(t *testing.T) {
		_, err := a.Career(SalaryInput{Range: "A", Step: "A", Year: "2024-25", Days: Num("180")})
		wantField(t, err, "year")
	})
}

func TestPromotion(t *testing.T) {
	a := mustACE(t)
	tests := []struct {
		name    string
		in      PromotionInput
		step    string
		pct     string
		above   bool
		minimum string
	}{
		// 801 F: at least 5%. D/A 189.46 × 1.05 = 198.933; Range 4: C = 198.93 falls short by a tenth of a cent, D = 203.92
		{"DToFourEdge", PromotionInput{Range: "D", Step: "A", NewRange: "4", Year: "2021-22"}, "D", "7.63", false, ""},
		// A/A 163.68 × 1.05 = 171.864; Range B step A = 171.86 falls short, step B = 176.15 (+7.62%)
		{"AToB", PromotionInput{Range: "A", Step: "A", NewRange: "B", Year: "2021-22"}, "B", "7.62", false, ""},
		// 2022-23 C/K 234.89 × 1.05 = 246.6345; Range 5 step I = 246.64 (+5.00%)
		{"CToFive", PromotionInput{Range: "C", Step: "K", NewRange: "5", Year: "2022-23"}, "I", "5.00", false, ""},
		// step V to the top range: 2023-24 12/V 486.24 × 1.05 = 510.552; 13/V = 510.59 just qualifies (+5.01%)
		{"StepVToThirteen", PromotionInput{Range: "12", Step: "V", NewRange: "13", Year: "2023-24"}, "V", "5.01", false, ""},
		// D/V 316.34 to Range 4, whose top is also 316.34: no step gives 5%; the minimum is 332.157 -> 332.16
		{"NoStepGivesFivePercent", PromotionInput{Range: "D", Step: "V", NewRange: "4", Year: "2021-22"}, "V", "0.00", true, "332.16"},
		// with days: A/A × 180 = 29,462.40; × 1.05 = 30,935.52; Range B step A × 230 = 39,527.80 (+34.16%)
		{"WithDays", PromotionInput{Range: "A", Step: "A", NewRange: "B", Year: "2021-22", Days: Num("180"), NewDays: Num("230")}, "A", "34.16", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Promotion(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.NewStep != tt.step || got.IncreasePercent.String() != trimZeros(tt.pct) || got.AboveSchedule != tt.above {
				t.Errorf("got step %s +%s%% above %v; want %s +%s%% %v", got.NewStep, got.IncreasePercent, got.AboveSchedule, tt.step, tt.pct, tt.above)
			}
			if tt.minimum != "" && got.MinimumSalary != money(tt.minimum) {
				t.Errorf("minimum %s, want %s", got.MinimumSalary, tt.minimum)
			}
		})
	}
	for _, tt := range []struct {
		name  string
		in    PromotionInput
		field string
	}{
		{"ErrLowerRange", PromotionInput{Range: "B", Step: "A", NewRange: "A", Year: "2021-22"}, "new_range"},
		{"ErrSameRange", PromotionInput{Range: "7", Step: "A", NewRange: "7", Year: "2021-22"}, "new_range"},
		{"ErrUnknownNewRange", PromotionInput{Range: "7", Step: "A", NewRange: "14", Year: "2021-22"}, "new_range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Promotion(tt.in)
			wantField(t, err, tt.field)
		})
	}
}

func TestLifeInsurance(t *testing.T) {
	a := mustACE(t)
	m := func(s string) *Money { v := money(s); return &v }
	tests := []struct {
		name         string
		in           LifeInsuranceInput
		salary, life string
	}{
		// 702 A: three times annual salary, for life and for AD&D
		{"Salary", LifeInsuranceInput{AnnualSalary: m("43575.80")}, "43575.80", "130727.40"},
		{"Round", LifeInsuranceInput{AnnualSalary: m("100000")}, "100000.00", "300000.00"},
		{"OneCent", LifeInsuranceInput{AnnualSalary: m("0.01")}, "0.01", "0.03"},
		// from a position: Range D step A 2021-22 × 230 = 43,575.80
		{"FromPosition", LifeInsuranceInput{SalaryInput: SalaryInput{Range: "D", Step: "A", Year: "2021-22", Days: Num("230")}}, "43575.80", "130727.40"},
		// FTE 0.5: 2023-24 13/V 510.59 × 240 × .5 = 61,270.80; × 3 = 183,812.40
		{"HalfTimePosition", LifeInsuranceInput{SalaryInput: SalaryInput{Range: "13", Step: "V", Year: "2023-24", Days: Num("240"), FTE: Num("0.5")}}, "61270.80", "183812.40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.LifeInsurance(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.AnnualSalary != money(tt.salary) || got.LifeCoverage != money(tt.life) || got.AccidentalDeath != money(tt.life) {
				t.Errorf("got %s -> %s / %s, want %s -> %s", got.AnnualSalary, got.LifeCoverage, got.AccidentalDeath, tt.salary, tt.life)
			}
			if !containsStr(got.Citations, "Article 702 A") {
				t.Errorf("citations %q", got.Citations)
			}
		})
	}
	t.Run("ErrZeroSalary", func(t *testing.T) {
		_, err := a.LifeInsurance(LifeInsuranceInput{AnnualSalary: m("0")})
		wantField(t, err, "annual_salary")
	})
	t.Run("ErrMissing", func(t *testing.T) {
		_, err := a.LifeInsurance(LifeInsuranceInput{})
		wantField(t, err, "annual_salary")
	})
}

func TestServiceCredit(t *testing.T) {
	a := mustACE(t)
	m := func(s string) *Money { v := money(s); return &v }
	no := false
	tests := []struct {
		name        string
		in          ServiceCreditInput
		pct, amount string
	}{
		// 801 D: under 5 years earns nothing
		{"FourYears", ServiceCreditInput{YearsOfService: Num("4"), GrossWages: m("50000")}, "0", "0.00"},
		// 5 through 9 years: 1.5% × 43,575.80 = 653.637 -> 653.64
		{"FiveYears", ServiceCreditInput{YearsOfService: Num("5"), GrossWages: m("43575.80")}, "1.5", "653.64"},
		// 10 through 19: 2.25% × 60,000 = 1,350.00
		{"TenYears", ServiceCreditInput{YearsOfService: Num("10"), GrossWages: m("60000")}, "2.25", "1350.00"},
		// 20 through 29: 2.75% × 80,000 = 2,200.00
		{"TwentyNineYears", ServiceCreditInput{YearsOfService: Num("29"), GrossWages: m("80000")}, "2.75", "2200.00"},
		// 30 plus: 3% × 100,000.01 = 3,000.0003 -> 3,000.00
		{"ThirtyYears", ServiceCreditInput{YearsOfService: Num("30"), GrossWages: m("100000.01")}, "3", "3000.00"},
		// full years only: 9.9 years is 9 -> 1.5% × 40,000 = 600.00
		{"FullYearsOnly", ServiceCreditInput{YearsOfService: Num("9.9"), GrossWages: m("40000")}, "1.5", "600.00"},
		// the full work calendar must be completed by June 30
		{"CalendarNotCompleted", ServiceCreditInput{YearsOfService: Num("12"), GrossWages: m("40000"), CompletedWorkCalendar: &no}, "0", "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.ServiceCredit(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Percent.String() != tt.pct || got.Amount != money(tt.amount) {
				t.Errorf("got %s%% %s, want %s%% %s", got.Percent, got.Amount, tt.pct, tt.amount)
			}
			if !containsStr(got.Citations, "Article 801 D") {
				t.Errorf("citations %q", got.Citations)
			}
		})
	}
	t.Run("ErrNegativeYears", func(t *testing.T) {
		_, err := a.ServiceCredit(ServiceCreditInput{YearsOfService: Num("-1"), GrossWages: m("1")})
		wantField(t, err, "years_of_service")
	})
	t.Run("ErrNegativeWages", func(t *testing.T) {
		_, err := a.ServiceCredit(ServiceCreditInput{YearsOfService: Num("5"), GrossWages: m("-1")})
		wantField(t, err, "gross_wages")
	})
}

// containsStr reports whether xs holds x.
func containsStr(xs []string, x string) bool { return contains(xs, x) }

// trimZeros drops trailing decimal zeros ("5.00" -> "5", "7.60" -> "7.6").
func trimZeros(s string) string {
	v, _ := parseScaled(s, 2)
	return fmtScaled(v, 2)
}
