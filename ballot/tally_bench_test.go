package ballot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/store"
	"github.com/ratifyhq/ratify/storetest"
)

// BenchmarkTally100k counts a vote of 100,000 cast ballots on the embedded
// store (with 10,000 slots of another vote beside them), as the tally after
// the close does, without the hour of opening and casting that
// BenchmarkOpenCastTally100k spends first.
//
//	go test ./ballot -run '^$' -bench '^BenchmarkTally100k$' -benchtime 3x
func BenchmarkTally100k(b *testing.B) {
	_, s := benchService(b)
	ctx := context.Background()
	const n = 100000
	var docs []any
	for i := 0; i < n+10000; i++ {
		d := slotDoc{ID: fmt.Sprintf("b%063d", i), Vote: "vote1", Choice: []string{"Yes", "No"}[i%3/2], Receipt: fmt.Sprintf("R%09d", i)}
		if i >= n {
			d.Vote, d.Choice, d.Receipt = "vote2", "", ""
		}
		docs = append(docs, d)
	}
	if err := insertAll(ctx, s.ballots, docs); err != nil {
		b.Fatal(err)
	}
	v := &Vote{ID: "vote1", Choices: []string{"Yes", "No"}, Eligible: n, PassRule: "majority"}
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		r, err := s.Count(ctx, v)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "tally-s")
		if r.Cast != n || r.Choices[0].Count != 66667 {
			b.Fatalf("counted %d, %v", r.Cast, r.Choices)
		}
	}
}

// benchSecret is the benchmarks' service secret.
var benchSecret = []byte("bench-secret-bench-secret-bench-secret")

// benchService is a service on a new embedded store, reading through its
// direct scan, with its collections created.
func benchService(b *testing.B) (*store.Store, *Service) {
	b.Helper()
	st := storetest.Open(b)
	s := New(st.DB, Deps{Secret: benchSecret, Scan: st.Scan})
	if err := s.EnsureIndexes(context.Background()); err != nil {
		b.Fatal(err)
	}
	return st, s
}
