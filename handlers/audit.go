package handlers

import (
	"context"
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
	entries, err := s.cfg.Audit.List(c.UserContext(), audit.Filter{
		Object: strings.Clone(c.Query("object")), Action: strings.Clone(c.Query("action")),
		Limit: c.QueryInt("limit", 100), Offset: c.QueryInt("offset", 0),
	})
	if err != nil {
		return err
	}
	if c.Query("format") == "csv" {
		rows := [][]string{{"seq", "at", "actor", "role", "ip", "action", "object", "detail", "hash"}}
		for _, e := range entries {
			rows = append(rows, []string{fmt.Sprint(e.Seq), e.At.UTC().Format(time.RFC3339), e.Actor.Email + e.Actor.OfficerID,
				e.Actor.Role, e.Actor.IP, e.Action, e.Object, fmt.Sprint(e.Detail), e.Hash})
		}
		return sendCSV(c, "audit.csv", rows)
	}
	return c.JSON(fiber.Map{"entries": entries})
}

// verifyAudit answers GET /api/v1/audit/verify with the chain's check.
func (s *Server) verifyAudit(c *fiber.Ctx) error {
	r, err := s.cfg.Audit.Verify(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(r)
}
