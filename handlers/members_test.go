package handlers_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"os"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/officers"
)

// rosterUpload is a multipart body with the file in the field "roster".
func rosterUpload(t *testing.T, name string, data []byte) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile("roster", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return w.FormDataContentType(), &b
}

func TestImportRosterAPI(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	r := e.officerToken(t, officers.RoleOfficer)
	sample, err := os.ReadFile("../members/testdata/sample-roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	ct, body := rosterUpload(t, "roster.csv", sample)
	resp, out := e.send(t, "POST", "/api/v1/members/import?dry_run=true", ct, body, bearerOf(r)...)
	wantStatus(t, resp, out, 200, `"dry_run":true`, `"applied":false`, `"added":25`)
	resp, out = e.call(t, "GET", "/api/v1/members", "", "", bearerOf(r)...)
	wantStatus(t, resp, out, 200, `"total":0`)

	ct, body = rosterUpload(t, "roster.csv", sample)
	resp, out = e.send(t, "POST", "/api/v1/members/import", ct, body, bearerOf(r)...)
	wantStatus(t, resp, out, 200, `"applied":true`, `"added":25`)

	// One bad row: 422 with the report naming it, nothing changed.
	bad := bytes.Replace(sample, []byte("avery.aldana@example.org"), []byte("avery.aldana@"), 1)
	bad = bytes.Replace(bad, []byte(",13,K,"), []byte(",13,J,"), 1)
	ct, body = rosterUpload(t, "roster.csv", bad)
	resp, out = e.send(t, "POST", "/api/v1/members/import", ct, body, bearerOf(r)...)
	wantStatus(t, resp, out, 422, `"code":"invalid"`, `"row":2`, `"column":"Email Address"`, `"value":"avery.aldana@"`)
	resp, out = e.call(t, "GET", "/api/v1/members/100201", "", "", bearerOf(r)...)
	wantStatus(t, resp, out, 200, `"step":"K"`, `"email":"avery.aldana@example.org"`)

	for _, tc := range []struct {
		name   string
		data   []byte
		status int
		msg    string
	}{
		{"roster.pdf", []byte("%PDF-1.7\x00\x00binary"), 415, "neither CSV nor XLSX"},
		{"roster.csv", []byte("\n"), 400, "empty"},
	} {
		ct, body = rosterUpload(t, tc.name, tc.data)
		resp, out = e.send(t, "POST", "/api/v1/members/import", ct, body, bearerOf(r)...)
		wantStatus(t, resp, out, tc.status, tc.msg)
	}
	resp, out = e.call(t, "POST", "/api/v1/members/import", "application/json", `{}`, bearerOf(r)...)
	wantStatus(t, resp, out, 422, `"field":"roster"`)
}

func TestMembersListGetPatchAPI(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	r := e.officerToken(t, officers.RoleOfficer)
	sample, _ := os.ReadFile("../members/testdata/sample-roster.csv")
	ct, body := rosterUpload(t, "roster.csv", sample)
	if resp, out := e.send(t, "POST", "/api/v1/members/import", ct, body, bearerOf(r)...); resp.StatusCode != 200 {
		t.Fatal(out)
	}
	resp, out := e.call(t, "GET", "/api/v1/members?status=fee_payer&limit=2", "", "", bearerOf(r)...)
	wantStatus(t, resp, out, 200, `"total":4`, `"limit":2`)
	var page struct{ Members []map[string]any }
	json.Unmarshal([]byte(out), &page)
	if len(page.Members) != 2 || page.Members[0]["status"] != "fee_payer" {
		t.Fatalf("page: %s", out)
	}
	resp, out = e.call(t, "GET", "/api/v1/members?q=thibodeaux", "", "", bearerOf(r)...)
	wantStatus(t, resp, out, 200, `"total":1`, `"separated":true`)
	resp, out = e.call(t, "GET", "/api/v1/members?status=chair", "", "", bearerOf(r)...)
	wantStatus(t, resp, out, 422, `"field":"status"`)
	resp, out = e.call(t, "GET", "/api/v1/members/nobody", "", "", bearerOf(r)...)
	wantStatus(t, resp, out, 404, `"code":"not_found"`)

	resp, out = e.call(t, "PATCH", "/api/v1/members/100201", "application/json", `{"email":"Avery@Example.org","status":"fee_payer"}`, bearerOf(r)...)
	wantStatus(t, resp, out, 200, `"email":"avery@example.org"`, `"status":"fee_payer"`)
	resp, out = e.call(t, "PATCH", "/api/v1/members/100208", "application/json", `{"email":"avery@example.org"}`, bearerOf(r)...)
	wantStatus(t, resp, out, 409, `"field":"email"`)
	resp, out = e.call(t, "PATCH", "/api/v1/members/100208", "application/json", `{"hire_date":"someday"}`, bearerOf(r)...)
	wantStatus(t, resp, out, 422, `"field":"hire_date"`)

	resp, out = e.call(t, "GET", "/api/v1/audit?object=100201", "", "", bearerOf(e.officerToken(t, officers.RoleObserver))...)
	wantStatus(t, resp, out, 200, `"action":"member.updated"`, `"officer_id"`, `"ip":"0.0.0.0"`)
	if !strings.Contains(out, `"email":"officer@example.org"`) {
		t.Fatalf("audit actor: %s", out)
	}
}
