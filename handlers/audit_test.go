package handlers_test

import (
	"testing"

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
