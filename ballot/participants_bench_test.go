package ballot

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkParticipants100k lists who was eligible and who voted in a vote
// of 100,000 members of whom half voted (the officers' page and CSV, the
// reminder and results-mail rounds), through the direct scan and through
// the driver.
//
//	go test ./ballot -run '^$' -bench '^BenchmarkParticipants100k$' -benchtime 1x
func BenchmarkParticipants100k(b *testing.B) {
	st, s := benchService(b)
	ctx := context.Background()
	const n = 100000
	if _, err := s.votes.InsertOne(ctx, Vote{ID: "vote1", Title: "Bench", Choices: []string{"Yes", "No"}, Status: Closed}); err != nil {
		b.Fatal(err)
	}
	var voters, marks []any
	for i := range n {
		m := fmt.Sprintf("E%06d", i)
		voters = append(voters, voterDoc{ID: "vote1:" + m, Vote: "vote1", Member: m, Email: m + "@example.org", Name: "Member " + m, Gen: 1, TokenIDs: []string{fmt.Sprintf("%064d", i)}})
		if i%2 == 0 {
			marks = append(marks, castDoc{ID: "vote1:" + m, Vote: "vote1", Gen: 1, On: "2026-11-24", By: "a"})
		}
	}
	if err := insertAll(ctx, s.voters, voters); err != nil {
		b.Fatal(err)
	}
	if err := insertAll(ctx, s.casts, marks); err != nil {
		b.Fatal(err)
	}
	driver := New(st.DB, Deps{Secret: benchSecret})
	b.ResetTimer()
	for range b.N {
		for _, c := range []struct {
			name string
			s    *Service
		}{{"scan", s}, {"driver", driver}} {
			start := time.Now()
			ps, err := c.s.Participants(ctx, "vote1")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(time.Since(start).Seconds(), c.name+"-s")
			voted := 0
			for _, p := range ps {
				if p.Voted {
					voted++
				}
			}
			if len(ps) != n || voted != n/2 {
				b.Fatalf("%s: %d participants, %d voted", c.name, len(ps), voted)
			}
		}
	}
}
