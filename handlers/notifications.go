package handlers

import (
	"context"
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/notify"
)

// Notifications is what the notification handlers call (notify.Outbox).
type Notifications interface {
	Campaign(ctx context.Context, campaign string) (notify.CampaignStats, error)
	Campaigns(ctx context.Context) ([]notify.CampaignStats, error)
	Retry(ctx context.Context, id string) error
	Preview(template string) (notify.Rendered, error)
}

// NoticeBoard is what the meeting and status-update handlers call
// (notify.Board).
type NoticeBoard interface {
	PostMeeting(ctx context.Context, in notify.MeetingInput, by string) (notify.Meeting, error)
	Meetings(ctx context.Context, voteID string) ([]notify.Meeting, error)
	PostNotice(ctx context.Context, in notify.NoticeInput, by string) (notify.Notice, error)
	Timeline(ctx context.Context) ([]notify.Notice, error)
}

// notificationAudit records officers' notification actions (audit.Log).
type notificationAudit interface {
	Append(ctx context.Context, actor audit.Actor, action, object string, detail map[string]string) (audit.Entry, error)
}

func (s *Server) notificationRoutes(a *fiber.App, api fiber.Router) {
	if s.cfg.Notifications == nil || s.cfg.Board == nil {
		return
	}
	act := s.requireRole("admin", "officer")
	read := s.requireRole("admin", "officer", "observer")
	api.Get("/notifications", read, s.listNotifications)
	api.Get("/notifications/campaigns", read, s.listCampaigns)
	api.Get("/notifications/templates/:name/preview", act, s.previewTemplate)
	api.Post("/notifications/:id/retry", act, s.retryNotification)
	api.Post("/meetings", act, s.postMeeting)
	api.Get("/meetings", s.listMeetings)
	api.Post("/notices", act, s.postNotice)
	api.Get("/timeline", s.timeline)
	s.devMailRoutes(a)
}

// listNotifications answers ?campaign= with that campaign's counts and
// failures, and without it with every campaign's counts.
func (s *Server) listNotifications(c *fiber.Ctx) error {
	campaign := c.Query("campaign")
	if campaign == "" {
		return s.listCampaigns(c)
	}
	st, err := s.cfg.Notifications.Campaign(c.UserContext(), campaign)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) listCampaigns(c *fiber.Ctx) error {
	all, err := s.cfg.Notifications.Campaigns(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"campaigns": all})
}

func (s *Server) retryNotification(c *fiber.Ctx) error {
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil || id == "" {
		return errs.Field("id", "is not a notification id")
	}
	if err := s.cfg.Notifications.Retry(c.UserContext(), id); err != nil {
		return err
	}
	if err := s.auditNotify(c, "notification.retry", id, nil); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": id, "state": notify.StateQueued})
}

// previewTemplate shows a template filled with sample data: JSON by
// default, the HTML or text body alone with ?format=html or text.
func (s *Server) previewTemplate(c *fiber.Ctx) error {
	r, err := s.cfg.Notifications.Preview(c.Params("name"))
	if err != nil {
		return err
	}
	switch c.Query("format") {
	case "html":
		// The body is our own template, but it is shown as a document of
		// its own, sandboxed: no script, no form, no same-origin access.
		c.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		c.Type("html", "utf-8")
		return c.SendString(r.HTML)
	case "text":
		c.Type("txt", "utf-8")
		return c.SendString("Subject: " + r.Subject + "\n\n" + r.Text)
	}
	return c.JSON(r)
}

func (s *Server) postMeeting(c *fiber.Ctx) error {
	var in notify.MeetingInput
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	actor := actorOf(c)
	m, err := s.cfg.Board.PostMeeting(c.UserContext(), in, actor.Email)
	if err != nil {
		return err
	}
	if err := s.auditNotify(c, "meeting.post", m.ID, map[string]string{"title": m.Title, "starts_at": m.StartsAt.Format("2006-01-02T15:04Z07:00")}); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

func (s *Server) listMeetings(c *fiber.Ctx) error {
	ms, err := s.cfg.Board.Meetings(c.UserContext(), c.Query("vote"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"meetings": ms})
}

func (s *Server) postNotice(c *fiber.Ctx) error {
	var in notify.NoticeInput
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	n, err := s.cfg.Board.PostNotice(c.UserContext(), in, actorOf(c).Email)
	if err != nil {
		return err
	}
	if err := s.auditNotify(c, "notice.post", n.ID, map[string]string{"title": n.Title}); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(n)
}

// timeline is the public list of contract status updates, newest first.
func (s *Server) timeline(c *fiber.Ctx) error {
	ns, err := s.cfg.Board.Timeline(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"notices": ns})
}

func (s *Server) auditNotify(c *fiber.Ctx, action, object string, detail map[string]string) error {
	if s.cfg.NotificationAudit == nil {
		return nil
	}
	_, err := s.cfg.NotificationAudit.Append(c.UserContext(), actorOf(c), action, object, detail)
	return err
}
