package handlers

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/officers"
)

// The officers' pages for contract versions and officer accounts. Each
// action calls the same store method, and writes the same audit entry, as
// its JSON API endpoint, behind the same role check.

// pageOfficerAdminRoutes registers the notice, meeting, contract, officer,
// audit and notification pages.
func (s *Server) pageOfficerAdminRoutes(a *fiber.App) {
	s.pageOfficerNoticeRoutes(a)
	read := s.requireRole(allRoles...)
	act := s.requireRole(actRoles...)
	if s.cfg.Contracts != nil {
		a.Get("/officer/contracts", read, s.contractsOfficerPage)
		if s.cfg.ContractVersions != nil && s.cfg.ContractAudit != nil {
			a.Post("/officer/contracts", act, s.contractUploadForm)
			a.Post("/officer/contracts/:id/status", act, s.contractStatusForm)
		}
	}
	if s.cfg.Officers != nil {
		admin := s.requireRole(string(officers.RoleAdmin))
		a.Get("/officer/officers", admin, s.officersPage)
		a.Post("/officer/officers", admin, s.officerAddForm)
		a.Post("/officer/officers/:id/role", admin, s.officerRoleForm)
		a.Post("/officer/officers/:id/password", admin, s.officerPasswordForm)
		a.Post("/officer/officers/:id/unlock", admin, s.officerUnlockForm)
		a.Post("/officer/officers/:id/remove", admin, s.officerRemoveForm)
	}
	s.pageOfficerAuditRoutes(a)
}

// statusRow is one event of a contract's status history.
type statusRow struct {
	Label, Date, VoteID, Note string
}

// statusOption is a status a contract may move to.
type statusOption struct {
	Value, Label string
	Selected     bool
}

type contractRow struct {
	ID, Title, Term, Status, SHA256, Source string
	History                                 []statusRow
	Next                                    []statusOption
}

// contractConfirm is a status change waiting for the officer's confirm.
type contractConfirm struct {
	ID, Title, From, To        string
	Status, Date, VoteID, Note string
}

type contractsPage struct {
	officerBase
	CanUpload bool
	Contracts []contractRow
	Votes     []voteOption
	Today     string
	// FormID is the contract whose status form Errors and Form belong to.
	FormID  string
	Confirm *contractConfirm
}

var contractDone = map[string]string{
	"published": "The new version is published.",
	"repeat":    "That exact text was already published: nothing changed.",
	"advanced":  "The status is recorded.",
	"same":      "That status change was already recorded: nothing changed.",
}

func (s *Server) contractsOfficerPage(c *fiber.Ctx) error {
	return s.renderContracts(c, fiber.StatusOK, contractsPage{officerBase: s.newOfficerBase(c, contractDone)})
}

func (s *Server) renderContracts(c *fiber.Ctx, status int, p contractsPage) error {
	ctx := c.UserContext()
	p.CanUpload = p.CanAct && s.cfg.ContractVersions != nil && s.cfg.ContractAudit != nil
	p.Today = time.Now().In(s.unionZone(ctx)).Format(time.DateOnly)
	for _, sum := range s.cfg.Contracts.List() {
		d, err := s.cfg.Contracts.Get(sum.ID)
		if err != nil {
			return err
		}
		r := contractRow{ID: d.ID, Title: d.Title, Term: d.Term.Start + " to " + d.Term.End,
			Status: d.LatestStatus().Status.Label(), SHA256: d.SHA256, Source: d.Source}
		for _, ev := range d.Status {
			r.History = append(r.History, statusRow{Label: ev.Status.Label(), Date: ev.Date, VoteID: ev.VoteID, Note: ev.Note})
		}
		rank := d.LatestStatus().Status.Rank()
		for _, st := range contracts.Statuses() {
			if st.Rank() > rank {
				sel := p.FormID == d.ID && p.Form["status"] == string(st)
				r.Next = append(r.Next, statusOption{Value: string(st), Label: st.Label(), Selected: sel})
			}
		}
		p.Contracts = append(p.Contracts, r)
	}
	votes, err := s.voteOptions(ctx, p.Form["vote_id"])
	if err != nil {
		return err
	}
	p.Votes = votes
	return s.render(c, status, "officer_contracts", p)
}

// contractUploadForm publishes an uploaded version (the multipart field
// "source"), audited as contract.publish, and goes back to the list; a bad
// file is shown next to the upload field, naming its line.
func (s *Server) contractUploadForm(c *fiber.Ctx) error {
	p := contractsPage{officerBase: s.newOfficerBase(c, nil)}
	name, src, err := readContractSource(c)
	if err == nil && len(src) == 0 {
		err = errs.Field("source", "the file is empty")
	}
	var sum contracts.Summary
	var published bool
	if err == nil {
		sum, published, err = s.cfg.ContractVersions.Publish(c.UserContext(), name, src, actorOf(c).Email)
	}
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code != errs.Unavailable && statusOf[e.Code] < 500 {
			p.Errors["source"] = e.Error()
			return s.renderContracts(c, statusOf[e.Code], p)
		}
		return err
	}
	detail := map[string]string{"sha256": sum.SHA256, "file": name, "repeat": fmt.Sprint(!published)}
	if _, err := s.cfg.ContractAudit.Append(c.UserContext(), actorOf(c), "contract.publish", sum.ID, detail); err != nil {
		return err
	}
	done := "published"
	if !published {
		done = "repeat"
	}
	return c.Redirect("/officer/contracts?done="+done+"#c-"+url.PathEscape(sum.ID), fiber.StatusSeeOther)
}

// contractStatusForm checks a status change and asks for a confirm; posted
// again with confirmed=yes it records it (audited as contract.status).
func (s *Server) contractStatusForm(c *fiber.Ctx) error {
	id := utils.CopyString(c.Params("id"))
	p := contractsPage{officerBase: s.newOfficerBase(c, nil), FormID: id}
	p.keep(c, "status", "date", "vote_id", "note")
	ev := contracts.StatusEvent{Status: contracts.Status(p.Form["status"]), Date: strings.TrimSpace(p.Form["date"]),
		VoteID: strings.TrimSpace(p.Form["vote_id"]), Note: strings.TrimSpace(p.Form["note"])}
	d, err := s.cfg.Contracts.Get(id)
	if err != nil {
		return err
	}
	fields := map[string]string{"status": "status", "date": "date", "vote_id": "vote_id"}
	if err := contracts.CheckAdvance(d.Status, ev); err != nil && !(len(d.Status) > 0 && d.Status[len(d.Status)-1] == ev) {
		if p.take(err, fields) {
			return s.renderContracts(c, fiber.StatusUnprocessableEntity, p)
		}
		return err
	}
	if !confirmed(c) {
		p.Confirm = &contractConfirm{ID: d.ID, Title: d.Title, From: d.LatestStatus().Status.Label(), To: ev.Status.Label(),
			Status: string(ev.Status), Date: ev.Date, VoteID: ev.VoteID, Note: ev.Note}
		return s.renderContracts(c, fiber.StatusOK, p)
	}
	actor := actorOf(c)
	_, changed, err := s.cfg.ContractVersions.Advance(c.UserContext(), id, ev, actor.Email)
	if err != nil {
		if p.take(err, fields) {
			return s.renderContracts(c, fiber.StatusUnprocessableEntity, p)
		}
		return err
	}
	detail := map[string]string{"status": string(ev.Status), "date": ev.Date, "vote_id": ev.VoteID, "repeat": fmt.Sprint(!changed)}
	if _, err := s.cfg.ContractAudit.Append(c.UserContext(), actor, "contract.status", id, detail); err != nil {
		return err
	}
	done := "advanced"
	if !changed {
		done = "same"
	}
	return c.Redirect("/officer/contracts?done="+done+"#c-"+url.PathEscape(id), fiber.StatusSeeOther)
}

// officerRow is an account as the officers page shows it.
type officerRow struct {
	ID, Email, Name, Role, Created, LockedUntil string
	Self                                        bool
	Roles                                       []statusOption
}

type officersPage struct {
	officerBase
	Officers []officerRow
	Roles    []statusOption
	// MinPassword is the shortest password the store accepts.
	MinPassword int
	// Remove is the account waiting for the confirm of its removal.
	Remove *officerRow
}

var officerDone = map[string]string{
	"added":    "The officer is added: give them their email and initial password; they can change it after signing in.",
	"role":     "The role is changed; the officer's open sessions have ended.",
	"password": "The password is reset; the officer's open sessions have ended.",
	"unlocked": "The account is unlocked.",
	"removed":  "The officer is removed and signed out.",
}

var roleLabels = []statusOption{
	{Value: string(officers.RoleAdmin), Label: "Administrator"},
	{Value: string(officers.RoleOfficer), Label: "Officer"},
	{Value: string(officers.RoleObserver), Label: "Observer"},
}

func roleOptions(selected string) []statusOption {
	out := append([]statusOption(nil), roleLabels...)
	for i := range out {
		out[i].Selected = out[i].Value == selected
	}
	return out
}

func (s *Server) officersPage(c *fiber.Ctx) error {
	p := officersPage{officerBase: s.newOfficerBase(c, officerDone)}
	p.Form["role"] = string(officers.RoleOfficer)
	return s.renderOfficers(c, fiber.StatusOK, p)
}

func (s *Server) renderOfficers(c *fiber.Ctx, status int, p officersPage) error {
	list, err := s.cfg.Officers.List(c.UserContext())
	if err != nil {
		return err
	}
	loc := s.unionZone(c.UserContext())
	me, _ := principal(c)
	for _, o := range list {
		r := officerRow{ID: o.ID, Email: o.Email, Name: o.Name, Role: string(o.Role), Created: o.CreatedAt.In(loc).Format(pageTime),
			Self: o.ID == me.OfficerID, Roles: roleOptions(string(o.Role))}
		if o.LockedUntil != nil && o.LockedUntil.After(time.Now()) {
			r.LockedUntil = o.LockedUntil.In(loc).Format(pageTime)
		}
		p.Officers = append(p.Officers, r)
		if p.Remove != nil && p.Remove.ID == o.ID {
			p.Remove = &r
		}
	}
	if p.Remove != nil && p.Remove.Email == "" {
		p.Remove, p.Error = nil, "There is no such officer."
	}
	p.Roles, p.MinPassword = roleOptions(p.Form["role"]), officers.MinPasswordLength
	return s.render(c, status, "officer_officers", p)
}

// officerAddForm creates an account with its initial password (the store
// audits it as officer.added).
func (s *Server) officerAddForm(c *fiber.Ctx) error {
	p := officersPage{officerBase: s.newOfficerBase(c, nil)}
	p.keep(c, "email", "name", "role")
	n := officers.NewOfficer{Email: p.Form["email"], Name: p.Form["name"], Role: officers.Role(p.Form["role"]), Password: c.FormValue("password")}
	if _, err := s.cfg.Officers.Create(c.UserContext(), actorOf(c), n); err != nil {
		if p.take(err, map[string]string{"email": "email", "name": "name", "role": "role", "password": "password"}) {
			return s.renderOfficers(c, statusOf[errs.CodeOf(err)], p)
		}
		return err
	}
	return c.Redirect("/officer/officers?done=added", fiber.StatusSeeOther)
}

// officerAction runs an account change and goes back to the list, or shows
// the list with what went wrong.
func (s *Server) officerAction(c *fiber.Ctx, done string, act func(id string) error) error {
	if err := act(utils.CopyString(c.Params("id"))); err != nil {
		p := officersPage{officerBase: s.newOfficerBase(c, nil)}
		if p.take(err, nil) {
			return s.renderOfficers(c, statusOf[errs.CodeOf(err)], p)
		}
		return err
	}
	return c.Redirect("/officer/officers?done="+done, fiber.StatusSeeOther)
}

func (s *Server) officerRoleForm(c *fiber.Ctx) error {
	return s.officerAction(c, "role", func(id string) error {
		_, err := s.cfg.Officers.SetRole(c.UserContext(), actorOf(c), id, officers.Role(strings.Clone(c.FormValue("role"))))
		return err
	})
}

func (s *Server) officerPasswordForm(c *fiber.Ctx) error {
	return s.officerAction(c, "password", func(id string) error {
		return s.cfg.Officers.SetPassword(c.UserContext(), actorOf(c), id, c.FormValue("password"))
	})
}

func (s *Server) officerUnlockForm(c *fiber.Ctx) error {
	return s.officerAction(c, "unlocked", func(id string) error {
		return s.cfg.Officers.LiftLockout(c.UserContext(), actorOf(c), id)
	})
}

// officerRemoveForm asks for a confirm, then removes the account.
func (s *Server) officerRemoveForm(c *fiber.Ctx) error {
	if !confirmed(c) {
		p := officersPage{officerBase: s.newOfficerBase(c, nil), Remove: &officerRow{ID: utils.CopyString(c.Params("id"))}}
		return s.renderOfficers(c, fiber.StatusOK, p)
	}
	return s.officerAction(c, "removed", func(id string) error {
		return s.cfg.Officers.Remove(c.UserContext(), actorOf(c), id)
	})
}
