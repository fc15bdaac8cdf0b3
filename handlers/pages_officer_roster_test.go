package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/members"
	"github.com/ratifyhq/ratify/officers"
)

// rosterForm is the roster page's upload form: the file, the CSRF token
// (empty: none) and the "partial" box.
func rosterForm(t *testing.T, csrf string, data []byte, partial bool) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if csrf != "" {
		w.WriteField("csrf_token", csrf)
	}
	if partial {
		w.WriteField("partial", "yes")
	}
	fw, err := w.CreateFormFile("roster", "roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return w.FormDataContentType(), &b
}

var uploadIDField = regexp.MustCompile(`name="upload_id" value="([0-9a-f]+)"`)

// pageCSRF gets a signed-in page and returns its form's CSRF token.
func pageCSRF(t *testing.T, e *authEnv, r loginResult, target string) string {
	t.Helper()
	resp, body := e.call(t, "GET", target, "", "", append(cookieOf(r), "Accept", "text/html")...)
	wantStatus(t, resp, body, 200)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field on %s: %s", target, body)
	}
	return m[1]
}

func sampleRoster(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../members/testdata/sample-roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func memberEmail(t *testing.T, e *authEnv, id string) string {
	t.Helper()
	m, err := e.members.FindByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Email
}

// TestRosterPagePreviewConfirm: the upload shows the dry run and changes
// nothing; the confirm applies exactly the previewed file, once, audited
// as the API's import; forms need the CSRF token and the officer role.
func TestRosterPagePreviewConfirm(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	officer := e.officerToken(t, officers.RoleOfficer)
	observer := e.officerToken(t, officers.RoleObserver)
	sample := sampleRoster(t)
	csrf := pageCSRF(t, e, officer, "/officer/roster")
	html := append(cookieOf(officer), "Accept", "text/html")

	ct, body := rosterForm(t, "", sample, false)
	resp, out := e.send(t, "POST", "/officer/roster/preview", ct, body, html...)
	wantStatus(t, resp, out, 403, "anti-forgery")
	ct, body = rosterForm(t, observer.CSRFToken, sample, false)
	resp, out = e.send(t, "POST", "/officer/roster/preview", ct, body, append(cookieOf(observer), "Accept", "text/html")...)
	wantStatus(t, resp, out, 403)
	resp, out = e.call(t, "GET", "/officer/roster", "", "", append(cookieOf(observer), "Accept", "text/html")...)
	wantStatus(t, resp, out, 403) // the members API is for officers only, and so is the page

	ct, body = rosterForm(t, csrf, sample, false)
	resp, out = e.send(t, "POST", "/officer/roster/preview", ct, body, html...)
	wantStatus(t, resp, out, 200, "Roster preview: roster.csv", `<td data-count="added">25</td>`,
		"<td>100201</td><td>Avery Aldana</td>", "Confirm and apply the roster", "nothing has changed yet")
	if p, err := e.members.List(context.Background(), members.ListFilter{}); err != nil || p.Total != 0 {
		t.Fatalf("the preview wrote members: %d %v", p.Total, err)
	}
	firstID := uploadIDField.FindStringSubmatch(out)[1]

	// A second preview in the same session replaces the first.
	changed := bytes.Replace(sample, []byte("avery.aldana@example.org"), []byte("avery.new@example.org"), 1)
	ct, body = rosterForm(t, csrf, changed, false)
	resp, out = e.send(t, "POST", "/officer/roster/preview", ct, body, html...)
	wantStatus(t, resp, out, 200, `<td data-count="added">25</td>`)
	secondID := uploadIDField.FindStringSubmatch(out)[1]
	form := "csrf_token=" + csrf + "&upload_id=" + firstID
	resp, out = e.call(t, "POST", "/officer/roster/confirm", "application/x-www-form-urlencoded", form, html...)
	wantStatus(t, resp, out, 410, "expired")

	// Another officer's session cannot confirm this one's upload.
	other := e.officerToken(t, officers.RoleAdmin)
	resp, out = e.call(t, "POST", "/officer/roster/confirm", "application/x-www-form-urlencoded",
		"csrf_token="+other.CSRFToken+"&upload_id="+secondID, append(cookieOf(other), "Accept", "text/html")...)
	wantStatus(t, resp, out, 410)
	resp, out = e.call(t, "POST", "/officer/roster/confirm", "application/x-www-form-urlencoded", "upload_id="+secondID, html...)
	wantStatus(t, resp, out, 403)

	resp, out = e.call(t, "POST", "/officer/roster/confirm", "application/x-www-form-urlencoded", "csrf_token="+csrf+"&upload_id="+secondID, html...)
	wantStatus(t, resp, out, 200, "Roster imported", `<td data-count="added">25</td>`)
	if got := memberEmail(t, e, "100201"); got != "avery.new@example.org" {
		t.Fatalf("applied a file other than the previewed one: email %q", got)
	}
	entries, err := e.log.List(context.Background(), audit.Filter{Action: "members.import_applied"})
	if err != nil || len(entries) != 1 || entries[0].Actor.Email != "officer@example.org" || entries[0].Detail["added"] != "25" {
		t.Fatalf("audit: %+v %v", entries, err)
	}
	// The confirm is spent.
	resp, out = e.call(t, "POST", "/officer/roster/confirm", "application/x-www-form-urlencoded", "csrf_token="+csrf+"&upload_id="+secondID, html...)
	wantStatus(t, resp, out, 410)

	// A file listing two members separates the others, unless it is
	// marked partial; the confirm keeps the mark of the preview.
	lines := strings.SplitN(string(sample), "\n", 4)
	two := []byte(strings.Join(lines[:3], "\n") + "\n")
	ct, body = rosterForm(t, csrf, two, false)
	resp, out = e.send(t, "POST", "/officer/roster/preview", ct, body, html...)
	wantStatus(t, resp, out, 200, `<td data-count="separated">22</td>`)
	ct, body = rosterForm(t, csrf, two, true)
	resp, out = e.send(t, "POST", "/officer/roster/preview", ct, body, html...)
	wantStatus(t, resp, out, 200, `<td data-count="separated">0</td>`, "partial roster")
	id := uploadIDField.FindStringSubmatch(out)[1]
	resp, out = e.call(t, "POST", "/officer/roster/confirm", "application/x-www-form-urlencoded", "csrf_token="+csrf+"&upload_id="+id, html...)
	wantStatus(t, resp, out, 200, "Roster imported", `<td data-count="separated">0</td>`)
	if p, err := e.members.List(context.Background(), members.ListFilter{Status: "separated"}); err != nil || p.Total != 1 {
		t.Fatalf("after a partial roster %d members are separated, want the sample's 1 (%v)", p.Total, err)
	}
}

// TestRosterPageChangedSincePreview: when the roster moves between the
// preview and the confirm, the confirm shows the new preview instead of
// applying; confirming that applies it.
func TestRosterPageChangedSincePreview(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	officer := e.officerToken(t, officers.RoleOfficer)
	html := append(cookieOf(officer), "Accept", "text/html")
	sample := sampleRoster(t)
	if _, err := e.members.ImportRoster(context.Background(), audit.System, sample, members.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	csrf := pageCSRF(t, e, officer, "/officer/roster")
	file := bytes.Replace(sample, []byte("avery.aldana@example.org"), []byte("avery.new@example.org"), 1)
	ct, body := rosterForm(t, csrf, file, false)
	resp, out := e.send(t, "POST", "/officer/roster/preview", ct, body, html...)
	wantStatus(t, resp, out, 200, `<td data-count="updated">1</td>`, "<del>avery.aldana@example.org</del> <ins>avery.new@example.org</ins>")
	id := uploadIDField.FindStringSubmatch(out)[1]

	// Meanwhile someone corrects another member's email.
	email := "jordan.elsewhere@example.org"
	if _, err := e.members.UpdateMember(context.Background(), audit.System, "100208", members.Patch{Email: &email}); err != nil {
		t.Fatal(err)
	}
	resp, out = e.call(t, "POST", "/officer/roster/confirm", "application/x-www-form-urlencoded", "csrf_token="+csrf+"&upload_id="+id, html...)
	wantStatus(t, resp, out, 409, "The roster changed since your preview", `<td data-count="updated">2</td>`, "Confirm and apply the roster")
	if got := memberEmail(t, e, "100201"); got != "avery.aldana@example.org" {
		t.Fatalf("applied although the roster changed: %q", got)
	}
	resp, out = e.call(t, "POST", "/officer/roster/confirm", "application/x-www-form-urlencoded", "csrf_token="+csrf+"&upload_id="+id, html...)
	wantStatus(t, resp, out, 200, "Roster imported", `<td data-count="updated">2</td>`)
	if a, b := memberEmail(t, e, "100201"), memberEmail(t, e, "100208"); a != "avery.new@example.org" || b != "jordan.birchwood@example.org" {
		t.Fatalf("after confirm: %q %q", a, b)
	}
}

// TestRosterPageErrorsAndList: row errors name row, column and value and
// offer no confirm; an unreadable file says why; the list searches and pages.
func TestRosterPageErrorsAndList(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	officer := e.officerToken(t, officers.RoleOfficer)
	html := append(cookieOf(officer), "Accept", "text/html")
	sample := sampleRoster(t)
	csrf := pageCSRF(t, e, officer, "/officer/roster")

	bad := bytes.Replace(sample, []byte("avery.aldana@example.org"), []byte("avery.aldana@"), 1)
	ct, body := rosterForm(t, csrf, bad, false)
	resp, out := e.send(t, "POST", "/officer/roster/preview", ct, body, html...)
	wantStatus(t, resp, out, 422, "nothing was imported", "<td>2</td><td>Email Address</td><td><code>avery.aldana@</code></td>")
	if strings.Contains(out, "upload_id") {
		t.Fatal("a file with row errors can be confirmed")
	}
	ct, body = rosterForm(t, csrf, []byte("%PDF-1.7\x00\x00binary"), false)
	resp, out = e.send(t, "POST", "/officer/roster/preview", ct, body, html...)
	wantStatus(t, resp, out, 415, `role="alert"`, "neither CSV nor XLSX", `action="/officer/roster/preview"`)

	if _, err := e.members.ImportRoster(context.Background(), audit.System, sample, members.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	resp, out = e.call(t, "GET", "/officer/roster", "", "", html...)
	wantStatus(t, resp, out, 200, "Members 1–25 of 25", "<th scope=\"row\">Aldana, Avery</th><td>100201</td><td>avery.aldana@example.org</td><td>member</td>")
	resp, out = e.call(t, "GET", "/officer/roster?q=birchwood", "", "", html...)
	wantStatus(t, resp, out, 200, "Members 1–1 of 1", "Birchwood, Jordan", "fee_payer")
	if strings.Contains(out, "Aldana") {
		t.Fatal("the search did not filter")
	}
	resp, out = e.call(t, "GET", "/officer/roster?status=fee_payer", "", "", html...)
	wantStatus(t, resp, out, 200, "of 4.", `<option value="fee_payer" selected>`)
	big := []string{"Employee ID,First Name,Last Name,Email,Membership Status"}
	for i := range 120 {
		big = append(big, fmt.Sprintf("9%03d,F,Zz%03d,m%03d@example.org,member", i, i, i))
	}
	if _, err := e.members.ImportRoster(context.Background(), audit.System, []byte(strings.Join(big, "\n")), members.ImportOptions{Partial: true}); err != nil {
		t.Fatal(err)
	}
	resp, out = e.call(t, "GET", "/officer/roster?page=2", "", "", html...)
	wantStatus(t, resp, out, 200, "Members 51–100 of 145", `href="/officer/roster?page=1#members"`, `href="/officer/roster?page=3#members"`)
	resp, out = e.call(t, "GET", "/officer/roster?page=3&q=zz", "", "", html...)
	wantStatus(t, resp, out, 200, "Members 101–120 of 120", `href="/officer/roster?page=2&amp;q=zz#members"`)
	if strings.Contains(out, "page=4") {
		t.Fatal("a next link past the end")
	}
}
