package handlers

import (
	"strings"

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

// contractPageData is what a reader page shows: the contents page, or one
// article (or appendix) with the links to the ones before and after it.
type contractPageData struct {
	Doc            *contracts.Document
	View           *readerView
	Redline        bool
	Term           string
	Status         []statusLine
	HasCalculators bool
	Article        *articleView // nil on the contents page
	Label          string       // the article's number, or "" for an appendix
	Prev, Next     *tocItem
}

// contractPage shows an agreement, paged so that no page is large: the
// contents with ?part absent, one article or appendix with ?part=<its
// anchor>. The view is clean by default, redline with ?view=redline.
// ?at=<anchor> redirects to the page holding any element id (section,
// table, change), with the anchor as the fragment, so that a citation need
// not know the paging.
func (s *Server) contractPage(c *fiber.Ctx) error {
	d, err := s.cfg.Contracts.Get(c.Params("id"))
	if err != nil {
		return err
	}
	v := contracts.ParseView(c.Query("view"))
	if at := c.Query("at"); at != "" {
		return c.Redirect(readerURL(d, v == contracts.ViewRedline, at), fiber.StatusSeeOther)
	}
	// Clone: Fiber's strings point into the request buffer, which the next
	// request reuses, and part becomes a key of the page cache.
	return s.renderReader(c, d, v, strings.Clone(c.Query("part")))
}

// contractSearchData is what the search page shows.
type contractSearchData struct {
	Doc   *contracts.Document
	Query string
	Hits  []hitView
	Error string
}

// hitView is a search hit with the citation of where it is and the
// address of its passage in the reader.
type hitView struct {
	contracts.Hit
	Cite, URL string
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
			data.Hits = append(data.Hits, hitView{Hit: h, Cite: d.Cite(h.Anchor), URL: readerURL(d, false, h.Anchor)})
		}
	}
	return s.render(c, status, "contract_search", data)
}

// changeGroup is the changes within one article; URL is the article's
// page in the reader.
type changeGroup struct {
	Label, Title, Anchor, URL string
	Changes                   []contractChange
}

// contractChange is a change with the citation of where it is.
type contractChange struct {
	contracts.Change
	Cite string // "Article 601 B"
	ID   string // the element id of the change in the redline view
	URL  string // its place in the redline view
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
			g := changeGroup{Label: ch.Article, Anchor: ch.Article, URL: readerURL(d, false, ch.Article)}
			if a := d.FindArticle(ch.Article); a != nil {
				g.Label = a.Label()
				if a.Kind == contracts.KindArticle {
					g.Title = a.Title
				}
			}
			groups = append(groups, g)
		}
		g := &groups[len(groups)-1]
		g.Changes = append(g.Changes, contractChange{Change: ch, Cite: d.Cite(ch.Anchor), ID: changeID(ch.N), URL: readerURL(d, true, changeID(ch.N))})
	}
	return s.render(c, fiber.StatusOK, "contract_changes", fiber.Map{"Doc": d, "Groups": groups, "Count": len(d.Changes)})
}
