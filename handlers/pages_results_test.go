package handlers_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestResultsPage: before publication the page is a friendly "not found";
// after, it shows counts, percentages with one decimal, the SVG chart,
// turnout, outcome, the commitment, and finds a member's receipt (or
// says it is not there) with a plain GET form. The home page shows the
// vote with its dates in the vote's time zone.
func TestResultsPage(t *testing.T) {
	e, mail, officer := newVoteEnv(t)
	opens := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	closes := opens.Add(2 * time.Hour)
	resp, body := e.call(t, "POST", "/api/v1/votes", "application/json",
		`{"title":"Ratify the 2031 agreement?","timezone":"America/Los_Angeles","opens_at":"`+opens.Format(time.RFC3339)+`","closes_at":"`+closes.Format(time.RFC3339)+`"}`, bearerOf(officer)...)
	wantStatus(t, resp, body, 201)
	id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(body)[1]
	resp, body = e.call(t, "POST", "/api/v1/votes/"+id+"/open", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 202)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(body, `"status":"open"`) {
		if time.Now().After(deadline) {
			t.Fatalf("not open: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
		_, body = e.call(t, "GET", "/api/v1/votes/"+id, "", "", bearerOf(officer)...)
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	code, page := getHTML(t, e.srv, "/")
	if want := closes.In(la).Format("Monday, January 2, 2006 at 3:04 PM MST"); code != 200 || !strings.Contains(page, want) || !strings.Contains(page, "Ratify the 2031 agreement?") {
		t.Fatalf("home page lacks the vote closing %q: %d\n%s", want, code, page)
	}

	mail.mu.Lock()
	toks := append([]string(nil), mail.links...)
	mail.mu.Unlock()
	if len(toks) != 2 {
		t.Fatalf("want 2 links, got %d", len(toks))
	}
	resp, body = e.call(t, "POST", "/api/v1/ballots", "application/json", `{"token":"`+toks[0]+`","choice":"Yes"}`)
	wantStatus(t, resp, body, 201)
	receipt := regexp.MustCompile(`"receipt":"([^"]+)"`).FindStringSubmatch(body)[1]

	code, page = getHTML(t, e.srv, "/votes/"+id+"/results")
	if code != 404 || !strings.Contains(page, "not published yet") {
		t.Fatalf("before publication: %d\n%s", code, page)
	}
	resp, body = e.call(t, "POST", "/api/v1/votes/"+id+"/close", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 200)
	deadline = time.Now().Add(15 * time.Second) // ballots begun before the close get a grace period
	for resp, body = e.call(t, "POST", "/api/v1/votes/"+id+"/publish", "", "", bearerOf(officer)...); resp.StatusCode == 409 && time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		resp, body = e.call(t, "POST", "/api/v1/votes/"+id+"/publish", "", "", bearerOf(officer)...)
	}
	wantStatus(t, resp, body, 200)

	code, page = getHTML(t, e.srv, "/votes/"+id+"/results?receipt="+url.QueryEscape(receipt))
	if code != 200 {
		t.Fatalf("results: %d\n%s", code, page)
	}
	for _, want := range []string{"Outcome: Ratified", "1 of 2 eligible members voted (50.0%)", "<svg", "100.0%", "0.0%",
		"Found: receipt " + receipt, `<code class="hash">`} {
		if !strings.Contains(page, want) {
			t.Fatalf("results page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "style=") {
		t.Fatal("inline script or style on the results page")
	}
	_, page = getHTML(t, e.srv, "/votes/"+id+"/results?receipt=NOPE-NOPE")
	if !strings.Contains(page, "Not found: receipt NOPE-NOPE") {
		t.Fatalf("unknown receipt:\n%s", page)
	}
	code, page = getHTML(t, e.srv, "/votes/"+id+"/receipts.txt")
	if code != 200 || page != receipt+"\n" {
		t.Fatalf("receipts download: %d %q, want the one receipt", code, page)
	}
	code, page = getHTML(t, e.srv, "/votes/no-such-vote/results")
	if code != 404 {
		t.Fatalf("unknown vote: %d\n%s", code, page)
	}
}
