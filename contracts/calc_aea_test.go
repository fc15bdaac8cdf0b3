package contracts

import "testing"

func mustAEA(t testing.TB) *AEA {
	t.Helper()
	a, err := mustLib(t).AEA("aea-2021-2024")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTeacherSalary(t *testing.T) {
	a := mustAEA(t)
	tests := []struct {
		name                                  string
		in                                    TeacherSalaryInput
		salary, degree, annual, inLieu, total string
		perDiem                               string
	}{
		// 105: 2021-22 B00 step 0 = 53,026; 125 B: per diem = 53,026 / 182 = 291.3516 -> 291.35
		{"Base", TeacherSalaryInput{Year: "2021-22", Lane: "B00", Step: Num("0")}, "53026.00", "0.00", "53026.00", "0.00", "53026.00", "291.35"},
		// 110 B: master's 1%: 2022-23 B36 step 5 = 66,158; + 661.58 = 66,819.58; / 182 = 367.1405 -> 367.14
		{"Masters", TeacherSalaryInput{Year: "2022-23", Lane: "B36", Step: Num("5"), Degree: "masters"}, "66158.00", "661.58", "66819.58", "0.00", "66819.58", "367.14"},
		// 2023-24 B90 step 20 = 96,761 (the figure the OCR prints apart), FTE 0.5 = 48,380.50; doctorate 3% = 1,451.415 -> 1,451.42;
		// 110 G NBPTS $2,000; 110 B in lieu of step $1,500 × 0.5 = 750; per diem 49,831.92 / 182 = 273.7996 -> 273.80
		{"TopStepHalfTime", TeacherSalaryInput{Year: "2023-24", Lane: "b90", Step: Num("20"), FTE: Num("0.5"), Degree: "doctorate", NBPTS: true},
			"48380.50", "1451.42", "49831.92", "750.00", "52581.92", "273.80"},
		// 2021-22 B90 step 20 = 93,922 + in lieu 1,500 = 95,422
		{"InLieuOfStep", TeacherSalaryInput{Year: "2021-22", Lane: "B90", Step: Num("20")}, "93922.00", "0.00", "93922.00", "1500.00", "95422.00", "516.05"},
		// with step movement there is no in-lieu payment
		{"StepMovement", TeacherSalaryInput{Year: "2021-22", Lane: "B90", Step: Num("20"), StepMovement: true}, "93922.00", "0.00", "93922.00", "0.00", "93922.00", "516.05"},
		// last step of a short lane: 2023-24 B00 step 10 = 69,075
		{"LastStepOfLane", TeacherSalaryInput{Year: "2023-2024", Lane: "B00", Step: Num("10")}, "69075.00", "0.00", "69075.00", "0.00", "69075.00", "379.53"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.TeacherSalary(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Salary != money(tt.salary) || got.DegreeSupplement != money(tt.degree) || got.AnnualSalary != money(tt.annual) ||
				got.InLieuOfStep != money(tt.inLieu) || got.TotalCompensation != money(tt.total) || got.PerDiem != money(tt.perDiem) {
				t.Errorf("got salary %s degree %s annual %s in-lieu %s total %s per diem %s; want %s %s %s %s %s %s",
					got.Salary, got.DegreeSupplement, got.AnnualSalary, got.InLieuOfStep, got.TotalCompensation, got.PerDiem,
					tt.salary, tt.degree, tt.annual, tt.inLieu, tt.total, tt.perDiem)
			}
			if !containsStr(got.Citations, "Article 125 B") {
				t.Errorf("citations %q", got.Citations)
			}
		})
	}
	for _, tt := range []struct {
		name  string
		in    TeacherSalaryInput
		field string
	}{
		{"ErrStepBeyondLane", TeacherSalaryInput{Year: "2021-22", Lane: "B00", Step: Num("11")}, "step"},
		{"ErrYearOutsideTerm", TeacherSalaryInput{Year: "2020-21", Lane: "B00", Step: Num("1")}, "year"},
		{"ErrUnknownLane", TeacherSalaryInput{Year: "2021-22", Lane: "B45", Step: Num("1")}, "lane"},
		{"ErrFTE", TeacherSalaryInput{Year: "2021-22", Lane: "B00", Step: Num("1"), FTE: Num("0")}, "fte"},
		{"ErrDegree", TeacherSalaryInput{Year: "2021-22", Lane: "B00", Step: Num("1"), Degree: "wizard"}, "degree"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.TeacherSalary(tt.in)
			wantField(t, err, tt.field)
		})
	}
}

func TestClassroomCoverage(t *testing.T) {
	a := mustAEA(t)
	tests := []struct {
		name string
		in   ClassroomCoverageInput
		pay  string
	}{
		// 470 A: $40 an hour in 15-minute increments: 60 minutes = 4 × 10.00
		{"SecondaryHour", ClassroomCoverageInput{Level: "secondary", Minutes: Num("60")}, "40.00"},
		// a part increment counts: 50 minutes = 4 increments
		{"SecondaryPartIncrement", ClassroomCoverageInput{Level: "secondary", Minutes: Num("50")}, "40.00"},
		{"SecondaryOneIncrement", ClassroomCoverageInput{Level: "secondary", Minutes: Num("15")}, "10.00"},
		{"SecondaryJustOver", ClassroomCoverageInput{Level: "secondary", Minutes: Num("16")}, "20.00"},
		// 470 A: $30 a class period
		{"SecondaryPeriods", ClassroomCoverageInput{Level: "secondary", Periods: Num("3")}, "90.00"},
		// 470 B: one member, full class, $30 an hour
		{"ElementaryOne", ClassroomCoverageInput{Level: "elementary", Minutes: Num("60"), Members: Num("1")}, "30.00"},
		// two members split, $20 an hour each: 90 minutes = 30.00
		{"ElementaryTwo", ClassroomCoverageInput{Level: "elementary", Minutes: Num("90"), Members: Num("2")}, "30.00"},
		// three members split, $15 an hour each: 45 minutes = 11.25
		{"ElementaryThree", ClassroomCoverageInput{Level: "elementary", Minutes: Num("45"), Members: Num("3")}, "11.25"},
		// more than four: no additional compensation
		{"ElementaryFive", ClassroomCoverageInput{Level: "elementary", Minutes: Num("60"), Members: Num("5")}, "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.ClassroomCoverage(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Pay != money(tt.pay) {
				t.Errorf("pay %s, want %s", got.Pay, tt.pay)
			}
			if len(got.Citations) == 0 || len(got.Working) == 0 {
				t.Errorf("working %q citations %q", got.Working, got.Citations)
			}
		})
	}
	for _, tt := range []struct {
		name  string
		in    ClassroomCoverageInput
		field string
	}{
		// the agreement states rates for one to three members and none for more than four; four is not covered
		{"ErrFourMembers", ClassroomCoverageInput{Level: "elementary", Minutes: Num("60"), Members: Num("4")}, "members"},
		{"ErrLevel", ClassroomCoverageInput{Level: "middle", Minutes: Num("60")}, "level"},
		{"ErrBothMinutesAndPeriods", ClassroomCoverageInput{Level: "secondary", Minutes: Num("60"), Periods: Num("1")}, "minutes"},
		{"ErrNegativeMinutes", ClassroomCoverageInput{Level: "secondary", Minutes: Num("-5")}, "minutes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.ClassroomCoverage(tt.in)
			wantField(t, err, tt.field)
		})
	}
}
