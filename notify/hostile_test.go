package notify_test

import (
	"bufio"
	"bytes"
	"context"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/storetest"
)

// Hostile text an officer (or a stolen officer session) could type into a
// notice or a meeting.
const (
	hostileScript = `<script>alert(1)</script>`
	hostileImg    = `"><img src=x onerror=alert(1)>`
	// hostileHeaders tries to end the Subject and add header lines.
	hostileHeaders = "\r\nBcc: victim@evil.example\r\nX-Injected: yes\nSubject: pwned\r"
)

// TestHostileNoticeAndMeetingMail posts a notice and a meeting whose title,
// body, description and vote title carry markup and CR/LF followed by
// header lines, and reads what a real SMTP server receives. Each message
// has exactly one To (the member), one Subject and no injected header, no
// bare CR or LF in its header block, and a Subject that is the title on
// one line; its HTML part shows the markup as text; its text part carries
// the text as typed; the meeting's calendar file stays one event with no
// bare CR, so that a place or title cannot add a property (an attendee).
//
// It depends on: html/template for the HTML parts (notify/render.go,
// `htmltemplate "html/template"`: with text/template the HTML checks
// fail); the subject folded onto one line (notify/render.go,
// `strings.Join(strings.Fields(subj.String()), " ")`: without it the
// decoded Subject holds the CR/LF; go-mail's RFC 2047 encoding of control
// characters is what keeps them out of the raw header even then); and, for
// the calendar file, the line breaks turned into LF before the title and
// description reach golang-ical (notify/compose.go, icsText in
// meetingICS), which escapes LF but not CR.
func TestHostileNoticeAndMeetingMail(t *testing.T) {
	srv := startSMTP(t, nil)
	db := storetest.DB(t)
	o := newOutbox(t, db, testConfig(t, srv))
	b := notify.NewBoard(db, o, notify.AudienceFunc(func(context.Context) ([]notify.Recipient, error) {
		return []notify.Recipient{{ID: "e1", Email: "ann@example.org", Name: "Ann"}}, nil
	}))
	ctx := context.Background()
	if err := b.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	title := "Update " + hostileScript + hostileHeaders + hostileImg
	body := "First " + hostileScript + "\n\n" + hostileImg + hostileHeaders + " last"
	// The officers' form keeps a meeting's place as the first line of its
	// description; a bare CR in it would end an iCalendar line.
	place := "Place: Room 1 " + hostileScript + hostileImg + "\rATTENDEE:mailto:evil@evil.example"
	notice, err := b.PostNotice(ctx, notify.NoticeInput{Title: title, Body: body}, "officer@ace-union.example")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2021, 6, 23, 20, 0, 0, 0, time.UTC)
	meeting, err := b.PostMeeting(ctx, notify.MeetingInput{
		Title: title, StartsAt: start, DurationMinutes: 60, URL: "https://meet.example.org/j/1",
		VoteTitle: "Vote " + hostileScript + hostileImg, Description: place + "\n\n" + body,
	}, "officer@ace-union.example")
	if err != nil {
		t.Fatal(err)
	}
	run(t, o)
	got := srv.waitFor(2, 10*time.Second)

	oneLine := strings.Join(strings.Fields(title), " ")
	subjects := map[string]string{
		"Contract update: " + oneLine: notice.Campaign,
		"Q&A meeting: " + oneLine + ", Wednesday, June 23, 2021 at 12:00 PM AKDT": meeting.Campaign,
	}
	for _, r := range got {
		if len(r.To) != 1 || r.To[0] != "ann@example.org" {
			t.Errorf("envelope recipients %q, want only ann@example.org", r.To)
		}
		h := rawHeader(t, r.Data)
		campaign, name := h.Get("X-Ratify-Campaign"), "Notice"
		if campaign == meeting.Campaign {
			name = "Meeting"
		}
		t.Run(name, func(t *testing.T) {
			subject := decodeHeader(t, h.Get("Subject"))
			if len(h["Subject"]) != 1 || subjects[subject] != campaign {
				t.Errorf("Subject headers %q (decoded %q), want one: the title on one line", h["Subject"], subject)
			}
			if to, err := mail.ParseAddressList(h.Get("To")); err != nil || len(h["To"]) != 1 || len(to) != 1 || to[0].Address != "ann@example.org" {
				t.Errorf("To %q: %v, want Ann alone", h["To"], err)
			}
			for _, bad := range []string{"Bcc", "Cc", "X-Injected"} {
				if v, ok := h[bad]; ok {
					t.Errorf("injected header %s: %q", bad, v)
				}
			}
			_, ps := parts(t, r.Data)
			html := part(t, ps, "text/html").Body
			for _, raw := range []string{"<script", "<img", `onerror=alert(1)>`} {
				if strings.Contains(html, raw) {
					t.Errorf("HTML part holds %q unescaped:\n%s", raw, html)
				}
			}
			for _, esc := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"} {
				if !strings.Contains(html, esc) {
					t.Errorf("HTML part lacks the escaped text %q:\n%s", esc, html)
				}
			}
			text := part(t, ps, "text/plain").Body
			lits := []string{hostileScript, hostileImg, "Bcc: victim@evil.example"}
			if campaign == meeting.Campaign {
				lits = append(lits, "Place: Room 1 "+hostileScript+hostileImg)
			}
			for _, lit := range lits {
				if !strings.Contains(text, lit) {
					t.Errorf("text part lacks %q as typed:\n%s", lit, text)
				}
			}
			if campaign == meeting.Campaign {
				checkCalendar(t, part(t, ps, "text/calendar").Body)
			}
		})
	}
	if len(got) != 2 {
		t.Errorf("received %d messages, want 2", len(got))
	}
}

// rawHeader parses a message's header block after checking that every
// line of it ends with CRLF: no bare CR or LF that a mail server could
// read as the start of another header.
func rawHeader(t *testing.T, data []byte) textproto.MIMEHeader {
	t.Helper()
	head, _, ok := bytes.Cut(data, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no end of the header block:\n%s", data)
	}
	lines := strings.Split(string(head), "\r\n")
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("bare CR or LF in the header line %q", l)
		}
		if low := strings.ToLower(l); strings.HasPrefix(low, "bcc:") || strings.HasPrefix(low, "x-injected:") || strings.HasPrefix(low, "subject: pwned") {
			t.Errorf("hostile text became a header line: %q", l)
		}
	}
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(head, "\r\n\r\n"...)))).ReadMIMEHeader()
	if err != nil {
		t.Fatalf("header block does not parse: %v\n%s", err, head)
	}
	return h
}

// checkCalendar checks that a meeting's iCalendar file is one event with
// no bare CR in it (golang-ical ends lines with LF), so that no text
// becomes a property of the event.
func checkCalendar(t *testing.T, cal string) {
	t.Helper()
	if n := strings.Count(cal, "BEGIN:VEVENT"); n != 1 {
		t.Errorf("%d events in the calendar, want 1:\n%q", n, cal)
	}
	for _, l := range strings.Split(cal, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if strings.Contains(l, "\r") {
			t.Errorf("bare CR in the calendar line %q", l)
		}
		for _, p := range []string{"attendee", "bcc:", "x-injected:", "subject:"} {
			if strings.HasPrefix(strings.ToLower(l), p) {
				t.Errorf("hostile text became a calendar line: %q", l)
			}
		}
	}
}
