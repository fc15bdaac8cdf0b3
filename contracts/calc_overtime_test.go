package contracts

import "testing"

// week builds the hours input from numbers.
func week(h ...string) []Number {
	out := make([]Number, len(h))
	for i, s := range h {
		out[i] = Num(s)
	}
	return out
}

func TestOvertime(t *testing.T) {
	a := mustACE(t)
	// 2021-22 Range A step A: per diem 163.68; hourly = 163.68 / 8 = 20.46; × 1.5 = 30.69; × 2 = 40.92
	base := OvertimeInput{Range: "A", Step: "A", Year: "2021-22"}
	with := func(f func(*OvertimeInput)) OvertimeInput { in := base; f(&in); return in }
	tests := []struct {
		name                  string
		in                    OvertimeInput
		straight, ot, dbl, cb string
		total                 string
	}{
		// five 8-hour days: 40 × 20.46 = 818.40, no overtime (803 A)
		{"FortyHours", with(func(in *OvertimeInput) { in.Hours = week("8", "8", "8", "8", "8", "0", "0") }),
			"818.40", "0.00", "0.00", "0.00", "818.40"},
		// beyond 8 hours a day: four 10-hour days + 8 = 8 overtime hours × 30.69 = 245.52
		{"DailyOvertime", with(func(in *OvertimeInput) { in.Hours = week("10", "10", "10", "10", "8", "0", "0") }),
			"818.40", "245.52", "0.00", "0.00", "1063.92"},
		// seventh day of the scheduled workweek at two times: 6 × 40.92 = 245.52
		{"SeventhDay", with(func(in *OvertimeInput) {
			in.Hours, in.SeventhDay = week("8", "8", "8", "8", "8", "0", "6"), true
		}), "818.40", "0.00", "245.52", "0.00", "1063.92"},
		// beyond 40 a week: 9 × 5 + 5 = 5 daily overtime hours + 5 Saturday hours past 40 = 10 × 30.69 = 306.90
		{"WeeklyOvertime", with(func(in *OvertimeInput) { in.Hours = week("9", "9", "9", "9", "9", "5", "0") }),
			"818.40", "306.90", "0.00", "0.00", "1125.30"},
		// beyond 12 continuous hours: 14 hours = 8 straight (163.68) + 4 × 30.69 (122.76) + 2 × 40.92 (81.84)
		{"BeyondTwelve", with(func(in *OvertimeInput) { in.Hours = week("14", "0", "0", "0", "0", "0", "0") }),
			"163.68", "122.76", "81.84", "0.00", "368.28"},
		// call-back: 1.5 hours worked is paid as the 4-hour minimum at one and one-half times = 122.76 (803 D)
		{"CallBackMinimum", with(func(in *OvertimeInput) {
			in.Hours, in.CallBacks = week("0", "0", "0", "0", "0", "0", "0"), []CallBack{{Day: 3, Hours: Num("1.5")}}
		}), "0.00", "0.00", "0.00", "122.76", "122.76"},
		// an hour is paid once at its highest rate: a call-back on the seventh day is paid at two times: 4 × 40.92
		{"CallBackSeventhDay", with(func(in *OvertimeInput) {
			in.Hours, in.SeventhDay, in.CallBacks = week("0", "0", "0", "0", "0", "0", "0"), true, []CallBack{{Day: 7, Hours: Num("2")}}
		}), "0.00", "0.00", "0.00", "163.68", "163.68"},
		// 2022-23 Range B step C: 184.04 / 8 = 23.005; 1 hour × 34.5075 -> 34.51; 40 × 23.005 = 920.20
		{"FractionalHourlyRate", OvertimeInput{Range: "B", Step: "C", Year: "2022-23", Hours: week("9", "8", "8", "8", "8", "0", "0")},
			"920.20", "34.51", "0.00", "0.00", "954.71"},
		// compensatory time (803 B): 8 overtime hours earn 12 hours; with 230 accrued only 10 fit under 240,
		// the other 2 are paid: 2 × 20.46 = 40.92
		{"CompTimeCap", with(func(in *OvertimeInput) {
			in.Hours, in.CompTime, in.CompBalanceHours = week("10", "10", "10", "10", "8", "0", "0"), true, Num("230")
		}), "818.40", "40.92", "0.00", "0.00", "859.32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Overtime(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.StraightPay != money(tt.straight) || got.OvertimePay != money(tt.ot) || got.DoubleTimePay != money(tt.dbl) ||
				got.CallBackPay != money(tt.cb) || got.TotalPay != money(tt.total) {
				t.Errorf("got straight %s ot %s double %s call-back %s total %s; want %s %s %s %s %s",
					got.StraightPay, got.OvertimePay, got.DoubleTimePay, got.CallBackPay, got.TotalPay, tt.straight, tt.ot, tt.dbl, tt.cb, tt.total)
			}
			if !containsStr(got.Citations, "Article 803 A") {
				t.Errorf("citations %q", got.Citations)
			}
		})
	}
	t.Run("CompBalance", func(t *testing.T) {
		got, err := a.Overtime(with(func(in *OvertimeInput) {
			in.Hours, in.CompTime, in.CompBalanceHours = week("10", "10", "10", "10", "8", "0", "0"), true, Num("230")
		}))
		if err != nil {
			t.Fatal(err)
		}
		if got.CompHoursEarned.String() != "10" || got.CompBalanceAfter.String() != "240" {
			t.Errorf("comp earned %s balance %s, want 10 and 240", got.CompHoursEarned, got.CompBalanceAfter)
		}
	})
	for _, tt := range []struct {
		name  string
		in    OvertimeInput
		field string
	}{
		{"ErrRangeNotEligible", OvertimeInput{Range: "4", Step: "A", Year: "2021-22", Hours: week("8", "8", "8", "8", "8", "0", "0")}, "range"},
		{"ErrSixDays", with(func(in *OvertimeInput) { in.Hours = week("8", "8", "8", "8", "8", "0") }), "hours"},
		{"ErrNegativeHours", with(func(in *OvertimeInput) { in.Hours = week("8", "8", "-1", "8", "8", "0", "0") }), "hours[2]"},
		{"ErrTooManyHours", with(func(in *OvertimeInput) { in.Hours = week("25", "8", "8", "8", "8", "0", "0") }), "hours[0]"},
		{"ErrCallBackDay", with(func(in *OvertimeInput) {
			in.Hours, in.CallBacks = week("8", "8", "8", "8", "8", "0", "0"), []CallBack{{Day: 8, Hours: Num("1")}}
		}), "call_backs[0].day"},
		{"ErrStep", OvertimeInput{Range: "A", Step: "Z", Year: "2021-22", Hours: week("8", "8", "8", "8", "8", "0", "0")}, "step"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Overtime(tt.in)
			wantField(t, err, tt.field)
		})
	}
}
