package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/officers"
)

func TestAuditAPI(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	observer := e.officerToken(t, officers.RoleObserver)
	e.call(t, "POST", "/api/v1/auth/login", "application/json", `{"email":"observer@example.org","password":"wrong password!"}`)
	resp, out := e.call(t, "GET", "/api/v1/audit?limit=10", "", "", bearerOf(observer)...)
	wantStatus(t, resp, out, 200, `"action":"officer.login_failed"`, `"action":"officer.login"`, `"action":"officer.added"`, `"hash"`)
	resp, out = e.call(t, "GET", "/api/v1/audit?action=officer.login_failed", "", "", bearerOf(observer)...)
	wantStatus(t, resp, out, 200, `"reason":"bad_credentials"`)
	resp, out = e.call(t, "GET", "/api/v1/audit/verify", "", "", bearerOf(observer)...)
	wantStatus(t, resp, out, 200, `"ok":true`, `"entries":3`)
}

// TestAuditCSVExportsEveryEntry: the CSV export is the whole log, not one
// page of it, with the actor's email and id in their own columns and the
// detail as JSON.
func TestAuditCSVExportsEveryEntry(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	observer := e.officerToken(t, officers.RoleObserver)
	ctx := context.Background()
	for i := range 520 {
		if _, err := e.log.Append(ctx, audit.Actor{OfficerID: "o7", Email: "chair@example.org", Role: "officer"}, "vote.extended", "v1",
			map[string]string{"closes_at": fmt.Sprintf("2031-09-%02dT08:00:00Z", i%28+1)}); err != nil {
			t.Fatal(err)
		}
	}
	resp, out := e.call(t, "GET", "/api/v1/audit?format=csv", "", "", bearerOf(observer)...)
	wantStatus(t, resp, out, 200)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 1+520+2 || strings.Join(rows[0], ",") != "seq,at,actor_email,actor_id,role,ip,action,object,detail,hash" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	first := rows[1] // newest first
	if first[2] != "chair@example.org" || first[3] != "o7" || first[6] != "vote.extended" || !strings.HasPrefix(first[8], `{"closes_at":"2031-09-`) {
		t.Fatalf("newest row %v", first)
	}
}
