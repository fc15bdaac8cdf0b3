package notify_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/storetest"
)

// TestTemporaryFailureIsRetried: the server answers 451 twice for one
// recipient; the message is retried with backoff and delivered once.
func TestTemporaryFailureIsRetried(t *testing.T) {
	var mu sync.Mutex
	refused := 0
	srv := startSMTP(t, func(s *smtpServer) {
		s.OnRcpt = func(to string) error {
			mu.Lock()
			defer mu.Unlock()
			if to == "member00003@example.org" && refused < 2 {
				refused++
				return smtpErr(451, [3]int{4, 3, 0}, "try again later")
			}
			return nil
		}
	})
	db := storetest.DB(t)
	o := newOutbox(t, db, testConfig(t, srv))
	msgs := invitations(10)
	if err := o.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	run(t, o)
	s := waitStats(t, o, "vote:v1:invitations", 15*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 10 })
	if s.Failed != 0 || s.Queued != 0 {
		t.Errorf("stats %+v", s)
	}
	assertExactlyOnce(t, srv.Received(), msgs)
	doc := storedMessage(t, db, msgs[3].ID)
	if doc["attempts"] != int32(3) {
		t.Errorf("attempts = %v, want 3 (two refusals, then delivery)", doc["attempts"])
	}
}

// TestPermanentFailureIsRecordedAndRetried: a 550 is recorded with the
// server's answer and shown in the campaign; an officer's retry, once the
// address is fixed on the server side, delivers it, and the counts follow.
func TestPermanentFailureIsRecordedAndRetried(t *testing.T) {
	var mu sync.Mutex
	reject := true
	srv := startSMTP(t, func(s *smtpServer) {
		s.OnRcpt = func(to string) error {
			mu.Lock()
			defer mu.Unlock()
			if to == "member00002@example.org" && reject {
				return smtpErr(550, [3]int{5, 1, 1}, "no such user here")
			}
			return nil
		}
	})
	db := storetest.DB(t)
	o := newOutbox(t, db, testConfig(t, srv))
	msgs := invitations(5)
	if err := o.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	run(t, o)
	s := waitStats(t, o, "vote:v1:invitations", 10*time.Second, func(s notify.CampaignStats) bool { return s.Sent+s.Failed == 5 })
	if s.Sent != 4 || s.Failed != 1 || s.Queued != 0 {
		t.Fatalf("stats %+v, want 4 sent and 1 failed", s)
	}
	f := s.Failures[0]
	if f.ID != msgs[2].ID || f.To != msgs[2].To || !strings.Contains(f.Error, "550") || !strings.Contains(f.Error, "no such user here") || f.Attempts != 1 {
		t.Errorf("failure %+v: want the server's 550 answer after 1 attempt", f)
	}
	if doc := storedMessage(t, db, msgs[2].ID); doc["state"] != "failed" {
		t.Errorf("stored state %v", doc["state"])
	}

	if err := o.Retry(context.Background(), msgs[1].ID); !errors.Is(err, notify.ErrNotFailed) {
		t.Errorf("retry of a sent message: %v, want ErrNotFailed", err)
	}
	if err := o.Retry(context.Background(), "no-such-id"); !errors.Is(err, notify.ErrNotFound) {
		t.Errorf("retry of an unknown message: %v, want ErrNotFound", err)
	}
	mu.Lock()
	reject = false
	mu.Unlock()
	if err := o.Retry(context.Background(), msgs[2].ID); err != nil {
		t.Fatal(err)
	}
	s = waitStats(t, o, "vote:v1:invitations", 10*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 5 })
	if s.Failed != 0 || len(s.Failures) != 0 || s.Queued != 0 || s.Enqueued != 5 {
		t.Errorf("after retry: %+v, want 5 sent, nothing failed", s)
	}
	assertExactlyOnce(t, srv.Received(), msgs)
}

// TestGiveUpAfterMaxAttempts: a server that always answers 421 makes the
// message fail after MaxAttempts, never silently dropped.
func TestGiveUpAfterMaxAttempts(t *testing.T) {
	srv := startSMTP(t, func(s *smtpServer) {
		s.OnMail = func(string) error { return smtpErr(421, [3]int{4, 7, 0}, "rate limited, slow down") }
	})
	db := storetest.DB(t)
	cfg := testConfig(t, srv)
	cfg.MaxAttempts = 3
	o := newOutbox(t, db, cfg)
	if err := o.Enqueue(context.Background(), invitation(7)); err != nil {
		t.Fatal(err)
	}
	run(t, o)
	s := waitStats(t, o, "vote:v1:invitations", 10*time.Second, func(s notify.CampaignStats) bool { return s.Failed == 1 })
	if f := s.Failures[0]; !strings.Contains(f.Error, "gave up after 3 attempts") || !strings.Contains(f.Error, "rate limited, slow down") {
		t.Errorf("failure %+v", f)
	}
	if doc := storedMessage(t, db, invitation(7).ID); doc["attempts"] != int32(3) {
		t.Errorf("attempts = %v, want 3", doc["attempts"])
	}
}

// TestUnreachableServerKeepsMessagesQueued: with no server listening, the
// messages stay queued (retrying), and are delivered once one appears.
func TestUnreachableServerKeepsMessagesQueued(t *testing.T) {
	srv := startSMTP(t, nil)
	db := storetest.DB(t)
	cfg := testConfig(t, srv)
	cfg.SMTP.Port = 1 // nothing listens there
	cfg.MaxAttempts = 100
	o := newOutbox(t, db, cfg)
	msgs := invitations(3)
	if err := o.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	stop := run(t, o)
	time.Sleep(300 * time.Millisecond)
	stop()
	s, err := o.Campaign(context.Background(), "vote:v1:invitations")
	if err != nil {
		t.Fatal(err)
	}
	if s.Queued != 3 || s.Failed != 0 || s.Sent != 0 {
		t.Fatalf("stats %+v, want 3 queued", s)
	}
	doc := storedMessage(t, db, msgs[0].ID)
	if doc["attempts"].(int32) < 1 || !strings.Contains(doc["last_error"].(string), "connect") {
		t.Errorf("stored message after failed attempts: attempts %v, last error %q", doc["attempts"], doc["last_error"])
	}
	// The same store, now with a reachable server.
	o2 := newOutbox(t, db, testConfig(t, srv))
	run(t, o2)
	srv.waitFor(3, 10*time.Second)
	waitStats(t, o2, "vote:v1:invitations", 10*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 3 })
	assertExactlyOnce(t, srv.Received(), msgs)
}
