package handlers_test

import (
	"context"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/officers"
)

// mailKeeper keeps whole messages as well as the links (mailRecorder).
type mailKeeper struct {
	*mailRecorder
	mu   sync.Mutex
	msgs []ballot.Mail
}

func (m *mailKeeper) Enqueue(ctx context.Context, msgs ...ballot.Mail) error {
	m.mu.Lock()
	m.msgs = append(m.msgs, msgs...)
	m.mu.Unlock()
	return m.mailRecorder.Enqueue(ctx, msgs...)
}

// votePagesEnv is newVoteEnv with the agreements library and a real outbox
// (file mode, never run: previews only render).
type votePagesEnv struct {
	*authEnv
	mail              *mailKeeper
	votes             *ballot.Service
	lib               *contracts.Library
	officer, observer loginResult
}

func newVotePagesEnv(t *testing.T) votePagesEnv {
	t.Helper()
	e, rec, officer := newVoteEnv(t)
	mail := &mailKeeper{mailRecorder: rec}
	lib := contracts.MustLoad()
	votes := ballot.New(e.db, ballot.Deps{Roster: memberRoster{e.members}, Mail: mail, Audit: auditRecorder{e.log},
		Contracts: lib, Secret: authSecret, BaseURL: "http://localhost:8080"})
	loc, _ := time.LoadLocation("America/Anchorage")
	outbox := notify.NewOutbox(e.db, notify.Config{From: "ACE Union <ratify@example.org>", TimeZone: loc,
		BaseURL: "http://localhost:8080", Dir: t.TempDir()})
	srv, err := handlers.New(handlers.Config{BaseURL: "http://localhost:8080", Logger: slog.New(slog.NewJSONHandler(e.logs, nil)),
		Secret: authSecret, Officers: e.officers, Members: e.members, Audit: e.log, Votes: votes,
		Contracts: lib, Notifications: outbox})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	return votePagesEnv{authEnv: e, mail: mail, votes: votes, lib: lib, officer: officer,
		observer: e.officerToken(t, officers.RoleObserver)}
}

func (e votePagesEnv) page(t *testing.T, r loginResult, target string) (int, string) {
	t.Helper()
	resp, body := e.call(t, "GET", target, "", "", append(cookieOf(r), "Accept", "text/html")...)
	return resp.StatusCode, body
}

func (e votePagesEnv) post(t *testing.T, r loginResult, target string, form url.Values) (int, string, string) {
	t.Helper()
	resp, body := e.call(t, "POST", target, "application/x-www-form-urlencoded", form.Encode(), append(cookieOf(r), "Accept", "text/html")...)
	return resp.StatusCode, body, resp.Header.Get("Location")
}

func auditActions(t *testing.T, e votePagesEnv, object string) map[string]string {
	t.Helper()
	entries, err := e.log.List(context.Background(), audit.Filter{Object: object, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, en := range entries {
		out[en.Action] = en.Actor.Email
	}
	return out
}

// TestVoteEditorPage: the editor defaults to the union's zone, shows each
// field's error next to it, and creates the vote with times read in the
// chosen zone; it needs the CSRF token and an officer.
func TestVoteEditorPage(t *testing.T) {
	e := newVotePagesEnv(t)
	st, body := e.page(t, e.officer, "/officer/votes/new")
	if st != 200 || !strings.Contains(body, `<option value="America/Anchorage" selected>`) ||
		!strings.Contains(body, `<nav class="officer-nav"`) || !strings.Contains(body, e.lib.List()[0].Title) {
		t.Fatalf("editor: %d %s", st, body)
	}
	csrf := csrfField.FindStringSubmatch(body)[1]
	if st, _ := e.page(t, e.observer, "/officer/votes/new"); st != 403 {
		t.Fatalf("observer sees the editor: %d", st)
	}
	opens := time.Now().Add(48*time.Hour).In(time.FixedZone("", 0)).Format("2006-01-02") + "T09:00"
	closes := time.Now().Add(96*time.Hour).In(time.FixedZone("", 0)).Format("2006-01-02") + "T17:30"
	form := url.Values{"title": {"Ratify the 2031 agreement"}, "contract_id": {e.lib.List()[0].ID}, "question": {"Do you ratify?"},
		"choices": {"Yes\nNo"}, "timezone": {"America/Anchorage"}, "opens_at": {opens}, "closes_at": {closes},
		"pass_rule": {"two_thirds"}, "quorum_percent": {"30"}, "info_text": {"Read the summary first."},
		"meeting1_title": {"Q&A at the Central Office"}, "meeting1_starts_at": {opens}}
	if st, body, _ := e.post(t, e.officer, "/officer/votes/new", form); st != 403 {
		t.Fatalf("no CSRF token: %d %s", st, body)
	}
	form.Set("csrf_token", e.observer.CSRFToken)
	if st, _, _ := e.post(t, e.observer, "/officer/votes/new", form); st != 403 {
		t.Fatalf("observer created a vote: %d", st)
	}
	form.Set("csrf_token", csrf)

	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("closes_at", opens)
	bad.Set("title", "")
	bad.Set("quorum_percent", "lots")
	st, body, _ = e.post(t, e.officer, "/officer/votes/new", bad)
	wantField := func(body, field, msg string) {
		t.Helper()
		frag := `<span class="field-error" id="` + field + `-error">` + msg
		if !strings.Contains(body, frag) || !strings.Contains(body, `aria-describedby="`+field+`-error"`) {
			t.Fatalf("no error %q next to %s: %s", msg, field, body)
		}
	}
	if st != 422 {
		t.Fatalf("bad form: %d", st)
	}
	wantField(body, "quorum_percent", "&#34;lots&#34; is not a percentage")
	if !strings.Contains(body, `value="Q&amp;A at the Central Office"`) {
		t.Fatal("the form was not kept")
	}
	bad.Set("quorum_percent", "30")
	st, body, _ = e.post(t, e.officer, "/officer/votes/new", bad) // the ballot service names the first field at fault
	if st != 422 {
		t.Fatalf("bad form: %d", st)
	}
	wantField(body, "title", "a vote needs a title")
	bad.Set("title", "T")
	_, body, _ = e.post(t, e.officer, "/officer/votes/new", bad)
	wantField(body, "closes_at", "the vote must close after it opens")

	st, body, loc := e.post(t, e.officer, "/officer/votes/new", form)
	if st != 303 || !strings.HasPrefix(loc, "/officer/votes/") {
		t.Fatalf("create: %d %q %s", st, loc, body)
	}
	id := strings.TrimPrefix(loc[:strings.Index(loc, "?")], "/officer/votes/")
	v, err := e.votes.Find(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	ak, _ := time.LoadLocation("America/Anchorage")
	want, _ := time.ParseInLocation("2006-01-02T15:04", opens, ak)
	if !v.OpensAt.Equal(want) || v.TimeZone != "America/Anchorage" || v.PassRule != ballot.TwoThirds || v.QuorumPercent != 30 ||
		len(v.Info.Meetings) != 1 || v.Info.Text != "Read the summary first." || v.ContractID != e.lib.List()[0].ID {
		t.Fatalf("created %+v", v)
	}
	if auditActions(t, e, id)["vote.created"] != "officer@example.org" {
		t.Fatal("the creation is not audited as the officer's")
	}
	st, body = e.page(t, e.officer, loc)
	if st != 200 || !strings.Contains(body, "The vote has been created.") || !strings.Contains(body, want.Format("Monday, January 2, 2006 at 3:04 PM MST")) ||
		!strings.Contains(body, "AK") {
		t.Fatalf("detail after create: %s", body)
	}
	st, body = e.page(t, e.observer, "/officer/votes")
	if st != 200 || !strings.Contains(body, `<a href="/officer/votes/`+id+`">Ratify the 2031 agreement</a>`) || strings.Contains(body, "Create a vote") {
		t.Fatalf("list for an observer: %d %s", st, body)
	}
}

// createOpenVote creates a vote through the API, opening now.
func createVote(t *testing.T, e votePagesEnv, title string) string {
	t.Helper()
	now := time.Now().UTC()
	resp, body := e.call(t, "POST", "/api/v1/votes", "application/json",
		`{"title":"`+title+`","contract_id":"`+e.lib.List()[0].ID+`","opens_at":"`+now.Format(time.RFC3339)+`","closes_at":"`+now.Add(time.Hour).Format(time.RFC3339)+`"}`, bearerOf(e.officer)...)
	wantStatus(t, resp, body, 201)
	id := body[strings.Index(body, `"id":"`)+6:]
	return id[:strings.Index(id, `"`)]
}

// TestVotePageActions: each action sits behind its confirmation, needs
// the CSRF token and an officer, calls the service (audited as the API's
// action) and comes back to the page with what happened; the page lists
// who has not voted, never a choice.
func TestVotePageActions(t *testing.T) {
	e := newVotePagesEnv(t)
	id := createVote(t, e, "Ratify now")
	page := "/officer/votes/" + id
	st, body := e.page(t, e.officer, page)
	csrf := csrfField.FindStringSubmatch(body)[1]
	if st != 200 || !strings.Contains(body, "<summary>Open the vote now</summary>") || strings.Contains(body, "Close the vote now?") {
		t.Fatalf("scheduled vote's page: %s", body)
	}
	st, body = e.page(t, e.observer, page)
	if st != 200 || strings.Contains(body, "<form") && strings.Contains(body, "/open\"") {
		t.Fatalf("observer sees actions: %s", body)
	}
	if st, _, _ := e.post(t, e.observer, page+"/open", url.Values{"csrf_token": {e.observer.CSRFToken}}); st != 403 {
		t.Fatalf("observer opened: %d", st)
	}
	if st, _, _ := e.post(t, e.officer, page+"/open", url.Values{}); st != 403 {
		t.Fatalf("opened without CSRF: %d", st)
	}
	st, _, loc := e.post(t, e.officer, page+"/open", url.Values{"csrf_token": {csrf}})
	if st != 303 || loc != page+"?done=opening" {
		t.Fatalf("open: %d %q", st, loc)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := e.votes.Find(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status == ballot.Open {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not open: %s", v.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	st, body = e.page(t, e.officer, page)
	if st != 200 || !strings.Contains(body, "Who has not voted (2)") || !strings.Contains(body, "<td>ann@example.org</td>") ||
		!strings.Contains(body, "<td>bo@example.org</td>") || !strings.Contains(body, "Close the vote now? Members can no longer vote. This cannot be undone.") {
		t.Fatalf("open vote's page: %s", body)
	}
	e.mail.mailRecorder.mu.Lock()
	tok := e.mail.links[0]
	e.mail.mailRecorder.mu.Unlock()
	resp, out := e.call(t, "POST", "/api/v1/ballots", "application/json", `{"token":"`+tok+`","choice":"No"}`)
	wantStatus(t, resp, out, 201)
	_, body = e.page(t, e.observer, page)
	if !strings.Contains(body, "Who has not voted (1)") || !strings.Contains(body, `<dd data-field="turnout">1 of 2 eligible (50.0%)</dd>`) {
		t.Fatalf("after one ballot: %s", body)
	}
	section := body[strings.Index(body, "Who has not voted"):]
	if strings.Contains(section, ">No<") || strings.Contains(section, "choice") {
		t.Fatalf("the not-voted list shows a choice: %s", section)
	}

	v, _ := e.votes.Find(context.Background(), id)
	newClose := v.ClosesAt.In(v.Location()).Add(2 * time.Hour).Format("2006-01-02T15:04")
	st, _, loc = e.post(t, e.officer, page+"/extend", url.Values{"csrf_token": {csrf}, "closes_at": {newClose}})
	if st != 303 || loc != page+"?done=extended" {
		t.Fatalf("extend: %d %q", st, loc)
	}
	v2, _ := e.votes.Find(context.Background(), id)
	if v2.ClosesAt.In(v.Location()).Format("2006-01-02T15:04") != newClose {
		t.Fatalf("extended to %v, want %s", v2.ClosesAt, newClose)
	}
	st, body, _ = e.post(t, e.officer, page+"/extend", url.Values{"csrf_token": {csrf}, "closes_at": {"soon"}})
	if st != 422 || !strings.Contains(body, "is not a date and time") {
		t.Fatalf("bad extend: %d %s", st, body)
	}
	st, _, loc = e.post(t, e.officer, page+"/reminders", url.Values{"csrf_token": {csrf}})
	if st != 303 || loc != page+"?done=reminders&n=1" {
		t.Fatalf("reminders: %d %q", st, loc)
	}
	_, body = e.page(t, e.officer, loc)
	if !strings.Contains(body, "Reminders are being queued for 1 member who has not voted") {
		t.Fatalf("reminder notice: %s", body)
	}
	st, body, _ = e.post(t, e.officer, page+"/voters", url.Values{"csrf_token": {csrf}, "employee_id": {"3"}})
	if st != 409 && st != 422 || !strings.Contains(body, `role="alert"`) {
		t.Fatalf("adding an ineligible member: %d %s", st, body)
	}
	st, _, loc = e.post(t, e.officer, page+"/close", url.Values{"csrf_token": {csrf}})
	if st != 303 || loc != page+"?done=closed" {
		t.Fatalf("close: %d %q", st, loc)
	}
	_, body = e.page(t, e.officer, loc)
	if !strings.Contains(body, `<dd data-field="status">closed</dd>`) || !strings.Contains(body, "Publish the results") || strings.Contains(body, "Who has not voted") {
		t.Fatalf("closed vote's page: %s", body)
	}
	st, body, _ = e.post(t, e.officer, page+"/close", url.Values{"csrf_token": {csrf}})
	if st != 409 || !strings.Contains(body, `<p class="error" role="alert">`) {
		t.Fatalf("closing twice: %d %s", st, body)
	}
	got := auditActions(t, e, id)
	for _, a := range []string{"vote.opened", "vote.extended", "vote.closed"} {
		if got[a] != "officer@example.org" {
			t.Fatalf("%s audited as %q: %v", a, got[a], got)
		}
	}
}

// TestVotePreviews: the ballot preview is the member's page under a
// PREVIEW banner whose form cannot cast; the invitation preview is built
// by the ballot service with a link that is not a voting token.
func TestVotePreviews(t *testing.T) {
	e := newVotePagesEnv(t)
	id := createVote(t, e, "Ratify the preview")
	if _, err := ballot.ParseToken(ballot.PreviewToken); err == nil {
		t.Fatal("the preview token has the shape of a voting token")
	}
	st, body := e.page(t, e.observer, "/officer/votes/"+id+"/preview/ballot")
	doc := e.lib.List()[0]
	for _, want := range []string{"<strong>PREVIEW</strong>", "<title>PREVIEW — Ratify the preview — ballot</title>", "<h1>Ratify the preview</h1>",
		"<legend>Do you ratify the tentative agreement?</legend>", `value="Yes"`, `action="/v/preview-not-a-voting-token"`,
		"You are voting on <strong>" + doc.Title + "</strong>", doc.SHA256, `href="/static/app.css?v=`} {
		if !strings.Contains(body, want) {
			t.Fatalf("ballot preview (%d) lacks %q: %s", st, want, body)
		}
	}
	resp, out := e.call(t, "POST", "/v/"+ballot.PreviewToken, "application/x-www-form-urlencoded", "choice=Yes&confirm=yes")
	if resp.StatusCode != 401 {
		t.Fatalf("the preview's form cast: %d %s", resp.StatusCode, out)
	}
	if v, _ := e.votes.Find(context.Background(), id); v.ContractSHA256 != "" {
		t.Fatal("the preview bound the contract")
	}

	st, body = e.page(t, e.observer, "/officer/votes/"+id+"/preview/invitation")
	if st != 200 || !strings.Contains(body, "http://localhost:8080/v/preview-not-a-voting-token") || !strings.Contains(body, "Pat Member &lt;pat.member@example.org&gt;") {
		t.Fatalf("invitation preview: %d %s", st, body)
	}
	if strings.Contains(body, "data-field=\"subject\"") {
		// The outbox renders: the text is the real invitation's.
		if !strings.Contains(body, "Ratify the preview") {
			t.Fatalf("rendered invitation lacks the vote: %s", body)
		}
	} else if !strings.Contains(body, "<dt>vote_title</dt><dd>Ratify the preview</dd>") || !strings.Contains(body, doc.Title) {
		t.Fatalf("invitation data: %s", body)
	}
	if st, _ := e.page(t, e.observer, "/officer/votes/nope/preview/ballot"); st != 404 {
		t.Fatalf("preview of no vote: %d", st)
	}
	e.mail.mu.Lock()
	n := len(e.mail.msgs)
	e.mail.mu.Unlock()
	if n != 0 {
		t.Fatal("a preview queued mail")
	}

	// Once the vote is open, the preview is the members' invitation but for
	// the recipient and the link.
	if _, err := e.votes.Open(context.Background(), ballot.System, id); err != nil {
		t.Fatal(err)
	}
	preview, err := e.votes.PreviewInvitation(context.Background(), id, ballot.Voter{EmployeeID: "1", Email: "ann@example.org", Name: "Ann A"})
	if err != nil {
		t.Fatal(err)
	}
	e.mail.mu.Lock()
	defer e.mail.mu.Unlock()
	var real ballot.Mail
	for _, m := range e.mail.msgs {
		if m.To == "ann@example.org" {
			real = m
		}
	}
	if real.Template != "invitation" || preview.Template != real.Template || preview.Campaign != real.Campaign || preview.ToName != real.ToName ||
		!reflect.DeepEqual(preview.Data, real.Data) || preview.ID == real.ID {
		t.Fatalf("preview %+v\nreal %+v", preview, real)
	}
	if preview.Secret["link"] != "http://localhost:8080/v/"+ballot.PreviewToken || preview.Secret["link"] == real.Secret["link"] {
		t.Fatalf("preview link %q", preview.Secret["link"])
	}
}

// TestNavigationMarksCurrentPage: the officer menu marks the page shown
// with aria-current="page" (and the section of a page within it with
// aria-current="true"); so does the public site's navigation.
func TestNavigationMarksCurrentPage(t *testing.T) {
	e := newVotePagesEnv(t)
	st, body := e.page(t, e.officer, "/officer/votes")
	if st != 200 || strings.Count(body, `aria-current=`) != 1 ||
		!strings.Contains(body, `<a href="/officer/votes" aria-current="page">Votes</a>`) {
		t.Fatalf("votes list: %d %s", st, body)
	}
	for _, other := range []string{`<a href="/officer">Dashboard</a>`, `<a href="/officer/roster">Roster</a>`, `<a href="/officer/notices">Notices</a>`,
		`<a href="/officer/audit">Audit log</a>`, `<a href="/">Current vote</a>`} {
		if !strings.Contains(body, other) {
			t.Fatalf("votes list lacks the unmarked link %s: %s", other, body)
		}
	}
	st, body = e.page(t, e.officer, "/officer/votes/new")
	if st != 200 || strings.Contains(body, `aria-current="page"`) || !strings.Contains(body, `<a href="/officer/votes" aria-current="true">Votes</a>`) {
		t.Fatalf("editor's menu: %d %s", st, body)
	}
	st, body = e.page(t, e.officer, "/officer")
	if st != 200 || strings.Count(body, `aria-current=`) != 1 || !strings.Contains(body, `<a href="/officer" aria-current="page">Dashboard</a>`) {
		t.Fatalf("dashboard's menu: %d %s", st, body)
	}
	doc := e.lib.List()[0].ID
	for target, want := range map[string]string{
		"/":                 `<a href="/" aria-current="page">Current vote</a>`,
		"/contracts":        `<a href="/contracts" aria-current="page">The agreements</a>`,
		"/contracts/" + doc: `<a href="/contracts" aria-current="true">The agreements</a>`,
		"/resend":           `<a href="/resend" aria-current="page">Get a new voting link</a>`,
	} {
		resp, body := e.call(t, "GET", target, "", "", "Accept", "text/html")
		if resp.StatusCode != 200 || strings.Count(body, `aria-current=`) != 1 || !strings.Contains(body, want) {
			t.Fatalf("%s: %d, want %s once: %s", target, resp.StatusCode, want, body)
		}
	}
}

// TestVoteEditorDraftAndTestVote: the editor schedules a vote by default,
// saves a draft that does not open by itself until it is scheduled from
// its page, and creates a test vote with its own test voters, marked TEST
// and kept off the home page.
func TestVoteEditorDraftAndTestVote(t *testing.T) {
	e := newVotePagesEnv(t)
	st, body := e.page(t, e.officer, "/officer/votes/new")
	for _, want := range []string{`<legend>When the vote opens</legend>`, `<input type="radio" name="status" value="scheduled" checked>`,
		`<input type="radio" name="status" value="draft">`, `<legend>Test vote</legend>`,
		`<input type="checkbox" id="test" name="test" value="yes"> This is a test vote</label>`,
		`<label for="test_voters">Test voters, one per line: employee id, email, name</label>`} {
		if !strings.Contains(body, want) {
			t.Fatalf("editor (%d) lacks %s: %s", st, want, body)
		}
	}
	csrf := csrfField.FindStringSubmatch(body)[1]
	opens := time.Now().Add(48*time.Hour).UTC().Format("2006-01-02") + "T09:00"
	closes := time.Now().Add(96*time.Hour).UTC().Format("2006-01-02") + "T17:00"
	form := func(title string, extra ...string) url.Values {
		v := url.Values{"csrf_token": {csrf}, "title": {title}, "choices": {"Yes\nNo"}, "timezone": {"America/Anchorage"},
			"opens_at": {opens}, "closes_at": {closes}, "pass_rule": {"majority"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	created := func(loc, done string) string {
		t.Helper()
		if !strings.HasPrefix(loc, "/officer/votes/") || !strings.HasSuffix(loc, "?done="+done) {
			t.Fatalf("redirect %q, want ?done=%s", loc, done)
		}
		return strings.TrimPrefix(loc[:strings.Index(loc, "?")], "/officer/votes/")
	}

	// A draft: saved, not scheduled, until an officer schedules it.
	st, body, loc := e.post(t, e.officer, "/officer/votes/new", form("Draft vote", "status", "draft"))
	if st != 303 {
		t.Fatalf("draft: %d %s", st, body)
	}
	id := created(loc, "drafted")
	if v, _ := e.votes.Find(context.Background(), id); v.Status != ballot.Draft || v.Test {
		t.Fatalf("draft saved as %s (test %v)", v.Status, v.Test)
	}
	_, body = e.page(t, e.officer, loc)
	for _, want := range []string{"The draft has been saved. It does not open by itself", "This vote is a draft", "<summary>Schedule the vote</summary>",
		`action="/officer/votes/` + id + `/schedule"`, "<summary>Open the vote now</summary>"} {
		if !strings.Contains(body, want) {
			t.Fatalf("draft's page lacks %s: %s", want, body)
		}
	}
	if _, body = e.page(t, e.observer, "/officer/votes/"+id); strings.Contains(body, "/schedule\"") {
		t.Fatal("an observer sees the schedule action")
	}
	if st, _, _ := e.post(t, e.officer, "/officer/votes/"+id+"/schedule", url.Values{}); st != 403 {
		t.Fatalf("scheduled without CSRF: %d", st)
	}
	st, _, loc = e.post(t, e.officer, "/officer/votes/"+id+"/schedule", url.Values{"csrf_token": {csrf}})
	if st != 303 || loc != "/officer/votes/"+id+"?done=scheduled" {
		t.Fatalf("schedule: %d %q", st, loc)
	}
	if v, _ := e.votes.Find(context.Background(), id); v.Status != ballot.Scheduled {
		t.Fatalf("after scheduling: %s", v.Status)
	}
	if got := auditActions(t, e, id); got["vote.scheduled"] != "officer@example.org" {
		t.Fatalf("scheduling audited as %v", got)
	}
	_, body = e.page(t, e.officer, loc)
	if !strings.Contains(body, "The vote is scheduled.") || strings.Contains(body, "Schedule the vote") {
		t.Fatalf("scheduled vote's page: %s", body)
	}

	// The default schedules the vote.
	_, _, loc = e.post(t, e.officer, "/officer/votes/new", form("Scheduled vote"))
	if v, _ := e.votes.Find(context.Background(), created(loc, "created")); v.Status != ballot.Scheduled {
		t.Fatalf("default saved as %s", v.Status)
	}

	// A test vote needs its test voters, each with an id and an email.
	st, body, _ = e.post(t, e.officer, "/officer/votes/new", form("Test run", "test", "yes"))
	if st != 422 || !strings.Contains(body, `<span class="field-error" id="test_voters-error">a test vote needs its own test roster`) ||
		!strings.Contains(body, `<input type="checkbox" id="test" name="test" value="yes" checked>`) {
		t.Fatalf("test vote without voters: %d %s", st, body)
	}
	st, body, _ = e.post(t, e.officer, "/officer/votes/new", form("Test run", "test", "yes", "test_voters", "T1 pat@example.org"))
	if st != 422 || !strings.Contains(body, `id="test_voters-error">line 1: write the employee id, a comma and the email`) ||
		!strings.Contains(body, `aria-describedby="test_voters-hint test_voters-error"`) {
		t.Fatalf("bad test voter line: %d %s", st, body)
	}
	st, body, loc = e.post(t, e.officer, "/officer/votes/new", form("Test run", "test", "yes",
		"test_voters", "T1, pat@example.org, Pat Steward\n\nT2, lee@example.org"))
	if st != 303 {
		t.Fatalf("test vote: %d %s", st, body)
	}
	id = created(loc, "created")
	v, _ := e.votes.Find(context.Background(), id)
	if !v.Test || v.Status != ballot.Scheduled || len(v.TestVoters) != 2 ||
		v.TestVoters[0] != (ballot.Voter{EmployeeID: "T1", Email: "pat@example.org", Name: "Pat Steward"}) || v.TestVoters[1].Email != "lee@example.org" {
		t.Fatalf("test vote %+v", v)
	}
	_, body = e.page(t, e.officer, loc)
	if !strings.Contains(body, `<span class="badge-test">TEST</span>`) || !strings.Contains(body, "TEST VOTE — only its test voters get a ballot") ||
		!strings.Contains(body, "Open the test vote now? Each of its test voters") {
		t.Fatalf("test vote's page: %s", body)
	}
	_, body = e.page(t, e.officer, "/officer/votes")
	if !strings.Contains(body, `">Test run</a> <span class="badge-test">TEST</span>`) {
		t.Fatalf("list does not mark the test vote: %s", body)
	}
	if resp, body := e.call(t, "GET", "/", "", ""); resp.StatusCode != 200 || strings.Contains(body, "Test run") || !strings.Contains(body, "Scheduled vote") {
		t.Fatalf("home page: %d %s", resp.StatusCode, body)
	}
	// A real vote takes no test voters.
	st, body, _ = e.post(t, e.officer, "/officer/votes/new", form("Real", "test_voters", "T1, pat@example.org"))
	if st != 422 || !strings.Contains(body, `id="test_voters-error">only a test vote takes a test roster`) {
		t.Fatalf("real vote with test voters: %d %s", st, body)
	}
}
