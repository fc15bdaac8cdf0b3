package contracts

import (
	"sort"
	"testing"
	"time"
)

// benchCalls are one representative call of every calculator.
var benchCalls = []struct{ doc, name, in string }{
	{"ace-2021-2024", "salary", `{"job_title":"Technician, Grant","step":"C","year":"2022-23","days":215,"fte":0.5}`},
	{"ace-2021-2024", "career", `{"range":"13","step":"T","year":"2021-22","days":240}`},
	{"ace-2021-2024", "service_credit", `{"years_of_service":12,"gross_wages":54321.09}`},
	{"ace-2021-2024", "sick_leave_accrual", `{"months":7.6,"fte":0.75}`},
	{"ace-2021-2024", "sick_leave_cashout", `{"days":125,"range":"D","step":"A","year":"2021-22"}`},
	{"ace-2021-2024", "annual_leave", `{"work_days":240,"balance_days":35,"per_diem":200}`},
	{"ace-2021-2024", "overtime", `{"range":"B","step":"C","year":"2022-23","hours":[10,10,14,8,8,4,6],"seventh_day":true,"call_backs":[{"day":2,"hours":1}]}`},
	{"ace-2021-2024", "promotion", `{"range":"D","step":"A","new_range":"4","year":"2021-22"}`},
	{"ace-2021-2024", "life_insurance", `{"range":"13","step":"V","year":"2023-24","days":240}`},
	{"ace-2021-2024", "deadlines", `{"rule":"probation","date":"2022-09-30"}`},
	{"aea-2021-2024", "teacher_salary", `{"year":"2023-24","lane":"B90","step":20,"fte":0.5,"degree":"doctorate","nbpts":true}`},
	{"aea-2021-2024", "classroom_coverage", `{"level":"elementary","minutes":45,"members":3}`},
}

// p99 reports the 99th percentile of the durations as a metric.
func p99(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkCalculate times each calculator through its JSON entry point.
func BenchmarkCalculate(b *testing.B) {
	l := mustLib(b)
	for _, c := range benchCalls {
		in := []byte(c.in)
		b.Run(c.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := l.Calculate(c.doc, c.name, in); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(start))
			}
			p99(b, ds)
		})
	}
}

// BenchmarkSearch times searches of the ACE agreement.
func BenchmarkSearch(b *testing.B) {
	l := mustLib(b)
	for _, q := range []struct{ name, q string }{
		{"Common", "employee"},
		{"Rare", "catastrophic"},
		{"Phrase", `"annual leave"`},
		{"TwoWords", "sick leave"},
		{"Missing", "zyzzyva"},
	} {
		b.Run(q.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := l.Search("ace-2021-2024", q.q, 20); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(start))
			}
			p99(b, ds)
		})
	}
}

// BenchmarkLoad times parsing the embedded agreements.
func BenchmarkLoad(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if err := NewLibrary().Load(); err != nil {
			b.Fatal(err)
		}
	}
}
