package handlers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/officers"
)

// upload posts a file in the multipart field "source" as the session's
// browser, with csrf as the form's token.
func (e *pagesEnv) upload(t *testing.T, s pageSession, csrf, name, src string) (int, string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if csrf != "" {
		w.WriteField("csrf_token", csrf)
	}
	f, err := w.CreateFormFile("source", name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(src))
	w.Close()
	req := httptest.NewRequest("POST", "/officer/contracts", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Cookie", s.cookie)
	res, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(out)
}

// TestOfficerContractPages: officers see each version with its status history and
// SHA-256, upload a new version (audited as contract.publish; a bad file
// is shown next to the field, naming its line), and move a status forward
// after a confirm (audited as contract.status); observers only read.
func TestOfficerContractPages(t *testing.T) {
	e := newPagesEnv(t, notify.SMTPConfig{})
	officer := e.signIn(t, officers.RoleOfficer)
	observer := e.signIn(t, officers.RoleObserver)

	status, body := e.page(t, officer, "/officer/contracts")
	wantPage(t, status, body, 200, `<nav class="officer-nav"`, `id="c-ace-2021-2024"`, "Upload a new version", `action="/officer/contracts/aea-2021-2024/status"`, "This agreement has reached its last status.")

	status, _, body = e.upload(t, observer, observer.csrf, "demo.md", demoAgreement)
	wantPage(t, status, body, 403)
	status, _, body = e.upload(t, officer, "", "demo.md", demoAgreement)
	wantPage(t, status, body, 403)
	status, _, body = e.upload(t, officer, officer.csrf, "broken.md", "---\nid: broken\n---\n# 101 X\n")
	wantPage(t, status, body, 422)
	if msg := fieldError(body, "source"); !strings.Contains(msg, "line") {
		t.Fatalf("error next to the upload %q, want the line named:\n%s", msg, body)
	}

	status, loc, body := e.upload(t, officer, officer.csrf, "demo.md", demoAgreement)
	if status != 303 || !strings.HasPrefix(loc, "/officer/contracts?done=published") {
		t.Fatalf("upload: %d %s\n%s", status, loc, body)
	}
	sum := sha256.Sum256([]byte(demoAgreement))
	sha := hex.EncodeToString(sum[:])
	pub := e.auditEntries(t, "contract.publish")
	if len(pub) != 1 || pub[0].Object != "demo-2024-2027" || pub[0].Detail["sha256"] != sha || pub[0].Detail["file"] != "demo.md" || pub[0].Detail["repeat"] != "false" {
		t.Fatalf("audit %+v", pub)
	}
	status, body = e.page(t, officer, "/officer/contracts?done=published")
	wantPage(t, status, body, 200, "The new version is published.", `id="c-demo-2024-2027"`, sha, "Tentative agreement", "2024-03-01")

	// A ratification without its vote: refused next to the field, values kept.
	form := url.Values{"status": {"ratified"}, "date": {"2024-05-01"}, "note": {"by mail ballot"}}
	status, _, body = e.post(t, officer, "/officer/contracts/demo-2024-2027/status", form)
	wantPage(t, status, body, 422, `value="by mail ballot"`)
	if fieldError(body, "vote-demo-2024-2027") == "" {
		t.Fatalf("no error next to the vote:\n%s", body)
	}
	// Out for vote: first a confirm, which changes nothing.
	form = url.Values{"status": {"out_for_vote"}, "date": {"2024-04-01"}}
	status, _, body = e.post(t, officer, "/officer/contracts/demo-2024-2027/status", form)
	wantPage(t, status, body, 200, "Confirm the status change", "from <strong>Tentative agreement</strong> to <strong>Out for ratification vote</strong>", `name="confirmed" value="yes"`)
	if st := e.auditEntries(t, "contract.status"); len(st) != 0 {
		t.Fatalf("the confirm step changed the status: %+v", st)
	}
	form.Set("confirmed", "yes")
	status, _, body = e.post(t, observer, "/officer/contracts/demo-2024-2027/status", form)
	wantPage(t, status, body, 403)
	status, loc, body = e.post(t, officer, "/officer/contracts/demo-2024-2027/status", form)
	if status != 303 || !strings.HasPrefix(loc, "/officer/contracts?done=advanced") {
		t.Fatalf("advance: %d %s\n%s", status, loc, body)
	}
	st := e.auditEntries(t, "contract.status")
	if len(st) != 1 || st[0].Object != "demo-2024-2027" || st[0].Detail["status"] != "out_for_vote" || st[0].Detail["date"] != "2024-04-01" || st[0].Detail["repeat"] != "false" {
		t.Fatalf("audit %+v", st)
	}
	status, body = e.page(t, observer, "/officer/contracts")
	wantPage(t, status, body, 200, "Out for ratification vote", sha)
	if strings.Contains(body, `<form method="post"`) {
		t.Fatal("an observer is offered a form")
	}
	// Backwards is refused next to the status field.
	status, _, body = e.post(t, officer, "/officer/contracts/demo-2024-2027/status", url.Values{"status": {"tentative_agreement"}, "date": {"2024-04-02"}})
	wantPage(t, status, body, 422)
	if fieldError(body, "status-demo-2024-2027") == "" {
		t.Fatalf("no error next to the status:\n%s", body)
	}
}

// TestOfficerAccountsPage: only administrators manage accounts (officers and
// observers get 403, forms without the CSRF token too); adding shows field
// errors with the values kept; a role change, a password reset and a
// removal (after a confirm) are audited by the store.
func TestOfficerAccountsPage(t *testing.T) {
	e := newPagesEnv(t, notify.SMTPConfig{})
	admin := e.signIn(t, officers.RoleAdmin)
	officer := e.signIn(t, officers.RoleOfficer)
	observer := e.signIn(t, officers.RoleObserver)
	for _, s := range []pageSession{officer, observer} {
		status, body := e.page(t, s, "/officer/officers")
		wantPage(t, status, body, 403)
		status, _, body = e.post(t, s, "/officer/officers", url.Values{"email": {"x@ace.example"}, "role": {"admin"}, "password": {testPassword}})
		wantPage(t, status, body, 403)
	}
	status, body := e.page(t, admin, "/officer/officers")
	wantPage(t, status, body, 200, "admin@ace.example (you)", "officer@ace.example", "observer@ace.example", "cannot be disabled, only removed")

	add := url.Values{"email": {"treasurer@ace.example"}, "name": {"Pat Treasurer"}, "role": {"observer"}, "password": {"short"}}
	status, _, body = e.post(t, admin, "/officer/officers", add)
	wantPage(t, status, body, 422, `value="treasurer@ace.example"`, `value="Pat Treasurer"`, `<option value="observer" selected>`)
	if msg := fieldError(body, "password"); !strings.Contains(msg, "12 characters") {
		t.Fatalf("password error %q:\n%s", msg, body)
	}
	if strings.Contains(body, `value="short"`) {
		t.Fatal("the password is echoed back")
	}
	add.Set("password", "a long enough password")
	add.Set("csrf_token", "")
	status, _, body = e.post(t, admin, "/officer/officers", add)
	wantPage(t, status, body, 403)
	add.Del("csrf_token")
	status, loc, body := e.post(t, admin, "/officer/officers", add)
	if status != 303 || loc != "/officer/officers?done=added" {
		t.Fatalf("add: %d %s\n%s", status, loc, body)
	}
	if a := e.auditEntries(t, "officer.added"); len(a) != 4 || a[0].Detail["email"] != "treasurer@ace.example" || a[0].Actor.Email != "admin@ace.example" {
		t.Fatalf("audit %+v", a)
	}
	list, _ := e.officers.List(context.Background())
	var id string
	for _, o := range list {
		if o.Email == "treasurer@ace.example" {
			id = o.ID
		}
	}
	status, loc, _ = e.post(t, admin, "/officer/officers/"+id+"/role", url.Values{"role": {"officer"}})
	if status != 303 || loc != "/officer/officers?done=role" {
		t.Fatalf("role: %d %s", status, loc)
	}
	status, _, body = e.post(t, admin, "/officer/officers/"+id+"/role", url.Values{"role": {"king"}})
	wantPage(t, status, body, 422, "is not a role")
	status, loc, _ = e.post(t, admin, "/officer/officers/"+id+"/password", url.Values{"password": {"another long password"}})
	if status != 303 || loc != "/officer/officers?done=password" {
		t.Fatalf("password: %d %s", status, loc)
	}
	if _, err := e.officers.Login(context.Background(), "treasurer@ace.example", "another long password", "192.0.2.9"); err != nil {
		t.Fatalf("sign in with the reset password: %v", err)
	}
	status, _, body = e.post(t, admin, "/officer/officers/"+id+"/remove", url.Values{})
	wantPage(t, status, body, 200, "Remove treasurer@ace.example?", `name="confirmed" value="yes"`)
	if a := e.auditEntries(t, "officer.removed"); len(a) != 0 {
		t.Fatal("the confirm step removed the account")
	}
	status, loc, _ = e.post(t, admin, "/officer/officers/"+id+"/remove", url.Values{"confirmed": {"yes"}})
	if status != 303 || loc != "/officer/officers?done=removed" {
		t.Fatalf("remove: %d %s", status, loc)
	}
	for action, want := range map[string]string{"officer.role_changed": "officer", "officer.password_reset": "", "officer.removed": "treasurer@ace.example"} {
		a := e.auditEntries(t, action)
		if len(a) != 1 || a[0].Object != id || a[0].Actor.Email != "admin@ace.example" || (want != "" && a[0].Detail["role"] != want && a[0].Detail["email"] != want) {
			t.Errorf("audit of %s: %+v", action, a)
		}
	}
	status, body = e.page(t, admin, "/officer/officers?done=removed")
	wantPage(t, status, body, 200, "The officer is removed")
	if strings.Contains(body, "treasurer@ace.example") {
		t.Fatal("the removed officer is still listed")
	}
}
