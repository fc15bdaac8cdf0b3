package handlers

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/members"
	"github.com/ratifyhq/ratify/officers"
)

// What the officers' notice, meeting, contract, officer, audit and
// notification pages share: who is signed in, the forms' anti-forgery
// token, a message after a redirect, and field errors with the values kept.

// officerBase is the part of every officer page's data the layout and the
// forms need.
type officerBase struct {
	Email, Role, CSRF string
	// CanAct is true for the roles that may change things on the page.
	CanAct bool
	// Done says what the last action did (after its redirect).
	Done string
	// Error is a page-level problem (one that names no field).
	Error string
	// Errors holds field errors by form field name; Form the values posted.
	Errors map[string]string
	Form   map[string]string
}

// actRoles may post, schedule, upload and retry (as the JSON API).
var actRoles = []string{string(officers.RoleAdmin), string(officers.RoleOfficer)}

// newOfficerBase fills the base of a page; done looks its ?done= key up in
// messages, so that no text of the URL reaches the page.
func (s *Server) newOfficerBase(c *fiber.Ctx, messages map[string]string) officerBase {
	b := officerBase{CSRF: s.csrfToken(c), Errors: map[string]string{}, Form: map[string]string{}}
	if p, ok := principal(c); ok {
		b.Email, b.Role = strings.Clone(p.Email), string(p.Role)
		b.CanAct = slices.Contains(actRoles, b.Role)
	}
	b.Done = messages[c.Query("done")]
	return b
}

// keep copies the named form fields into b.Form (Fiber reuses its buffers).
func (b *officerBase) keep(c *fiber.Ctx, names ...string) {
	for _, n := range names {
		b.Form[n] = strings.Clone(c.FormValue(n))
	}
}

// take places an error a user can fix next to its field (renamed by
// fields, from the domain's name to the form's) or at the top of the page,
// and reports whether it did; any other error is for the error handler.
func (b *officerBase) take(err error, fields map[string]string) bool {
	e, ok := errs.As(err)
	if !ok {
		return false
	}
	switch e.Code {
	case errs.Invalid, errs.Conflict, errs.BadRequest, errs.NotFound, errs.TooLarge, errs.Unsupported:
	default:
		return false
	}
	if f, ok := fields[e.Field]; ok && e.Field != "" {
		b.Errors[f] = e.Message
		return true
	}
	b.Error = e.Error()
	return true
}

// failed reports whether the page has errors to show.
func (b *officerBase) failed() bool { return b.Error != "" || len(b.Errors) > 0 }

// confirmed reports whether a form was posted from its confirmation step.
func confirmed(c *fiber.Ctx) bool { return c.FormValue("confirmed") == "yes" }

// unionZone is the union's time zone: the configured one (RATIFY_TIMEZONE),
// else the roster's, else that of the latest vote, else the service's
// default.
func (s *Server) unionZone(ctx context.Context) *time.Location {
	if s.cfg.Location != nil {
		return s.cfg.Location
	}
	if m, ok := s.cfg.Members.(*members.Store); ok && m.Location != nil {
		return m.Location
	}
	if s.cfg.Votes != nil {
		if vs, err := s.cfg.Votes.List(ctx); err == nil && len(vs) > 0 {
			return vs[len(vs)-1].Location()
		}
	}
	if loc, err := time.LoadLocation("America/Anchorage"); err == nil {
		return loc
	}
	return time.UTC
}

// eligibleCounter is the roster's count of the members notices go to
// (members.Store.Eligible; the notice board mails the same list).
type eligibleCounter interface {
	Eligible(ctx context.Context) ([]members.Eligible, error)
}

// recipients returns how many members a notice would go to, or -1 when the
// roster cannot say.
func (s *Server) recipients(ctx context.Context) (int, error) {
	ec, ok := s.cfg.Members.(eligibleCounter)
	if !ok {
		return -1, nil
	}
	es, err := ec.Eligible(ctx)
	if err != nil {
		return 0, err
	}
	return len(es), nil
}

// pageTime formats a time for en-US readers in loc.
const pageTime = "Mon, Jan 2, 2006, 3:04 PM MST"
