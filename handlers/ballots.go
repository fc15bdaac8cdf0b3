package handlers

import (
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/errs"
)

func (s *Server) ballotRoutes(a *fiber.App, api fiber.Router) {
	api.Post("/ballots", s.tokenLimit, s.castAPI)
	a.Get("/v/:token", s.ballotPage)
	a.Post("/v/:token", s.tokenLimit, s.ballotSubmit)
	a.Get("/resend", s.resendPage)
	a.Post("/resend", s.resendSubmit)
	a.Post("/api/v1/resend", s.resendAPI)
}

// castAPI: POST /api/v1/ballots {token, choice} -> 201 {receipt}.
func (s *Server) castAPI(c *fiber.Ctx) error {
	var in struct {
		Token  string `json:"token"`
		Choice string `json:"choice"`
	}
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	r, err := s.cfg.Votes.Cast(c.UserContext(), in.Token, in.Choice)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// ballotView is the data of the ballot page.
type ballotView struct {
	Vote      *ballot.Vote
	State     string
	Token     string
	Choice    string
	Receipt   string
	Error     string
	OpensAt   string
	ClosesAt  string
	BaseURL   string
	Meetings  []meetingView
	TestBadge bool
}

type meetingView struct{ Title, When, URL string }

func (s *Server) newBallotView(v *ballot.Vote, token string) ballotView {
	loc := v.Location()
	f := func(t time.Time) string { return t.In(loc).Format("Monday, January 2, 2006 at 3:04 PM MST") }
	bv := ballotView{Vote: v, Token: token, OpensAt: f(v.OpensAt), ClosesAt: f(v.ClosesAt), BaseURL: s.cfg.BaseURL, TestBadge: v.Test}
	for _, m := range v.Info.Meetings {
		bv.Meetings = append(bv.Meetings, meetingView{m.Title, f(m.StartsAt), m.URL})
	}
	return bv
}

// ballotPage shows the ballot; it never consumes the token (mail scanners
// fetch links).
func (s *Server) ballotPage(c *fiber.Ctx) error {
	bv, err := s.loadBallot(c)
	if err != nil || bv == nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "ballot", bv)
}

// loadBallot reads the ballot of the link in the path. A bad link renders
// its page and returns nil, nil.
func (s *Server) loadBallot(c *fiber.Ctx) (*ballotView, error) {
	token := strings.Clone(c.Params("token"))
	view, err := s.cfg.Votes.View(c.UserContext(), token)
	if errors.Is(err, ballot.ErrBadToken) {
		return nil, s.render(c, fiber.StatusUnauthorized, "ballot_invalid", nil)
	}
	if err != nil {
		return nil, err
	}
	bv := s.newBallotView(view.Vote, token)
	bv.State = string(view.State)
	return &bv, nil
}

// ballotSubmit is the no-JavaScript ballot: the first post shows the
// confirmation ("You are voting YES. Ballots are final."), the second,
// with confirm=yes, casts.
func (s *Server) ballotSubmit(c *fiber.Ctx) error {
	bv, err := s.loadBallot(c)
	if err != nil || bv == nil {
		return err
	}
	choice, ok := bv.Vote.ChoiceIndex(c.FormValue("choice"))
	if !ok {
		bv.Error = "Choose one of the options before you continue."
		return s.render(c, fiber.StatusUnprocessableEntity, "ballot", bv)
	}
	bv.Choice = choice
	if c.FormValue("confirm") != "yes" {
		bv.State = "confirm"
		return s.render(c, fiber.StatusOK, "ballot", bv)
	}
	r, err := s.cfg.Votes.Cast(c.UserContext(), bv.Token, choice)
	switch {
	case errors.Is(err, ballot.ErrAlreadyVoted):
		bv.State = string(ballot.StateAlreadyVoted)
		return s.render(c, fiber.StatusConflict, "ballot", bv)
	case errors.Is(err, ballot.ErrVoteClosed):
		bv.State = string(ballot.StateClosed)
		return s.render(c, fiber.StatusConflict, "ballot", bv)
	case errors.Is(err, ballot.ErrVoteNotOpen):
		bv.State = string(ballot.StateNotYetOpen)
		return s.render(c, fiber.StatusConflict, "ballot", bv)
	case err != nil:
		return err
	}
	bv.State, bv.Receipt = "cast", r.Receipt
	return s.render(c, fiber.StatusCreated, "ballot", bv)
}

func (s *Server) resendPage(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "resend", fiber.Map{"Sent": false})
}

// resendSubmit answers the same whatever the email, so that the page does
// not tell who is a member.
func (s *Server) resendSubmit(c *fiber.Ctx) error {
	if err := s.resend(c, c.FormValue("email")); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "resend", fiber.Map{"Sent": true})
}

func (s *Server) resendAPI(c *fiber.Ctx) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	if err := s.resend(c, in.Email); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"message": "If this email belongs to a member who can vote and has not voted, a new link is on its way."})
}

func (s *Server) resend(c *fiber.Ctx, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if !s.limits.allow("resend-ip:"+clientIP(c), 10, time.Hour) || !s.limits.allow("resend-email:"+email, 3, time.Hour) {
		return errs.New(errs.RateLimited, "too many requests for a new link; try again in an hour")
	}
	return s.cfg.Votes.Resend(c.UserContext(), email)
}

// tokenLimit limits attempts per voting token (by its hash) and per IP.
func (s *Server) tokenLimit(c *fiber.Ctx) error {
	tok := c.Params("token")
	if tok == "" {
		var in struct {
			Token string `json:"token"`
		}
		readJSONBody(c, &in)
		tok = in.Token
	}
	sum := sha256.Sum256([]byte(tok))
	if !s.limits.allow("token:"+string(sum[:8]), 20, time.Minute) {
		return errs.New(errs.RateLimited, "too many attempts with this link; wait a minute")
	}
	if s.cfg.CastPerIPPerMinute > 0 && !s.limits.allow("cast-ip:"+clientIP(c), s.cfg.CastPerIPPerMinute, time.Minute) {
		return errs.New(errs.RateLimited, "too many ballots from this network; wait a minute")
	}
	return c.Next()
}

// limiter is a fixed-window counter per key, in memory (per instance).
type limiter struct {
	mu      sync.Mutex
	windows map[string]*window
	sweep   time.Time
}

type window struct {
	start time.Time
	n     int
}

func (l *limiter) allow(key string, n int, per time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.windows == nil {
		l.windows = map[string]*window{}
	}
	if now.Sub(l.sweep) > time.Minute {
		for k, w := range l.windows {
			if now.Sub(w.start) > time.Hour {
				delete(l.windows, k)
			}
		}
		l.sweep = now
	}
	w := l.windows[key]
	if w == nil || now.Sub(w.start) >= per {
		w = &window{start: now}
		l.windows[key] = w
	}
	w.n++
	return w.n <= n
}
