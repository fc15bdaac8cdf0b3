package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/errs"
)

// contractListItem is an agreement in the list page.
type contractListItem struct {
	contracts.Summary
	TermText, StatusLabel, StatusDate string
}

func (s *Server) contractsPage(c *fiber.Ctx) error {
	var items []contractListItem
	for _, sum := range s.cfg.Contracts.List() {
		items = append(items, contractListItem{Summary: sum, TermText: termText(sum.Term),
			StatusLabel: sum.Status.Status.Label(), StatusDate: longDate(sum.Status.Date)})
	}
	return s.render(c, fiber.StatusOK, "contracts", fiber.Map{"Contracts": items})
}

// contractPageData is what the reader page shows.
type contractPageData struct {
	Doc            *contracts.Document
	View           *readerView
	Redline        bool
	Term           string
	Status         []statusLine
	HasCalculators bool
}

// contractPage shows an agreement whole: clean by default, redline with
// ?view=redline.
func (s *Server) contractPage(c *fiber.Ctx) error {
	d, err := s.cfg.Contracts.Get(c.Params("id"))
	if err != nil {
		return err
	}
	return s.renderReader(c, d, contracts.ParseView(c.Query("view")))
}

// contractSearchData is what the search page shows.
type contractSearchData struct {
	Doc   *contracts.Document
	Query string
	Hits  []hitView
	Error string
}

// hitView is a search hit with the citation of where it is.
type hitView struct {
	contracts.Hit
	Cite string
}

// contractSearchPage searches an agreement; an empty query shows the form.
func (s *Server) contractSearchPage(c *fiber.Ctx) error {
	d, err := s.cfg.Contracts.Get(c.Params("id"))
	if err != nil {
		return err
	}
	data := contractSearchData{Doc: d, Query: c.Query("q")}
	status := fiber.StatusOK
	if data.Query != "" {
		hits, err := s.cfg.Contracts.Search(d.ID, data.Query, 50)
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			data.Error, status = e.Message, fiber.StatusUnprocessableEntity
		} else if err != nil {
			return err
		}
		for _, h := range hits {
			data.Hits = append(data.Hits, hitView{Hit: h, Cite: d.Cite(h.Anchor)})
		}
	}
	return s.render(c, status, "contract_search", data)
}

// changeGroup is the changes within one article.
type changeGroup struct {
	Label, Title, Anchor string
	Changes              []contractChange
}

// contractChange is a change with the citation of where it is.
type contractChange struct {
	contracts.Change
	Cite string // "Article 601 B"
	ID   string // the element id of the change in the redline view
}

// contractChangesPage lists every marked change by article.
func (s *Server) contractChangesPage(c *fiber.Ctx) error {
	d, err := s.cfg.Contracts.Get(c.Params("id"))
	if err != nil {
		return err
	}
	var groups []changeGroup
	for _, ch := range d.Changes {
		if n := len(groups); n == 0 || groups[n-1].Anchor != ch.Article {
			g := changeGroup{Label: ch.Article, Anchor: ch.Article}
			if a := d.FindArticle(ch.Article); a != nil {
				g.Label = a.Label()
				if a.Kind == contracts.KindArticle {
					g.Title = a.Title
				}
			}
			groups = append(groups, g)
		}
		g := &groups[len(groups)-1]
		g.Changes = append(g.Changes, contractChange{Change: ch, Cite: d.Cite(ch.Anchor), ID: changeID(ch.N)})
	}
	return s.render(c, fiber.StatusOK, "contract_changes", fiber.Map{"Doc": d, "Groups": groups, "Count": len(d.Changes)})
}
