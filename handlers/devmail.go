package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/notify"
)

// The development mail viewer: with no SMTP server configured, the outbox
// writes each message to a file, and officers read them here. The routes
// do not exist when mail goes to a real server.

type devMailList struct {
	Dir   string
	Files []notify.MailFile
}

func (s *Server) devMailRoutes(a *fiber.App) {
	if s.cfg.DevMailDir == "" {
		return
	}
	officer := s.requireRole("admin", "officer")
	a.Get("/dev/mail", officer, s.devMailList)
	a.Get("/dev/mail/:name", officer, s.devMailMessage)
	a.Get("/dev/mail/:name/html", officer, s.devMailHTML)
	a.Get("/dev/mail/:name/raw", officer, s.devMailRaw)
}

func (s *Server) devMailList(c *fiber.Ctx) error {
	files, err := notify.ListMailFiles(s.cfg.DevMailDir, 500)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "devmail", devMailList{Dir: s.cfg.DevMailDir, Files: files})
}

func (s *Server) devMailMessage(c *fiber.Ctx) error {
	m, err := notify.ReadMailFile(s.cfg.DevMailDir, c.Params("name"))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "devmail_message", m)
}

// devMailHTML serves a message's HTML body as a sandboxed document.
func (s *Server) devMailHTML(c *fiber.Ctx) error {
	m, err := notify.ReadMailFile(s.cfg.DevMailDir, c.Params("name"))
	if err != nil {
		return err
	}
	c.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	c.Type("html", "utf-8")
	return c.SendString(m.HTML)
}

func (s *Server) devMailRaw(c *fiber.Ctx) error {
	m, err := notify.ReadMailFile(s.cfg.DevMailDir, c.Params("name"))
	if err != nil {
		return err
	}
	c.Type("txt", "utf-8")
	return c.Send(m.Raw)
}
