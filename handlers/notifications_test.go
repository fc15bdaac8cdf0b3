package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/officers"
	"github.com/ratifyhq/ratify/storetest"
)

// notifyServer is a server on a real store, with no sign-in and no
// /dev/mail (as with SMTP configured).
func notifyServer(t *testing.T) (*handlers.Server, *notify.Board) {
	t.Helper()
	db := storetest.DB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	o := notify.NewOutbox(db, notify.Config{From: "ACE <vote@ace.example>", Dir: t.TempDir(), Logger: log})
	b := notify.NewBoard(db, o, nil)
	if err := o.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, err := handlers.New(handlers.Config{BaseURL: "http://localhost:8080", Logger: log, Notifications: o, Board: b})
	if err != nil {
		t.Fatal(err)
	}
	return s, b
}

func get(t *testing.T, s *handlers.Server, target string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Accept", "application/json")
	res, err := s.App().Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestTimelineIsPublicNewestFirst: anyone reads the status updates and the
// meetings; the officer who posted them is not shown.
func TestTimelineIsPublicNewestFirst(t *testing.T) {
	s, b := notifyServer(t)
	ctx := context.Background()
	if _, err := b.PostNotice(ctx, notify.NoticeInput{Title: "School Board approved the agreement", Body: "Unanimously."}, "officer@ace.example"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if _, err := b.PostNotice(ctx, notify.NoticeInput{Title: "Final signature page received", Body: "Done."}, "officer@ace.example"); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2021, 6, 22, 1, 0, 0, 0, time.UTC)
	if _, err := b.PostMeeting(ctx, notify.MeetingInput{Title: "Q&A", StartsAt: start, DurationMinutes: 60, URL: "https://zoom.example/j/1", VoteID: "v1"}, "officer@ace.example"); err != nil {
		t.Fatal(err)
	}

	status, body := get(t, s, "/api/v1/timeline")
	if status != 200 {
		t.Fatalf("timeline: %d %s", status, body)
	}
	var tl struct{ Notices []notify.Notice }
	if err := json.Unmarshal([]byte(body), &tl); err != nil {
		t.Fatal(err)
	}
	if len(tl.Notices) != 2 || tl.Notices[0].Title != "Final signature page received" {
		t.Errorf("timeline %+v, want both, newest first", tl.Notices)
	}
	if strings.Contains(body, "officer@ace.example") {
		t.Error("the timeline shows who posted")
	}

	status, body = get(t, s, "/api/v1/meetings?vote=v1")
	var ms struct{ Meetings []notify.Meeting }
	if err := json.Unmarshal([]byte(body), &ms); status != 200 || err != nil || len(ms.Meetings) != 1 || !ms.Meetings[0].StartsAt.Equal(start) {
		t.Errorf("meetings: %d %s", status, body)
	}
	if status, body := get(t, s, "/api/v1/meetings?vote=other"); status != 200 || !strings.Contains(body, `"meetings":[]`) && !strings.Contains(body, `"meetings":null`) {
		t.Errorf("meetings of another vote: %d %s", status, body)
	}
}

// TestNotificationRoutesNeedAnOfficer: the officers' routes refuse an
// anonymous caller, and /dev/mail exists only in file mode.
func TestNotificationRoutesNeedAnOfficer(t *testing.T) {
	s, _, _, _ := officerServer(t)
	for _, target := range []string{
		"/api/v1/notifications", "/api/v1/notifications?campaign=vote:v1:invitations",
		"/api/v1/notifications/templates/invitation/preview", "/dev/mail",
	} {
		if status, body := get(t, s, target); status != 401 && status != 403 {
			t.Errorf("anonymous GET %s: %d %s, want 401 or 403", target, status, body)
		}
	}
	for _, target := range []string{"/api/v1/notifications/x/retry", "/api/v1/meetings", "/api/v1/notices"} {
		req := httptest.NewRequest("POST", target, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		res, err := s.App().Test(req, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 401 && res.StatusCode != 403 {
			t.Errorf("anonymous POST %s: %d, want 401 or 403", target, res.StatusCode)
		}
	}
	smtp, _ := notifyServer(t)
	if status, _ := get(t, smtp, "/dev/mail"); status != 404 {
		t.Errorf("/dev/mail with SMTP configured: %d, want 404", status)
	}
}

// officerServer is a server with sign-in, the audit log, and the outbox in
// file mode, and a bearer token of a signed-in administrator.
func officerServer(t *testing.T) (*handlers.Server, *notify.Outbox, *audit.Log, string) {
	t.Helper()
	ctx := context.Background()
	db := storetest.DB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	al := audit.NewLog(db)
	offs := officers.NewStore(db, []byte("a-test-secret-of-at-least-32-bytes!!"), al)
	o := notify.NewOutbox(db, notify.Config{From: "ACE <vote@ace.example>", Dir: t.TempDir(), Logger: log,
		Poll: 20 * time.Millisecond, TimeZone: time.UTC})
	b := notify.NewBoard(db, o, notify.AudienceFunc(func(context.Context) ([]notify.Recipient, error) {
		return []notify.Recipient{{ID: "e1", Email: "ann@example.org", Name: "Ann"}}, nil
	}))
	for _, e := range []interface{ EnsureIndexes(context.Context) error }{al, offs, o, b} {
		if err := e.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := offs.Bootstrap(ctx, "admin@ace.example", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	tok, err := offs.Login(ctx, "admin@ace.example", "correct horse battery staple", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	s, err := handlers.New(handlers.Config{BaseURL: "http://localhost:8080", Logger: log, Officers: offs,
		Notifications: o, Board: b, NotificationAudit: al, DevMailDir: o.MailDir()})
	if err != nil {
		t.Fatal(err)
	}
	return s, o, al, tok.Token
}

func call(t *testing.T, s *handlers.Server, token, method, target, body string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := s.App().Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// TestOfficerNotificationFlow: an officer posts a meeting (audited), sees
// its campaign, reads the message at /dev/mail, previews a template, and
// gets clear errors retrying what cannot be retried.
func TestOfficerNotificationFlow(t *testing.T) {
	s, o, al, tok := officerServer(t)
	status, _, body := call(t, s, tok, "POST", "/api/v1/meetings",
		`{"title":"Ratification Q&A","starts_at":"2021-06-21T17:00:00-08:00","duration_minutes":60,"url":"https://zoom.example/j/1"}`)
	if status != 201 {
		t.Fatalf("post meeting: %d %s", status, body)
	}
	var m notify.Meeting
	json.Unmarshal([]byte(body), &m)
	if m.Recipients != 1 || m.Campaign == "" {
		t.Fatalf("meeting %+v", m)
	}
	entries, err := al.List(context.Background(), audit.Filter{Action: "meeting.post"})
	if err != nil || len(entries) != 1 || entries[0].Object != m.ID {
		t.Errorf("audit entries %+v (%v), want one meeting.post", entries, err)
	}
	status, _, body = call(t, s, tok, "POST", "/api/v1/meetings", `{"title":"","duration_minutes":60}`)
	if status != 422 || !strings.Contains(body, `"field":"title"`) {
		t.Errorf("meeting without a title: %d %s", status, body)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- o.Run(ctx) }()
	defer func() { cancel(); <-done }()
	var stats notify.CampaignStats
	for deadline := time.Now().Add(10 * time.Second); stats.Sent != 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("campaign %+v: the notice was not delivered", stats)
		}
		_, _, body = call(t, s, tok, "GET", "/api/v1/notifications?campaign="+m.Campaign, "")
		json.Unmarshal([]byte(body), &stats)
	}

	status, _, body = call(t, s, tok, "GET", "/dev/mail", "")
	name := notify.EMLName("meeting:" + m.ID + ":e1")
	if status != 200 || !strings.Contains(body, "/dev/mail/"+name) || !strings.Contains(body, "Ratification Q&amp;A") {
		t.Fatalf("dev mail list: %d %s", status, body)
	}
	status, _, body = call(t, s, tok, "GET", "/dev/mail/"+name, "")
	if status != 200 || !strings.Contains(body, "ann@example.org") || !strings.Contains(body, "BEGIN:VCALENDAR") {
		t.Errorf("dev mail message: %d %s", status, body)
	}
	status, h, body := call(t, s, tok, "GET", "/dev/mail/"+name+"/html", "")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") || !strings.Contains(body, "Join the meeting") {
		t.Errorf("dev mail HTML: %d %q", status, h.Get("Content-Security-Policy"))
	}
	if status, _, _ := call(t, s, tok, "GET", "/dev/mail/..%2Fsecret.eml", ""); status != 404 {
		t.Errorf("dev mail outside its directory: %d, want 404", status)
	}

	status, _, body = call(t, s, tok, "GET", "/api/v1/notifications/templates/invitation/preview", "")
	var r notify.Rendered
	if err := json.Unmarshal([]byte(body), &r); status != 200 || err != nil || !strings.Contains(r.Text, "SAMPLE-TOKEN") {
		t.Errorf("preview: %d %s", status, body)
	}
	if status, _, _ := call(t, s, tok, "GET", "/api/v1/notifications/templates/nope/preview", ""); status != 404 {
		t.Errorf("preview of an unknown template: %d, want 404", status)
	}
	if status, _, body := call(t, s, tok, "POST", "/api/v1/notifications/"+url.PathEscape("meeting:"+m.ID+":e1")+"/retry", ""); status != 409 {
		t.Errorf("retry of a sent message: %d %s, want 409", status, body)
	}
	if status, _, _ := call(t, s, tok, "POST", "/api/v1/notifications/nope/retry", ""); status != 404 {
		t.Errorf("retry of an unknown message: %d, want 404", status)
	}
}
