package handlers_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/officers"
)

func TestOfficerManagementAPI(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	admin := e.officerToken(t, officers.RoleAdmin)
	resp, out := e.call(t, "POST", "/api/v1/officers", "application/json",
		`{"email":"Treasurer@Example.org","name":"Pat Treasurer","role":"officer","password":"`+testPassword+`"}`, bearerOf(admin)...)
	wantStatus(t, resp, out, 201, `"email":"treasurer@example.org"`, `"role":"officer"`)
	if strings.Contains(out, "password") || strings.Contains(out, "argon2") {
		t.Fatalf("officer JSON shows the password hash: %s", out)
	}
	var o struct{ ID string }
	json.Unmarshal([]byte(out), &o)
	resp, out = e.call(t, "POST", "/api/v1/officers", "application/json",
		`{"email":"treasurer@example.org","role":"officer","password":"`+testPassword+`"}`, bearerOf(admin)...)
	wantStatus(t, resp, out, 409, `"field":"email"`)
	resp, out = e.call(t, "POST", "/api/v1/officers", "application/json",
		`{"email":"x@example.org","role":"officer","password":"short"}`, bearerOf(admin)...)
	wantStatus(t, resp, out, 422, `"field":"password"`)

	resp, out = e.call(t, "PATCH", "/api/v1/officers/"+o.ID, "application/json", `{"role":"observer"}`, bearerOf(admin)...)
	wantStatus(t, resp, out, 200, `"role":"observer"`)
	resp, out = e.call(t, "PUT", "/api/v1/officers/"+o.ID+"/password", "application/json", `{"password":"another long password"}`, bearerOf(admin)...)
	wantStatus(t, resp, out, 204)
	resp, out = e.call(t, "POST", "/api/v1/auth/login", "application/json", `{"email":"treasurer@example.org","password":"another long password"}`)
	wantStatus(t, resp, out, 200)
	resp, out = e.call(t, "GET", "/api/v1/officers", "", "", bearerOf(admin)...)
	wantStatus(t, resp, out, 200, `"treasurer@example.org"`, `"admin@example.org"`)
	resp, out = e.call(t, "DELETE", "/api/v1/officers/"+o.ID, "", "", bearerOf(admin)...)
	wantStatus(t, resp, out, 204)
	resp, out = e.call(t, "DELETE", "/api/v1/officers/"+o.ID, "", "", bearerOf(admin)...)
	wantStatus(t, resp, out, 404)

	// Changing one's own password ends the old session and starts a new one.
	resp, out = e.call(t, "POST", "/api/v1/auth/password", "application/json",
		`{"current_password":"`+testPassword+`","new_password":"a brand new password"}`, bearerOf(admin)...)
	wantStatus(t, resp, out, 200, `"token"`)
	resp, _ = e.call(t, "GET", "/api/v1/auth/me", "", "", bearerOf(admin)...)
	if resp.StatusCode != 401 {
		t.Fatalf("old token after a password change: %d", resp.StatusCode)
	}
}
