package members_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/members"
)

// syntheticRoster is a roster of n made-up employees with every column a
// district sends.
func syntheticRoster(n int) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"Employee ID", "Last Name", "First Name", "Mailing Address", "City", "State", "Zip", "Email Address",
		"Phone Number", "Range", "Step", "Work Location", "Job Title", "Number of Work Days", "FTE",
		"Date of Hire into Unit", "Date of Separation", "Reason for Separation", "Membership Status"})
	statuses := []string{"Member", "Member", "Member", "Fee Payer", "Non-Member"}
	for i := 0; i < n; i++ {
		w.Write([]string{
			fmt.Sprintf("%07d", 1000000+i), fmt.Sprintf("Lastname%d", i), fmt.Sprintf("Firstname%d", i%997),
			fmt.Sprintf("%d Spruce St", 100+i%9000), "Anchorage", "AK", fmt.Sprintf("995%02d", i%20),
			fmt.Sprintf("person%d@example.org", i), fmt.Sprintf("907-555-%04d", i%10000),
			fmt.Sprint(4 + i%10), string(rune('A' + i%11)), fmt.Sprintf("School %d", i%120), "Secretary II",
			"200", "1.0", fmt.Sprintf("%d/%d/%d", 1+i%12, 1+i%28, 2000+i%25), "", "", statuses[i%len(statuses)],
		})
	}
	w.Flush()
	return b.Bytes()
}

// BenchmarkImport100k imports a 100,000-row roster into an empty embedded
// store, then re-imports it unchanged, and reports both durations.
//
//	go test ./members -run '^$' -bench Import100k -benchtime 1x
func BenchmarkImport100k(b *testing.B) {
	const n = 100000
	data := syntheticRoster(n)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newStore(b)
		b.StartTimer()
		start := time.Now()
		r, err := e.s.ImportRoster(ctx, officer, data, members.ImportOptions{MaxListed: 100})
		if err != nil || r.Counts.Added != n {
			b.Fatalf("first import: %v %+v", err, r)
		}
		first := time.Since(start)
		start = time.Now()
		r, err = e.s.ImportRoster(ctx, officer, data, members.ImportOptions{MaxListed: 100})
		if err != nil || r.Counts.Unchanged != n {
			b.Fatalf("re-import: %v %+v", err, r)
		}
		again := time.Since(start)
		start = time.Now()
		el, err := e.s.Eligible(ctx)
		if err != nil || len(el) != n*3/5 {
			b.Fatalf("eligible: %v %d", err, len(el))
		}
		eligible := time.Since(start)
		b.ReportMetric(first.Seconds(), "s/first-import")
		b.ReportMetric(again.Seconds(), "s/re-import")
		b.ReportMetric(eligible.Seconds(), "s/eligible")
		b.Logf("%d rows (%d MiB): first import %v, re-import unchanged %v, Eligible %v", n, len(data)>>20, first, again, eligible)
	}
}
