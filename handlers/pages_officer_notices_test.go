package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/members"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/officers"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// pagesEnv is a server with every store the officers' notice, meeting,
// contract, officer, audit and notification pages use, all real, on the
// embedded store; members are in America/Anchorage and two are eligible.
type pagesEnv struct {
	srv      *handlers.Server
	db       *mongo.Database
	log      *audit.Log
	officers *officers.Store
	outbox   *notify.Outbox
	board    *notify.Board
}

// pageSession is a browser session: its cookie and its forms' CSRF token.
type pageSession struct{ cookie, csrf string }

func newPagesEnv(t *testing.T, smtp notify.SMTPConfig) *pagesEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.DB(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &pagesEnv{db: db, log: audit.NewLog(db)}
	e.officers = officers.NewStore(db, []byte("a-test-secret-of-at-least-32-bytes!!"), e.log)
	e.officers.HashParams = officers.HashParams{Memory: 1024, Time: 1, Threads: 1}
	ms := members.NewStore(db, e.log)
	ak, err := time.LoadLocation("America/Anchorage")
	if err != nil {
		t.Fatal(err)
	}
	ms.Location = ak
	e.outbox = notify.NewOutbox(db, notify.Config{From: "ACE <vote@ace.example>", Dir: t.TempDir(), Logger: logger,
		Poll: 20 * time.Millisecond, TimeZone: ak, SMTP: smtp})
	e.board = notify.NewBoard(db, e.outbox, notify.AudienceFunc(func(ctx context.Context) ([]notify.Recipient, error) {
		es, err := ms.Eligible(ctx)
		rs := make([]notify.Recipient, len(es))
		for i, x := range es {
			rs[i] = notify.Recipient{ID: x.EmployeeID, Email: x.Email, Name: x.Name}
		}
		return rs, err
	}))
	lib := contracts.MustLoad()
	versions := contracts.NewStore(db, lib)
	for _, x := range []interface{ EnsureIndexes(context.Context) error }{e.log, e.officers, ms, e.outbox, e.board, versions} {
		if err := x.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	roster := "Employee ID,Last Name,First Name,Email Address,Membership Status\n" +
		"1,Quill,Ada,ada@example.org,Member\n2,Birch,Jo,jo@example.org,Member\n3,Fern,Sam,sam@example.org,Fee Payer\n"
	if _, err := ms.ImportRoster(ctx, audit.System, []byte(roster), members.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	e.srv, err = handlers.New(handlers.Config{BaseURL: "http://localhost:8080", Logger: logger,
		Officers: e.officers, Members: ms, Audit: e.log, Notifications: e.outbox, Board: e.board, NotificationAudit: e.log,
		DevMailDir: e.outbox.MailDir(), Contracts: lib, ContractVersions: versions, ContractAudit: e.log})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// signIn creates an officer of the role ({role}@ace.example) and signs in.
func (e *pagesEnv) signIn(t *testing.T, role officers.Role) pageSession {
	t.Helper()
	ctx := context.Background()
	email := string(role) + "@ace.example"
	if _, err := e.officers.Create(ctx, audit.System, officers.NewOfficer{Email: email, Role: role, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	tok, err := e.officers.Login(ctx, email, testPassword, "192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	return pageSession{cookie: "ratify_session=" + tok.Token, csrf: e.officers.CSRFToken(tok.Principal.SessionID)}
}

// page gets a page as the session's browser.
func (e *pagesEnv) page(t *testing.T, s pageSession, target string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Accept", "text/html")
	if s.cookie != "" {
		req.Header.Set("Cookie", s.cookie)
	}
	res, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// post submits a form as the session's browser, with its CSRF token
// unless v sets csrf_token (to "" for none).
func (e *pagesEnv) post(t *testing.T, s pageSession, target string, v url.Values) (int, string, string) {
	t.Helper()
	if _, ok := v["csrf_token"]; !ok {
		v.Set("csrf_token", s.csrf)
	} else if v.Get("csrf_token") == "" {
		v.Del("csrf_token")
	}
	req := httptest.NewRequest("POST", target, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Cookie", s.cookie)
	res, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// auditEntries lists the log's entries of an action.
func (e *pagesEnv) auditEntries(t *testing.T, action string) []audit.Entry {
	t.Helper()
	es, err := e.log.List(context.Background(), audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func wantPage(t *testing.T, status int, body string, wantStatus int, fragments ...string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d:\n%s", status, wantStatus, body)
	}
	for _, f := range fragments {
		if !strings.Contains(body, f) {
			t.Fatalf("page lacks %q:\n%s", f, body)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Fatalf("inline script or style:\n%s", body)
	}
}

// fieldError finds the error shown next to a form field.
func fieldError(body, field string) string {
	m := regexp.MustCompile(`<span class="field-error" id="` + regexp.QuoteMeta(field) + `-error">([^<]*)</span>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestOfficerNoticePages: an officer previews a status update (nothing is posted
// yet; the page says how many members it emails), confirms, and finds it on
// the list and the public home page, audited as the API does; errors show
// next to their field with the values kept; a form without the CSRF token
// and an observer's post are refused.
func TestOfficerNoticePages(t *testing.T) {
	e := newPagesEnv(t, notify.SMTPConfig{})
	officer := e.signIn(t, officers.RoleOfficer)
	observer := e.signIn(t, officers.RoleObserver)

	status, body := e.page(t, officer, "/officer/notices")
	wantPage(t, status, body, 200, `<nav class="officer-nav"`, `action="/officer/notices"`, `name="csrf_token" value="`+officer.csrf+`"`, "No updates posted yet.")

	form := url.Values{"title": {"UPDATE: August 19, 2021"}, "body": {"The School Board approved the agreement <unanimously>."}}
	status, _, body = e.post(t, officer, "/officer/notices", form)
	wantPage(t, status, body, 200, "This emails 2 members.", "UPDATE: August 19, 2021", "&lt;unanimously&gt;", `name="confirmed" value="yes"`)
	if tl, _ := e.board.Timeline(context.Background()); len(tl) != 0 {
		t.Fatalf("the preview posted: %+v", tl)
	}

	// "Change it" goes back to the form with the text kept.
	form.Set("confirmed", "edit")
	status, _, body = e.post(t, officer, "/officer/notices", form)
	wantPage(t, status, body, 200, `id="title"`, `value="UPDATE: August 19, 2021"`, "&lt;unanimously&gt;.</textarea>")
	form.Set("confirmed", "yes")
	status, _, body = e.post(t, observer, "/officer/notices", form)
	wantPage(t, status, body, 403)
	status, _, body = e.post(t, officer, "/officer/notices", url.Values{"csrf_token": {""}, "title": {"x"}, "body": {"y"}, "confirmed": {"yes"}})
	wantPage(t, status, body, 403)
	if tl, _ := e.board.Timeline(context.Background()); len(tl) != 0 {
		t.Fatalf("a refused form posted: %+v", tl)
	}

	status, loc, body := e.post(t, officer, "/officer/notices", form)
	if status != 303 || loc != "/officer/notices?done=posted" {
		t.Fatalf("confirm: %d %s\n%s", status, loc, body)
	}
	tl, err := e.board.Timeline(context.Background())
	if err != nil || len(tl) != 1 || tl[0].Recipients != 2 {
		t.Fatalf("timeline %+v (%v), want one notice to 2 members", tl, err)
	}
	entries := e.auditEntries(t, "notice.post")
	if len(entries) != 1 || entries[0].Object != tl[0].ID || entries[0].Detail["title"] != "UPDATE: August 19, 2021" || entries[0].Actor.Email != "officer@ace.example" {
		t.Fatalf("audit %+v, want one notice.post by the officer", entries)
	}
	time.Sleep(5 * time.Millisecond)
	form.Set("title", "UPDATE: September 2, 2021")
	if status, _, body := e.post(t, officer, "/officer/notices", form); status != 303 {
		t.Fatalf("second notice: %d\n%s", status, body)
	}
	status, body = e.page(t, officer, "/officer/notices?done=posted")
	wantPage(t, status, body, 200, "The update is posted", "emailed to 2 members")
	if a, b := strings.Index(body, "<h3>UPDATE: September 2"), strings.Index(body, "<h3>UPDATE: August 19"); a < 0 || b < 0 || a > b {
		t.Fatalf("posted notices not newest first:\n%s", body)
	}
	status, body = e.page(t, pageSession{}, "/")
	wantPage(t, status, body, 200, "UPDATE: August 19, 2021", "UPDATE: September 2, 2021")

	// A missing body: shown next to the field, the title kept.
	status, _, body = e.post(t, officer, "/officer/notices", url.Values{"title": {"Half written"}, "body": {"  "}})
	wantPage(t, status, body, 422, `value="Half written"`)
	if fieldError(body, "body") == "" {
		t.Fatalf("no error next to the body:\n%s", body)
	}
	// Observers read the list but get no form.
	status, body = e.page(t, observer, "/officer/notices")
	wantPage(t, status, body, 200, "UPDATE: August 19, 2021")
	if strings.Contains(body, `action="/officer/notices"`) {
		t.Fatal("an observer is offered the notice form")
	}
	status, body = e.page(t, pageSession{}, "/officer/notices")
	if status != 303 {
		t.Fatalf("anonymous: %d, want a redirect to sign in\n%s", status, body)
	}
}

// TestOfficerMeetingPages: the meeting's date and time are read in the union's
// time zone; the preview says it emails the members with a calendar file;
// the confirm schedules it (audited as meeting.post) and queues its notice;
// errors show next to their field with the values kept.
func TestOfficerMeetingPages(t *testing.T) {
	e := newPagesEnv(t, notify.SMTPConfig{})
	officer := e.signIn(t, officers.RoleOfficer)
	status, body := e.page(t, officer, "/officer/meetings")
	wantPage(t, status, body, 200, "America/Anchorage", `name="date"`, `value="60"`, "No meetings are scheduled.")

	form := url.Values{"title": {"Ratification Q&A"}, "date": {"2031-06-21"}, "time": {"17:00"}, "duration": {"90"},
		"place": {"Union hall, 123 Main St"}, "url": {"https://zoom.example/j/1"}, "notes": {"Bring questions."}}
	status, _, body = e.post(t, officer, "/officer/meetings", form)
	wantPage(t, status, body, 200, "Sat, Jun 21, 2031, 5:00 PM AKDT", "90 minutes", "Union hall, 123 Main St",
		"This emails 2 members, with a calendar file (.ics).", `name="confirmed" value="yes"`)
	if ms, _ := e.board.Meetings(context.Background(), ""); len(ms) != 0 {
		t.Fatalf("the preview scheduled: %+v", ms)
	}
	form.Set("confirmed", "yes")
	status, loc, body := e.post(t, officer, "/officer/meetings", form)
	if status != 303 || loc != "/officer/meetings?done=scheduled" {
		t.Fatalf("confirm: %d %s\n%s", status, loc, body)
	}
	ms, err := e.board.Meetings(context.Background(), "")
	if err != nil || len(ms) != 1 {
		t.Fatalf("meetings %+v (%v)", ms, err)
	}
	m := ms[0]
	if want := time.Date(2031, 6, 22, 1, 0, 0, 0, time.UTC); !m.StartsAt.Equal(want) || m.EndsAt.Sub(m.StartsAt) != 90*time.Minute ||
		m.URL != "https://zoom.example/j/1" || m.Recipients != 2 || !strings.Contains(m.Description, "Union hall") {
		t.Fatalf("meeting %+v, want 01:00 UTC for 90 minutes to 2 members", m)
	}
	entries := e.auditEntries(t, "meeting.post")
	if len(entries) != 1 || entries[0].Object != m.ID || entries[0].Detail["starts_at"] != "2031-06-22T01:00Z" {
		t.Fatalf("audit %+v", entries)
	}
	cs, err := e.outbox.Campaign(context.Background(), m.Campaign)
	if err != nil || cs.Enqueued != 2 {
		t.Fatalf("campaign %+v (%v), want 2 messages queued", cs, err)
	}
	past, err := e.board.PostMeeting(context.Background(), notify.MeetingInput{Title: "Kick-off meeting", StartsAt: time.Date(2021, 6, 1, 2, 0, 0, 0, time.UTC), DurationMinutes: 60}, "officer@ace.example")
	if err != nil {
		t.Fatal(err)
	}
	status, body = e.page(t, officer, "/officer/meetings?done=scheduled")
	wantPage(t, status, body, 200, "The meeting is scheduled", `id="upcoming"`, "Ratification Q&amp;A", "Sat, Jun 21, 2031, 5:00 PM AKDT",
		`id="past"`, "Mon, May 31, 2021, 6:00 PM AKDT")
	if pa := strings.Index(body, `data-meeting="`+past.ID+`"`); pa < strings.Index(body, `id="past"`) {
		t.Fatalf("the past meeting is not under Past:\n%s", body)
	}

	bad := url.Values{"title": {"Second Q&A"}, "date": {"2031-13-40"}, "time": {"17:00"}, "duration": {"0"}, "url": {"zoom.example"}}
	status, _, body = e.post(t, officer, "/officer/meetings", bad)
	wantPage(t, status, body, 422, `value="Second Q&amp;A"`, `value="2031-13-40"`)
	for _, f := range []string{"date", "duration", "url"} {
		if fieldError(body, f) == "" {
			t.Errorf("no error next to %s", f)
		}
	}
	if fieldError(body, "title") != "" {
		t.Error("an error next to a good title")
	}
}
