package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/audit"
)

// AuditLog is what the audit handlers call (audit.Log).
type AuditLog interface {
	List(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	Verify(ctx context.Context) (audit.Report, error)
}

func (s *Server) auditRoutes(api fiber.Router) {
	if s.cfg.Audit == nil {
		return
	}
	read := s.requireRole("observer")
	// Officers export the entries of the votes they run (issue 4), so they
	// may read the log too; verifying the chain stays with observers.
	api.Get("/audit", s.requireRole("observer", "officer"), s.listAudit)
	api.Get("/audit/verify", read, s.verifyAudit)
}

// listAudit answers GET /api/v1/audit?object=&action=&limit=&offset=,
// newest entries first.
func (s *Server) listAudit(c *fiber.Ctx) error {
	f := audit.Filter{
		Object: strings.Clone(c.Query("object")), Action: strings.Clone(c.Query("action")),
		Limit: c.QueryInt("limit", 100), Offset: c.QueryInt("offset", 0),
	}
	if c.Query("format") == "csv" {
		return s.auditCSV(c, f)
	}
	entries, err := s.cfg.Audit.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"entries": entries})
}

// auditCSV exports every entry matching f (not one page), newest first,
// the detail as JSON.
func (s *Server) auditCSV(c *fiber.Ctx, f audit.Filter) error {
	rows := [][]string{{"seq", "at", "actor_email", "actor_id", "role", "ip", "action", "object", "detail", "hash"}}
	f.Limit, f.Offset = 500, 0
	for {
		entries, err := s.cfg.Audit.List(c.UserContext(), f)
		if err != nil {
			return err
		}
		for _, e := range entries {
			detail := ""
			if len(e.Detail) > 0 {
				b, _ := json.Marshal(e.Detail)
				detail = string(b)
			}
			rows = append(rows, []string{fmt.Sprint(e.Seq), e.At.UTC().Format(time.RFC3339), e.Actor.Email, e.Actor.OfficerID,
				e.Actor.Role, e.Actor.IP, e.Action, e.Object, detail, e.Hash})
		}
		if len(entries) < f.Limit {
			break
		}
		f.Offset += len(entries)
	}
	return sendCSV(c, "audit.csv", rows)
}

// verifyAudit answers GET /api/v1/audit/verify with the chain's check.
func (s *Server) verifyAudit(c *fiber.Ctx) error {
	r, err := s.cfg.Audit.Verify(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(r)
}
