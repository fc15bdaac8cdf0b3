package handlers_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/officers"
	"go.mongodb.org/mongo-driver/v2/bson"
)

var auditRow = regexp.MustCompile(`<tr data-seq="(\d+)">`)

// TestOfficerAuditPage: observers see the chain check on top ("Chain
// intact", the count and the last hash), officers the entries only; the
// log pages by 50, filters by action, links a CSV export; an entry altered
// in the store shows the chain broken at that entry.
func TestOfficerAuditPage(t *testing.T) {
	e := newPagesEnv(t, notify.SMTPConfig{})
	observer := e.signIn(t, officers.RoleObserver)
	officer := e.signIn(t, officers.RoleOfficer)
	ctx := context.Background()
	for i := range 60 {
		if _, err := e.log.Append(ctx, audit.System, "test.step", fmt.Sprintf("obj-%d", i), map[string]string{"n": fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := e.log.Verify(ctx)
	if err != nil || !r.OK {
		t.Fatalf("verify: %+v %v", r, err)
	}
	status, body := e.page(t, observer, "/officer/audit")
	wantPage(t, status, body, 200, `<nav class="officer-nav"`, fmt.Sprintf("Chain intact: %d entries, last hash <code class=\"hash\">%s</code>", r.Entries, r.HeadHash),
		"Entries 1–50", `rel="next"`, "test.step", "n=59")
	if rows := auditRow.FindAllStringSubmatch(body, -1); len(rows) != 50 || rows[0][1] != fmt.Sprint(r.Entries) {
		t.Fatalf("first page: %d rows, first %v; want 50, newest first", len(rows), rows[:1])
	}
	status, body = e.page(t, observer, "/officer/audit?page=2")
	wantPage(t, status, body, 200, `rel="prev"`, `href="/officer/audit?page=2&amp;verify=1">Check the chain now`)
	if strings.Contains(body, "Chain intact") {
		t.Fatal("the chain is checked again on the second page")
	}
	status, body = e.page(t, observer, "/officer/audit?page=2&verify=1")
	wantPage(t, status, body, 200, "Chain intact: ")
	if rows := auditRow.FindAllStringSubmatch(body, -1); len(rows) != int(r.Entries)-50 || strings.Contains(body, `rel="next"`) {
		t.Fatalf("second page: %d rows, want %d and no next page", len(rows), r.Entries-50)
	}
	status, body = e.page(t, observer, "/officer/audit?action=officer.added")
	wantPage(t, status, body, 200, `value="officer.added"`, `data-field="action">officer.added<`)
	if rows := auditRow.FindAllString(body, -1); len(rows) != 2 || strings.Contains(body, `data-field="action">test.step<`) {
		t.Fatalf("filtered by action: %d rows\n%s", len(rows), body)
	}
	csv := regexp.MustCompile(`href="(/api/v1/audit\?[^"]*format=csv[^"]*)"`).FindStringSubmatch(body)
	if csv == nil || !strings.Contains(csv[1], "action=officer.added") {
		t.Fatalf("no CSV export link for the filter:\n%s", body)
	}
	req := httptest.NewRequest("GET", html.UnescapeString(csv[1]), nil)
	req.Header.Set("Cookie", observer.cookie)
	res, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(string(out), "seq,at,actor") || strings.Count(string(out), "officer.added") != 2 {
		t.Fatalf("CSV export: %d %s", res.StatusCode, out)
	}

	// Officers read the log, as GET /api/v1/audit allows, but verifying
	// the chain is for observers.
	status, body = e.page(t, officer, "/officer/audit")
	wantPage(t, status, body, 200, "test.step", "Checking the chain is for observers and administrators.")
	if strings.Contains(body, "Chain intact") {
		t.Fatal("an officer sees the chain check")
	}

	// Someone edits entry 5 in the database.
	if _, err := e.db.Collection("audit_log").UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%020d", 5)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "object", Value: "obj-rewritten"}}}}); err != nil {
		t.Fatal(err)
	}
	status, body = e.page(t, observer, "/officer/audit")
	wantPage(t, status, body, 200, `class="chain chain-broken"`, "Chain broken at entry 5", "entry 5 does not match its hash", "4 entries before it check out")
	if strings.Contains(body, "Chain intact") {
		t.Fatal("a tampered chain is shown intact")
	}
	status, body = e.page(t, pageSession{}, "/officer/audit")
	if status != 303 {
		t.Fatalf("anonymous: %d\n%s", status, body)
	}
}

// refusingSMTP is a real SMTP server (github.com/emersion/go-smtp) in the
// test process that accepts every recipient but refuse, which it answers
// with a permanent 550.
func refusingSMTP(t *testing.T, refuse string) notify.SMTPConfig {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &refusingSession{refuse: refuse}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return notify.SMTPConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: "none", Timeout: 5 * time.Second}
}

type refusingSession struct{ refuse string }

func (s *refusingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *refusingSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}
	}
	return nil
}
func (s *refusingSession) Data(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }
func (s *refusingSession) Reset()                 {}
func (s *refusingSession) Logout() error          { return nil }

// TestOfficerNotificationsPage: the campaigns table counts queued, sent
// and failed; a failed message shows the server's answer and, for officers
// only, a Retry button that asks for a confirm and then queues it again,
// audited as notification.retry.
func TestOfficerNotificationsPage(t *testing.T) {
	e := newPagesEnv(t, refusingSMTP(t, "jo@example.org"))
	officer := e.signIn(t, officers.RoleOfficer)
	observer := e.signIn(t, officers.RoleObserver)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- e.outbox.Run(ctx) }()
	defer func() { cancel(); <-done }()

	n, err := e.board.PostNotice(context.Background(), notify.NoticeInput{Title: "UPDATE", Body: "Ratified."}, "officer@ace.example")
	if err != nil {
		t.Fatal(err)
	}
	var cs notify.CampaignStats
	for deadline := time.Now().Add(20 * time.Second); cs.Sent != 1 || cs.Failed != 1; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("campaign %+v, want 1 sent and 1 failed", cs)
		}
		if cs, err = e.outbox.Campaign(context.Background(), n.Campaign); err != nil {
			t.Fatal(err)
		}
	}
	failed := cs.Failures[0].ID
	status, body := e.page(t, officer, "/officer/notifications")
	wantPage(t, status, body, 200, `<tr data-campaign="`+n.Campaign+`">`, `<td data-field="sent">1</td><td data-field="failed">1</td>`,
		"jo@example.org", "no such user here", `<tr data-message="`+failed+`">`, "Retry…")
	status, body = e.page(t, observer, "/officer/notifications")
	wantPage(t, status, body, 200, "no such user here")
	if strings.Contains(body, "Retry…") {
		t.Fatal("an observer is offered Retry")
	}
	status, _, body = e.post(t, observer, "/officer/notifications/retry", url.Values{"id": {failed}, "confirmed": {"yes"}})
	wantPage(t, status, body, 403)
	status, _, body = e.post(t, officer, "/officer/notifications/retry", url.Values{"id": {failed}, "confirmed": {"yes"}, "csrf_token": {""}})
	wantPage(t, status, body, 403)

	status, _, body = e.post(t, officer, "/officer/notifications/retry", url.Values{"id": {failed}})
	wantPage(t, status, body, 200, "Send the message to jo@example.org again?", "no such user here", `name="confirmed" value="yes"`)
	if a := e.auditEntries(t, "notification.retry"); len(a) != 0 {
		t.Fatal("the confirm step retried")
	}
	status, loc, body := e.post(t, officer, "/officer/notifications/retry", url.Values{"id": {failed}, "confirmed": {"yes"}})
	if status != 303 || loc != "/officer/notifications?done=retried" {
		t.Fatalf("retry: %d %s\n%s", status, loc, body)
	}
	if a := e.auditEntries(t, "notification.retry"); len(a) != 1 || a[0].Object != failed || a[0].Actor.Email != "officer@ace.example" {
		t.Fatalf("audit %+v", a)
	}
	status, _, body = e.post(t, officer, "/officer/notifications/retry", url.Values{"id": {"notice:nope:1"}, "confirmed": {"yes"}})
	wantPage(t, status, body, 404, "no such notification")
}
