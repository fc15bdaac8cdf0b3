package handlers

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/members"
)

// Roster is what the member handlers call (members.Store).
type Roster interface {
	ImportRoster(ctx context.Context, actor audit.Actor, data []byte, opts members.ImportOptions) (*members.ImportReport, error)
	List(ctx context.Context, f members.ListFilter) (members.Page, error)
	FindByID(ctx context.Context, employeeID string) (members.Member, error)
	UpdateMember(ctx context.Context, actor audit.Actor, employeeID string, p members.Patch) (members.Member, error)
}

// importTimeout bounds a roster import, which may outlast the request
// deadline: a 100,000-row roster takes about 15 s to apply. The import
// converges if it is cut short, so a re-run finishes it.
const importTimeout = 5 * time.Minute

func (s *Server) memberRoutes(api fiber.Router) {
	if s.cfg.Members == nil {
		return
	}
	officer := s.requireRole("officer")
	api.Post("/members/import", officer, s.importRoster)
	api.Get("/members", officer, s.listMembers)
	api.Get("/members/:employee_id", officer, s.getMember)
	api.Patch("/members/:employee_id", officer, s.patchMember)
}

// importRoster answers POST /api/v1/members/import[?dry_run=true][&partial=true]
// with the roster file in the multipart field "roster": the report of what
// the import did (or would do), or 422 with the same report listing every
// row error, in which case nothing changed.
func (s *Server) importRoster(c *fiber.Ctx) error {
	fh, err := c.FormFile("roster")
	if err != nil {
		return errs.Field("roster", "attach the roster file (CSV or XLSX) in the form field \"roster\"")
	}
	if fh.Size > members.MaxRosterBytes {
		return errs.New(errs.TooLarge, "The roster file is larger than %d MiB.", members.MaxRosterBytes>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, members.MaxRosterBytes+1))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), importTimeout)
	defer cancel()
	opts := members.ImportOptions{DryRun: c.QueryBool("dry_run"), Partial: c.QueryBool("partial"), MaxListed: 1000}
	report, err := s.cfg.Members.ImportRoster(ctx, actorOf(c), data, opts)
	if err != nil && report != nil && errors.Is(err, members.ErrRowErrors) {
		e, _ := errs.As(err)
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{
			"error":  apiErrorBody{Code: string(e.Code), Message: e.Message, RequestID: requestID(c)},
			"report": report,
		})
	}
	if err != nil {
		return err
	}
	return c.JSON(report)
}

// memberStatuses are the values of the list's status filter.
var memberStatuses = []string{"", "member", "fee_payer", "non_member", "separated", "current"}

// listMembers answers GET /api/v1/members?status=&location=&range=&q=&limit=&offset=.
func (s *Server) listMembers(c *fiber.Ctx) error {
	f := members.ListFilter{
		Status: strings.Clone(c.Query("status")), WorkLocation: strings.Clone(c.Query("location")),
		Range: strings.Clone(c.Query("range")), Query: strings.Clone(c.Query("q")),
		Limit: c.QueryInt("limit", 50), Offset: c.QueryInt("offset", 0),
	}
	valid := false
	for _, v := range memberStatuses {
		valid = valid || f.Status == v
	}
	if !valid {
		return errs.Field("status", "status must be member, fee_payer, non_member, separated or current")
	}
	page, err := s.cfg.Members.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

// getMember answers GET /api/v1/members/{employee_id}.
func (s *Server) getMember(c *fiber.Ctx) error {
	m, err := s.cfg.Members.FindByID(c.UserContext(), strings.Clone(c.Params("employee_id")))
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// patchMember answers PATCH /api/v1/members/{employee_id} with an officer's
// correction; the change is audited.
func (s *Server) patchMember(c *fiber.Ctx) error {
	var p members.Patch
	if err := readJSONBody(c, &p); err != nil {
		return err
	}
	m, err := s.cfg.Members.UpdateMember(c.UserContext(), actorOf(c), strings.Clone(c.Params("employee_id")), p)
	if err != nil {
		return err
	}
	return c.JSON(m)
}
