package handlers

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/ratifyhq/ratify/errs"
)

// statusOf maps error codes to HTTP statuses, in one table.
var statusOf = map[errs.Code]int{
	errs.Invalid:      fiber.StatusUnprocessableEntity,
	errs.BadRequest:   fiber.StatusBadRequest,
	errs.NotFound:     fiber.StatusNotFound,
	errs.Conflict:     fiber.StatusConflict,
	errs.Unauthorized: fiber.StatusUnauthorized,
	errs.Forbidden:    fiber.StatusForbidden,
	errs.TooLarge:     fiber.StatusRequestEntityTooLarge,
	errs.RateLimited:  fiber.StatusTooManyRequests,
	errs.Unavailable:  fiber.StatusServiceUnavailable,
	errs.Unsupported:  fiber.StatusUnsupportedMediaType,
}

// codeOfStatus names Fiber's own errors (404 route, 413 body) in JSON.
var codeOfStatus = map[int]errs.Code{}

func init() {
	for c, s := range statusOf {
		codeOfStatus[s] = c
	}
}

// apiError is the one JSON error shape.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// errorHandler renders every error a handler returns: JSON under /api/ (or
// when the client asks for JSON), the friendly HTML page otherwise.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	body := apiErrorBody{RequestID: requestID(c)}
	status := fiber.StatusInternalServerError
	if _, ok := errs.As(err); !ok {
		// The store unreachable (see storehealth.go): 503, not 500.
		if se := s.storeUnavailable(err); se != nil {
			s.log.LogAttrs(c.UserContext(), slog.LevelWarn, "store unavailable",
				slog.String("request_id", body.RequestID),
				slog.String("path", redactPath(c.Path())),
				slog.String("error", err.Error()))
			err = se
		}
	}
	var fe *fiber.Error
	if e, ok := errs.As(err); ok {
		status = statusOf[e.Code]
		if status == 0 {
			status = fiber.StatusInternalServerError
		}
		body.Code, body.Message, body.Field = string(e.Code), e.Message, e.Field
	} else if errors.As(err, &fe) {
		status = fe.Code
		body.Code, body.Message = string(codeOfStatus[status]), fe.Message
		if body.Code == "" {
			body.Code = strings.ToLower(strings.ReplaceAll(utils.StatusMessage(status), " ", "_"))
		}
	}
	if status == fiber.StatusInternalServerError {
		s.log.LogAttrs(c.UserContext(), slog.LevelError, "request failed",
			slog.String("request_id", body.RequestID),
			slog.String("path", redactPath(c.Path())),
			slog.String("error", err.Error()))
		body.Code, body.Message, body.Field = "internal", "internal error", ""
	}
	if s.wantsHTML(c) {
		return s.renderErrorPage(c, status, body)
	}
	return c.Status(status).JSON(apiError{Error: body})
}

// wantsHTML is true for browser page requests, false for the JSON API.
func (s *Server) wantsHTML(c *fiber.Ctx) bool {
	if strings.HasPrefix(c.Path(), "/api/") || c.Path() == "/healthz" || c.Path() == "/readyz" {
		return false
	}
	return strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}
