package handlers

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/notify"
)

// The officers' notice and meeting pages: write a status update or a Q&A
// meeting, see it as members will with how many members it emails, confirm,
// and find it in the lists. They call the notice board and the audit log
// exactly as POST /api/v1/notices and /api/v1/meetings do.

func (s *Server) pageOfficerNoticeRoutes(a *fiber.App) {
	if s.cfg.Notifications == nil || s.cfg.Board == nil {
		return
	}
	read := s.requireRole(allRoles...)
	act := s.requireRole(actRoles...)
	a.Get("/officer/notices", read, s.noticesPage)
	a.Post("/officer/notices", act, s.noticeForm)
	a.Get("/officer/meetings", read, s.meetingsPage)
	a.Post("/officer/meetings", act, s.meetingForm)
}

// noticeRow is a posted (or previewed) status update.
type noticeRow struct {
	ID, Title, Body, When string
	Recipients            int
}

type noticesPage struct {
	officerBase
	Notices []noticeRow
	// Preview is the notice as the timeline will show it, before the
	// officer confirms; MailNote says whom it emails.
	Preview  *noticeRow
	MailNote string
}

var noticeDone = map[string]string{"posted": "The update is posted on the public timeline and queued to the members by email."}

// noticesPage lists the posted updates, newest first, under the form.
func (s *Server) noticesPage(c *fiber.Ctx) error {
	p := noticesPage{officerBase: s.newOfficerBase(c, noticeDone)}
	return s.renderNotices(c, fiber.StatusOK, p)
}

func (s *Server) renderNotices(c *fiber.Ctx, status int, p noticesPage) error {
	ns, err := s.cfg.Board.Timeline(c.UserContext())
	if err != nil {
		return err
	}
	loc := s.unionZone(c.UserContext())
	for _, n := range ns {
		p.Notices = append(p.Notices, noticeRow{ID: n.ID, Title: n.Title, Body: n.Body, When: n.PostedAt.In(loc).Format(pageTime), Recipients: n.Recipients})
	}
	return s.render(c, status, "officer_notices", p)
}

// noticeForm shows the preview of a status update with how many members it
// emails; posted again with confirmed=yes it posts it (and audits it as
// notice.post) and goes back to the list.
func (s *Server) noticeForm(c *fiber.Ctx) error {
	p := noticesPage{officerBase: s.newOfficerBase(c, nil)}
	p.keep(c, "title", "body")
	in := notify.NoticeInput{Title: p.Form["title"], Body: p.Form["body"]}
	fields := map[string]string{"title": "title", "body": "body"}
	if err := checkNotice(in); err != nil {
		if p.take(err, fields) {
			return s.renderNotices(c, fiber.StatusUnprocessableEntity, p)
		}
		return err
	}
	switch c.FormValue("confirmed") {
	case "edit":
		return s.renderNotices(c, fiber.StatusOK, p)
	case "yes":
	default:
		n, err := s.recipients(c.UserContext())
		if err != nil {
			return err
		}
		loc := s.unionZone(c.UserContext())
		p.Preview = &noticeRow{Title: strings.TrimSpace(in.Title), Body: strings.TrimSpace(in.Body), When: time.Now().In(loc).Format(pageTime), Recipients: n}
		p.MailNote = mailNote(n, "")
		return s.renderNotices(c, fiber.StatusOK, p)
	}
	n, err := s.cfg.Board.PostNotice(c.UserContext(), in, actorOf(c).Email)
	if err != nil {
		if p.take(err, fields) {
			return s.renderNotices(c, fiber.StatusUnprocessableEntity, p)
		}
		return err
	}
	if err := s.auditNotify(c, "notice.post", n.ID, map[string]string{"title": n.Title}); err != nil {
		return err
	}
	return c.Redirect("/officer/notices?done=posted", fiber.StatusSeeOther)
}

// checkNotice catches, before the preview, what the board would refuse.
func checkNotice(in notify.NoticeInput) error {
	title, body := strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	switch {
	case title == "":
		return errs.Field("title", "Write a title.")
	case len(title) > 200:
		return errs.Field("title", "The title is longer than 200 characters (%d).", utf8.RuneCountInString(title))
	case body == "":
		return errs.Field("body", "Write the update.")
	case len(body) > 10000:
		return errs.Field("body", "The update is longer than 10,000 characters.")
	}
	return nil
}

// mailNote says whom a post emails: "This emails 1,234 members." (n < 0:
// the roster cannot count them).
func mailNote(n int, extra string) string {
	switch {
	case n < 0:
		return "This emails every eligible member" + extra + "."
	case n == 1:
		return "This emails 1 member" + extra + "."
	}
	return "This emails " + thousands(n) + " members" + extra + "."
}

// thousands formats n with commas, en-US.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// meetingRow is a posted (or previewed) meeting.
type meetingRow struct {
	ID, Title, When, Duration, Place, URL, Notes, VoteTitle string
	Recipients                                              int
}

// voteOption is a vote a meeting may belong to.
type voteOption struct {
	ID, Title string
	Selected  bool
}

type meetingsPage struct {
	officerBase
	Zone           string
	Votes          []voteOption
	Upcoming, Past []meetingRow
	Preview        *meetingRow
	MailNote       string
}

var meetingDone = map[string]string{"scheduled": "The meeting is scheduled and its notice, with a calendar file, queued to the members."}

// placePrefix starts the line of a meeting's description that says where
// it is: the board keeps a link and a description, not a place.
const placePrefix = "Place: "

func (s *Server) meetingsPage(c *fiber.Ctx) error {
	p := meetingsPage{officerBase: s.newOfficerBase(c, meetingDone)}
	p.Form["duration"] = "60"
	return s.renderMeetings(c, fiber.StatusOK, p)
}

func (s *Server) renderMeetings(c *fiber.Ctx, status int, p meetingsPage) error {
	ctx := c.UserContext()
	loc := s.unionZone(ctx)
	p.Zone = loc.String()
	ms, err := s.cfg.Board.Meetings(ctx, "")
	if err != nil {
		return err
	}
	now := time.Now()
	for i := len(ms) - 1; i >= 0; i-- { // past: the latest first
		if r := meetingRowOf(ms[i], loc); ms[i].EndsAt.Before(now) {
			p.Past = append(p.Past, r)
		}
	}
	for _, m := range ms { // upcoming: the soonest first
		if !m.EndsAt.Before(now) {
			p.Upcoming = append(p.Upcoming, meetingRowOf(m, loc))
		}
	}
	if p.Votes, err = s.voteOptions(ctx, p.Form["vote_id"]); err != nil {
		return err
	}
	return s.render(c, status, "officer_meetings", p)
}

// voteOptions lists the votes for a form's "which vote" select, selected
// marking the one already chosen; none when the service runs no votes.
func (s *Server) voteOptions(ctx context.Context, selected string) ([]voteOption, error) {
	if s.cfg.Votes == nil {
		return nil, nil
	}
	vs, err := s.cfg.Votes.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]voteOption, len(vs))
	for i, v := range vs {
		out[i] = voteOption{ID: v.ID, Title: v.Title, Selected: v.ID == selected}
	}
	return out, nil
}

func meetingRowOf(m notify.Meeting, loc *time.Location) meetingRow {
	r := meetingRow{ID: m.ID, Title: m.Title, When: m.StartsAt.In(loc).Format(pageTime), URL: m.URL,
		Duration: minutes(int(m.EndsAt.Sub(m.StartsAt) / time.Minute)), VoteTitle: m.VoteTitle, Recipients: m.Recipients}
	r.Place, r.Notes = splitPlace(m.Description)
	return r
}

func minutes(n int) string {
	if n == 1 {
		return "1 minute"
	}
	return strconv.Itoa(n) + " minutes"
}

// joinPlace and splitPlace keep a meeting's place as the first line of its
// description.
func joinPlace(place, notes string) string {
	place, notes = strings.TrimSpace(strings.ReplaceAll(place, "\n", " ")), strings.TrimSpace(notes)
	if place == "" {
		return notes
	}
	if notes == "" {
		return placePrefix + place
	}
	return placePrefix + place + "\n\n" + notes
}

func splitPlace(desc string) (place, notes string) {
	if !strings.HasPrefix(desc, placePrefix) {
		return "", desc
	}
	first, rest, _ := strings.Cut(desc, "\n")
	return strings.TrimPrefix(first, placePrefix), strings.TrimSpace(rest)
}

// meetingInput reads the meeting form: date and time are in the union's
// time zone.
func (s *Server) meetingInput(c *fiber.Ctx, p *meetingsPage, loc *time.Location) (notify.MeetingInput, bool) {
	p.keep(c, "title", "date", "time", "duration", "place", "url", "notes", "vote_id")
	in := notify.MeetingInput{Title: p.Form["title"], URL: p.Form["url"], VoteID: p.Form["vote_id"],
		Description: joinPlace(p.Form["place"], p.Form["notes"])}
	if strings.TrimSpace(in.Title) == "" {
		p.Errors["title"] = "Give the meeting a title."
	}
	date, clock := strings.TrimSpace(p.Form["date"]), strings.TrimSpace(p.Form["time"])
	switch at, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, loc); {
	case date == "":
		p.Errors["date"] = "Choose the date."
	case clock == "":
		p.Errors["time"] = "Choose the start time."
	case err != nil:
		if _, derr := time.Parse("2006-01-02", date); derr != nil {
			p.Errors["date"] = fmt.Sprintf("%q is not a date (YYYY-MM-DD).", date)
		} else {
			p.Errors["time"] = fmt.Sprintf("%q is not a time (HH:MM, 24-hour).", clock)
		}
	default:
		in.StartsAt = at
	}
	d, err := strconv.Atoi(strings.TrimSpace(p.Form["duration"]))
	if err != nil || d < 1 || d > 600 {
		p.Errors["duration"] = "Give the length in minutes, from 1 to 600."
	}
	in.DurationMinutes = d
	if u := strings.TrimSpace(in.URL); u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			p.Errors["url"] = fmt.Sprintf("%q is not a web link (https://...).", u)
		}
	}
	if in.VoteID != "" && s.cfg.Votes != nil {
		v, err := s.cfg.Votes.Find(c.UserContext(), in.VoteID)
		if err != nil {
			p.Errors["vote_id"] = "There is no such vote."
		} else {
			in.VoteTitle = v.Title
		}
	}
	return in, !p.failed()
}

var meetingFields = map[string]string{"title": "title", "starts_at": "date", "duration_minutes": "duration",
	"url": "url", "description": "notes", "vote_id": "vote_id"}

// meetingForm previews a meeting with how many members its notice emails;
// posted again with confirmed=yes it schedules it (audited as meeting.post)
// and goes back to the list.
func (s *Server) meetingForm(c *fiber.Ctx) error {
	p := meetingsPage{officerBase: s.newOfficerBase(c, nil)}
	loc := s.unionZone(c.UserContext())
	in, ok := s.meetingInput(c, &p, loc)
	if !ok {
		return s.renderMeetings(c, fiber.StatusUnprocessableEntity, p)
	}
	switch c.FormValue("confirmed") {
	case "edit":
		return s.renderMeetings(c, fiber.StatusOK, p)
	case "yes":
	default:
		n, err := s.recipients(c.UserContext())
		if err != nil {
			return err
		}
		r := meetingRowOf(notify.Meeting{Title: strings.TrimSpace(in.Title), StartsAt: in.StartsAt,
			EndsAt: in.StartsAt.Add(time.Duration(in.DurationMinutes) * time.Minute), URL: strings.TrimSpace(in.URL),
			VoteTitle: in.VoteTitle, Description: in.Description}, loc)
		p.Preview, p.MailNote = &r, mailNote(n, ", with a calendar file (.ics)")
		return s.renderMeetings(c, fiber.StatusOK, p)
	}
	m, err := s.cfg.Board.PostMeeting(c.UserContext(), in, actorOf(c).Email)
	if err != nil {
		if p.take(err, meetingFields) {
			return s.renderMeetings(c, fiber.StatusUnprocessableEntity, p)
		}
		return err
	}
	if err := s.auditNotify(c, "meeting.post", m.ID, map[string]string{"title": m.Title, "starts_at": m.StartsAt.Format("2006-01-02T15:04Z07:00")}); err != nil {
		return err
	}
	return c.Redirect("/officer/meetings?done=scheduled", fiber.StatusSeeOther)
}
