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
	// Receipts is one page of the sorted receipts list (receiptsPerPage).
	Receipts                          []string
	From, To, Total, Prev, Next, Page int
	Query                             string
	Searched, Found                   bool
}

// receiptsPerPage keeps the results page well under 100 KB whatever the
// turnout (about 35 bytes a receipt); the full list is a download.
const receiptsPerPage = 1000

func (s *Server) pageResultsRoutes(a *fiber.App) {
	if s.cfg.Votes != nil {
		a.Get("/votes/:id/results", s.resultsPage)
		a.Get("/votes/:id/receipts.txt", s.receiptsText)
	}
}

// resultsPage shows a vote's published results, with a receipt search
// (?receipt=) that works without JavaScript. Before publication, and for
// an unknown vote, it is a friendly "not found" page.
func (s *Server) resultsPage(c *fiber.Ctx) error {
	v, r, err := s.publishedResults(c)
	if err != nil {
		return err
	}
	p := buildResultsPage(v, r, strings.TrimSpace(c.Query("receipt")), c.QueryInt("page", 1))
	return s.render(c, fiber.StatusOK, "results", p)
}

// receiptsText is every counted receipt, one a line, sorted: the list the
// commitment is computed over (with the choices), for anyone to check.
func (s *Server) receiptsText(c *fiber.Ctx) error {
	v, r, err := s.publishedResults(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="receipts-`+v.ID+`.txt"`)
	return c.SendString(strings.Join(r.Receipts, "\n") + "\n")
}

// publishedResults returns a published vote's results, or "not found"
// before publication.
func (s *Server) publishedResults(c *fiber.Ctx) (*ballot.Vote, *ballot.Results, error) {
	notYet := errs.New(errs.NotFound, "The results of this vote are not published yet. They appear here once the officers publish them after the close.")
	v, err := s.cfg.Votes.Find(c.UserContext(), c.Params("id"))
	if err != nil {
		return nil, nil, err
	}
	if v.Status != ballot.Published || v.Results == nil {
		return nil, nil, notYet
	}
	return s.cfg.Votes.Results(c.UserContext(), v.ID)
}

func buildResultsPage(v *ballot.Vote, r *ballot.Results, receipt string, page int) resultsPage {
	p := resultsPage{ID: v.ID, Title: v.Title, Outcome: outcomeText(r.Outcome), Turnout: fmt.Sprintf("%.1f%%", r.TurnoutPercent),
		Commitment: r.Commitment, Cast: r.Cast, Eligible: r.Eligible, Query: receipt, Total: len(r.Receipts)}
	for i, ch := range r.Choices {
		y := i * 40
		p.Bars = append(p.Bars, resultsBar{Choice: ch.Choice, Count: ch.Count, Percent: fmt.Sprintf("%.1f%%", ch.Percent),
			Y: y, Width: int(ch.Percent * 2), TextY: y + 20})
	}
	p.ChartHeight = len(r.Choices) * 40
	pages := max(1, (len(r.Receipts)+receiptsPerPage-1)/receiptsPerPage)
	p.Page = max(1, min(page, pages))
	lo := (p.Page - 1) * receiptsPerPage
	hi := min(lo+receiptsPerPage, len(r.Receipts))
	p.Receipts, p.From, p.To = r.Receipts[lo:hi], lo+1, hi
	if p.Page > 1 {
		p.Prev = p.Page - 1
	}
	if p.Page < pages {
		p.Next = p.Page + 1
	}
	if receipt != "" {
		// The list is sorted (ballot.Results).
		p.Searched = true
		_, p.Found = slices.BinarySearch(r.Receipts, strings.ToUpper(receipt))
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
