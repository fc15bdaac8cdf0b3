package handlers

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/web"
)

// The actions of a vote's page, each posted from its confirmation, and the
// previews of the ballot and of the invitation. Every action calls the
// same service method as the API, which audits it.

// votePreviews is what the previews need besides Votes (ballot.Service).
type votePreviews interface {
	PreviewVote(ctx context.Context, id string) (*ballot.Vote, error)
	PreviewInvitation(ctx context.Context, id string, to ballot.Voter) (ballot.Mail, error)
}

// voteMailRenderer renders a message as the outbox sends it
// (notify.Outbox.Render, when it has one).
type voteMailRenderer interface {
	Render(m notify.Message) (notify.Rendered, error)
}

// votePreviewRecipient is the sample member an invitation preview is addressed to.
var votePreviewRecipient = ballot.Voter{EmployeeID: "preview", Email: "pat.member@example.org", Name: "Pat Member"}

// actionFailed shows the vote's page with a client error's message, or
// returns an internal error to the error handler.
func (s *Server) actionFailed(c *fiber.Ctx, err error) error {
	st, msg, ok := pageClientError(err)
	if !ok {
		return err
	}
	if errors.Is(err, ballot.ErrNotFound) {
		return err
	}
	return s.renderVoteDetail(c, st, "", msg)
}

func (s *Server) actionDone(c *fiber.Ctx, id, done string) error {
	return c.Redirect("/officer/votes/"+id+"?done="+done, fiber.StatusSeeOther)
}

// openVoteForm opens a vote now, as the API does: the claim in the request,
// the tokens and invitations in the background.
func (s *Server) openVoteForm(c *fiber.Ctx) error {
	a := voteActor(c)
	v, err := s.cfg.Votes.BeginOpen(c.UserContext(), a, strings.Clone(c.Params("id")))
	if err != nil {
		return s.actionFailed(c, err)
	}
	id := v.ID
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if _, err := s.cfg.Votes.CompleteOpening(ctx, a, id); err != nil {
			s.log.Error("opening a vote failed; the scheduler resumes it when the lease expires", "vote", id, "error", err)
		}
	}()
	return s.actionDone(c, id, "opening")
}

// voteActionForm runs a transition (close, cancel, publish) from its form.
func (s *Server) voteActionForm(f func(Votes, context.Context, ballot.Actor, string) (*ballot.Vote, error), done string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v, err := f(s.cfg.Votes, c.UserContext(), voteActor(c), strings.Clone(c.Params("id")))
		if err != nil {
			return s.actionFailed(c, err)
		}
		return s.actionDone(c, v.ID, done)
	}
}

// extendVoteForm moves the close to the time given in the vote's zone.
func (s *Server) extendVoteForm(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	v, err := s.cfg.Votes.Find(c.UserContext(), id)
	if err != nil {
		return err
	}
	in := strings.TrimSpace(c.FormValue("closes_at"))
	closes, err := time.ParseInLocation(voteLocalInput, in, v.Location())
	if err != nil {
		return s.renderVoteDetail(c, fiber.StatusUnprocessableEntity, "",
			fmt.Sprintf("closes_at: %q is not a date and time (YYYY-MM-DDTHH:MM)", in))
	}
	if _, err := s.cfg.Votes.Extend(c.UserContext(), voteActor(c), id, closes); err != nil {
		return s.actionFailed(c, err)
	}
	return s.actionDone(c, id, "extended")
}

// remindersForm queues reminders to the members who have not voted.
func (s *Server) remindersForm(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	n, err := s.cfg.Votes.SendReminders(c.UserContext(), voteActor(c), id)
	if err != nil {
		return s.actionFailed(c, err)
	}
	return c.Redirect("/officer/votes/"+id+"?done=reminders&n="+strconv.Itoa(n), fiber.StatusSeeOther)
}

// addVoterForm adds a member who became eligible while the vote is open.
func (s *Server) addVoterForm(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	emp := strings.Clone(strings.TrimSpace(c.FormValue("employee_id")))
	if emp == "" {
		return s.renderVoteDetail(c, fiber.StatusUnprocessableEntity, "", "employee_id: the member's employee id is missing")
	}
	if _, err := s.cfg.Votes.AddVoter(c.UserContext(), voteActor(c), id, emp); err != nil {
		return s.actionFailed(c, err)
	}
	return s.actionDone(c, id, "voter")
}

// previews returns the ballot service's preview methods.
func (s *Server) previews() (votePreviews, error) {
	vp, ok := s.cfg.Votes.(votePreviews)
	if !ok {
		return nil, errs.New(errs.Unavailable, "Previews are not available on this server.")
	}
	return vp, nil
}

// ballotPreview renders the member's ballot page from its own template,
// under a PREVIEW banner, for a link that is not a voting token: its form
// posts to a link that only shows "invalid link".
func (s *Server) ballotPreview(c *fiber.Ctx) error {
	vp, err := s.previews()
	if err != nil {
		return err
	}
	v, err := vp.PreviewVote(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	t, err := s.previewBallotTemplate()
	if err != nil {
		return err
	}
	bv := s.newBallotView(v, ballot.PreviewToken)
	bv.State = string(ballot.StateOpen)
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "layout", bv); err != nil {
		return fmt.Errorf("handlers: ballot preview: %w", err)
	}
	c.Type("html", "utf-8")
	c.Set("X-Robots-Tag", "noindex")
	return c.SendString(buf.String())
}

// previewBannerTemplate wraps ballot.html's blocks with the banner.
const previewBannerTemplate = `{{define "title"}}PREVIEW — {{template "member_title" .}}{{end}}` +
	`{{define "main"}}<div class="preview-banner" role="note"><strong>PREVIEW</strong> — this is how members see the ballot. ` +
	`It is not a voting link: nothing you choose here is recorded. <a href="/officer/votes/{{.Vote.ID}}">Back to the vote</a></div>` +
	`{{template "member_main" .}}{{end}}`

// previewBallotTemplate parses the layout, partials and ballot.html as the
// page set does, keeps ballot.html's blocks under other names and wraps
// them with the banner. The page set's own ballot template cannot be
// cloned once it has run, so this parses afresh (a cold path).
func (s *Server) previewBallotTemplate() (*template.Template, error) {
	partials, err := fs.Glob(web.Templates, "partials/*.html")
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"static": func(name string) (string, error) {
			v, ok := s.pages.version[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + name + "?v=" + v, nil
		},
		"upper": strings.ToUpper,
	}
	files := append(append([]string{"layout.html"}, partials...), "ballot.html")
	t, err := template.New("ballot.html").Funcs(funcs).ParseFS(web.Templates, files...)
	if err != nil {
		return nil, fmt.Errorf("handlers: ballot preview: %w", err)
	}
	for _, name := range []string{"main", "title"} {
		if _, err := t.AddParseTree("member_"+name, t.Lookup(name).Tree); err != nil {
			return nil, fmt.Errorf("handlers: ballot preview: %w", err)
		}
	}
	if _, err := t.Parse(previewBannerTemplate); err != nil {
		return nil, fmt.Errorf("handlers: ballot preview: %w", err)
	}
	return t, nil
}

// voteInvitationPage is the data of officer_vote_invitation.html.
type voteInvitationPage struct {
	Vote              *ballot.Vote
	To, Link          string
	Rendered          bool
	Subject, Text     string
	Data              []voteInvitationField
	RendererAvailable bool
}

type voteInvitationField struct{ Key, Value string }

// invitation builds the vote's invitation as opening does, and renders it
// as the outbox does when the outbox can render on demand.
func (s *Server) invitation(c *fiber.Ctx) (*ballot.Vote, ballot.Mail, *notify.Rendered, error) {
	vp, err := s.previews()
	if err != nil {
		return nil, ballot.Mail{}, nil, err
	}
	id := strings.Clone(c.Params("id"))
	v, err := vp.PreviewVote(c.UserContext(), id)
	if err != nil {
		return nil, ballot.Mail{}, nil, err
	}
	m, err := vp.PreviewInvitation(c.UserContext(), id, votePreviewRecipient)
	if err != nil {
		return nil, ballot.Mail{}, nil, err
	}
	r, ok := s.cfg.Notifications.(voteMailRenderer)
	if !ok {
		return v, m, nil, nil
	}
	out, err := r.Render(notify.Message(m))
	if err != nil {
		return nil, ballot.Mail{}, nil, err
	}
	return v, m, &out, nil
}

// invitationPreview shows the invitation email members get: subject and
// text body here, the HTML body at .../invitation.html.
func (s *Server) invitationPreview(c *fiber.Ctx) error {
	v, m, r, err := s.invitation(c)
	if err != nil {
		return err
	}
	p := voteInvitationPage{Vote: v, To: fmt.Sprintf("%s <%s>", m.ToName, m.To), Link: m.Secret["link"]}
	if r != nil {
		p.Rendered, p.Subject, p.Text = true, r.Subject, r.Text
	} else {
		loc := v.Location()
		for _, k := range []string{"vote_title", "question", "choices", "contract_title", "contract_sha256", "summary_url", "opens_at", "closes_at", "meetings"} {
			val := m.Data[k]
			if t, ok := val.(time.Time); ok {
				val = t.In(loc).Format(voteWhenLayout)
			}
			p.Data = append(p.Data, voteInvitationField{k, fmt.Sprint(val)})
		}
	}
	return s.render(c, fiber.StatusOK, "officer_vote_invitation", p)
}

// invitationPreviewHTML serves the invitation's HTML body as a document of
// its own, sandboxed like the notification previews.
func (s *Server) invitationPreviewHTML(c *fiber.Ctx) error {
	_, _, r, err := s.invitation(c)
	if err != nil {
		return err
	}
	if r == nil {
		return errs.New(errs.NotFound, "This server's outbox does not render previews; see the text version.")
	}
	c.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	c.Type("html", "utf-8")
	return c.SendString(r.HTML)
}
