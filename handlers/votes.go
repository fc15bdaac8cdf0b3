package handlers

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/errs"
)

// Votes is what the vote handlers call (ballot.Service).
type Votes interface {
	Create(ctx context.Context, a ballot.Actor, n ballot.NewVote) (*ballot.Vote, error)
	Find(ctx context.Context, id string) (*ballot.Vote, error)
	List(ctx context.Context) ([]*ballot.Vote, error)
	Schedule(ctx context.Context, a ballot.Actor, id string) (*ballot.Vote, error)
	BeginOpen(ctx context.Context, a ballot.Actor, id string) (*ballot.Vote, error)
	CompleteOpening(ctx context.Context, a ballot.Actor, id string) (*ballot.Vote, error)
	Close(ctx context.Context, a ballot.Actor, id string) (*ballot.Vote, error)
	Cancel(ctx context.Context, a ballot.Actor, id string) (*ballot.Vote, error)
	Publish(ctx context.Context, a ballot.Actor, id string) (*ballot.Vote, error)
	Extend(ctx context.Context, a ballot.Actor, id string, closesAt time.Time) (*ballot.Vote, error)
	SendReminders(ctx context.Context, a ballot.Actor, id string) (int, error)
	AddVoter(ctx context.Context, a ballot.Actor, voteID, employeeID string) (*ballot.Participant, error)
	RemoveVoter(ctx context.Context, a ballot.Actor, voteID, employeeID string, keepLink bool) error
	Participants(ctx context.Context, vote string) ([]ballot.Participant, error)
	Turnout(ctx context.Context, v *ballot.Vote) (ballot.Turnout, error)
	Results(ctx context.Context, id string) (*ballot.Vote, *ballot.Results, error)
	View(ctx context.Context, token string) (*ballot.BallotView, error)
	Cast(ctx context.Context, token, choice string) (*ballot.Receipt, error)
	Resend(ctx context.Context, email string) error
}

// voteJSON is a vote as the API shows it, with live turnout.
type voteJSON struct {
	*ballot.Vote
	Voted          int            `json:"voted"`
	TurnoutPercent float64        `json:"turnout_percent"`
	TurnoutByHour  map[string]int `json:"turnout_by_hour,omitempty"`
}

func (s *Server) voteRoutes(api fiber.Router) {
	run := s.requireRole("admin", "officer")
	read := s.requireRole("admin", "officer", "observer")
	api.Post("/votes", run, s.createVote)
	api.Get("/votes", read, s.listVotes)
	api.Get("/votes/:id", read, s.getVote)
	api.Post("/votes/:id/open", run, s.openVote)
	api.Post("/votes/:id/schedule", run, s.voteAction((Votes).Schedule))
	api.Post("/votes/:id/close", run, s.voteAction((Votes).Close))
	api.Post("/votes/:id/cancel", run, s.voteAction((Votes).Cancel))
	api.Post("/votes/:id/publish", run, s.voteAction((Votes).Publish))
	api.Post("/votes/:id/extend", run, s.extendVote)
	api.Post("/votes/:id/reminders", run, s.sendReminders)
	api.Post("/votes/:id/voters", run, s.addVoter)
	api.Delete("/votes/:id/voters/:employee", run, s.removeVoter)
	api.Get("/votes/:id/participants", read, s.participants)
	api.Get("/votes/:id/results", s.publicResults, read, s.results)
}

func (s *Server) createVote(c *fiber.Ctx) error {
	var n ballot.NewVote
	if err := readJSONBody(c, &n); err != nil {
		return err
	}
	v, err := s.cfg.Votes.Create(c.UserContext(), voteActor(c), n)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) listVotes(c *fiber.Ctx) error {
	votes, err := s.cfg.Votes.List(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]voteJSON, 0, len(votes))
	for _, v := range votes {
		vj, err := s.withTurnout(c.UserContext(), v)
		if err != nil {
			return err
		}
		out = append(out, vj)
	}
	return c.JSON(fiber.Map{"votes": out})
}

func (s *Server) getVote(c *fiber.Ctx) error {
	v, err := s.cfg.Votes.Find(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	vj, err := s.withTurnout(c.UserContext(), v)
	if err != nil {
		return err
	}
	return c.JSON(vj)
}

func (s *Server) withTurnout(ctx context.Context, v *ballot.Vote) (voteJSON, error) {
	t, err := s.cfg.Votes.Turnout(ctx, v)
	if err != nil {
		return voteJSON{}, err
	}
	return voteJSON{Vote: v, Voted: t.Voted, TurnoutPercent: t.Percent, TurnoutByHour: t.ByHour}, nil
}

// openVote claims the opening and makes the tokens in the background (for
// 100,000 members it takes longer than a request may); the vote's status
// says "opening" until it is "open".
func (s *Server) openVote(c *fiber.Ctx) error {
	a := voteActor(c)
	v, err := s.cfg.Votes.BeginOpen(c.UserContext(), a, c.Params("id"))
	if err != nil {
		return err
	}
	id := v.ID
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if _, err := s.cfg.Votes.CompleteOpening(ctx, a, id); err != nil {
			s.log.Error("opening a vote failed; the scheduler resumes it when the lease expires", "vote", id, "error", err)
		}
	}()
	return c.Status(fiber.StatusAccepted).JSON(v)
}

func (s *Server) voteAction(f func(Votes, context.Context, ballot.Actor, string) (*ballot.Vote, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v, err := f(s.cfg.Votes, c.UserContext(), voteActor(c), c.Params("id"))
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

func (s *Server) extendVote(c *fiber.Ctx) error {
	var in struct {
		ClosesAt time.Time `json:"closes_at"`
	}
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	if in.ClosesAt.IsZero() {
		return errs.Field("closes_at", "the new closing time is missing (RFC 3339)")
	}
	v, err := s.cfg.Votes.Extend(c.UserContext(), voteActor(c), c.Params("id"), in.ClosesAt)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) sendReminders(c *fiber.Ctx) error {
	n, err := s.cfg.Votes.SendReminders(c.UserContext(), voteActor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"queued": n})
}

func (s *Server) addVoter(c *fiber.Ctx) error {
	var in struct {
		EmployeeID string `json:"employee_id"`
	}
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	if in.EmployeeID == "" {
		return errs.Field("employee_id", "the member's employee id is missing")
	}
	p, err := s.cfg.Votes.AddVoter(c.UserContext(), voteActor(c), c.Params("id"), in.EmployeeID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) removeVoter(c *fiber.Ctx) error {
	keep := c.QueryBool("keep_link", false)
	if err := s.cfg.Votes.RemoveVoter(c.UserContext(), voteActor(c), c.Params("id"), c.Params("employee"), keep); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func voteActor(c *fiber.Ctx) ballot.Actor {
	a := actorOf(c)
	return ballot.Actor{ID: a.OfficerID, Email: a.Email, Role: a.Role, IP: a.IP}
}
