package handlers

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/officers"
)

// The vote pages: the list, the editor that creates a vote, and each
// vote's page with its state, turnout, actions and who has not voted.

// defaultVoteZone is the union's time zone, the editor's default.
const defaultVoteZone = "America/Anchorage"

// voteZones are the time zones the editor offers.
var voteZones = []string{"America/Anchorage", "America/Adak", "Pacific/Honolulu", "America/Los_Angeles",
	"America/Phoenix", "America/Denver", "America/Chicago", "America/New_York", "America/Puerto_Rico", "UTC"}

// voteLocalInput is the layout of <input type="datetime-local">.
const voteLocalInput = "2006-01-02T15:04"

// voteWhenLayout shows a time on the officer pages.
const voteWhenLayout = "Monday, January 2, 2006 at 3:04 PM MST"

// voteNotVotedShown caps the "has not voted" list on a vote's page.
const voteNotVotedShown = 500

func (s *Server) pageOfficerVoteRoutes(a *fiber.App) {
	s.pageOfficerRosterRoutes(a)
	if s.cfg.Votes == nil {
		return
	}
	read := s.requireRole("admin", "officer", "observer") // as the votes API
	run := s.requireRole("admin", "officer")
	a.Get("/officer/votes", read, s.voteListPage)
	a.Get("/officer/votes/new", run, s.newVotePage)
	a.Post("/officer/votes/new", run, s.createVoteForm)
	a.Get("/officer/votes/:id", read, s.voteDetailPage)
	a.Get("/officer/votes/:id/preview/ballot", read, s.ballotPreview)
	a.Get("/officer/votes/:id/preview/invitation", read, s.invitationPreview)
	a.Get("/officer/votes/:id/preview/invitation.html", read, s.invitationPreviewHTML)
	a.Post("/officer/votes/:id/open", run, s.openVoteForm)
	a.Post("/officer/votes/:id/schedule", run, s.voteActionForm((Votes).Schedule, "scheduled"))
	a.Post("/officer/votes/:id/close", run, s.voteActionForm((Votes).Close, "closed"))
	a.Post("/officer/votes/:id/cancel", run, s.voteActionForm((Votes).Cancel, "cancelled"))
	a.Post("/officer/votes/:id/publish", run, s.voteActionForm((Votes).Publish, "published"))
	a.Post("/officer/votes/:id/extend", run, s.extendVoteForm)
	a.Post("/officer/votes/:id/reminders", run, s.remindersForm)
	a.Post("/officer/votes/:id/voters", run, s.addVoterForm)
}

// canAct reports whether the signed-in officer may run votes.
func canRunVotes(c *fiber.Ctx) bool {
	p, ok := principal(c)
	return ok && (p.Role == officers.RoleAdmin || p.Role == officers.RoleOfficer)
}

// voteRow is one line of the vote list.
type voteRow struct {
	ID, Title, Status, Opens, Closes, Turnout string
	Test                                      bool
}

type voteListPage struct {
	CanAct bool
	Votes  []voteRow
}

// voteListPage lists the votes with their times and turnout.
func (s *Server) voteListPage(c *fiber.Ctx) error {
	votes, err := s.cfg.Votes.List(c.UserContext())
	if err != nil {
		return err
	}
	p := voteListPage{CanAct: canRunVotes(c)}
	for _, v := range votes {
		t, err := s.cfg.Votes.Turnout(c.UserContext(), v)
		if err != nil {
			return err
		}
		loc := v.Location()
		p.Votes = append(p.Votes, voteRow{ID: v.ID, Title: v.Title, Status: string(v.Status), Test: v.Test,
			Opens: v.OpensAt.In(loc).Format(voteWhenLayout), Closes: v.ClosesAt.In(loc).Format(voteWhenLayout),
			Turnout: fmt.Sprintf("%d of %d (%.1f%%)", t.Voted, v.Eligible, t.Percent)})
	}
	return s.render(c, fiber.StatusOK, "officer_votes", p)
}

// voteForm is the editor's input, kept as typed to show it again.
type voteForm struct {
	Title, ContractID, Question, Choices, OpensAt, ClosesAt, TimeZone string
	PassRule, Quorum, Remind, SummaryURL, InfoText                    string
	// Status is "scheduled" (opens by itself) or "draft" (waits to be
	// scheduled or opened); Test is "yes" for a test vote, run with the
	// TestVoters lines ("employee id, email, name") instead of the roster.
	Status, Test, TestVoters string
	Meetings                 [2]voteMeetingForm
}

type voteMeetingForm struct{ Title, StartsAt, URL string }

// voteMeetingRow is one meeting's fields in the editor.
type voteMeetingRow struct {
	voteMeetingForm
	N          int
	Key, Error string
}

type voteContractOption struct{ ID, Title string }

// voteEditorPage is the data of officer_vote_new.html.
type voteEditorPage struct {
	CSRF        string
	Form        voteForm
	Errors      map[string]string
	MeetingRows []voteMeetingRow
	Zones       []string
	Contracts   []voteContractOption
}

func (s *Server) editorPage(c *fiber.Ctx, f voteForm, errors map[string]string) voteEditorPage {
	p := voteEditorPage{CSRF: s.csrfToken(c), Form: f, Errors: errors, Zones: voteZones}
	for i, m := range f.Meetings {
		key := "meeting" + strconv.Itoa(i+1)
		p.MeetingRows = append(p.MeetingRows, voteMeetingRow{voteMeetingForm: m, N: i + 1, Key: key, Error: errors[key]})
	}
	if f.TimeZone != "" && !slices.Contains(voteZones, f.TimeZone) {
		p.Zones = append([]string{f.TimeZone}, voteZones...)
	}
	if s.cfg.Contracts != nil {
		for _, k := range s.cfg.Contracts.List() {
			p.Contracts = append(p.Contracts, voteContractOption{ID: k.ID, Title: k.Title})
		}
	}
	return p
}

// newVotePage shows the editor, with the union's zone and the usual
// question and choices filled in.
func (s *Server) newVotePage(c *fiber.Ctx) error {
	f := voteForm{TimeZone: defaultVoteZone, PassRule: ballot.Majority, Choices: "Yes\nNo", Status: string(ballot.Scheduled),
		Question: "Do you ratify the tentative agreement?"}
	return s.render(c, fiber.StatusOK, "officer_vote_new", s.editorPage(c, f, nil))
}

// createVoteForm creates the vote from the editor, or shows the editor
// again with each field's error next to it.
func (s *Server) createVoteForm(c *fiber.Ctx) error {
	f := readVoteForm(c)
	n, problems := f.newVote()
	if len(problems) == 0 {
		v, err := s.cfg.Votes.Create(c.UserContext(), voteActor(c), n)
		if err == nil {
			done := "created"
			if v.Status == ballot.Draft {
				done = "drafted"
			}
			return c.Redirect("/officer/votes/"+v.ID+"?done="+done, fiber.StatusSeeOther)
		}
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			return err
		}
		problems = map[string]string{editorField(e.Field): e.Message}
	}
	return s.render(c, fiber.StatusUnprocessableEntity, "officer_vote_new", s.editorPage(c, f, problems))
}

// editorField names the editor's field for a field of ballot.NewVote.
func editorField(f string) string {
	switch f {
	case "info.summary_url":
		return "summary_url"
	case "info.meetings":
		return "meetings"
	case "":
		return "form"
	}
	return f
}

func readVoteForm(c *fiber.Ctx) voteForm {
	v := func(k string) string { return strings.Clone(strings.TrimSpace(c.FormValue(k))) }
	f := voteForm{Title: v("title"), ContractID: v("contract_id"), Question: v("question"), Choices: v("choices"),
		OpensAt: v("opens_at"), ClosesAt: v("closes_at"), TimeZone: v("timezone"), PassRule: v("pass_rule"),
		Quorum: v("quorum_percent"), Remind: v("remind_before_hours"), SummaryURL: v("summary_url"), InfoText: v("info_text"),
		Status: v("status"), Test: v("test"), TestVoters: v("test_voters")}
	for i := range f.Meetings {
		k := strconv.Itoa(i + 1)
		f.Meetings[i] = voteMeetingForm{Title: v("meeting" + k + "_title"), StartsAt: v("meeting" + k + "_starts_at"), URL: v("meeting" + k + "_url")}
	}
	return f
}

// newVote parses the form into a NewVote; the ballot service checks the
// rest. Problems are keyed by the form's field names.
func (f voteForm) newVote() (ballot.NewVote, map[string]string) {
	problems := map[string]string{}
	n := ballot.NewVote{Title: f.Title, ContractID: f.ContractID, Question: f.Question, TimeZone: f.TimeZone,
		PassRule: f.PassRule, Info: ballot.Info{SummaryURL: f.SummaryURL, Text: f.InfoText}, Test: f.Test == "yes"}
	switch ballot.Status(f.Status) {
	case ballot.Scheduled, "":
	case ballot.Draft:
		n.Draft = true
	default:
		problems["status"] = "choose whether the vote opens by itself or waits as a draft"
	}
	for i, line := range strings.Split(f.TestVoters, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		parts := strings.SplitN(line, ",", 3)
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		tv := ballot.Voter{EmployeeID: strings.TrimSpace(parts[0]), Email: strings.TrimSpace(parts[1]), Name: strings.TrimSpace(parts[2])}
		if tv.EmployeeID == "" || !strings.Contains(tv.Email, "@") {
			problems["test_voters"] = fmt.Sprintf("line %d: write the employee id, a comma and the email, then optionally a comma and the name", i+1)
		}
		n.TestVoters = append(n.TestVoters, tv)
	}
	for _, line := range strings.Split(f.Choices, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			n.Choices = append(n.Choices, line)
		}
	}
	loc, err := time.LoadLocation(f.TimeZone)
	if f.TimeZone == "" || err != nil {
		problems["timezone"] = "choose a time zone"
		loc = time.UTC
	}
	at := func(field, label, s string) time.Time {
		if s == "" {
			problems[field] = "the " + label + " is missing"
			return time.Time{}
		}
		t, err := time.ParseInLocation(voteLocalInput, s, loc)
		if err != nil {
			problems[field] = fmt.Sprintf("%q is not a date and time (YYYY-MM-DDTHH:MM)", s)
		}
		return t
	}
	n.OpensAt = at("opens_at", "opening time", f.OpensAt)
	n.ClosesAt = at("closes_at", "closing time", f.ClosesAt)
	if f.Quorum != "" {
		q, err := strconv.ParseFloat(f.Quorum, 64)
		if err != nil {
			problems["quorum_percent"] = fmt.Sprintf("%q is not a percentage", f.Quorum)
		}
		n.QuorumPercent = q
	}
	if f.Remind != "" {
		h, err := strconv.Atoi(f.Remind)
		if err != nil {
			problems["remind_before_hours"] = fmt.Sprintf("%q is not a whole number of hours", f.Remind)
		}
		n.RemindBeforeHours = h
	}
	for i, m := range f.Meetings {
		if m.Title == "" && m.StartsAt == "" && m.URL == "" {
			continue
		}
		field := "meeting" + strconv.Itoa(i+1)
		if m.Title == "" {
			problems[field] = "a meeting needs a title"
		}
		t := at(field, "meeting's start", m.StartsAt)
		n.Info.Meetings = append(n.Info.Meetings, ballot.Meeting{Title: m.Title, StartsAt: t, URL: m.URL})
	}
	return n, problems
}

// voteDetailPage is the data of officer_vote.html.
type voteDetailPage struct {
	CSRF, Notice, Error                         string
	Vote                                        *ballot.Vote
	CanAct                                      bool
	Opens, Closes, Created, Opened, Closed, Pub string
	Voted                                       int
	Turnout                                     string
	NotVoted                                    []ballot.Participant
	NotVotedTotal                               int
	ExtendTo                                    string
	CanOpen, CanClose, CanCancel, CanPublish    bool
	CanSchedule                                 bool
	IsOpen, ShowNotVoted                        bool
}

// voteDoneNotices are the messages shown after an action (?done=...).
var voteDoneNotices = map[string]string{
	"created":   "The vote has been created. It opens by itself at its opening time, or when you open it now.",
	"drafted":   "The draft has been saved. It does not open by itself: schedule it, or open it now, below.",
	"scheduled": "The vote is scheduled. It opens by itself at its opening time, or when you open it now.",
	"opening":   "The vote is opening: the invitations are being queued. Reload this page in a moment.",
	"closed":    "The vote is closed. Members can no longer vote.",
	"cancelled": "The vote has been cancelled.",
	"published": "The results are published and the results email is being queued.",
	"extended":  "The closing time has been moved.",
	"reminders": "Reminders are being queued for the members who have not voted.",
	"voter":     "The member has been added and sent a voting link.",
}

// voteDetailPage shows a vote's state, times in its zone, turnout, the
// actions its state allows and, while open, who has not voted yet.
func (s *Server) voteDetailPage(c *fiber.Ctx) error {
	return s.renderVoteDetail(c, fiber.StatusOK, voteDoneNotices[c.Query("done")], "")
}

func (s *Server) renderVoteDetail(c *fiber.Ctx, status int, notice, problem string) error {
	ctx := c.UserContext()
	v, err := s.cfg.Votes.Find(ctx, strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	t, err := s.cfg.Votes.Turnout(ctx, v)
	if err != nil {
		return err
	}
	loc := v.Location()
	f := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(voteWhenLayout)
	}
	p := voteDetailPage{CSRF: s.csrfToken(c), Notice: notice, Error: problem, Vote: v, CanAct: canRunVotes(c),
		Opens: f(v.OpensAt), Closes: f(v.ClosesAt), Created: f(v.CreatedAt), Opened: f(v.OpenedAt),
		Closed: f(v.ClosedAt), Pub: f(v.PublishedAt), Voted: t.Voted,
		Turnout: fmt.Sprintf("%.1f%%", t.Percent), ExtendTo: v.ClosesAt.In(loc).Add(24 * time.Hour).Format(voteLocalInput)}
	if c.Query("done") == "reminders" && c.QueryInt("n", -1) >= 0 {
		who := fmt.Sprintf("%d members who have not voted", c.QueryInt("n"))
		if c.QueryInt("n") == 1 {
			who = "1 member who has not voted"
		}
		p.Notice = "Reminders are being queued for " + who + "; the notification campaigns show their progress."
	}
	switch v.Status {
	case ballot.Draft:
		p.CanOpen, p.CanCancel, p.CanSchedule = true, true, true
	case ballot.Scheduled:
		p.CanOpen, p.CanCancel = true, true
	case ballot.Opening:
		p.CanCancel = true
	case ballot.Open:
		p.CanClose, p.CanCancel, p.IsOpen, p.ShowNotVoted = true, true, true, true
	case ballot.Closed:
		p.CanPublish, p.CanCancel = true, true
	}
	if p.ShowNotVoted {
		parts, err := s.cfg.Votes.Participants(ctx, v.ID)
		if err != nil {
			return err
		}
		for _, x := range parts {
			if x.Voted || x.Revoked {
				continue
			}
			p.NotVoted = append(p.NotVoted, ballot.Participant{EmployeeID: x.EmployeeID, Name: x.Name, Email: x.Email})
		}
		slices.SortFunc(p.NotVoted, func(a, b ballot.Participant) int {
			return strings.Compare(strings.ToLower(a.Name)+"\x00"+a.EmployeeID, strings.ToLower(b.Name)+"\x00"+b.EmployeeID)
		})
		p.NotVotedTotal = len(p.NotVoted)
		p.NotVoted = p.NotVoted[:min(len(p.NotVoted), voteNotVotedShown)]
	}
	return s.render(c, status, "officer_vote", p)
}
