package notify_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/storetest"
)

// TestNoMessageLeavesBeforeItIsDurable: with the store's group commit
// (store.Store.Durable behind Config.Durable), a message is not handed to
// the SMTP server while Durable has not returned; when Durable fails,
// nothing is sent and nothing is lost: the messages stay queued and go out
// once each when the disk answers again. Durable is the real store's, held
// behind a gate the test opens.
func TestNoMessageLeavesBeforeItIsDurable(t *testing.T) {
	srv := startSMTP(t, nil)
	st := storetest.OpenSync(t, "group")
	cfg := testConfig(t, srv)
	// A batch whose delivery failed stays claimed until its lease ends;
	// a short one keeps the test short.
	cfg.Lease = 2 * time.Second
	gate := make(chan struct{})
	var calls atomic.Int32
	var fail atomic.Bool
	cfg.Durable = func(ctx context.Context) error {
		calls.Add(1)
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
		if fail.Load() {
			return errors.New("fdatasync: input/output error")
		}
		return st.Durable(ctx)
	}
	o := newOutbox(t, st.DB, cfg)
	msgs := invitations(6)
	if err := o.Enqueue(context.Background(), msgs[:3]...); err != nil {
		t.Fatal(err)
	}
	stop := run(t, o)
	deadline := time.Now().Add(10 * time.Second)
	for calls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if calls.Load() == 0 {
		t.Fatal("the outbox never asked for durability before sending")
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(srv.Received()); n != 0 {
		t.Fatalf("%d messages reached the SMTP server before their data was durable", n)
	}
	rounds := st.SyncRounds()
	close(gate)
	srv.waitFor(3, 20*time.Second)
	if st.SyncRounds() <= rounds {
		t.Fatal("messages went out without a sync of the write-ahead log")
	}

	// The disk fails: the next messages are held, not failed.
	fail.Store(true)
	if err := o.Enqueue(context.Background(), msgs[3:]...); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if n := len(srv.Received()); n != 3 {
		t.Fatalf("%d messages received while durability failed, want the first 3 only", n)
	}
	s, err := o.Campaign(context.Background(), "vote:v1:invitations")
	if err != nil {
		t.Fatal(err)
	}
	if s.Failed != 0 || s.Sent != 3 {
		t.Fatalf("while the disk failed: %+v; want 3 sent, none failed", s)
	}
	// Back (a restarted service): each message once.
	stop()
	fail.Store(false)
	run(t, newOutbox(t, st.DB, cfg))
	srv.waitFor(6, 60*time.Second)
	waitStats(t, o, "vote:v1:invitations", 30*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 6 })
	assertExactlyOnce(t, srv.Received(), msgs)
}
