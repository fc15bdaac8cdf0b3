package contracts

// Document is one agreement parsed from its source file. A Document is
// immutable once parsed: callers must not modify it.
type Document struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Parties     []string      `json:"parties"`
	Term        Term          `json:"term"`
	Calculators string        `json:"calculators,omitempty"` // the calculator family that reads this document's data
	Status      []StatusEvent `json:"status"`
	Notes       []string      `json:"notes,omitempty"` // editor's notes on the document as a whole
	Articles    []*Article    `json:"articles"`        // articles and appendices, in source order
	Changes     []Change      `json:"changes"`         // every marked change, in source order
	SHA256      string        `json:"sha256"`          // hex SHA-256 of the source bytes
	Source      string        `json:"source"`          // the source file name

	anchors map[string]*Anchored // every anchor in the document
	index   []indexEntry         // search index, built at parse time
}

// Term is the period an agreement covers, as civil dates (YYYY-MM-DD).
type Term struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Kind tells an article from an appendix or another unnumbered part.
type Kind string

// The kinds of top-level part.
const (
	KindArticle  Kind = "article"
	KindAppendix Kind = "appendix"
)

// Article is a top-level part of a document: a numbered article, or an
// unnumbered part (appendix, signature page, form, letter of agreement).
type Article struct {
	Kind           Kind    `json:"kind"`
	Number         string  `json:"number,omitempty"` // "601"; empty for appendices
	Anchor         string  `json:"anchor"`           // "601" or the appendix id
	Title          string  `json:"title"`
	SuppliedNumber bool    `json:"supplied_number,omitempty"` // the number was supplied by the editor
	SuppliedTitle  bool    `json:"supplied_title,omitempty"`  // the title was supplied by the editor
	EditorNote     string  `json:"editor_note,omitempty"`
	Body           []Block `json:"body"` // paragraphs, tables and sections in order
	Line           int     `json:"line"`
}

// Label returns how the article is named in citations: "Article 601" or the
// appendix title.
func (a *Article) Label() string {
	if a.Kind == KindArticle {
		return "Article " + a.Number
	}
	return a.Title
}

// Section is a lettered or numbered division of an article, possibly nested.
type Section struct {
	Label      string    `json:"label"`   // "B", "2", "II"; empty for an unlabeled titled section
	Display    string    `json:"display"` // as printed: "B.", "Section 2.", "Article II"
	Title      []Segment `json:"title,omitempty"`
	Anchor     string    `json:"anchor"` // "601-B", "404-A-2"
	Supplied   bool      `json:"supplied,omitempty"`
	EditorNote string    `json:"editor_note,omitempty"`
	Body       []Block   `json:"body"` // paragraphs, tables and subsections in order
	Line       int       `json:"line"`
}

// TitleText returns the section title in the clean view.
func (s *Section) TitleText() string { return CleanText(s.Title) }

// BlockKind tells a paragraph from a table or a section.
type BlockKind string

// The kinds of block.
const (
	BlockParagraph BlockKind = "paragraph"
	BlockTable     BlockKind = "table"
	BlockSection   BlockKind = "section"
)

// Block is one item of an article's or section's body: a paragraph, a
// table or a (sub)section.
type Block struct {
	Kind     BlockKind `json:"kind"`
	Segments []Segment `json:"segments,omitempty"` // for a paragraph
	Table    *Table    `json:"table,omitempty"`    // for a table
	Section  *Section  `json:"section,omitempty"`  // for a section
	Line     int       `json:"line"`
}

// Sections returns the sections directly within body, in order.
func Sections(body []Block) []*Section {
	var out []*Section
	for _, b := range body {
		if b.Section != nil {
			out = append(out, b.Section)
		}
	}
	return out
}

// walkBody calls fn for every block in body and, depth first, in its
// sections, with the innermost section holding it (nil at article level).
func walkBody(body []Block, in *Section, fn func(b Block, in *Section)) {
	for _, b := range body {
		fn(b, in)
		if b.Section != nil {
			walkBody(b.Section.Body, b.Section, fn)
		}
	}
}

// SegmentKind classifies a run of text within a paragraph.
type SegmentKind string

// The kinds of segment. A clean view shows Text and Inserted as plain text
// and drops Deleted; a redline view strikes Deleted and underlines Inserted.
// Note is an editor's note, shown in both views and never part of the
// contract language.
const (
	SegText     SegmentKind = "text"
	SegDeleted  SegmentKind = "deleted"
	SegInserted SegmentKind = "inserted"
	SegNote     SegmentKind = "note"
)

// Segment is a run of text of one kind. Change is the 1-based number of the
// change it belongs to (see Document.Changes), or 0.
type Segment struct {
	Kind   SegmentKind `json:"kind"`
	Text   string      `json:"text"`
	Change int         `json:"change,omitempty"`
}

// Change is one marked change: wording deleted, inserted or replaced.
type Change struct {
	N            int    `json:"n"` // 1-based, in source order
	Article      string `json:"article"`
	ArticleTitle string `json:"article_title"`
	Anchor       string `json:"anchor"` // the innermost section (or article) holding it
	Old          string `json:"old"`
	New          string `json:"new"`
	Line         int    `json:"line"`
}

// Table is a table with typed cells. Numeric cells carry their value in
// hundredths, so that per-diem rates and percentages are exact.
type Table struct {
	ID              string   `json:"id"`
	Caption         string   `json:"caption,omitempty"`
	CaptionSupplied bool     `json:"caption_supplied,omitempty"`
	Data            string   `json:"data,omitempty"`   // what calculators read it as, e.g. "salary:2022-23"
	Kind            string   `json:"kind,omitempty"`   // "numeric" when body cells must be numbers
	Header          []Cell   `json:"header,omitempty"` // nil when the table has no header row
	Rows            [][]Cell `json:"rows"`
	Line            int      `json:"line"`
}

// Cell is one table cell. Num holds a numeric cell's value in hundredths
// (163.68 -> 16368; 45 -> 4500) when IsNum is set.
type Cell struct {
	Segments []Segment `json:"segments,omitempty"`
	Text     string    `json:"text"` // clean text
	IsNum    bool      `json:"is_num,omitempty"`
	Num      int64     `json:"num,omitempty"`
}

// Anchored is whatever an anchor names: an article, or a section within one.
type Anchored struct {
	Article *Article
	Section *Section // nil for the article itself
}

// Lookup returns the article or section with the anchor (e.g. "601-B").
func (d *Document) Lookup(anchor string) (Anchored, bool) {
	a, ok := d.anchors[anchor]
	if !ok {
		return Anchored{}, false
	}
	return *a, true
}

// FindArticle returns the article with the number, or the appendix with the
// anchor.
func (d *Document) FindArticle(number string) *Article {
	if at, ok := d.anchors[number]; ok && at.Section == nil && at.Article.Anchor == number {
		return at.Article
	}
	return nil
}

// Tables returns every table in the document in source order.
func (d *Document) Tables() []*Table {
	var out []*Table
	for _, a := range d.Articles {
		walkBody(a.Body, nil, func(b Block, _ *Section) {
			if b.Table != nil {
				out = append(out, b.Table)
			}
		})
	}
	return out
}

// TableArticle returns the article that holds the table.
func (d *Document) TableArticle(t *Table) *Article {
	for _, a := range d.Articles {
		found := false
		walkBody(a.Body, nil, func(b Block, _ *Section) {
			if b.Table == t {
				found = true
			}
		})
		if found {
			return a
		}
	}
	return nil
}

// LatestStatus returns the most recent status event, or a zero event.
func (d *Document) LatestStatus() StatusEvent {
	if len(d.Status) == 0 {
		return StatusEvent{}
	}
	return d.Status[len(d.Status)-1]
}

// TOCEntry is a line of a table of contents.
type TOCEntry struct {
	Level    int    `json:"level"` // 0 for an article or appendix, 1 for its sections
	Anchor   string `json:"anchor"`
	Label    string `json:"label"` // "601" or "B."
	Title    string `json:"title"`
	Supplied bool   `json:"supplied"` // the heading was supplied by the editor
}

// TOC returns the table of contents: every article and appendix, and the
// sections directly under each that have a title.
func (d *Document) TOC() []TOCEntry {
	var out []TOCEntry
	for _, a := range d.Articles {
		out = append(out, TOCEntry{Anchor: a.Anchor, Label: a.Number, Title: a.Title, Supplied: a.SuppliedNumber || a.SuppliedTitle})
		for _, s := range Sections(a.Body) {
			if t := s.TitleText(); t != "" {
				out = append(out, TOCEntry{Level: 1, Anchor: s.Anchor, Label: s.Display, Title: t, Supplied: s.Supplied})
			}
		}
	}
	return out
}
