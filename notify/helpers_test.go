package notify_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/ratifyhq/ratify/notify"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

var anchorage = mustLoad("America/Anchorage")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// testConfig is a configuration for fast tests: short polls and backoffs.
func testConfig(t testing.TB, srv *smtpServer) notify.Config {
	cfg := notify.Config{
		From:         "ACE Negotiations Team <vote@ace-union.example>",
		ReplyTo:      "negotiations@ace-union.example",
		TimeZone:     anchorage,
		BaseURL:      "https://vote.ace-union.example",
		Senders:      2,
		BatchSize:    20,
		Poll:         20 * time.Millisecond,
		Backoff:      20 * time.Millisecond,
		MaxBackoff:   100 * time.Millisecond,
		MissingGrace: 2 * time.Second,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if srv != nil {
		cfg.SMTP = notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 5 * time.Second}
	} else {
		cfg.Dir = t.TempDir()
	}
	return cfg
}

// newOutbox returns an outbox with its collections created.
func newOutbox(t testing.TB, db *mongo.Database, cfg notify.Config) *notify.Outbox {
	t.Helper()
	o := notify.NewOutbox(db, cfg)
	if err := o.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	return o
}

// run starts o.Run and returns a function that stops it and waits.
func run(t testing.TB, o *notify.Outbox) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	}
	t.Cleanup(stop)
	return stop
}

var closesAt = time.Date(2021, 7, 1, 1, 0, 0, 0, time.UTC) // 5:00 PM AKDT on June 30

// invitation is a message as the ballot package makes it.
func invitation(i int) notify.Message {
	return notify.Message{
		ID:       fmt.Sprintf("invite:v1:e%05d:1", i),
		Campaign: "vote:v1:invitations",
		To:       fmt.Sprintf("member%05d@example.org", i),
		ToName:   fmt.Sprintf("Member %d", i),
		Template: notify.TemplateInvitation,
		Data: map[string]any{
			"vote_id": "v1", "vote_title": "Ratification of the 2021-2024 ACE agreement",
			"question": "Do you ratify the 2021-2024 agreement?", "choices": []string{"Yes", "No"},
			"contract_title":  "ACE agreement 2021-2024",
			"contract_sha256": "5d41402abc4b2a76b9719d911017c592aaf4e5d6a8e6d2b1c3f0e9d8c7b6a594",
			"summary_url":     "https://vote.ace-union.example/contracts/ace/changes",
			"opens_at":        time.Date(2021, 6, 23, 21, 30, 0, 0, time.UTC),
			"closes_at":       closesAt,
			"meetings": []map[string]any{
				{"title": "Q&A on Zoom", "starts_at": time.Date(2021, 6, 22, 1, 0, 0, 0, time.UTC), "url": "https://zoom.example/j/1"},
			},
			"test": false,
		},
		Secret: map[string]string{"link": fmt.Sprintf("https://vote.ace-union.example/v/TOKEN%05d", i)},
	}
}

func invitations(n int) []notify.Message {
	out := make([]notify.Message, n)
	for i := range out {
		out[i] = invitation(i)
	}
	return out
}

// countByMessageID counts the received messages by their Message-ID header.
func countByMessageID(t testing.TB, got []received) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, r := range got {
		n[r.header(t).Get("Message-ID")]++
	}
	return n
}

// assertExactlyOnce checks that every message of msgs arrived once.
func assertExactlyOnce(t testing.TB, got []received, msgs []notify.Message) {
	t.Helper()
	n := countByMessageID(t, got)
	for _, m := range msgs {
		id := "<" + notify.MessageIDHeader(m.ID, "ace-union.example") + ">"
		if n[id] != 1 {
			t.Errorf("message %s delivered %d times, want 1", m.ID, n[id])
		}
	}
	if len(got) != len(msgs) {
		t.Errorf("received %d messages, want %d", len(got), len(msgs))
	}
}

// waitStats polls a campaign's stats until cond holds.
func waitStats(t testing.TB, o *notify.Outbox, campaign string, d time.Duration, cond func(notify.CampaignStats) bool) notify.CampaignStats {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s, err := o.Campaign(context.Background(), campaign)
		if err != nil {
			t.Fatal(err)
		}
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign stats %+v did not reach the expected state within %v", s, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// storedMessage reads a message document as stored.
func storedMessage(t testing.TB, db *mongo.Database, id string) bson.M {
	t.Helper()
	var m bson.M
	if err := db.Collection("outbox").FindOne(context.Background(), bson.M{"_id": id}).Decode(&m); err != nil {
		t.Fatalf("stored message %s: %v", id, err)
	}
	return m
}

// mimePart is one leaf part of a message.
type mimePart struct {
	ContentType string
	Params      map[string]string
	Disposition string
	Body        string
}

// parts walks a MIME message and returns its leaf parts, decoded.
func parts(t testing.TB, data []byte) (mail.Header, []mimePart) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out []mimePart
	var walk func(ct string, h map[string][]string, body io.Reader)
	walk = func(ct string, h map[string][]string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p.Header, p)
			}
		}
		b, err := io.ReadAll(decoder(first(h["Content-Transfer-Encoding"]), body))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mimePart{ContentType: mt, Params: params, Disposition: first(h["Content-Disposition"]), Body: string(b)})
	}
	walk(m.Header.Get("Content-Type"), m.Header, m.Body)
	return m.Header, out
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func decoder(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(cte) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	}
	return r
}

// part returns the first part of the content type, failing if there is none.
func part(t testing.TB, ps []mimePart, contentType string) mimePart {
	t.Helper()
	for _, p := range ps {
		if p.ContentType == contentType {
			return p
		}
	}
	t.Fatalf("no %s part among %d parts", contentType, len(ps))
	return mimePart{}
}

// decodeHeader decodes RFC 2047 encoded words.
func decodeHeader(t testing.TB, s string) string {
	t.Helper()
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatalf("header %q: %v", s, err)
	}
	return d
}
