package contracts

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/errs"
)

func TestCalculateJSON(t *testing.T) {
	l := mustLib(t)
	tests := []struct {
		name, doc, calc, in string
		fragments           []string
	}{
		// money is a JSON number with two decimals
		{"SalaryMoneyFormat", "ace-2021-2024", "salary", `{"range":"D","step":"A","year":"2021-22","days":230,"fte":1}`,
			[]string{`"annual_salary":43575.80`, `"monthly_payment":3631.32`, `"per_diem":189.46`, `"working":[`, `"citations":[`}},
		{"NumbersAsStrings", "ace-2021-2024", "salary", `{"range":"D","step":"A","year":"2021-22","days":"230","fte":"0.5"}`,
			[]string{`"annual_salary":21787.90`}},
		{"SickLeaveCashout", "ace-2021-2024", "sick_leave_cashout", `{"days":125,"per_diem":189.46}`,
			[]string{`"amount":4916.49`, `"tiers":[`}},
		{"ServiceCredit", "ace-2021-2024", "service_credit", `{"years_of_service":5,"gross_wages":43575.80}`,
			[]string{`"percent":1.5`, `"amount":653.64`}},
		{"AnnualLeave", "ace-2021-2024", "annual_leave", `{"work_days":240,"balance_days":35,"per_diem":200}`,
			[]string{`"credited_days":9`, `"cashout_days":5`, `"cashout_amount":1000.00`}},
		{"Overtime", "ace-2021-2024", "overtime", `{"range":"A","step":"A","year":"2021-22","hours":[10,10,10,10,8,0,0],"seventh_day":false}`,
			[]string{`"overtime_pay":245.52`, `"total_pay":1063.92`}},
		{"Deadlines", "ace-2021-2024", "deadlines", `{"rule":"grievance_filing","date":"2021-11-15"}`,
			[]string{`"due_date":"2021-12-15"`}},
		{"TeacherSalary", "aea-2021-2024", "teacher_salary", `{"year":"2023-24","lane":"B90","step":20,"fte":0.5,"degree":"doctorate","nbpts":true}`,
			[]string{`"total_compensation":52581.92`, `"per_diem":273.80`}},
		{"ClassroomCoverage", "aea-2021-2024", "classroom_coverage", `{"level":"secondary","periods":2}`,
			[]string{`"pay":60.00`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := l.Calculate(tt.doc, tt.calc, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tt.fragments {
				if !strings.Contains(string(b), f) {
					t.Errorf("output lacks %s: %s", f, b)
				}
			}
		})
	}
}

func TestCalculateErrors(t *testing.T) {
	l := mustLib(t)
	tests := []struct {
		name, doc, calc, in string
		code                errs.Code
		field               string
	}{
		{"ErrUnknownDocument", "nope-2020", "salary", `{}`, errs.NotFound, ""},
		{"ErrUnknownCalculator", "ace-2021-2024", "horoscope", `{}`, errs.NotFound, ""},
		{"ErrCalculatorOfOtherFamily", "ace-2021-2024", "teacher_salary", `{}`, errs.NotFound, ""},
		{"ErrMalformedJSON", "ace-2021-2024", "salary", `{"range":`, errs.BadRequest, ""},
		{"ErrNotAnObject", "ace-2021-2024", "salary", `[1,2]`, errs.BadRequest, ""},
		{"ErrEmptyBody", "ace-2021-2024", "salary", ``, errs.BadRequest, ""},
		{"ErrTrailingData", "ace-2021-2024", "salary", `{} {}`, errs.BadRequest, ""},
		{"ErrWrongType", "ace-2021-2024", "salary", `{"range":"D","step":"A","year":"2021-22","days":true}`, errs.Invalid, "days"},
		{"ErrStringForString", "ace-2021-2024", "salary", `{"range":7,"step":"A","year":"2021-22","days":200}`, errs.Invalid, "range"},
		{"ErrUnknownInput", "ace-2021-2024", "salary", `{"rnage":"D"}`, errs.Invalid, "rnage"},
		{"ErrRangeD", "ace-2021-2024", "overtime", `{"range":"5","step":"A","year":"2021-22","hours":[8,8,8,8,8,0,0]}`, errs.Invalid, "range"},
		{"ErrFTEJSON", "ace-2021-2024", "salary", `{"range":"D","step":"A","year":"2021-22","days":200,"fte":1.2}`, errs.Invalid, "fte"},
		{"ErrMoneyTooPrecise", "ace-2021-2024", "life_insurance", `{"annual_salary":100.001}`, errs.Invalid, "annual_salary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Calculate(tt.doc, tt.calc, []byte(tt.in))
			e, ok := errs.As(err)
			if !ok || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %v (%#v), want code %s field %q", err, e, tt.code, tt.field)
			}
		})
	}
}

func TestCalculatorsListing(t *testing.T) {
	l := mustLib(t)
	tests := []struct {
		doc   string
		names []string
	}{
		{"ace-2021-2024", []string{"salary", "career", "service_credit", "sick_leave_accrual", "sick_leave_cashout", "annual_leave", "overtime", "promotion", "life_insurance", "deadlines"}},
		{"aea-2021-2024", []string{"teacher_salary", "classroom_coverage"}},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			infos, err := l.Calculators(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range infos {
				names = append(names, c.Name)
				if c.Title == "" || c.Description == "" || len(c.Inputs) == 0 || len(c.Citations) == 0 {
					t.Errorf("%s: incomplete description %+v", c.Name, c)
				}
				for _, in := range c.Inputs {
					if in.Name == "" || in.Type == "" || in.Description == "" {
						t.Errorf("%s: incomplete input %+v", c.Name, in)
					}
				}
			}
			if strings.Join(names, " ") != strings.Join(tt.names, " ") {
				t.Errorf("calculators %v, want %v", names, tt.names)
			}
		})
	}
	t.Run("ErrUnknownDocument", func(t *testing.T) {
		if _, err := l.Calculators("nope-2020"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("got %v, want NotFound", err)
		}
	})
}

func TestMoneyJSON(t *testing.T) {
	tests := []struct {
		name string
		m    Money
		want string
	}{
		{"Dollars", 4357580, "43575.80"},
		{"Cents", 5, "0.05"},
		{"Zero", 0, "0.00"},
		{"Negative", -1234, "-12.34"},
		{"Large", 12345678901, "123456789.01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.m)
			if err != nil || string(b) != tt.want {
				t.Errorf("got %s %v, want %s", b, err, tt.want)
			}
			var back Money
			if err := json.Unmarshal(b, &back); err != nil || back != tt.m {
				t.Errorf("round trip: %v %v", back, err)
			}
		})
	}
	if got := Money(4357580).Display(); got != "$43,575.80" {
		t.Errorf("Display = %s", got)
	}
}
