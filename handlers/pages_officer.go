package handlers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/notify"
)

// officerVote is one row of the dashboard's vote table.
type officerVote struct {
	ID, Title, Status, Turnout string
	Voted, Eligible            int
	// Chart is the turnout-over-time line (SVG polyline points), empty
	// before the vote opens; ChartLabel says the same in words.
	Chart, ChartLabel string
}

type officerPage struct {
	Email     string
	Votes     []officerVote
	Campaigns []notify.CampaignStats
}

func (s *Server) pageOfficerRoutes(a *fiber.App) {
	a.Get("/officer", s.requireRole("admin", "officer", "observer"), s.officerDashboard)
}

// officerDashboard shows the votes with their state and live turnout
// (web/static/officer.js refreshes it from /api/v1/votes every 10 s) and
// the notification campaigns with queued/sent/failed.
func (s *Server) officerDashboard(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := officerPage{Email: actorOf(c).Email}
	if s.cfg.Votes != nil {
		votes, err := s.cfg.Votes.List(ctx)
		if err != nil {
			return err
		}
		for _, v := range votes {
			vj, err := s.withTurnout(ctx, v)
			if err != nil {
				return err
			}
			ov := officerVote{ID: v.ID, Title: v.Title, Status: string(v.Status),
				Voted: vj.Voted, Eligible: v.Eligible, Turnout: fmt.Sprintf("%.1f%%", vj.TurnoutPercent)}
			ov.Chart, ov.ChartLabel = turnoutChart(v, vj.TurnoutByHour, time.Now())
			p.Votes = append(p.Votes, ov)
		}
	}
	if s.cfg.Notifications != nil {
		var err error
		if p.Campaigns, err = s.cfg.Notifications.Campaigns(ctx); err != nil {
			return err
		}
	}
	return s.render(c, fiber.StatusOK, "officer", p)
}

// Chart box: the polyline is drawn in a 100 x 30 viewBox.
const chartW, chartH = 100.0, 30.0

// turnoutChart draws a vote's cumulative turnout, hour by hour from its
// opening to now (or its close), as the points of an SVG polyline, and
// describes it in words for screen readers. web/static/officer.js redraws
// it the same way from /api/v1/votes.
func turnoutChart(v *ballot.Vote, byHour map[string]int, now time.Time) (points, label string) {
	switch v.Status {
	case ballot.Open, ballot.Closed, ballot.Published:
	default:
		return "", ""
	}
	if v.Eligible == 0 || v.OpensAt.IsZero() {
		return "", ""
	}
	from := v.OpensAt.UTC().Truncate(time.Hour)
	to := now.UTC()
	if v.Status != ballot.Open && v.ClosesAt.Before(to) {
		to = v.ClosesAt.UTC()
	}
	hours := int(to.Truncate(time.Hour).Sub(from)/time.Hour) + 1
	if hours < 1 {
		hours = 1
	}
	// Ballots counted in an hour before the (possibly moved) opening hour
	// are drawn at the start.
	keys := make([]string, 0, len(byHour))
	for k := range byHour {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	perHour := make([]int, hours)
	for _, k := range keys {
		t, err := time.Parse("2006-01-02T15", k)
		if err != nil {
			continue
		}
		i := int(t.Sub(from) / time.Hour)
		i = max(0, min(i, hours-1))
		perHour[i] += byHour[k]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "0,%.1f", chartH)
	sum := 0
	for i, n := range perHour {
		sum += n
		x := chartW * float64(i+1) / float64(hours)
		y := chartH - chartH*float64(sum)/float64(v.Eligible)
		fmt.Fprintf(&b, " %.1f,%.1f", x, y)
	}
	label = fmt.Sprintf("Turnout over time: %.1f%% after %d hour", 100*float64(sum)/float64(v.Eligible), hours)
	if hours != 1 {
		label += "s"
	}
	return b.String(), label
}
