package handlers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/officers"
	"github.com/ratifyhq/ratify/storetest"
)

// demoAgreement is a small agreement version an officer uploads.
const demoAgreement = `---
id: demo-2024-2027
title: Demo Agreement 2024-2027
party: Demo District
party: Demo Union
term: 2024-07-01 to 2027-06-30
status: tentative_agreement 2024-03-01
---

# 101 RECOGNITION

## A.
The District recognizes the Union as the {--sole--}{++exclusive++} representative.

# 102 WAGES {supplied}

Wages rise by three percent each year.
`

// contractOfficerEnv is a server with real officers, audit log and
// contract versions on the embedded store, and the tokens of an officer and
// an observer.
type contractOfficerEnv struct {
	srv               *handlers.Server
	log               *audit.Log
	officer, observer string
}

func newContractOfficerEnv(t *testing.T) contractOfficerEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.DB(t)
	al := audit.NewLog(db)
	offs := officers.NewStore(db, []byte("a-test-secret-of-at-least-32-bytes!!"), al)
	offs.HashParams = officers.HashParams{Memory: 1024, Time: 1, Threads: 1}
	lib := contracts.MustLoad()
	versions := contracts.NewStore(db, lib)
	for _, e := range []interface{ EnsureIndexes(context.Context) error }{al, offs, versions} {
		if err := e.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	env := contractOfficerEnv{log: al}
	for _, o := range []struct {
		email string
		role  officers.Role
		tok   *string
	}{{"officer@ace.example", officers.RoleOfficer, &env.officer}, {"observer@ace.example", officers.RoleObserver, &env.observer}} {
		if _, err := offs.Create(ctx, audit.System, officers.NewOfficer{Email: o.email, Role: o.role, Password: "correct horse battery staple"}); err != nil {
			t.Fatal(err)
		}
		tok, err := offs.Login(ctx, o.email, "correct horse battery staple", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		*o.tok = tok.Token
	}
	srv, err := handlers.New(handlers.Config{BaseURL: "http://localhost:8080", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Officers: offs, Contracts: lib, ContractVersions: versions, ContractAudit: al})
	if err != nil {
		t.Fatal(err)
	}
	env.srv = srv
	return env
}

// post sends a request with the token.
func (e contractOfficerEnv) post(t *testing.T, token, target, contentType, body string) contractResponse {
	t.Helper()
	return contractCall(t, e.srv, "POST", target, contentType, body, "Authorization", "Bearer "+token)
}

// multipartSource is an upload of src in the field "source".
func multipartSource(t *testing.T, name, src string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, err := w.CreateFormFile("source", name)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, src)
	w.Close()
	return w.FormDataContentType(), b.String()
}

func TestPublishContractVersion(t *testing.T) {
	e := newContractOfficerEnv(t)
	const md = "text/markdown; charset=utf-8"
	t.Run("ErrSignedOut", func(t *testing.T) {
		r := contractCall(t, e.srv, "POST", "/api/v1/contracts", md, demoAgreement)
		contractWantError(t, r, 401, "unauthorized", "")
	})
	t.Run("ErrObserver", func(t *testing.T) {
		contractWantError(t, e.post(t, e.observer, "/api/v1/contracts", md, demoAgreement), 403, "forbidden", "")
	})
	t.Run("OK", func(t *testing.T) {
		r := e.post(t, e.officer, "/api/v1/contracts?name=demo.md", md, demoAgreement)
		if r.StatusCode != 201 || r.Header.Get("Location") != "/api/v1/contracts/demo-2024-2027" {
			t.Fatalf("status %d, Location %q: %s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		contractWant(t, r.Body, `"published":true`, `"id":"demo-2024-2027"`, `"changes":1`)
		page := contractCall(t, e.srv, "GET", "/contracts/demo-2024-2027?view=redline&part=101", "", "")
		contractWant(t, page.Body, `<del id="change-1">sole</del><ins>exclusive</ins>`)
		contents := contractCall(t, e.srv, "GET", "/contracts/demo-2024-2027?view=redline", "", "")
		contractWant(t, contents.Body, `<span class="supplied">supplied</span>`, `href="/contracts/demo-2024-2027?view=redline&amp;part=101"`)
		contractWant(t, contractCall(t, e.srv, "GET", "/contracts", "", "").Body, `href="/contracts/demo-2024-2027"`)
	})
	t.Run("SameTextIsNoOp", func(t *testing.T) {
		r := e.post(t, e.officer, "/api/v1/contracts", md, demoAgreement)
		if r.StatusCode != 200 || !strings.Contains(r.Body, `"published":false`) {
			t.Fatalf("status %d: %s", r.StatusCode, r.Body)
		}
	})
	t.Run("ErrDifferentText", func(t *testing.T) {
		r := e.post(t, e.officer, "/api/v1/contracts", md, strings.Replace(demoAgreement, "three", "four", 1))
		contractWantError(t, r, 409, "conflict", "")
		contractWant(t, contractCall(t, e.srv, "GET", "/api/v1/contracts/demo-2024-2027/articles/102", "", "").Body, "three percent")
	})
	t.Run("Multipart", func(t *testing.T) {
		ct, body := multipartSource(t, "demo-2027.md", strings.Replace(demoAgreement, "demo-2024-2027", "demo-2027-2030", 1))
		r := e.post(t, e.officer, "/api/v1/contracts", ct, body)
		if r.StatusCode != 201 {
			t.Fatalf("status %d: %s", r.StatusCode, r.Body)
		}
	})
	t.Run("ErrBadFileNamesLine", func(t *testing.T) {
		src := strings.Replace(strings.Replace(demoAgreement, "# 102 WAGES", "# 101 WAGES", 1), "demo-2024-2027", "demo-2030-2033", 1)
		ct, body := multipartSource(t, "bad.md", src)
		contractWantError(t, e.post(t, e.officer, "/api/v1/contracts", ct, body), 422, "invalid", "line 15: article.number")
		contractWantError(t, contractCall(t, e.srv, "GET", "/api/v1/contracts/demo-2030-2033", "", ""), 404, "not_found", "")
	})
	t.Run("ErrNoSourceField", func(t *testing.T) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("file", demoAgreement)
		w.Close()
		contractWantError(t, e.post(t, e.officer, "/api/v1/contracts", w.FormDataContentType(), b.String()), 422, "invalid", "source")
	})
	t.Run("ErrJSONBody", func(t *testing.T) {
		contractWantError(t, e.post(t, e.officer, "/api/v1/contracts", "application/json", `{}`), 415, "unsupported", "")
	})
	t.Run("Audited", func(t *testing.T) {
		entries, err := e.log.List(context.Background(), audit.Filter{Object: "demo-2024-2027", Action: "contract.publish"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[1].Actor.Email != "officer@ace.example" || entries[1].Detail["repeat"] != "false" ||
			entries[0].Detail["repeat"] != "true" || len(entries[1].Detail["sha256"]) != 64 {
			t.Errorf("audit entries %+v", entries)
		}
	})
}

func TestAdvanceContractStatus(t *testing.T) {
	e := newContractOfficerEnv(t)
	const target = "/api/v1/contracts/aea-2021-2024/status"
	tests := []struct {
		name, body  string
		status      int
		code, field string
		fragments   []string
	}{
		{"ErrObserver", `{"status":"out_for_vote","date":"2021-12-01"}`, 403, "forbidden", "", nil},
		{"OutForVote", `{"status":"out_for_vote","date":"2021-12-01","note":"e-vote"}`, 200, "", "",
			[]string{`"changed":true`, `{"status":"tentative_agreement","date":"2021-11-10"`, `{"status":"out_for_vote","date":"2021-12-01","note":"e-vote"}`}},
		{"Repeat", `{"status":"out_for_vote","date":"2021-12-01","note":"e-vote"}`, 200, "", "", []string{`"changed":false`}},
		{"ErrBackwards", `{"status":"tentative_agreement","date":"2021-12-02"}`, 422, "invalid", "status", nil},
		{"ErrEarlierDate", `{"status":"ratified","date":"2021-11-01","vote_id":"v1"}`, 422, "invalid", "date", nil},
		{"ErrRatifiedWithoutVote", `{"status":"ratified","date":"2021-12-10"}`, 422, "invalid", "vote_id", nil},
		{"ErrUnknownInput", `{"status":"ratified","when":"2021-12-10"}`, 422, "invalid", "when", nil},
		{"Ratified", `{"status":"ratified","date":"2021-12-10","vote_id":"aea-2021-ratification"}`, 200, "", "", []string{`"vote_id":"aea-2021-ratification"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := e.officer
			if tt.name == "ErrObserver" {
				token = e.observer
			}
			r := e.post(t, token, target, "application/json", tt.body)
			if tt.code != "" {
				contractWantError(t, r, tt.status, tt.code, tt.field)
				return
			}
			if r.StatusCode != tt.status {
				t.Fatalf("status %d: %s", r.StatusCode, r.Body)
			}
			contractWant(t, r.Body, tt.fragments...)
		})
	}
	list := contractCall(t, e.srv, "GET", "/contracts", "", "")
	contractWant(t, list.Body, `Ratified by members</span>, December 10, 2021`)
	page := contractCall(t, e.srv, "GET", "/contracts/aea-2021-2024", "", "")
	contractWant(t, page.Body, `<strong>Out for ratification vote</strong>, December 1, 2021 — e-vote`, `(vote aea-2021-ratification)`)
	entries, err := e.log.List(context.Background(), audit.Filter{Object: "aea-2021-2024", Action: "contract.status"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d audit entries, want 3 (two changes and a repeat): %+v", len(entries), entries)
	}
	for _, en := range entries {
		if en.Actor.Email != "officer@ace.example" || en.Detail["status"] == "" {
			t.Errorf("audit entry %+v", en)
		}
	}
}
