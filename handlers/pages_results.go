package handlers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/errs"
)

// resultsBar is one choice's bar in the chart, in SVG user units.
type resultsBar struct {
	Choice, Percent string
	Count           int
	Y, Width, TextY int
}

type resultsPage struct {
	ID, Title, Outcome, Turnout, Commitment string
	Cast, Eligible                          int
	Bars                                    []resultsBar
	ChartHeight                             int
	Receipts                                []string
	Query                                   string
	Searched, Found                         bool
}

func (s *Server) pageResultsRoutes(a *fiber.App) {
	if s.cfg.Votes != nil {
		a.Get("/votes/:id/results", s.resultsPage)
	}
}

// resultsPage shows a vote's published results, with a receipt search
// (?receipt=) that works without JavaScript. Before publication, and for
// an unknown vote, it is a friendly "not found" page.
func (s *Server) resultsPage(c *fiber.Ctx) error {
	v, err := s.cfg.Votes.Find(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if v.Status != ballot.Published || v.Results == nil {
		return errs.New(errs.NotFound, "The results of this vote are not published yet. They appear here once the officers publish them after the close.")
	}
	p := buildResultsPage(v, strings.TrimSpace(c.Query("receipt")))
	return s.render(c, fiber.StatusOK, "results", p)
}

func buildResultsPage(v *ballot.Vote, receipt string) resultsPage {
	r := v.Results
	p := resultsPage{ID: v.ID, Title: v.Title, Outcome: outcomeText(r.Outcome), Turnout: fmt.Sprintf("%.1f%%", r.TurnoutPercent),
		Commitment: r.Commitment, Cast: r.Cast, Eligible: r.Eligible, Receipts: r.Receipts, Query: receipt}
	for i, ch := range r.Choices {
		y := i * 40
		p.Bars = append(p.Bars, resultsBar{Choice: ch.Choice, Count: ch.Count, Percent: fmt.Sprintf("%.1f%%", ch.Percent),
			Y: y, Width: int(ch.Percent * 2), TextY: y + 20})
	}
	p.ChartHeight = len(r.Choices) * 40
	if receipt != "" {
		p.Searched = true
		p.Found = slices.Contains(r.Receipts, strings.ToUpper(receipt)) || slices.Contains(r.Receipts, receipt)
	}
	return p
}

// outcomeText is the outcome as members read it.
func outcomeText(o string) string {
	switch o {
	case ballot.Ratified:
		return "Ratified"
	case ballot.Rejected:
		return "Rejected"
	case ballot.QuorumNotMet:
		return "Quorum not met"
	}
	return strings.ToUpper(o[:min(1, len(o))]) + o[min(1, len(o)):]
}
