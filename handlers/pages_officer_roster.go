package handlers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/members"
)

// The roster pages: upload a roster, see what it would do (a dry run),
// confirm to apply exactly the previewed file; and the searchable list.

const (
	// stagedRosterTTL is how long a previewed upload waits for its confirm.
	stagedRosterTTL = 30 * time.Minute
	// maxStagedRosters bounds the uploads kept in memory (one per session).
	maxStagedRosters = 8
	// rosterListed caps each list of a preview shown on the page.
	rosterListed   = 200
	rosterPageSize = 50
)

// stagedRoster is an uploaded roster waiting for its officer's confirm: the
// exact bytes previewed, bound to the session that previewed them.
type stagedRoster struct {
	id, session, name string
	data              []byte
	partial           bool
	digest            string // of the previewed report: a change means the roster moved
	expires           time.Time
}

// rosterStash keeps staged uploads in this process's memory. An instance
// behind a load balancer without sticky sessions may not see the preview
// another made: the page then asks for the upload again.
type rosterStash struct {
	mu    sync.Mutex
	items map[string]*stagedRoster
}

var stagedRosters = &rosterStash{items: map[string]*stagedRoster{}}

// put keeps r, replacing any other upload of its session, and evicts the
// expired and, past the bound, the oldest.
func (st *rosterStash) put(r *stagedRoster, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var oldest *stagedRoster
	for id, x := range st.items {
		if x.session == r.session || now.After(x.expires) {
			delete(st.items, id)
			continue
		}
		if oldest == nil || x.expires.Before(oldest.expires) {
			oldest = x
		}
	}
	if len(st.items) >= maxStagedRosters && oldest != nil {
		delete(st.items, oldest.id)
	}
	st.items[r.id] = r
}

// get returns a copy of the upload id of session, if it has not expired.
func (st *rosterStash) get(id, session string, now time.Time) (*stagedRoster, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.items[id]
	if !ok || r.session != session || now.After(r.expires) {
		return nil, false
	}
	cp := *r
	return &cp, true
}

func (st *rosterStash) setDigest(id, digest string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if r, ok := st.items[id]; ok {
		r.digest = digest
	}
}

func (st *rosterStash) drop(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.items, id)
}

// take removes the upload, reporting whether it was still there: of two
// confirms of one upload (a double click), one applies it.
func (st *rosterStash) take(id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.items[id]
	delete(st.items, id)
	return ok
}

func reportDigest(r *members.ImportReport) string {
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// memberRow is one line of the member list.
type memberRow struct {
	EmployeeID, Name, Email, Status string
	Separated                       bool
}

// rosterPage is the data of officer_roster.html.
type rosterPage struct {
	CSRF, Query, Status, Error string
	Statuses                   []string
	Members                    []memberRow
	Total, From, To            int
	PrevURL, NextURL           string
}

// rosterPreviewPage is the data of officer_roster_preview.html.
type rosterPreviewPage struct {
	CSRF, UploadID, FileName, Error string
	Partial, Changed, Applied       bool
	Report                          *members.ImportReport
	Expires                         int // minutes the upload is kept
}

func (s *Server) pageOfficerRosterRoutes(a *fiber.App) {
	if s.cfg.Members == nil {
		return
	}
	officer := s.requireRole("officer") // as the members API
	a.Get("/officer/roster", officer, s.rosterPage)
	a.Post("/officer/roster/preview", officer, s.rosterPreview)
	a.Post("/officer/roster/confirm", officer, s.rosterConfirm)
}

// rosterPage shows the upload form and one page of the member list.
func (s *Server) rosterPage(c *fiber.Ctx) error {
	return s.renderRoster(c, fiber.StatusOK, "")
}

func (s *Server) renderRoster(c *fiber.Ctx, status int, msg string) error {
	p := rosterPage{CSRF: s.csrfToken(c), Query: strings.Clone(c.Query("q")), Status: strings.Clone(c.Query("status")),
		Error: msg, Statuses: memberStatuses[1:]}
	valid := false
	for _, v := range memberStatuses {
		valid = valid || p.Status == v
	}
	if !valid {
		p.Status = ""
	}
	page := max(c.QueryInt("page", 1), 1)
	list, err := s.cfg.Members.List(c.UserContext(), members.ListFilter{Status: p.Status, Query: p.Query,
		Limit: rosterPageSize, Offset: (page - 1) * rosterPageSize})
	if err != nil {
		return err
	}
	for _, m := range list.Members {
		p.Members = append(p.Members, memberRow{EmployeeID: m.EmployeeID, Name: strings.TrimSpace(m.LastName + ", " + m.FirstName),
			Email: m.Email, Status: string(m.Status), Separated: m.Separated})
	}
	p.Total = list.Total
	if len(p.Members) > 0 {
		p.From, p.To = list.Offset+1, list.Offset+len(p.Members)
	}
	link := func(n int) string {
		q := url.Values{"page": {strconv.Itoa(n)}}
		if p.Query != "" {
			q.Set("q", p.Query)
		}
		if p.Status != "" {
			q.Set("status", p.Status)
		}
		return "/officer/roster?" + q.Encode() + "#members"
	}
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if list.Offset+len(p.Members) < list.Total {
		p.NextURL = link(page + 1)
	}
	return s.render(c, status, "officer_roster", p)
}

// rosterPreview runs the uploaded roster as a dry run and shows what it
// would do; a file without row errors is kept for the confirm.
func (s *Server) rosterPreview(c *fiber.Ctx) error {
	fh, err := c.FormFile("roster")
	if err != nil {
		return s.renderRoster(c, fiber.StatusUnprocessableEntity, "Choose the roster file (CSV or XLSX) to upload.")
	}
	if fh.Size > members.MaxRosterBytes {
		return s.renderRoster(c, fiber.StatusRequestEntityTooLarge, "The roster file is larger than "+strconv.Itoa(members.MaxRosterBytes>>20)+" MiB.")
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
	p, _ := principal(c)
	st := &stagedRoster{id: rosterUploadID(16), session: p.SessionID, name: rosterFileName(fh.Filename), data: data,
		partial: c.FormValue("partial") == "yes", expires: time.Now().Add(stagedRosterTTL)}
	report, err := s.dryRunRoster(c, st)
	if report == nil {
		return s.rosterFailed(c, err)
	}
	page := rosterPreviewPage{CSRF: s.csrfToken(c), FileName: st.name, Partial: st.partial, Report: report,
		Expires: int(stagedRosterTTL / time.Minute)}
	if err != nil {
		_, page.Error, _ = pageClientError(err)
		return s.render(c, fiber.StatusUnprocessableEntity, "officer_roster_preview", page)
	}
	st.digest = reportDigest(report)
	stagedRosters.put(st, time.Now())
	page.UploadID = st.id
	return s.render(c, fiber.StatusOK, "officer_roster_preview", page)
}

// rosterConfirm applies the previewed upload, unless what it would do has
// changed since the preview: then it shows the new preview instead.
func (s *Server) rosterConfirm(c *fiber.Ctx) error {
	p, _ := principal(c)
	st, ok := stagedRosters.get(strings.Clone(c.FormValue("upload_id")), p.SessionID, time.Now())
	if !ok {
		return s.renderRoster(c, fiber.StatusGone, "That preview has expired or belongs to another session: upload the roster again.")
	}
	page := rosterPreviewPage{CSRF: s.csrfToken(c), FileName: st.name, Partial: st.partial,
		Expires: int(stagedRosterTTL / time.Minute)}
	report, err := s.dryRunRoster(c, st)
	if err == nil {
		if d := reportDigest(report); d != st.digest {
			stagedRosters.setDigest(st.id, d)
			page.Report, page.Changed, page.UploadID = report, true, st.id
			return s.render(c, fiber.StatusConflict, "officer_roster_preview", page)
		}
		if !stagedRosters.take(st.id) {
			return s.renderRoster(c, fiber.StatusGone, "That preview has already been confirmed or has expired.")
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), importTimeout)
		defer cancel()
		report, err = s.cfg.Members.ImportRoster(ctx, actorOf(c), st.data,
			members.ImportOptions{Partial: st.partial, MaxListed: rosterListed})
	}
	stagedRosters.drop(st.id)
	if report == nil {
		return s.rosterFailed(c, err)
	}
	page.Report = report
	if err != nil { // row errors: the roster changed under the file
		_, page.Error, _ = pageClientError(err)
		page.Changed = true
		return s.render(c, fiber.StatusConflict, "officer_roster_preview", page)
	}
	page.Applied = true
	return s.render(c, fiber.StatusOK, "officer_roster_preview", page)
}

// rosterFailed shows the roster page with what is wrong with the file.
func (s *Server) rosterFailed(c *fiber.Ctx, err error) error {
	st, msg, ok := pageClientError(err)
	if !ok {
		return err
	}
	return s.renderRoster(c, st, msg)
}

func (s *Server) dryRunRoster(c *fiber.Ctx, st *stagedRoster) (*members.ImportReport, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), importTimeout)
	defer cancel()
	return s.cfg.Members.ImportRoster(ctx, actorOf(c), st.data,
		members.ImportOptions{DryRun: true, Partial: st.partial, MaxListed: rosterListed})
}

// pageClientError returns the status and message a page shows for err, or
// false for an internal error, which the error handler logs and hides.
func pageClientError(err error) (int, string, bool) {
	e, ok := errs.As(err)
	if !ok {
		return 0, "", false
	}
	st, ok := statusOf[e.Code]
	if !ok || st >= 500 {
		return 0, "", false
	}
	return st, e.Error(), true
}

// rosterFileName is the last element of an uploaded file's name, for display.
func rosterFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if len(name) > 120 {
		name = name[:120]
	}
	return name
}

func rosterUploadID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("handlers: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}
