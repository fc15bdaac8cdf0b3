package handlers

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
)

// healthz says the process is up.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says whether the store answers within two seconds and can still
// make writes durable.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if d := s.cfg.Durability; d != nil {
		if err := d.SyncFailed(); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{
				"status": "unavailable", "store": "disk failure", "reason": err.Error(),
			})
		}
	}
	if h := s.store.Load(); h != nil {
		if err := h.Check(ctx); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{
				"status": "unavailable", "store": "unreachable", "reason": readyReason(err),
			})
		}
	}
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(ctx); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{
				"status": "unavailable", "store": "unreachable", "reason": readyReason(err),
			})
		}
	}
	return c.JSON(fiber.Map{"status": "ready", "store": "ok"})
}

func httpFS(f fs.FS) http.FileSystem { return http.FS(f) }
