package handlers

import (
	"testing"
	"time"

	"github.com/ratifyhq/ratify/ballot"
)

// TestTurnoutChart: the dashboard's line is the cumulative share of the
// eligible members hour by hour from the opening, and says so in words.
func TestTurnoutChart(t *testing.T) {
	opens := time.Date(2021, 8, 20, 17, 30, 0, 0, time.UTC)
	now := opens.Add(2*time.Hour + 10*time.Minute) // in the third hour (17, 18, 19)
	v := &ballot.Vote{Status: ballot.Open, Eligible: 100, OpensAt: opens, ClosesAt: opens.Add(48 * time.Hour)}
	by := map[string]int{"2021-08-20T17": 10, "2021-08-20T19": 20, "2021-08-20T16": 3, "junk": 99}
	pts, label := turnoutChart(v, by, now)
	// 16h (before the opening hour) is drawn at the start; junk is ignored.
	if want := "0,30.0 33.3,26.1 66.7,26.1 100.0,20.1"; pts != want {
		t.Fatalf("points %q, want %q", pts, want)
	}
	if want := "Turnout over time: 33.0% after 3 hours"; label != want {
		t.Fatalf("label %q, want %q", label, want)
	}
	// A closed vote stops at its close, not now.
	v.Status, v.ClosesAt = ballot.Closed, opens.Add(20*time.Minute)
	if pts, _ := turnoutChart(v, by, now.Add(24*time.Hour)); pts != "0,30.0 100.0,20.1" {
		t.Fatalf("closed vote: points %q", pts)
	}
	v.Status = ballot.Scheduled
	if pts, label := turnoutChart(v, by, now); pts != "" || label != "" {
		t.Fatalf("scheduled vote drew %q %q", pts, label)
	}
}
