package handlers

import (
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/ballot"
)

// resultsJSON is the fixed shape of a vote's results.
type resultsJSON struct {
	VoteID string `json:"vote_id"`
	Title  string `json:"title"`
	Status string `json:"status"`
	*ballot.Results
}

// results is public once the results are published; before that an
// officer may see them after the close (409 before).
func (s *Server) publicResults(c *fiber.Ctx) error {
	v, err := s.cfg.Votes.Find(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if v.Status != ballot.Published {
		return c.Next()
	}
	v, r, err := s.cfg.Votes.Results(c.UserContext(), v.ID)
	if err != nil {
		return err
	}
	return c.JSON(resultsJSON{VoteID: v.ID, Title: v.Title, Status: string(v.Status), Results: r})
}

func (s *Server) results(c *fiber.Ctx) error {
	v, r, err := s.cfg.Votes.Results(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if c.Query("format") == "csv" {
		return sendCSV(c, "results-"+v.ID+".csv", resultsCSV(r))
	}
	return c.JSON(resultsJSON{VoteID: v.ID, Title: v.Title, Status: string(v.Status), Results: r})
}

func resultsCSV(r *ballot.Results) [][]string {
	rows := [][]string{{"choice", "count", "percent_of_cast"}}
	for _, ch := range r.Choices {
		rows = append(rows, []string{ch.Choice, fmt.Sprint(ch.Count), fmt.Sprintf("%.1f", ch.Percent)})
	}
	rows = append(rows, []string{"cast", fmt.Sprint(r.Cast), ""}, []string{"eligible", fmt.Sprint(r.Eligible), ""},
		[]string{"turnout_percent", fmt.Sprintf("%.1f", r.TurnoutPercent), ""}, []string{"outcome", r.Outcome, ""},
		[]string{"commitment", r.Commitment, ""})
	return rows
}

// participants lists who was eligible and who voted (never how), as JSON
// or, with ?format=csv, as a CSV export.
func (s *Server) participants(c *fiber.Ctx) error {
	ps, err := s.cfg.Votes.Participants(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if f := c.Query("filter"); f == "not_voted" {
		kept := ps[:0]
		for _, p := range ps {
			if !p.Voted {
				kept = append(kept, p)
			}
		}
		ps = kept
	}
	if c.Query("format") == "csv" {
		rows := [][]string{{"employee_id", "name", "email", "voted", "voted_on", "link_withdrawn"}}
		for _, p := range ps {
			rows = append(rows, []string{p.EmployeeID, p.Name, p.Email, fmt.Sprint(p.Voted), p.VotedOn, fmt.Sprint(p.Revoked)})
		}
		return sendCSV(c, "participation-"+c.Params("id")+".csv", rows)
	}
	return c.JSON(fiber.Map{"participants": ps})
}

func sendCSV(c *fiber.Ctx, name string, rows [][]string) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	for _, r := range rows {
		for i, cell := range r { // keep spreadsheets from running formulas
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				r[i] = "'" + cell
			}
		}
		w.Write(r)
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.SendString(b.String())
}
