package notify_test

import (
	"context"
	"errors"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestEnqueueRefusesBadMessagesWhole: one bad message names its index and
// field, and nothing of the call is stored.
func TestEnqueueRefusesBadMessagesWhole(t *testing.T) {
	db := storetest.DB(t)
	o := newOutbox(t, db, testConfig(t, nil))
	for _, tc := range []struct {
		name, field string
		mutate      func(*notify.Message)
	}{
		{"EmptyID", "id", func(m *notify.Message) { m.ID = " " }},
		{"NoCampaign", "campaign", func(m *notify.Message) { m.Campaign = "" }},
		{"UnknownTemplate", "template", func(m *notify.Message) { m.Template = "welcome" }},
		{"BadAddress", "to", func(m *notify.Message) { m.To = "not an address" }},
		{"AddressWithName", "to", func(m *notify.Message) { m.To = "Pat <pat@example.org>" }},
		{"HeaderInjection", "to_name", func(m *notify.Message) { m.ToName = "Pat\r\nBcc: x@evil.example" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := invitations(3)
			tc.mutate(&msgs[2])
			err := o.Enqueue(context.Background(), msgs...)
			var ie *notify.InvalidMessageError
			if !errors.As(err, &ie) || ie.Index != 2 || ie.Field != tc.field {
				t.Fatalf("err = %v, want an InvalidMessageError for message 2, field %s", err, tc.field)
			}
			n, err := db.Collection("outbox").CountDocuments(context.Background(), bson.D{})
			if err != nil || n != 0 {
				t.Fatalf("%d messages stored (%v), want none", n, err)
			}
		})
	}
}

// TestEnqueueIsIdempotent: enqueueing the same ids again, in the same call
// or later, stores and delivers each message once; the first version wins.
func TestEnqueueIsIdempotent(t *testing.T) {
	db := storetest.DB(t)
	cfg := testConfig(t, nil)
	o := newOutbox(t, db, cfg)
	msgs := invitations(30)
	twice := append(append([]notify.Message{}, msgs...), msgs[:5]...)
	if err := o.Enqueue(context.Background(), twice...); err != nil {
		t.Fatal(err)
	}
	changed := invitation(0)
	changed.Secret["link"] = "https://vote.ace-union.example/v/SECOND"
	if err := o.Enqueue(context.Background(), append(msgs[10:20], changed)...); err != nil {
		t.Fatal(err)
	}
	n, err := db.Collection("outbox").CountDocuments(context.Background(), bson.D{})
	if err != nil || n != 30 {
		t.Fatalf("%d messages stored (%v), want 30", n, err)
	}
	run(t, o)
	s := waitStats(t, o, "vote:v1:invitations", 10*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 30 })
	if s.Enqueued != 30 || s.Queued != 0 {
		t.Errorf("stats %+v, want 30 enqueued, 30 sent", s)
	}
	files, err := filepath.Glob(filepath.Join(cfg.Dir, "*.eml"))
	if err != nil || len(files) != 30 {
		t.Fatalf("%d files (%v), want 30", len(files), err)
	}
	b, err := os.ReadFile(filepath.Join(cfg.Dir, notify.EMLName(msgs[0].ID)))
	if err != nil {
		t.Fatal(err)
	}
	_, ps := parts(t, b)
	if body := part(t, ps, "text/plain").Body; !strings.Contains(body, "TOKEN00000") || strings.Contains(body, "SECOND") {
		t.Error("a later enqueue of the same id changed the stored message")
	}
}

// TestFileModeWritesEML: without SMTP, each message is a valid RFC 5322
// file that the development viewer reads back.
func TestFileModeWritesEML(t *testing.T) {
	db := storetest.DB(t)
	cfg := testConfig(t, nil)
	o := newOutbox(t, db, cfg)
	if o.MailDir() != cfg.Dir || !strings.HasPrefix(o.Mode(), "files ") {
		t.Fatalf("mode %q, mail dir %q", o.Mode(), o.MailDir())
	}
	msgs := invitations(3)
	if err := o.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	run(t, o)
	waitStats(t, o, "vote:v1:invitations", 10*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 3 })
	list, err := notify.ListMailFiles(cfg.Dir, 10)
	if err != nil || len(list) != 3 {
		t.Fatalf("listed %d files (%v), want 3", len(list), err)
	}
	for _, m := range msgs {
		b, err := os.ReadFile(filepath.Join(cfg.Dir, notify.EMLName(m.ID)))
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("%s is not RFC 5322: %v", m.ID, err)
		}
		if to, err := msg.Header.AddressList("To"); err != nil || to[0].Address != m.To {
			t.Errorf("To %v (%v), want %s", to, err, m.To)
		}
		if msg.Header.Get("Message-ID") != "<"+notify.MessageIDHeader(m.ID, "ace-union.example")+">" {
			t.Errorf("Message-ID %q", msg.Header.Get("Message-ID"))
		}
		c, err := notify.ReadMailFile(cfg.Dir, notify.EMLName(m.ID))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Text, m.Secret["link"]) || !strings.Contains(c.HTML, m.Secret["link"]) || !strings.Contains(c.Subject, "Your ballot") {
			t.Errorf("viewer read subject %q, text and HTML without the link", c.Subject)
		}
		if doc := storedMessage(t, db, m.ID); doc["secret"] != nil || !strings.HasPrefix(doc["response"].(string), "written to ") {
			t.Errorf("stored after delivery: secret %v, response %v", doc["secret"], doc["response"])
		}
	}
	if _, err := notify.ReadMailFile(cfg.Dir, "../secret.eml"); err == nil {
		t.Error("the viewer read a path outside the mail directory")
	}
}

// TestRateLimit: 15 messages at 30 per second take about half a second.
func TestRateLimit(t *testing.T) {
	srv := startSMTP(t, nil)
	db := storetest.DB(t)
	cfg := testConfig(t, srv)
	cfg.Rate = 30
	cfg.Senders = 3
	o := newOutbox(t, db, cfg)
	if err := o.Enqueue(context.Background(), invitations(15)...); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	run(t, o)
	srv.waitFor(15, 10*time.Second)
	if d := time.Since(start); d < 14*time.Second/30 {
		t.Errorf("15 messages took %v at 30/s, want at least %v", d, 14*time.Second/30)
	}
}

// TestCampaignsList lists every campaign with its counts, newest first.
func TestCampaignsList(t *testing.T) {
	db := storetest.DB(t)
	cfg := testConfig(t, nil)
	now := time.Date(2021, 6, 23, 21, 30, 0, 0, time.UTC)
	cfg.Now = func() time.Time { return now }
	o := newOutbox(t, db, cfg)
	if err := o.Enqueue(context.Background(), invitations(3)...); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	r := invitation(1)
	r.ID, r.Campaign, r.Template = "remind:v1:e1:1", "vote:v1:reminder:1", notify.TemplateReminder
	if err := o.Enqueue(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	all, err := o.Campaigns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Campaign != "vote:v1:reminder:1" || all[0].Queued != 1 || all[0].Template != "reminder" ||
		all[1].Campaign != "vote:v1:invitations" || all[1].Enqueued != 3 || all[1].Queued != 3 {
		t.Fatalf("campaigns %+v", all)
	}
}
