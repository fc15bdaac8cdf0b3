package handlers

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/contracts"
)

// The reader's view of an agreement: what the contract templates show,
// with the clean or redline view already applied, so that the templates
// only lay it out.

// segView is a run of text to show: "text", "deleted", "inserted" or
// "note". ID is set on the first segment of a change in the redline view,
// so that the summary of changes can link to it.
type segView struct {
	Kind contracts.SegmentKind
	Text string
	ID   string
}

// blockView is a paragraph, a table or a section.
type blockView struct {
	Para    []segView
	Table   *tableView
	Section *sectionView
}

// sectionView is a section with its heading level (3 to 6).
type sectionView struct {
	Anchor, Display string
	Title           []segView
	Level           int
	Supplied        bool
	EditorNote      string
	Body            []blockView
}

// articleView is an article or appendix. Supplied says which part of its
// heading the editor supplied: "number", "title", "heading" or "".
type articleView struct {
	Anchor, Number, Title string
	Supplied              string
	EditorNote            string
	Body                  []blockView
}

// tableView is a table: the first cell of each body row heads its row.
type tableView struct {
	ID, Caption     string
	CaptionSupplied bool
	Numeric         bool
	Header          []cellView
	Rows            [][]cellView
}

// cellView is a table cell; Num right-aligns numbers.
type cellView struct {
	Segs []segView
	Num  bool
}

// readerView is a whole agreement in one view.
type readerView struct {
	Articles []articleView
	TOC      []tocItem
	Supplied int // headings supplied by the editor
}

// tocItem is an article in the table of contents, with its titled sections.
type tocItem struct {
	contracts.TOCEntry
	Sections []contracts.TOCEntry
}

// readerPages caches the rendered reader page of each document and view: a
// *Document is immutable (a status change replaces it), so its page never
// changes, and rendering the largest agreement takes tens of milliseconds.
var readerPages sync.Map // pageKey -> []byte

type pageKey struct {
	pages   *pages
	doc     *contracts.Document
	redline bool
}

// renderReader writes the reader page of d in view v, rendered once.
func (s *Server) renderReader(c *fiber.Ctx, d *contracts.Document, v contracts.View) error {
	k := pageKey{s.pages, d, v == contracts.ViewRedline}
	page, ok := readerPages.Load(k)
	if !ok {
		data := contractPageData{Doc: d, View: buildView(d, v), Redline: k.redline,
			Term: termText(d.Term), Status: statusLines(d.Status), HasCalculators: d.Calculators != ""}
		var buf bytes.Buffer
		if err := s.pages.byName["contract"].ExecuteTemplate(&buf, "layout", data); err != nil {
			return fmt.Errorf("handlers: render contract: %w", err)
		}
		page, _ = readerPages.LoadOrStore(k, buf.Bytes())
	}
	c.Type("html", "utf-8")
	return c.Send(page.([]byte))
}

func buildView(d *contracts.Document, v contracts.View) *readerView {
	b := viewBuilder{view: v, seen: map[int]bool{}}
	rv := &readerView{}
	for _, a := range d.Articles {
		av := articleView{Anchor: a.Anchor, Number: a.Number, Title: a.Title, EditorNote: a.EditorNote,
			Supplied: suppliedPart(a.SuppliedNumber, a.SuppliedTitle)}
		if av.Supplied != "" {
			rv.Supplied++
		}
		av.Body = b.blocks(a.Body, 1, &rv.Supplied)
		rv.Articles = append(rv.Articles, av)
	}
	for _, e := range d.TOC() {
		if e.Level == 0 {
			rv.TOC = append(rv.TOC, tocItem{TOCEntry: e})
		} else if n := len(rv.TOC); n > 0 {
			rv.TOC[n-1].Sections = append(rv.TOC[n-1].Sections, e)
		}
	}
	return rv
}

func suppliedPart(number, title bool) string {
	switch {
	case number && title:
		return "heading"
	case number:
		return "number"
	case title:
		return "title"
	}
	return ""
}

type viewBuilder struct {
	view contracts.View
	seen map[int]bool // changes already given an id
}

func (b *viewBuilder) blocks(body []contracts.Block, depth int, supplied *int) []blockView {
	out := make([]blockView, 0, len(body))
	for _, bl := range body {
		switch {
		case bl.Section != nil:
			s := bl.Section
			if s.Supplied {
				*supplied++
			}
			out = append(out, blockView{Section: &sectionView{Anchor: s.Anchor, Display: s.Display, Title: b.segs(s.Title),
				Level: min(depth+2, 6), Supplied: s.Supplied, EditorNote: s.EditorNote, Body: b.blocks(s.Body, depth+1, supplied)}})
		case bl.Table != nil:
			out = append(out, blockView{Table: b.table(bl.Table)})
		default:
			out = append(out, blockView{Para: b.segs(bl.Segments)})
		}
	}
	return out
}

func (b *viewBuilder) segs(in []contracts.Segment) []segView {
	r := contracts.Render(in, b.view)
	out := make([]segView, len(r))
	for i, s := range r {
		out[i] = segView{Kind: s.Kind, Text: s.Text}
		if b.view == contracts.ViewRedline && s.Change > 0 && !b.seen[s.Change] {
			b.seen[s.Change] = true
			out[i].ID = changeID(s.Change)
		}
	}
	return out
}

func (b *viewBuilder) table(t *contracts.Table) *tableView {
	tv := &tableView{ID: t.ID, Caption: t.Caption, CaptionSupplied: t.CaptionSupplied, Numeric: t.Kind == "numeric"}
	for _, c := range t.Header {
		tv.Header = append(tv.Header, cellView{Segs: b.segs(c.Segments)})
	}
	for _, row := range t.Rows {
		cells := make([]cellView, len(row))
		for i, c := range row {
			cells[i] = cellView{Segs: b.segs(c.Segments), Num: c.IsNum}
		}
		tv.Rows = append(tv.Rows, cells)
	}
	return tv
}

// changeID is the element id of a change in the redline view.
func changeID(n int) string { return "change-" + strconv.Itoa(n) }

// statusLine is a status event for people.
type statusLine struct {
	Label, Date, Note, VoteID string
}

func statusLines(h []contracts.StatusEvent) []statusLine {
	out := make([]statusLine, len(h))
	for i, e := range h {
		out[i] = statusLine{Label: e.Status.Label(), Date: longDate(e.Date), Note: e.Note, VoteID: e.VoteID}
	}
	return out
}

// longDate formats a civil date for people ("June 30, 2021"); an empty or
// malformed date is shown as given.
func longDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("January 2, 2006")
}

// termText formats an agreement's term.
func termText(t contracts.Term) string {
	return longDate(t.Start) + " to " + longDate(t.End)
}
