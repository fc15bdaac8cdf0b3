package handlers_test

import (
	"strings"
	"testing"
	"time"
)

// TestOfficerDashboard: signed-in officers see the votes with state and
// turnout and the refresh script; anyone else does not.
func TestOfficerDashboard(t *testing.T) {
	e, _, officer := newVoteEnv(t)
	now := time.Now().UTC()
	resp, body := e.call(t, "POST", "/api/v1/votes", "application/json",
		`{"title":"Ratify the 2031 agreement?","opens_at":"`+now.Add(time.Hour).Format(time.RFC3339)+`","closes_at":"`+now.Add(2*time.Hour).Format(time.RFC3339)+`"}`, bearerOf(officer)...)
	wantStatus(t, resp, body, 201)
	resp, body = e.call(t, "GET", "/officer", "", "", "Accept", "text/html")
	if resp.StatusCode == 200 || strings.Contains(body, "Ratify the 2031 agreement?") {
		t.Fatalf("dashboard without sign-in: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.call(t, "GET", "/officer", "", "", append(cookieOf(officer), "Accept", "text/html")...)
	wantStatus(t, resp, body, 200, "Ratify the 2031 agreement?", `<td data-field="status">scheduled</td>`,
		`<td data-field="turnout">0.0%</td>`, `<script src="/static/officer.js?v=`, "Email campaigns")
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Fatal("inline script or style on the dashboard")
	}
}
