package ballot_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/storetest"
)

// BenchmarkOpenCastTally100k opens a vote for 100,000 members on the
// embedded store, casts every ballot with 64 concurrent voters in-process
// (no HTTP), and tallies. Run it with:
//
//	go test ./ballot -run '^$' -bench OpenCastTally100k -benchtime 1x -timeout 30m
func BenchmarkOpenCastTally100k(b *testing.B) {
	members, voters := 100_000, 64
	if n, err := strconv.Atoi(os.Getenv("RATIFY_BENCH_MEMBERS")); err == nil {
		members = n
	}
	for i := 0; i < b.N; i++ {
		st := storetest.Open(b)
		e := &env{db: st.DB, roster: newRoster(members), mail: &outbox{}, audit: &auditLog{},
			clock: &clock{t: time.Now()}}
		e.svc = ballot.New(e.db, ballot.Deps{Roster: e.roster, Mail: e.mail, Audit: e.audit,
			Secret: []byte("bench-secret-bench-secret-bench-secret"), BaseURL: "https://v.example.org",
			Now: e.clock.Now, Grace: time.Millisecond, Scan: st.Scan, MaxConcurrentCasts: envInt("RATIFY_BENCH_CAST_SLOTS", 0)})
		ctx := context.Background()
		if err := e.svc.EnsureIndexes(ctx); err != nil {
			b.Fatal(err)
		}
		storetest.FixIndexes(b, st)
		v, err := e.svc.Create(ctx, officer, ballot.NewVote{Title: "Bench", OpensAt: e.clock.Now(), ClosesAt: e.clock.Now().Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := e.svc.Open(ctx, officer, v.ID); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "open-s")

		links := make([]string, 0, members)
		for _, m := range e.mail.msgs {
			links = append(links, m.Secret["link"][len("https://v.example.org/v/"):])
		}
		var next atomic.Int64
		lat := make([]time.Duration, len(links))
		var wg sync.WaitGroup
		start = time.Now()
		for w := 0; w < voters; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					j := int(next.Add(1)) - 1
					if j >= len(links) {
						return
					}
					t0 := time.Now()
					if _, err := e.svc.Cast(ctx, links[j], "Yes"); err != nil {
						b.Error(err)
						return
					}
					lat[j] = time.Since(t0)
				}
			}()
		}
		wg.Wait()
		castFor := time.Since(start)
		b.ReportMetric(float64(len(links))/castFor.Seconds(), "votes/s")
		p50, p99 := percentiles(lat)
		b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")

		if _, err := e.svc.Close(ctx, officer, v.ID); err != nil {
			b.Fatal(err)
		}
		e.clock.Add(time.Second)
		vv, _ := e.svc.Find(ctx, v.ID)
		start = time.Now()
		r, err := e.svc.Count(ctx, vv)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "tally-s")
		if r.Cast != members {
			b.Fatalf("tally counted %d of %d", r.Cast, members)
		}
	}
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	s := append([]time.Duration(nil), d...)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)*99/100]
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}
