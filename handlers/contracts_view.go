package handlers

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/errs"
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

// sectionView is a section with its heading level (2 to 6: the article is
// the page's h1).
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

// readerView is a whole agreement in one view. The reader shows it paged:
// a contents page, then one page per article or appendix.
type readerView struct {
	Articles []articleView
	TOC      []tocItem
	Supplied int            // headings supplied by the editor
	part     map[string]int // every element id on an article's page -> the article's index
}

// tocItem is an article in the table of contents, with its titled sections.
type tocItem struct {
	contracts.TOCEntry
	Sections []contracts.TOCEntry
}

// readerPages caches the rendered reader pages of each document, view and
// part: a *Document is immutable (a status change replaces it), so its pages
// never change, and rendering takes milliseconds.
var readerPages sync.Map // pageKey -> []byte

// readerViews caches the view of each document (clean and redline).
var readerViews sync.Map // viewKey -> *readerView

type viewKey struct {
	doc     *contracts.Document
	redline bool
}

type pageKey struct {
	pages   *pages
	doc     *contracts.Document
	redline bool
	part    string // "" for the contents page
}

// readerViewOf returns the view of d, built once.
func readerViewOf(d *contracts.Document, redline bool) *readerView {
	k := viewKey{d, redline}
	if v, ok := readerViews.Load(k); ok {
		return v.(*readerView)
	}
	v := contracts.ViewClean
	if redline {
		v = contracts.ViewRedline
	}
	rv, _ := readerViews.LoadOrStore(k, buildView(d, v))
	return rv.(*readerView)
}

// readerURL is the address of the reader page of the part holding anchor
// (an article, section, table or change id), with the anchor as fragment;
// an unknown anchor gives the contents page.
func readerURL(d *contracts.Document, redline bool, anchor string) string {
	u := "/contracts/" + d.ID
	q := "?"
	if redline {
		u, q = u+"?view=redline", "&"
	}
	rv := readerViewOf(d, redline)
	i, ok := rv.part[anchor]
	if !ok {
		// A change id in the clean view: its article, without the fragment.
		if n, err := strconv.Atoi(strings.TrimPrefix(anchor, "change-")); err == nil && strings.HasPrefix(anchor, "change-") && n >= 1 && n <= len(d.Changes) {
			if j, ok := rv.part[d.Changes[n-1].Article]; ok {
				return u + q + "part=" + url.QueryEscape(rv.Articles[j].Anchor)
			}
		}
		return u
	}
	u += q + "part=" + url.QueryEscape(rv.Articles[i].Anchor)
	if anchor != rv.Articles[i].Anchor {
		u += "#" + url.PathEscape(anchor)
	}
	return u
}

// renderReader writes the reader page of d in view v: the contents page
// when part is empty, else the page of the article or appendix whose anchor
// is part. Each page is rendered once.
func (s *Server) renderReader(c *fiber.Ctx, d *contracts.Document, v contracts.View, part string) error {
	k := pageKey{s.pages, d, v == contracts.ViewRedline, part}
	page, ok := readerPages.Load(k)
	if !ok {
		rv := readerViewOf(d, k.redline)
		data := contractPageData{Doc: d, View: rv, Redline: k.redline,
			Term: termText(d.Term), Status: statusLines(d.Status), HasCalculators: d.Calculators != ""}
		name := "contract"
		if part != "" {
			i, found := rv.part[part]
			if !found || rv.Articles[i].Anchor != part {
				return errs.New(errs.NotFound, "%s has no article or appendix %q", d.Title, part)
			}
			name = "contract_part"
			data.Article = &rv.Articles[i]
			if i > 0 {
				data.Prev = &rv.TOC[i-1]
			}
			if i+1 < len(rv.TOC) {
				data.Next = &rv.TOC[i+1]
			}
			data.Label = rv.TOC[i].Label
		}
		var buf bytes.Buffer
		if err := s.pages.byName[name].ExecuteTemplate(&buf, "layout", data); err != nil {
			return fmt.Errorf("handlers: render contract: %w", err)
		}
		page, _ = readerPages.LoadOrStore(k, buf.Bytes())
	}
	c.Type("html", "utf-8")
	return c.Send(page.([]byte))
}

func buildView(d *contracts.Document, v contracts.View) *readerView {
	b := viewBuilder{view: v, seen: map[int]bool{}}
	rv := &readerView{part: map[string]int{}}
	for i, a := range d.Articles {
		av := articleView{Anchor: a.Anchor, Number: a.Number, Title: a.Title, EditorNote: a.EditorNote,
			Supplied: suppliedPart(a.SuppliedNumber, a.SuppliedTitle)}
		if av.Supplied != "" {
			rv.Supplied++
		}
		b.ids = []string{a.Anchor}
		av.Body = b.blocks(a.Body, 1, &rv.Supplied)
		for _, id := range b.ids {
			rv.part[id] = i
		}
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
	ids  []string     // the element ids of the article being built
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
			b.ids = append(b.ids, s.Anchor)
			out = append(out, blockView{Section: &sectionView{Anchor: s.Anchor, Display: s.Display, Title: b.segs(s.Title),
				Level: min(depth+1, 6), Supplied: s.Supplied, EditorNote: s.EditorNote, Body: b.blocks(s.Body, depth+1, supplied)}})
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
			b.ids = append(b.ids, out[i].ID)
		}
	}
	return out
}

func (b *viewBuilder) table(t *contracts.Table) *tableView {
	b.ids = append(b.ids, t.ID)
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
