package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/errs"
)

const localRequestID = "request_id"

// requestID returns the id the middleware gave this request.
func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// redactPath hides secrets carried in paths: the voting token in
// /v/{token} and the one-time code in /setup/{code}.
func redactPath(p string) string {
	for _, prefix := range []string{"/v/", "/setup/"} {
		if strings.HasPrefix(p, prefix) {
			return prefix + "…"
		}
	}
	return p
}

// requestContext gives each request an id, a deadline on its context, and a
// log line at the end with the path redacted. It also recovers panics into
// a 500 with the request id.
func (s *Server) requestContext(c *fiber.Ctx) (err error) {
	start := time.Now()
	id := c.Get("X-Request-ID")
	if !saneRequestID.MatchString(id) {
		id = newRequestID()
	}
	c.Locals(localRequestID, id)
	c.Locals(localClientIP, resolveClientIP(c, s.cfg.TrustedProxies))
	c.Set("X-Request-ID", id)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	probe := c.Path() == "/healthz" || c.Path() == "/readyz" || strings.HasPrefix(c.Path(), "/static/")
	stopped := false // the store has stopped saving: answered at once
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "request_id", id, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
		if d := s.cfg.Durability; d != nil && !probe && !stopped {
			// No answer, whatever it is, leaves before what it reports is
			// on the disk: the request's own writes (a refusal may follow
			// a partial write) and any other write it may have read.
			if derr := s.awaitDurable(ctx, d, id); derr != nil {
				err = derr
				// What the handler promised (a session cookie, a redirect
				// to the saved thing) does not stand.
				c.Response().Header.DelAllCookies()
				c.Response().Header.Del(fiber.HeaderLocation)
			}
		}
		if err != nil {
			if herr := s.errorHandler(c, err); herr != nil {
				c.Status(fiber.StatusInternalServerError)
			}
			err = nil
		}
		level := slog.LevelInfo
		status := c.Response().StatusCode()
		if status >= 500 {
			level = slog.LevelWarn
		}
		if probe {
			level = slog.LevelDebug
		}
		s.log.LogAttrs(ctx, level, "request",
			slog.String("request_id", id),
			slog.String("method", c.Method()),
			slog.String("path", redactPath(c.Path())),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", clientIP(c)))
	}()
	if d := s.cfg.Durability; d != nil && !probe && d.SyncFailed() != nil {
		stopped = true // nothing can be saved: do not start
		return errs.New(errs.Unavailable, StoreStoppedMessage)
	}
	return c.Next()
}

// awaitDurable waits for the store's group commit (at once when nothing
// is waiting for the disk), even past the request's deadline (the commits
// are done; only the disk is awaited), at most 30 s.
func (s *Server) awaitDurable(ctx context.Context, d Durability, id string) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := d.Durable(dctx); err != nil {
		s.log.Error("store: a write could not be made durable", "request_id", id, "error", err)
		return errs.New(errs.Unavailable, NotDurableMessage)
	}
	return nil
}

// securityHeaders sets the headers every response carries. The CSP allows
// no inline script: pages load their script from /static/.
func securityHeaders(https bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return c.Next()
	}
}

// jsonBodyLimit refuses API bodies over n bytes before they are parsed; file
// uploads have their own, larger limit set in the Fiber config.
func jsonBodyLimit(n int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEMultipartForm) {
			return c.Next()
		}
		if len(c.Body()) > n {
			return fiber.NewError(fiber.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", n))
		}
		return c.Next()
	}
}
