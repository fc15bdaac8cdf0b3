package handlers

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/officers"
)

// The officers' audit log page (with the chain check) and email campaign
// page (with retries), behind the same role checks as their JSON API.

func (s *Server) pageOfficerAuditRoutes(a *fiber.App) {
	if s.cfg.Audit != nil {
		// As GET /api/v1/audit: observers and officers (and administrators).
		a.Get("/officer/audit", s.requireRole("observer", "officer"), s.auditPage)
	}
	if s.cfg.Notifications != nil && s.cfg.Board != nil {
		a.Get("/officer/notifications", s.requireRole(allRoles...), s.notificationsPage)
		a.Post("/officer/notifications/retry", s.requireRole(actRoles...), s.retryForm)
	}
}

// auditPageSize is the number of entries on one page of the log.
const auditPageSize = 50

// auditRow is an entry as the page shows it.
type auditRow struct {
	Seq                                         int64
	At, Actor, Role, IP, Action, Object, Detail string
	Hash                                        string
}

// chainCheck is the outcome of the chain check, in words.
type chainCheck struct {
	OK               bool
	Entries          string
	HeadHash         string
	BrokenAt         int64
	Problem          string
	CanVerify, Shown bool
}

type auditPage struct {
	officerBase
	Chain                               chainCheck
	Entries                             []auditRow
	Action, Object                      string
	Page                                int
	PrevURL, NextURL, CSVURL, VerifyURL string
	From, To                            int
}

// auditPage shows the log newest first, a page at a time, filtered by
// action and object as GET /api/v1/audit, with the chain check on top of
// its first page (or with ?verify=1) for the roles GET /api/v1/audit/verify
// admits (observers, administrators).
func (s *Server) auditPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := auditPage{officerBase: s.newOfficerBase(c, nil), Action: strings.TrimSpace(c.Query("action")),
		Object: strings.TrimSpace(c.Query("object")), Page: max(1, c.QueryInt("page", 1))}
	role := officers.Role(p.Role)
	p.Chain.CanVerify = role == officers.RoleObserver || role == officers.RoleAdmin
	// The check reads the whole log (about 1 s for 3,000 entries on the
	// embedded store): it runs on the log's first page, not on every page
	// and filter an officer browses.
	if p.Chain.CanVerify && (p.Page == 1 && p.Action == "" && p.Object == "" || c.Query("verify") == "1") {
		r, err := s.cfg.Audit.Verify(ctx)
		if err != nil {
			return err
		}
		p.Chain = chainCheck{OK: r.OK, Entries: thousands(int(r.Entries)), HeadHash: r.HeadHash, BrokenAt: r.BrokenAt,
			Problem: r.Problem, CanVerify: true, Shown: true}
	}
	offset := (p.Page - 1) * auditPageSize
	entries, err := s.cfg.Audit.List(ctx, audit.Filter{Action: p.Action, Object: p.Object, Limit: auditPageSize + 1, Offset: offset})
	if err != nil {
		return err
	}
	more := len(entries) > auditPageSize
	if more {
		entries = entries[:auditPageSize]
	}
	loc := s.unionZone(ctx)
	for _, e := range entries {
		actor := e.Actor.Email
		if actor == "" {
			actor = e.Actor.OfficerID
		}
		p.Entries = append(p.Entries, auditRow{Seq: e.Seq, At: e.At.In(loc).Format("2006-01-02 15:04:05 MST"), Actor: actor,
			Role: e.Actor.Role, IP: e.Actor.IP, Action: e.Action, Object: e.Object, Detail: detailText(e.Detail), Hash: e.Hash})
	}
	p.From, p.To = offset+1, offset+len(p.Entries)
	q := url.Values{}
	if p.Action != "" {
		q.Set("action", p.Action)
	}
	if p.Object != "" {
		q.Set("object", p.Object)
	}
	pageURL := func(n int) string {
		v := url.Values{}
		for k, x := range q {
			v[k] = x
		}
		v.Set("page", strconv.Itoa(n))
		return "/officer/audit?" + v.Encode()
	}
	if p.Page > 1 {
		p.PrevURL = pageURL(p.Page - 1)
	}
	if more {
		p.NextURL = pageURL(p.Page + 1)
	}
	p.VerifyURL = pageURL(p.Page) + "&verify=1"
	q.Set("format", "csv")
	q.Set("limit", "500")
	p.CSVURL = "/api/v1/audit?" + q.Encode()
	return s.render(c, fiber.StatusOK, "officer_audit", p)
}

// detailText writes an entry's detail as "key=value" pairs, sorted.
func detailText(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + d[k])
	}
	return b.String()
}

// campaignRow is a campaign with its counts and failed messages.
type campaignRow struct {
	Campaign, Template, Created string
	Enqueued, Queued, Sending   int
	Sent, Failed                int
	Failures                    []failureRow
}

type failureRow struct {
	ID, To, Error, At string
	Attempts          int
}

type notificationsPage struct {
	officerBase
	Campaigns []campaignRow
	// Retry is the failed message waiting for the confirm of its retry.
	Retry *failureRow
}

var notificationDone = map[string]string{"retried": "The message is queued again; it is sent within a minute."}

func (s *Server) notificationsPage(c *fiber.Ctx) error {
	return s.renderNotifications(c, fiber.StatusOK, notificationsPage{officerBase: s.newOfficerBase(c, notificationDone)})
}

func (s *Server) renderNotifications(c *fiber.Ctx, status int, p notificationsPage) error {
	ctx := c.UserContext()
	all, err := s.cfg.Notifications.Campaigns(ctx)
	if err != nil {
		return err
	}
	loc := s.unionZone(ctx)
	retryID := ""
	if p.Retry != nil {
		retryID, p.Retry = p.Retry.ID, nil
	}
	for _, cs := range all {
		if cs.Failed > 0 {
			full, err := s.cfg.Notifications.Campaign(ctx, cs.Campaign)
			if err != nil {
				return err
			}
			cs.Failures = full.Failures
		}
		r := campaignRow{Campaign: cs.Campaign, Template: cs.Template, Enqueued: cs.Enqueued, Queued: cs.Queued,
			Sending: cs.Sending, Sent: cs.Sent, Failed: cs.Failed}
		if !cs.Created.IsZero() {
			r.Created = cs.Created.In(loc).Format(pageTime)
		}
		for _, f := range cs.Failures {
			fr := failureRow{ID: f.ID, To: f.To, Error: f.Error, Attempts: f.Attempts, At: f.At.In(loc).Format(pageTime)}
			r.Failures = append(r.Failures, fr)
			if fr.ID == retryID {
				p.Retry = &fr
			}
		}
		p.Campaigns = append(p.Campaigns, r)
	}
	if retryID != "" && p.Retry == nil && p.Error == "" {
		p.Error = "There is no failed message " + retryID + " to retry."
	}
	return s.render(c, status, "officer_notifications", p)
}

// retryForm asks for a confirm, then queues a failed message again
// (audited as notification.retry, as POST /api/v1/notifications/{id}/retry).
func (s *Server) retryForm(c *fiber.Ctx) error {
	id := strings.Clone(c.FormValue("id"))
	p := notificationsPage{officerBase: s.newOfficerBase(c, nil)}
	if !confirmed(c) {
		p.Retry = &failureRow{ID: id}
		return s.renderNotifications(c, fiber.StatusOK, p)
	}
	if err := s.cfg.Notifications.Retry(c.UserContext(), id); err != nil {
		if p.take(err, nil) {
			return s.renderNotifications(c, statusOf[errs.CodeOf(err)], p)
		}
		return err
	}
	if err := s.auditNotify(c, "notification.retry", id, nil); err != nil {
		return err
	}
	return c.Redirect("/officer/notifications?done=retried", fiber.StatusSeeOther)
}
