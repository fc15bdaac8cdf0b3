package contracts

import (
	"strings"
)

// The inline markup, after CriticMarkup: {--deleted--}, {++inserted++} and
// {>>editor's note<<}.
var markers = []struct {
	open, close string
	kind        SegmentKind
}{
	{"{--", "--}", SegDeleted},
	{"{++", "++}", SegInserted},
	{"{>>", "<<}", SegNote},
}

// parseInline splits text into segments. A marker left open, an empty
// marker or one marker inside another is an error naming the line and field.
func parseInline(text string, line int, field string) ([]Segment, error) {
	var segs []Segment
	pos := 0 // text[pos:] is still to read
	// next[i] is the offset in text of the next opening of markers[i] at or
	// after pos (-1: none left), so that each marker is searched for once
	// per occurrence and a long line parses in linear time.
	var next [3]int
	find := func(i, from int) {
		if j := strings.Index(text[from:], markers[i].open); j >= 0 {
			next[i] = from + j
		} else {
			next[i] = -1
		}
	}
	for i := range markers {
		find(i, 0)
	}
	for pos < len(text) {
		at, mi := -1, -1
		for i := range markers {
			if next[i] >= 0 && next[i] < pos {
				find(i, pos)
			}
			if next[i] >= 0 && (at < 0 || next[i] < at) {
				at, mi = next[i], i
			}
		}
		if at < 0 {
			segs = appendSeg(segs, SegText, text[pos:])
			break
		}
		segs = appendSeg(segs, SegText, text[pos:at])
		m := markers[mi]
		start := at + len(m.open)
		end := strings.Index(text[start:], m.close)
		if end < 0 {
			return nil, lineErr(line, field, "%q is not closed by %q", m.open, m.close)
		}
		inner := text[start : start+end]
		if strings.TrimSpace(inner) == "" {
			return nil, lineErr(line, field, "empty %s…%s markup", m.open, m.close)
		}
		find(mi, start)
		for i, o := range markers {
			if next[i] >= 0 && next[i] < start+end {
				return nil, lineErr(line, field, "%s cannot hold other markup (%s)", m.open, o.open)
			}
		}
		segs = append(segs, Segment{Kind: m.kind, Text: inner})
		pos = start + end + len(m.close)
	}
	return segs, nil
}

// appendSeg appends a text segment, merging it into a preceding one of the
// same kind; empty text is dropped.
func appendSeg(segs []Segment, kind SegmentKind, text string) []Segment {
	if text == "" {
		return segs
	}
	if n := len(segs); n > 0 && segs[n-1].Kind == kind && kind == SegText {
		segs[n-1].Text += text
		return segs
	}
	return append(segs, Segment{Kind: kind, Text: text})
}

// CleanText returns the clean view of segments as one string: unchanged and
// inserted text, without deletions or editor's notes, with runs of white
// space collapsed.
func CleanText(segs []Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Kind == SegText || s.Kind == SegInserted {
			b.WriteString(s.Text)
		}
	}
	return collapse(b.String())
}

// sourceText returns segments as the original redline printed them: old and
// new wording side by side, without editor's notes.
func sourceText(segs []Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Kind != SegNote {
			b.WriteString(s.Text)
		}
	}
	return collapse(b.String())
}

// View selects how a paragraph is shown.
type View string

// The views of a document.
const (
	ViewClean   View = "clean"   // the agreement as amended: new wording only
	ViewRedline View = "redline" // old wording struck, new wording underlined
)

// ParseView returns the view named by s; anything but "redline" is clean.
func ParseView(s string) View {
	if s == string(ViewRedline) {
		return ViewRedline
	}
	return ViewClean
}

// Render returns the segments to show in the view. The clean view merges
// unchanged and inserted text into plain text segments and drops deletions;
// notes stay, so that editor's marks show in every view. The redline view
// returns the segments as parsed.
func Render(segs []Segment, v View) []Segment {
	if v == ViewRedline {
		return segs
	}
	var out []Segment
	for _, s := range segs {
		switch s.Kind {
		case SegText, SegInserted:
			if n := len(out); n > 0 && out[n-1].Kind == SegText {
				out[n-1].Text += s.Text
			} else {
				out = append(out, Segment{Kind: SegText, Text: s.Text})
			}
		case SegNote:
			out = append(out, s)
		}
	}
	for i := range out {
		if out[i].Kind == SegText {
			out[i].Text = collapseKeepEdges(out[i].Text)
		}
	}
	return out
}

// collapse turns every run of white space into one space and trims the ends.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// collapseKeepEdges collapses inner runs of white space to one space but
// keeps one leading and one trailing space if there were any.
func collapseKeepEdges(s string) string {
	if s == "" {
		return s
	}
	lead := s[0] == ' ' || s[0] == '\t'
	trail := s[len(s)-1] == ' ' || s[len(s)-1] == '\t'
	out := collapse(s)
	if out == "" {
		return " "
	}
	if lead {
		out = " " + out
	}
	if trail {
		out += " "
	}
	return out
}

// pairChanges numbers the changes in segs, appending them to d.Changes. A
// deletion and an insertion next to each other (in either order, with at
// most white space between) form one change; a lone deletion or insertion
// is a change with an empty new or old side.
func pairChanges(d *Document, segs []Segment, art *Article, anchor string, line int) {
	for i := 0; i < len(segs); i++ {
		s := segs[i]
		if s.Kind != SegDeleted && s.Kind != SegInserted {
			continue
		}
		c := Change{N: len(d.Changes) + 1, Article: art.Number, ArticleTitle: art.Title, Anchor: anchor, Line: line}
		if art.Kind != KindArticle {
			c.Article = art.Anchor
		}
		segs[i].Change = c.N
		j := i + 1
		if j < len(segs) && segs[j].Kind == SegText && strings.TrimSpace(segs[j].Text) == "" {
			j++
		}
		partner := -1
		if j < len(segs) && (segs[j].Kind == SegDeleted || segs[j].Kind == SegInserted) && segs[j].Kind != s.Kind {
			partner = j
		}
		set := func(seg Segment) {
			if seg.Kind == SegDeleted {
				c.Old = collapse(seg.Text)
			} else {
				c.New = collapse(seg.Text)
			}
		}
		set(s)
		if partner >= 0 {
			segs[partner].Change = c.N
			set(segs[partner])
			i = partner
		}
		d.Changes = append(d.Changes, c)
	}
}
