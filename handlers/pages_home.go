package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/ballot"
)

// homeVote is a current vote as the home page shows it, its dates in the
// vote's own time zone.
type homeVote struct {
	ID, Title, Question, Status string
	Opens, Closes, Zone         string
	Published                   bool
}

// homeItem is a meeting or a status update, its time already formatted.
type homeItem struct {
	Title, Body, URL, When string
}

type homePage struct {
	Votes    []homeVote
	Meetings []homeItem
	Timeline []homeItem
}

// homeDate formats a time for en-US readers in the given zone.
const homeDate = "Monday, January 2, 2006 at 3:04 PM MST"

func (s *Server) pageHomeRoutes(a *fiber.App) {
	a.Get("/", s.homePage)
}

// homePage shows the open and scheduled votes (and published results),
// the Q&A meetings and the status updates, newest first.
func (s *Server) homePage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var p homePage
	loc := s.location() // the union's zone, or that of its current vote
	if s.cfg.Votes != nil {
		votes, err := s.cfg.Votes.List(ctx)
		if err != nil {
			return err
		}
		for _, v := range votes {
			switch {
			case v.Test:
				continue
			case v.Status == ballot.Open, v.Status == ballot.Scheduled, v.Status == ballot.Opening, v.Status == ballot.Closed, v.Status == ballot.Published:
			default:
				continue
			}
			loc = v.Location()
			p.Votes = append(p.Votes, homeVote{ID: v.ID, Title: v.Title, Question: v.Question, Status: string(v.Status),
				Opens: v.OpensAt.In(loc).Format(homeDate), Closes: v.ClosesAt.In(loc).Format(homeDate),
				Zone: loc.String(), Published: v.Status == ballot.Published})
		}
	}
	if s.cfg.Board != nil {
		if err := s.homeBoard(c, &p, loc); err != nil {
			return err
		}
	}
	return s.render(c, fiber.StatusOK, "home", p)
}

func (s *Server) homeBoard(c *fiber.Ctx, p *homePage, loc *time.Location) error {
	ms, err := s.cfg.Board.Meetings(c.UserContext(), "")
	if err != nil {
		return err
	}
	for _, m := range ms {
		p.Meetings = append(p.Meetings, homeItem{Title: m.Title, Body: m.Description, URL: m.URL, When: m.StartsAt.In(loc).Format(homeDate)})
	}
	ns, err := s.cfg.Board.Timeline(c.UserContext())
	if err != nil {
		return err
	}
	for _, n := range ns {
		p.Timeline = append(p.Timeline, homeItem{Title: n.Title, Body: n.Body, When: n.PostedAt.In(loc).Format(homeDate)})
	}
	return nil
}

// location is the union's time zone (UTC if not configured).
func (s *Server) location() *time.Location {
	if s.cfg.Location != nil {
		return s.cfg.Location
	}
	return time.UTC
}
