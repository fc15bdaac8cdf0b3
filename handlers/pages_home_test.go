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
