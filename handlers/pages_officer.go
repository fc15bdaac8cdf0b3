package handlers

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/notify"
)

// officerVote is one row of the dashboard's vote table.
type officerVote struct {
	ID, Title, Status, Turnout string
	Voted, Eligible            int
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
			p.Votes = append(p.Votes, officerVote{ID: v.ID, Title: v.Title, Status: string(v.Status),
				Voted: vj.Voted, Eligible: v.Eligible, Turnout: fmt.Sprintf("%.1f%%", vj.TurnoutPercent)})
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
