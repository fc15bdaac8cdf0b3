package contracts

import "testing"

func TestSickLeaveAccrual(t *testing.T) {
	a := mustACE(t)
	tests := []struct {
		name        string
		in          SickLeaveAccrualInput
		months      int
		days, hours string
	}{
		// 601 A: 1 1/3 days a month; 12 months full time = 16 days = 128 hours (206 B: a day is 8 hours)
		{"FullYear", SickLeaveAccrualInput{Months: Num("12")}, 12, "16", "128"},
		// part-time accrues proportionately: FTE 0.5 -> 8 days
		{"HalfTime", SickLeaveAccrualInput{Months: Num("12"), FTE: Num("0.5")}, 12, "8", "64"},
		// 7 months = 28/3 = 9.3333 days, 74.6667 hours
		{"SevenMonths", SickLeaveAccrualInput{Months: Num("7")}, 7, "9.3333", "74.6667"},
		// a major fraction of a month counts: 7.6 -> 8 months = 10.6667 days
		{"MajorFraction", SickLeaveAccrualInput{Months: Num("7.6")}, 8, "10.6667", "85.3333"},
		// exactly half is not a major fraction: 7.5 -> 7 months
		{"HalfMonthDoesNotCount", SickLeaveAccrualInput{Months: Num("7.5")}, 7, "9.3333", "74.6667"},
		{"Zero", SickLeaveAccrualInput{Months: Num("0")}, 0, "0", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.SickLeaveAccrual(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.MonthsCounted != tt.months || got.DaysAccrued.String() != tt.days || got.HoursAccrued.String() != tt.hours {
				t.Errorf("got %d months %s days %s hours, want %d %s %s", got.MonthsCounted, got.DaysAccrued, got.HoursAccrued, tt.months, tt.days, tt.hours)
			}
			if !containsStr(got.Citations, "Article 601 A") {
				t.Errorf("citations %q", got.Citations)
			}
		})
	}
	t.Run("ErrNegativeMonths", func(t *testing.T) {
		_, err := a.SickLeaveAccrual(SickLeaveAccrualInput{Months: Num("-1")})
		wantField(t, err, "months")
	})
	t.Run("ErrFTE", func(t *testing.T) {
		_, err := a.SickLeaveAccrual(SickLeaveAccrualInput{Months: Num("3"), FTE: Num("1.01")})
		wantField(t, err, "fte")
	})
}

func TestSickLeaveCashout(t *testing.T) {
	a := mustACE(t)
	m := func(s string) *Money { v := money(s); return &v }
	tests := []struct {
		name   string
		in     SickLeaveCashoutInput
		amount string
		tiers  int
	}{
		// 605 A: the first 30 days are paid at 0%
		{"FirstThirty", SickLeaveCashoutInput{Days: Num("30"), rateInput: rateInput{PerDiem: m("200")}}, "0.00", 1},
		// the next 10 at 10%: 10 × 10% × 200 = 200.00
		{"Forty", SickLeaveCashoutInput{Days: Num("40"), rateInput: rateInput{PerDiem: m("200")}}, "200.00", 2},
		// 100 days: 10 × (10+12+15+19+24+30+37)% = 14.7 per diems × 250 = 3,675.00
		{"Hundred", SickLeaveCashoutInput{Days: Num("100"), rateInput: rateInput{PerDiem: m("250")}}, "3675.00", 8},
		// over 100 at 45%: 125 days = 14.7 + 25 × .45 = 25.95 per diems × 189.46 (2021-22 D/A) = 4,916.487 -> 4,916.49
		{"OverHundredFromSchedule", SickLeaveCashoutInput{Days: Num("125"), rateInput: rateInput{Range: "D", Step: "A", Year: "2021-22"}}, "4916.49", 9},
		// part days: 35.5 days = 5.5 × 10% × 163.68 = 90.024 -> 90.02
		{"PartDays", SickLeaveCashoutInput{Days: Num("35.5"), rateInput: rateInput{PerDiem: m("163.68")}}, "90.02", 2},
		{"NoDays", SickLeaveCashoutInput{Days: Num("0"), rateInput: rateInput{PerDiem: m("163.68")}}, "0.00", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.SickLeaveCashout(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Amount != money(tt.amount) || len(got.Tiers) != tt.tiers {
				t.Errorf("got %s in %d tiers, want %s in %d", got.Amount, len(got.Tiers), tt.amount, tt.tiers)
			}
			if !containsStr(got.Citations, "Article 605 A") {
				t.Errorf("citations %q", got.Citations)
			}
		})
	}
	for _, tt := range []struct {
		name  string
		in    SickLeaveCashoutInput
		field string
	}{
		{"ErrNegativeDays", SickLeaveCashoutInput{Days: Num("-1"), rateInput: rateInput{PerDiem: m("100")}}, "days"},
		{"ErrNoRate", SickLeaveCashoutInput{Days: Num("50")}, "per_diem"},
		{"ErrZeroPerDiem", SickLeaveCashoutInput{Days: Num("50"), rateInput: rateInput{PerDiem: m("0")}}, "per_diem"},
		{"ErrUnknownRange", SickLeaveCashoutInput{Days: Num("50"), rateInput: rateInput{Range: "14", Step: "A", Year: "2021-22"}}, "range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.SickLeaveCashout(tt.in)
			wantField(t, err, tt.field)
		})
	}
}

func TestAnnualLeave(t *testing.T) {
	a := mustACE(t)
	m := func(s string) *Money { v := money(s); return &v }
	tests := []struct {
		name                  string
		in                    AnnualLeaveInput
		credited              int
		cashDays, cash, after string
		cite                  string
	}{
		// 612 A: 240 days -> 9 days; 612 E: 35 - 30 = 5 days × 200 = 1,000.00; 30 + 9 = 39 after July 1
		{"FullYearOverCap", AnnualLeaveInput{WorkDays: Num("240"), BalanceDays: Num("35"), rateInput: rateInput{PerDiem: m("200")}}, 9, "5", "1000.00", "39", "Article 612 A"},
		// 612 B: 215 through 239 -> 8 days; at the cap nothing is cashed out
		{"TwoFifteen", AnnualLeaveInput{WorkDays: Num("215"), BalanceDays: Num("30")}, 8, "0", "0.00", "38", "Article 612 B"},
		// 612 C as amended, six -> seven: 214 days -> 7
		{"TwoFourteenAmended", AnnualLeaveInput{WorkDays: Num("214"), BalanceDays: Num("10")}, 7, "0", "0.00", "17", "Article 612 C"},
		// 612 C lower edge: 195 -> 7
		{"OneNinetyFive", AnnualLeaveInput{WorkDays: Num("195")}, 7, "0", "0.00", "7", "Article 612 C"},
		// 612 D as amended, four -> five: 194 days -> 5
		{"UnderOneNinetyFiveAmended", AnnualLeaveInput{WorkDays: Num("194")}, 5, "0", "0.00", "5", "Article 612 D"},
		// part days over the cap: 2.5 × 189.46 = 473.65
		{"PartDaysOverCap", AnnualLeaveInput{WorkDays: Num("180"), BalanceDays: Num("32.5"), rateInput: rateInput{PerDiem: m("189.46")}}, 5, "2.5", "473.65", "35", "Article 612 D"},
		// per diem from the schedule: 2022-23 Range C step A = 184.04 × 1 day
		{"PerDiemFromSchedule", AnnualLeaveInput{WorkDays: Num("230"), BalanceDays: Num("31"), rateInput: rateInput{Range: "C", Step: "A", Year: "2022-23"}}, 8, "1", "184.04", "38", "Article 612 B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.AnnualLeave(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.CreditedDays != tt.credited || got.CashoutDays.String() != tt.cashDays || got.CashoutAmount != money(tt.cash) || got.BalanceAfterJuly1.String() != tt.after {
				t.Errorf("got %d credited, %s days cashed = %s, %s after; want %d %s %s %s",
					got.CreditedDays, got.CashoutDays, got.CashoutAmount, got.BalanceAfterJuly1, tt.credited, tt.cashDays, tt.cash, tt.after)
			}
			if !containsStr(got.Citations, tt.cite) || !containsStr(got.Citations, "Article 612 E") {
				t.Errorf("citations %q, want %s and Article 612 E", got.Citations, tt.cite)
			}
		})
	}
	for _, tt := range []struct {
		name  string
		in    AnnualLeaveInput
		field string
	}{
		{"ErrWorkYearTooLong", AnnualLeaveInput{WorkDays: Num("241")}, "work_days"},
		{"ErrZeroWorkDays", AnnualLeaveInput{WorkDays: Num("0")}, "work_days"},
		{"ErrNegativeBalance", AnnualLeaveInput{WorkDays: Num("200"), BalanceDays: Num("-3")}, "balance_days"},
		{"ErrCashoutNeedsRate", AnnualLeaveInput{WorkDays: Num("200"), BalanceDays: Num("31")}, "per_diem"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.AnnualLeave(tt.in)
			wantField(t, err, tt.field)
		})
	}
}
