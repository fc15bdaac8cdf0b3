package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/officers"
)

// Officers is what the sign-in and officer handlers call (officers.Store).
type Officers interface {
	Login(ctx context.Context, email, password, ip string) (officers.Token, error)
	Verify(ctx context.Context, token string) (officers.Principal, error)
	Refresh(ctx context.Context, p officers.Principal) (officers.Token, error)
	Logout(ctx context.Context, p officers.Principal, ip string) error
	ChangePassword(ctx context.Context, p officers.Principal, ip, current, password string) (officers.Token, error)
	CSRFToken(binding string) string
	CheckCSRF(binding, token string) bool
	CheckSetupCode(ctx context.Context, code string) error
	CompleteSetup(ctx context.Context, code, email, password, ip string) (officers.Token, error)

	List(ctx context.Context) ([]officers.Officer, error)
	Create(ctx context.Context, actor audit.Actor, n officers.NewOfficer) (officers.Officer, error)
	SetRole(ctx context.Context, actor audit.Actor, id string, role officers.Role) (officers.Officer, error)
	SetPassword(ctx context.Context, actor audit.Actor, id, password string) error
	Remove(ctx context.Context, actor audit.Actor, id string) error
	LiftLockout(ctx context.Context, actor audit.Actor, id string) error
}

const (
	sessionCookie = "ratify_session"
	// preSessionCookie binds the CSRF token of forms shown before sign-in
	// (login, setup) to the browser that loaded them.
	preSessionCookie = "ratify_csrf"
	localOfficer     = "officer"
)

// allRoles may use the endpoints any signed-in officer may use.
var allRoles = []string{string(officers.RoleAdmin), string(officers.RoleOfficer), string(officers.RoleObserver)}

func (s *Server) authRoutes(a *fiber.App, api fiber.Router) {
	if s.cfg.Officers == nil {
		return
	}
	any := s.requireRole(allRoles...)
	api.Post("/auth/login", s.login)
	api.Post("/auth/logout", any, s.logout)
	api.Get("/auth/me", any, s.me)
	api.Post("/auth/password", any, s.changePassword)
	a.Get("/login", s.loginPage)
	a.Post("/login", s.loginForm)
	a.Post("/logout", any, s.logoutForm)
	a.Get("/setup/:code", s.setupPage)
	a.Post("/setup/:code", s.setupForm)
}

// requireRole admits a request carrying a valid session token (an
// Authorization: Bearer header or the session cookie) of an officer with
// one of roles; administrators are admitted everywhere. Without a valid
// token it answers 401 (an HTML GET is sent to /login instead), with
// another role 403. A cookie-authenticated POST, PATCH, PUT or DELETE must
// also carry the session's CSRF token (header X-CSRF-Token or form field
// csrf_token), or it is refused with 403.
func (s *Server) requireRole(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.cfg.Officers == nil {
			return errs.New(errs.Unavailable, "Officer sign-in is not configured.")
		}
		token, viaCookie := bearer(c), false
		if token == "" {
			token, viaCookie = strings.Clone(c.Cookies(sessionCookie)), true
		}
		if token == "" {
			return s.unauthenticated(c, errs.New(errs.Unauthorized, "Sign in first."))
		}
		p, err := s.cfg.Officers.Verify(c.UserContext(), token)
		if err != nil {
			if viaCookie {
				c.ClearCookie(sessionCookie)
			}
			return s.unauthenticated(c, err)
		}
		if p.Role != officers.RoleAdmin && !slices.Contains(roles, string(p.Role)) {
			return errs.New(errs.Forbidden, "Your role (%s) does not allow this.", p.Role)
		}
		if viaCookie && unsafeMethod(c.Method()) {
			tok := c.Get("X-CSRF-Token")
			if tok == "" {
				tok = c.FormValue("csrf_token")
			}
			if !s.cfg.Officers.CheckCSRF(p.SessionID, tok) {
				return errs.New(errs.Forbidden, "The request lacks a valid anti-forgery token: reload the page and try again.")
			}
		}
		c.Locals(localOfficer, p)
		if viaCookie && time.Until(p.ExpiresAt) < 30*time.Minute {
			// Keep an active browser session signed in, up to the session's end.
			if fresh, err := s.cfg.Officers.Refresh(c.UserContext(), p); err == nil {
				s.setSessionCookie(c, fresh)
			}
		}
		return c.Next()
	}
}

// bearer returns the token of an Authorization: Bearer header, copied.
func bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(strings.Clone(h[7:]))
	}
	return ""
}

func unsafeMethod(m string) bool {
	return m == fiber.MethodPost || m == fiber.MethodPatch || m == fiber.MethodPut || m == fiber.MethodDelete
}

// unauthenticated sends a browser's page request to the sign-in page and
// answers anything else with err (401).
func (s *Server) unauthenticated(c *fiber.Ctx, err error) error {
	if c.Method() == fiber.MethodGet && s.wantsHTML(c) {
		return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
	}
	return err
}

// principal returns the signed-in officer of the request, if any.
func principal(c *fiber.Ctx) (officers.Principal, bool) {
	p, ok := c.Locals(localOfficer).(officers.Principal)
	return p, ok
}

// actorOf returns the signed-in officer and the client's IP address, for
// the audit log. The strings are copies: Fiber reuses its buffers.
func actorOf(c *fiber.Ctx) audit.Actor {
	a := audit.Actor{IP: clientIP(c)}
	if p, ok := principal(c); ok {
		a.OfficerID, a.Email, a.Role = strings.Clone(p.OfficerID), strings.Clone(p.Email), string(p.Role)
	}
	return a
}

// csrfToken returns the anti-forgery token for the forms of the page being
// rendered: bound to the session when signed in, else to a random value
// kept in a cookie of its own.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	if s.cfg.Officers == nil {
		return ""
	}
	if p, ok := principal(c); ok {
		return s.cfg.Officers.CSRFToken(p.SessionID)
	}
	nonce := strings.Clone(c.Cookies(preSessionCookie))
	if len(nonce) != 32 {
		b := make([]byte, 16)
		rand.Read(b)
		nonce = hex.EncodeToString(b)
		c.Cookie(&fiber.Cookie{Name: preSessionCookie, Value: nonce, Path: "/", HTTPOnly: true,
			SameSite: fiber.CookieSameSiteStrictMode, Secure: s.https()})
	}
	return s.cfg.Officers.CSRFToken("pre:" + nonce)
}

// checkPreSessionCSRF checks the token of a form posted before sign-in.
func (s *Server) checkPreSessionCSRF(c *fiber.Ctx) error {
	nonce := c.Cookies(preSessionCookie)
	if nonce == "" || !s.cfg.Officers.CheckCSRF("pre:"+nonce, c.FormValue("csrf_token")) {
		return errs.New(errs.Forbidden, "The form has expired: reload the page and try again.")
	}
	return nil
}

func (s *Server) https() bool { return strings.HasPrefix(s.cfg.BaseURL, "https://") }

func (s *Server) setSessionCookie(c *fiber.Ctx, t officers.Token) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: t.Token, Path: "/", Expires: t.ExpiresAt,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode, Secure: s.https()})
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", Expires: time.Unix(1, 0),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode, Secure: s.https()})
}

// tokenResponse is what sign-in and password change answer.
type tokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	CSRFToken string    `json:"csrf_token"`
}

func (s *Server) signedIn(c *fiber.Ctx, t officers.Token) error {
	s.setSessionCookie(c, t)
	return c.JSON(tokenResponse{Token: t.Token, ExpiresAt: t.ExpiresAt, CSRFToken: s.cfg.Officers.CSRFToken(t.Principal.SessionID)})
}

type credentials struct {
	Email    string `json:"email" form:"email"`
	Password string `json:"password" form:"password"`
}

// login answers POST /api/v1/auth/login {email, password}. It takes JSON
// only, so that another site cannot post a sign-in form to it.
func (s *Server) login(c *fiber.Ctx) error {
	if !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationJSON) {
		return errs.New(errs.Unsupported, "Send the credentials as JSON: {\"email\": ..., \"password\": ...}.")
	}
	var in credentials
	if err := c.BodyParser(&in); err != nil {
		return errs.New(errs.BadRequest, "The body is not valid JSON.")
	}
	t, err := s.cfg.Officers.Login(c.UserContext(), in.Email, in.Password, clientIP(c))
	if err != nil {
		return err
	}
	return s.signedIn(c, t)
}

// logout answers POST /api/v1/auth/logout: the session ends.
func (s *Server) logout(c *fiber.Ctx) error {
	p, _ := principal(c)
	if err := s.cfg.Officers.Logout(c.UserContext(), p, actorOf(c).IP); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

// me answers GET /api/v1/auth/me with the signed-in officer.
func (s *Server) me(c *fiber.Ctx) error {
	p, _ := principal(c)
	return c.JSON(fiber.Map{
		"id": p.OfficerID, "email": p.Email, "role": p.Role, "expires_at": p.ExpiresAt,
		"csrf_token": s.cfg.Officers.CSRFToken(p.SessionID),
	})
}

// changePassword answers POST /api/v1/auth/password {current_password,
// new_password}: every session of the officer ends and a new one starts.
func (s *Server) changePassword(c *fiber.Ctx) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	p, _ := principal(c)
	t, err := s.cfg.Officers.ChangePassword(c.UserContext(), p, actorOf(c).IP, in.Current, in.New)
	if err != nil {
		return err
	}
	return s.signedIn(c, t)
}

// loginPage is the data of login.html.
type loginPage struct {
	CSRF, Email, Next, Error string
}

// safeNext keeps a post-sign-in destination on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// loginPage shows the sign-in form.
func (s *Server) loginPage(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "login", loginPage{CSRF: s.csrfToken(c), Next: safeNext(c.Query("next"))})
}

// loginForm signs in from the form and goes on to the page asked for, or
// shows the form again with what went wrong.
func (s *Server) loginForm(c *fiber.Ctx) error {
	if err := s.checkPreSessionCSRF(c); err != nil {
		return err
	}
	email, next := strings.Clone(c.FormValue("email")), safeNext(c.FormValue("next"))
	t, err := s.cfg.Officers.Login(c.UserContext(), email, c.FormValue("password"), clientIP(c))
	if e, ok := errs.As(err); ok && (e.Code == errs.Unauthorized || e.Code == errs.RateLimited) {
		return s.render(c, statusOf[e.Code], "login", loginPage{CSRF: s.csrfToken(c), Email: email, Next: next, Error: e.Message})
	}
	if err != nil {
		return err
	}
	s.setSessionCookie(c, t)
	return c.Redirect(next, fiber.StatusSeeOther)
}

// logoutForm signs out from a page's form.
func (s *Server) logoutForm(c *fiber.Ctx) error {
	p, _ := principal(c)
	if err := s.cfg.Officers.Logout(c.UserContext(), p, actorOf(c).IP); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// setupPage is the data of setup.html.
type setupPage struct {
	Code, CSRF, Email, Error string
}

// setupCode takes the one-time code out of the path and hides it from the
// request log, which prints c.Path() when the request ends.
func setupCode(c *fiber.Ctx) string {
	code := strings.Clone(c.Params("code"))
	c.Path("/setup/…")
	return code
}

// setupPage shows the form that creates the first administrator.
func (s *Server) setupPage(c *fiber.Ctx) error {
	code := setupCode(c)
	if err := s.cfg.Officers.CheckSetupCode(c.UserContext(), code); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "setup", setupPage{Code: code, CSRF: s.csrfToken(c)})
}

// setupForm creates the first administrator and signs them in.
func (s *Server) setupForm(c *fiber.Ctx) error {
	code := setupCode(c)
	if err := s.checkPreSessionCSRF(c); err != nil {
		return err
	}
	email, password := strings.Clone(c.FormValue("email")), c.FormValue("password")
	again := func(msg string) error {
		return s.render(c, fiber.StatusUnprocessableEntity, "setup", setupPage{Code: code, CSRF: s.csrfToken(c), Email: email, Error: msg})
	}
	if password != c.FormValue("password_confirm") {
		return again("The two passwords differ.")
	}
	t, err := s.cfg.Officers.CompleteSetup(c.UserContext(), code, email, password, clientIP(c))
	if e, ok := errs.As(err); ok && (e.Code == errs.Invalid || e.Code == errs.Conflict) {
		return again(e.Error())
	}
	if err != nil {
		return err
	}
	s.setSessionCookie(c, t)
	return c.Redirect("/", fiber.StatusSeeOther)
}
