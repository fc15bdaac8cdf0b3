package handlers

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/errs"
)

// Contracts is what the contract reader and the calculators call
// (contracts.Library).
type Contracts interface {
	List() []contracts.Summary
	Get(id string) (*contracts.Document, error)
	Article(id, number string) (*contracts.Article, error)
	Search(id, q string, limit int) ([]contracts.Hit, error)
	Changes(id string) ([]contracts.Change, error)
	Calculators(id string) ([]contracts.CalculatorInfo, error)
	Calculate(id, name string, input []byte) (any, error)
	Citations(id string, cites []string) []contracts.Citation
}

// ContractVersions publishes the agreement versions officers upload and
// moves their status forward (contracts.Store).
type ContractVersions interface {
	Publish(ctx context.Context, name string, src []byte, by string) (contracts.Summary, bool, error)
	Advance(ctx context.Context, id string, ev contracts.StatusEvent, by string) ([]contracts.StatusEvent, bool, error)
}

// contractAudit records officers' contract actions (audit.Log).
type contractAudit interface {
	Append(ctx context.Context, actor audit.Actor, action, object string, detail map[string]string) (audit.Entry, error)
}

// contractRoutes registers the contract API and the reader pages; the
// officers' endpoints only when versions and the audit log are configured.
func (s *Server) contractRoutes(a *fiber.App, api fiber.Router) {
	// The reader's pages are large text: compress them on the wire.
	z := compress.New(compress.Config{Level: compress.LevelBestSpeed})
	api.Get("/contracts", s.apiContracts)
	api.Get("/contracts/:id", z, s.apiContract)
	api.Get("/contracts/:id/articles/:number", s.apiArticle)
	api.Get("/contracts/:id/search", s.apiSearch)
	api.Get("/contracts/:id/changes", s.apiChanges)
	api.Get("/contracts/:id/calculators", z, s.apiCalculators)
	api.Post("/contracts/:id/calculators/:name", s.apiCalculate)
	if s.cfg.ContractVersions != nil && s.cfg.ContractAudit != nil {
		officer := s.requireRole("admin", "officer")
		api.Post("/contracts", officer, s.publishContract)
		api.Post("/contracts/:id/status", officer, s.advanceContract)
	}
	a.Get("/contracts", s.contractsPage)
	a.Get("/contracts/:id", z, s.contractPage)
	a.Get("/contracts/:id/search", z, s.contractSearchPage)
	a.Get("/contracts/:id/changes", z, s.contractChangesPage)
	a.Get("/contracts/:id/calculators", s.calculatorsPage)
	a.Get("/contracts/:id/calculators/:name", z, s.calculatorPage)
}

func (s *Server) apiContracts(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"contracts": s.cfg.Contracts.List()})
}

func (s *Server) apiContract(c *fiber.Ctx) error {
	d, err := s.cfg.Contracts.Get(c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) apiArticle(c *fiber.Ctx) error {
	a, err := s.cfg.Contracts.Article(c.Params("id"), c.Params("number"))
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// searchHit is a search result with the address of the passage.
type searchHit struct {
	contracts.Hit
	URL string `json:"url"`
}

func (s *Server) apiSearch(c *fiber.Ctx) error {
	id := c.Params("id")
	hits, err := s.cfg.Contracts.Search(id, c.Query("q"), c.QueryInt("limit"))
	if err != nil {
		return err
	}
	out := make([]searchHit, len(hits))
	for i, h := range hits {
		out[i] = searchHit{Hit: h, URL: "/contracts/" + id + "?at=" + h.Anchor}
	}
	return c.JSON(fiber.Map{"id": id, "query": c.Query("q"), "hits": out})
}

func (s *Server) apiChanges(c *fiber.Ctx) error {
	ch, err := s.cfg.Contracts.Changes(c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": c.Params("id"), "changes": ch})
}

func (s *Server) apiCalculators(c *fiber.Ctx) error {
	cs, err := s.cfg.Contracts.Calculators(c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": c.Params("id"), "calculators": cs})
}

// apiCalculate runs a calculator on a JSON object of inputs; an invalid
// input is a 422 naming it.
func (s *Server) apiCalculate(c *fiber.Ctx) error {
	if ct := string(c.Request().Header.ContentType()); ct != "" && !isJSON(ct) {
		return errs.New(errs.Unsupported, "send the inputs as a JSON object (application/json)")
	}
	out, err := s.cfg.Contracts.Calculate(c.Params("id"), c.Params("name"), c.Body())
	if err != nil {
		return err
	}
	return c.JSON(out)
}
