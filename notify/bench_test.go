package notify_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/storetest"
)

// BenchmarkDeliverInvitations enqueues NOTIFY_BENCH_N (default 100,000)
// invitations into the embedded store and delivers them to an SMTP server
// in the process, with the default number of senders and no rate limit. It
// reports enqueue time, messages per second and connections used.
//
//	NOTIFY_BENCH_N=100000 go test ./notify -run '^$' -bench BenchmarkDeliverInvitations -benchtime 1x -timeout 30m
func BenchmarkDeliverInvitations(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("NOTIFY_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		s := storetest.Open(b)
		srv := startSMTP(b, func(s *smtpServer) { s.HeadersOnly = true })
		cfg := notify.Config{
			From: "ACE Negotiations Team <vote@ace-union.example>", TimeZone: anchorage,
			BaseURL: "https://vote.ace-union.example",
			SMTP:    notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "none"},
			Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		}
		o := newOutbox(b, s.DB, cfg)
		storetest.FixIndexes(b, s)
		msgs := invitations(n)
		start := time.Now()
		if err := o.Enqueue(context.Background(), msgs...); err != nil {
			b.Fatal(err)
		}
		enq := time.Since(start)
		start = time.Now()
		stop := run(b, o)
		srv.waitFor(n, 60*time.Minute)
		waitStats(b, o, "vote:v1:invitations", 5*time.Minute, func(s notify.CampaignStats) bool { return s.Sent == n })
		took := time.Since(start)
		stop()
		b.ReportMetric(enq.Seconds(), "enqueue-s")
		b.ReportMetric(float64(n)/took.Seconds(), "msgs/s")
		b.ReportMetric(float64(srv.Conns()), "conns")
		b.Logf("%d invitations: enqueued in %v, delivered in %v (%.0f/s) over %d connections",
			n, enq.Round(time.Millisecond), took.Round(time.Millisecond), float64(n)/took.Seconds(), srv.Conns())
		assertExactlyOnce(b, srv.Received(), msgs)
	}
}

// BenchmarkEnqueue measures storing NOTIFY_BENCH_N (default 100,000)
// invitations in the embedded store.
//
//	NOTIFY_BENCH_N=100000 go test ./notify -run '^$' -bench BenchmarkEnqueue -benchtime 1x
func BenchmarkEnqueue(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("NOTIFY_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		s := storetest.Open(b)
		o := newOutbox(b, s.DB, testConfig(b, nil))
		storetest.FixIndexes(b, s)
		msgs := invitations(n)
		b.ResetTimer()
		start := time.Now()
		if err := o.Enqueue(context.Background(), msgs...); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "enqueue-s")
		b.StopTimer()
	}
}
