package handlers_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/notify"
)

// TestHomePageTimelineAndMeetings: the home page lists the Q&A meetings
// and the status updates newest first, escaped, with no inline script.
func TestHomePageTimelineAndMeetings(t *testing.T) {
	s, b := notifyServer(t)
	ctx := context.Background()
	if _, err := b.PostNotice(ctx, notify.NoticeInput{Title: "UPDATE: August 19, 2021 tentative agreement", Body: "Details <soon>."}, "o@ace.example"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := b.PostNotice(ctx, notify.NoticeInput{Title: "School Board approved the agreement", Body: "Unanimously."}, "o@ace.example"); err != nil {
		t.Fatal(err)
	}
	starts := time.Date(2031, 9, 1, 23, 0, 0, 0, time.UTC)
	if _, err := b.PostMeeting(ctx, notify.MeetingInput{Title: "Q&A on the agreement", StartsAt: starts, DurationMinutes: 60, URL: "https://meet.example/qa"}, "o@ace.example"); err != nil {
		t.Fatal(err)
	}
	code, body := getHTML(t, s, "/")
	if code != 200 {
		t.Fatalf("home: %d %s", code, body)
	}
	for _, want := range []string{"There is no vote at the moment.", "Q&amp;A on the agreement", "Monday, September 1, 2031 at 11:00 PM UTC",
		`href="https://meet.example/qa"`, "Details &lt;soon&gt;."} {
		if !strings.Contains(body, want) {
			t.Fatalf("home page lacks %q:\n%s", want, body)
		}
	}
	newer, older := strings.Index(body, "School Board approved"), strings.Index(body, "UPDATE: August 19, 2021")
	if newer < 0 || older < 0 || newer > older {
		t.Fatalf("timeline not newest first (%d, %d):\n%s", newer, older, body)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Fatal("inline script or style on the home page")
	}
}

// getHTML fetches a page as a browser does.
func getHTML(t *testing.T, s *handlers.Server, target string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Accept", "text/html")
	res, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestHomePageClosedVote: between the close and the publication the home
// page says voting has closed and that results are coming, with no count.
func TestHomePageClosedVote(t *testing.T) {
	e, _, officer := newVoteEnv(t)
	now := time.Now().UTC()
	resp, body := e.call(t, "POST", "/api/v1/votes", "application/json",
		`{"title":"Ratify the 2031 agreement?","opens_at":"`+now.Format(time.RFC3339)+`","closes_at":"`+now.Add(time.Hour).Format(time.RFC3339)+`","timezone":"America/Anchorage"}`, bearerOf(officer)...)
	wantStatus(t, resp, body, 201)
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.Index(id, `"`)]
	resp, body = e.call(t, "POST", "/api/v1/votes/"+id+"/open", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 202)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(body, `"status":"open"`); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not open: %s", body)
		}
		_, body = e.call(t, "GET", "/api/v1/votes/"+id, "", "", bearerOf(officer)...)
	}
	resp, body = e.call(t, "GET", "/", "", "", "Accept", "text/html")
	wantStatus(t, resp, body, 200, "Ratify the 2031 agreement?", "The vote is open.", "AKST")
	resp, body = e.call(t, "POST", "/api/v1/votes/"+id+"/close", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 200)
	resp, body = e.call(t, "GET", "/", "", "", "Accept", "text/html")
	wantStatus(t, resp, body, 200, "Ratify the 2031 agreement?", "Voting has closed.")
	if strings.Contains(body, "The vote is open.") || strings.Contains(body, "/results") {
		t.Fatalf("closed, unpublished vote shown as open or with results:\n%s", body)
	}
}
