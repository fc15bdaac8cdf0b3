package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/officers"
)

func (s *Server) officerRoutes(api fiber.Router) {
	if s.cfg.Officers == nil {
		return
	}
	admin := s.requireRole(string(officers.RoleAdmin))
	api.Get("/officers", admin, s.listOfficers)
	api.Post("/officers", admin, s.createOfficer)
	api.Patch("/officers/:id", admin, s.setOfficerRole)
	api.Put("/officers/:id/password", admin, s.resetOfficerPassword)
	api.Delete("/officers/:id", admin, s.removeOfficer)
	api.Delete("/officers/:id/lockout", admin, s.liftLockout)
}

// listOfficers answers GET /api/v1/officers.
func (s *Server) listOfficers(c *fiber.Ctx) error {
	list, err := s.cfg.Officers.List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"officers": list})
}

// createOfficer answers POST /api/v1/officers {email, name, role, password}.
func (s *Server) createOfficer(c *fiber.Ctx) error {
	var in officers.NewOfficer
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	o, err := s.cfg.Officers.Create(c.UserContext(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

// setOfficerRole answers PATCH /api/v1/officers/{id} {role}.
func (s *Server) setOfficerRole(c *fiber.Ctx) error {
	var in struct {
		Role officers.Role `json:"role"`
	}
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	o, err := s.cfg.Officers.SetRole(c.UserContext(), actorOf(c), strings.Clone(c.Params("id")), in.Role)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// resetOfficerPassword answers PUT /api/v1/officers/{id}/password {password}.
func (s *Server) resetOfficerPassword(c *fiber.Ctx) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	if err := s.cfg.Officers.SetPassword(c.UserContext(), actorOf(c), strings.Clone(c.Params("id")), in.Password); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// removeOfficer answers DELETE /api/v1/officers/{id}.
func (s *Server) removeOfficer(c *fiber.Ctx) error {
	if err := s.cfg.Officers.Remove(c.UserContext(), actorOf(c), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// liftLockout answers DELETE /api/v1/officers/{id}/lockout: the account's
// failed sign-ins are forgotten and its lock lifted.
func (s *Server) liftLockout(c *fiber.Ctx) error {
	if err := s.cfg.Officers.LiftLockout(c.UserContext(), actorOf(c), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
