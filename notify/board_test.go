package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/storetest"
)

func members() notify.Audience {
	return notify.AudienceFunc(func(context.Context) ([]notify.Recipient, error) {
		return []notify.Recipient{
			{ID: "e1", Email: "ann@example.org", Name: "Ann"},
			{ID: "e2", Email: "bob@example.org", Name: "Bob"},
			{ID: "e3", Email: "not-an-address", Name: "Broken"},
		}, nil
	})
}

// TestPostMeetingMailsMembersWithCalendar posts a meeting: it is listed
// (publicly and per vote) and every member with an address gets it.
func TestPostMeetingMailsMembersWithCalendar(t *testing.T) {
	srv := startSMTP(t, nil)
	db := storetest.DB(t)
	o := newOutbox(t, db, testConfig(t, srv))
	b := notify.NewBoard(db, o, members())
	if err := b.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2021, 6, 23, 20, 0, 0, 0, time.UTC) // noon AKDT
	m, err := b.PostMeeting(context.Background(), notify.MeetingInput{
		Title: "Second ratification Q&A", StartsAt: start, DurationMinutes: 60,
		URL: "https://zoom.example/j/2", VoteID: "v1", VoteTitle: "ACE 2021-2024",
	}, "officer@ace-union.example")
	if err != nil {
		t.Fatal(err)
	}
	if m.Recipients != 2 || m.Campaign != "meeting:"+m.ID || !m.EndsAt.Equal(start.Add(time.Hour)) {
		t.Errorf("meeting %+v", m)
	}
	early, err := b.PostMeeting(context.Background(), notify.MeetingInput{Title: "First Q&A", StartsAt: start.Add(-48 * time.Hour), DurationMinutes: 45}, "x")
	if err != nil {
		t.Fatal(err)
	}
	all, err := b.Meetings(context.Background(), "")
	if err != nil || len(all) != 2 || all[0].ID != early.ID {
		t.Fatalf("meetings %+v (%v), want both, earliest first", all, err)
	}
	ofVote, err := b.Meetings(context.Background(), "v1")
	if err != nil || len(ofVote) != 1 || ofVote[0].ID != m.ID {
		t.Fatalf("meetings of v1 %+v (%v)", ofVote, err)
	}
	if d := notify.MeetingData(ofVote); d[0]["title"] != "Second ratification Q&A" || !d[0]["starts_at"].(time.Time).Equal(start) {
		t.Errorf("meeting data %v", d)
	}

	run(t, o)
	got := srv.waitFor(4, 10*time.Second)
	var toAnn []received
	for _, r := range got {
		if r.To[0] == "ann@example.org" {
			toAnn = append(toAnn, r)
		}
	}
	if len(toAnn) != 2 {
		t.Fatalf("Ann got %d messages, want 2", len(toAnn))
	}
	for _, r := range toAnn {
		_, ps := parts(t, r.Data)
		cal := part(t, ps, "text/calendar")
		if strings.Contains(cal.Body, "Second ratification") && !strings.Contains(cal.Body, "DTSTART:20210623T200000Z") {
			t.Errorf("calendar lacks the start:\n%s", cal.Body)
		}
	}
	s := waitStats(t, o, m.Campaign, 10*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 2 })
	if s.Enqueued != 2 {
		t.Errorf("stats %+v", s)
	}
}

// TestPostNoticeTimeline posts status updates: the timeline lists them
// newest first, and members are mailed each one.
func TestPostNoticeTimeline(t *testing.T) {
	db := storetest.DB(t)
	cfg := testConfig(t, nil)
	now := time.Date(2021, 8, 3, 20, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { return now }
	o := newOutbox(t, db, cfg)
	b := notify.NewBoard(db, o, members())
	if err := b.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	first, err := b.PostNotice(context.Background(), notify.NoticeInput{Title: "School Board approved the agreement",
		Body: "The Board voted unanimously to accept the 2021-2024 ACE contract."}, "officer")
	if err != nil {
		t.Fatal(err)
	}
	now = time.Date(2021, 9, 13, 20, 0, 0, 0, time.UTC)
	second, err := b.PostNotice(context.Background(), notify.NoticeInput{Title: "Final signature page received", Body: "The agreement is final."}, "officer")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := b.Timeline(context.Background())
	if err != nil || len(tl) != 2 || tl[0].ID != second.ID || tl[1].ID != first.ID {
		t.Fatalf("timeline %+v (%v), want newest first", tl, err)
	}
	if first.Recipients != 2 {
		t.Errorf("recipients %d, want 2 (the broken address skipped)", first.Recipients)
	}
	run(t, o)
	waitStats(t, o, first.Campaign, 10*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 2 })
}

// TestBoardValidation names the field at fault and stores nothing.
func TestBoardValidation(t *testing.T) {
	db := storetest.DB(t)
	o := newOutbox(t, db, testConfig(t, nil))
	b := notify.NewBoard(db, o, members())
	if err := b.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2021, 6, 23, 20, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		field string
		in    notify.MeetingInput
	}{
		{"title", notify.MeetingInput{StartsAt: start, DurationMinutes: 60}},
		{"starts_at", notify.MeetingInput{Title: "Q&A", DurationMinutes: 60}},
		{"duration_minutes", notify.MeetingInput{Title: "Q&A", StartsAt: start}},
		{"url", notify.MeetingInput{Title: "Q&A", StartsAt: start, DurationMinutes: 60, URL: "javascript:alert(1)"}},
	} {
		_, err := b.PostMeeting(context.Background(), tc.in, "x")
		if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || e.Field != tc.field {
			t.Errorf("%s: err = %v, want invalid %s", tc.field, err, tc.field)
		}
	}
	if _, err := b.PostNotice(context.Background(), notify.NoticeInput{Title: "x"}, "x"); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("notice without a body: %v", err)
	}
	if ms, _ := b.Meetings(context.Background(), ""); len(ms) != 0 {
		t.Errorf("%d meetings stored after refusals", len(ms))
	}
}
