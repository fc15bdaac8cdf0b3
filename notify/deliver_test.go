package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/storetest"
)

// TestDeliverOverSTARTTLSWithAuth sends an invitation and a meeting notice
// to a real SMTP server that requires STARTTLS and AUTH, and checks what
// arrives: headers, both bodies, the calendar attachment, one reused
// connection per sender, and the voting link gone from the stored message.
func TestDeliverOverSTARTTLSWithAuth(t *testing.T) {
	srv := startSMTP(t, func(s *smtpServer) { s.Users = map[string]string{"mailer": "s3cret-pw"} })
	db := storetest.DB(t)
	cfg := testConfig(t, srv)
	cfg.SMTP = notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "starttls", TLSConfig: srv.Client,
		Username: "mailer", Password: "s3cret-pw", Timeout: 5 * time.Second}
	cfg.Senders = 1
	o := newOutbox(t, db, cfg)

	inv := invitation(1)
	inv.Data["test"] = true
	meetingStart := time.Date(2021, 6, 22, 1, 0, 0, 0, time.UTC)
	meeting := notify.Message{
		ID: "meeting:m1:e00001", Campaign: "meeting:m1", To: inv.To, ToName: inv.ToName, Template: notify.TemplateMeeting,
		Data: map[string]any{"meeting_id": "m1", "title": "Ratification Q&A", "starts_at": meetingStart,
			"ends_at": meetingStart.Add(90 * time.Minute), "url": "https://zoom.example/j/1"},
	}
	more := invitations(6)[2:]
	if err := o.Enqueue(context.Background(), append([]notify.Message{inv, meeting}, more...)...); err != nil {
		t.Fatal(err)
	}
	run(t, o)
	got := srv.waitFor(6, 20*time.Second)

	var invMsg, meetMsg received
	for _, r := range got {
		switch r.header(t).Get("Message-ID") {
		case "<" + notify.MessageIDHeader(inv.ID, "ace-union.example") + ">":
			invMsg = r
		case "<" + notify.MessageIDHeader(meeting.ID, "ace-union.example") + ">":
			meetMsg = r
		}
	}
	if invMsg.Data == nil || meetMsg.Data == nil {
		t.Fatal("the invitation or the meeting notice did not arrive with its Message-ID")
	}
	if !invMsg.TLS || invMsg.User != "mailer" {
		t.Errorf("delivered with TLS=%v user=%q, want STARTTLS and AUTH as mailer", invMsg.TLS, invMsg.User)
	}
	if invMsg.From != "vote@ace-union.example" || len(invMsg.To) != 1 || invMsg.To[0] != inv.To {
		t.Errorf("envelope %s -> %v", invMsg.From, invMsg.To)
	}
	h, ps := parts(t, invMsg.Data)
	for k, want := range map[string]string{
		"From":           `"ACE Negotiations Team" <vote@ace-union.example>`,
		"To":             `"Member 1" <member00001@example.org>`,
		"Reply-To":       "<negotiations@ace-union.example>",
		"Auto-Submitted": "auto-generated",
		"Mime-Version":   "1.0",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	subj := decodeHeader(t, h.Get("Subject"))
	if !strings.HasPrefix(subj, "[TEST VOTE] ") || !strings.Contains(subj, "Ratification of the 2021-2024 ACE agreement") {
		t.Errorf("subject %q: want the test mark and the vote title", subj)
	}
	if d, err := h.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date header %q: %v", h.Get("Date"), err)
	}
	text := part(t, ps, "text/plain").Body
	html := part(t, ps, "text/html").Body
	for _, want := range []string{
		"Dear Member 1,",
		"https://vote.ace-union.example/v/TOKEN00001",
		"Wednesday, June 30, 2021 at 5:00 PM AKDT", // closing time in the union's zone
		"5d41402abc4b2a76b9719d911017c592aaf4e5d6a8e6d2b1c3f0e9d8c7b6a594",
		"https://vote.ace-union.example/contracts/ace/changes",
		"Monday, June 21, 2021 at 5:00 PM AKDT", // the Q&A meeting
		"YOUR VOTE IS ANONYMOUS", "do not forward", "TEST VOTE",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text body lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{`href="https://vote.ace-union.example/v/TOKEN00001"`, "Wednesday, June 30, 2021 at 5:00 PM AKDT", "TEST VOTE"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML body lacks %q", want)
		}
	}

	_, mps := parts(t, meetMsg.Data)
	cal := part(t, mps, "text/calendar")
	if !strings.Contains(cal.Disposition, "meeting.ics") || cal.Params["method"] != "PUBLISH" {
		t.Errorf("calendar part: disposition %q, params %v", cal.Disposition, cal.Params)
	}
	// RFC 5545 3.1: content lines end with CRLF.
	if body := strings.TrimSuffix(cal.Body, "\r\n"); strings.Count(body, "\n") != strings.Count(body, "\r\n") || !strings.HasSuffix(cal.Body, "\r\n") {
		t.Errorf("calendar lines do not all end with CRLF: %q", cal.Body)
	}
	parsed, err := ics.ParseCalendar(strings.NewReader(cal.Body))
	if err != nil {
		t.Fatalf("attached calendar does not parse: %v\n%s", err, cal.Body)
	}
	evs := parsed.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events in the calendar, want 1", len(evs))
	}
	if start, err := evs[0].GetStartAt(); err != nil || !start.Equal(meetingStart) {
		t.Errorf("event starts %v (%v), want %v", start, err, meetingStart)
	}
	if end, err := evs[0].GetEndAt(); err != nil || !end.Equal(meetingStart.Add(90*time.Minute)) {
		t.Errorf("event ends %v (%v)", end, err)
	}
	if !strings.Contains(part(t, mps, "text/plain").Body, "(90 minutes)") {
		t.Error("meeting text lacks its duration")
	}

	if n := srv.Conns(); n != 1 {
		t.Errorf("%d connections for 6 messages with one sender, want 1 reused connection", n)
	}
	s := waitStats(t, o, "vote:v1:invitations", 10*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 5 })
	if s.Enqueued != 5 || s.Queued != 0 || s.Failed != 0 {
		t.Errorf("stats %+v", s)
	}
	doc := storedMessage(t, db, inv.ID)
	if _, ok := doc["secret"]; ok {
		t.Error("the voting link is still stored after delivery")
	}
	if doc["state"] != "sent" || doc["message_id"] != notify.MessageIDHeader(inv.ID, "ace-union.example") {
		t.Errorf("stored message %v", doc)
	}
}

// TestAuthFailureIsRetriedNotDropped: wrong credentials fail every
// connection; messages stay queued (temporary) until the attempts run out,
// then are recorded failed with the server's answer.
func TestAuthFailureIsRecorded(t *testing.T) {
	srv := startSMTP(t, func(s *smtpServer) { s.Users = map[string]string{"mailer": "right"} })
	db := storetest.DB(t)
	cfg := testConfig(t, srv)
	cfg.SMTP = notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "starttls", TLSConfig: srv.Client,
		Username: "mailer", Password: "wrong", Timeout: 5 * time.Second}
	cfg.MaxAttempts = 2
	o := newOutbox(t, db, cfg)
	if err := o.Enqueue(context.Background(), invitation(1)); err != nil {
		t.Fatal(err)
	}
	run(t, o)
	s := waitStats(t, o, "vote:v1:invitations", 10*time.Second, func(s notify.CampaignStats) bool { return s.Failed == 1 })
	if len(s.Failures) != 1 || !strings.Contains(s.Failures[0].Error, "535") || !strings.Contains(s.Failures[0].Error, "gave up after 2 attempts") {
		t.Errorf("failures %+v: want the server's 535 answer after 2 attempts", s.Failures)
	}
	if strings.Contains(s.Failures[0].Error, "wrong") {
		t.Error("the password appears in the recorded error")
	}
	if len(srv.Received()) != 0 {
		t.Error("a message was accepted without authentication")
	}
}
