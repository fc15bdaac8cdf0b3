package contracts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/ratifyhq/ratify/errs"
)

// MaxSourceSize is the largest source file Parse accepts.
const MaxSourceSize = 4 << 20

// parser holds the state of one Parse call.
type parser struct {
	name    string
	doc     *Document
	art     *Article
	stack   []*Section // open sections, outermost first
	anchors map[string]*Anchored
	dups    map[string]int // how many times an automatic anchor was taken
}

// lineErr returns a validation error whose field names the source line.
func lineErr(line int, field, format string, args ...any) *errs.Error {
	return errs.Field(fmt.Sprintf("line %d: %s", line, field), format, args...)
}

// Parse parses an agreement source file (the format is described in
// FORMAT.md). name is the file name recorded in the document. Every error is
// an *errs.Error whose Field names the line and the field at fault, e.g.
// "line 42: article.number". Parse never panics.
func Parse(name string, src []byte) (doc *Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, errs.New(errs.Invalid, "contracts: parse %s: internal error: %v", name, r)
		}
	}()
	if len(src) > MaxSourceSize {
		return nil, errs.New(errs.TooLarge, "the source is %d bytes; the limit is %d", len(src), MaxSourceSize)
	}
	sum := sha256.Sum256(src)
	text := strings.TrimPrefix(string(src), "\ufeff")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, l := range lines {
		if !utf8.ValidString(l) {
			return nil, lineErr(i+1, "text", "not valid UTF-8")
		}
	}
	p := &parser{name: name, anchors: map[string]*Anchored{}, dups: map[string]int{}}
	d := &Document{Source: name, SHA256: hex.EncodeToString(sum[:])}
	p.doc = d
	start, err := p.parseFrontMatter(lines, d)
	if err != nil {
		return nil, err
	}
	if err := p.parseBody(lines, start); err != nil {
		return nil, err
	}
	if len(d.Articles) == 0 {
		return nil, lineErr(len(lines), "article", "the document has no articles")
	}
	d.anchors = p.anchors
	p.collectChanges()
	if d.Changes == nil {
		d.Changes = []Change{}
	}
	d.index = buildIndex(d)
	return d, nil
}

var (
	articleHead = regexp.MustCompile(`^(\d{1,4})(?:\s+(.*))?$`)
	labelDotted = regexp.MustCompile(`^([A-Z]{1,2}|[0-9]{1,3}|[a-z]|[ivxlc]{1,6})\.$`)
	romanLabel  = regexp.MustCompile(`^[IVXLC]{1,7}$`)
	anchorID    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	sectionEnd  = regexp.MustCompile(`^#{1,5}/$`)
)

// parseBody reads the articles, sections, paragraphs and tables.
func (p *parser) parseBody(lines []string, start int) error {
	for i := start; i < len(lines); i++ {
		n := i + 1
		raw := strings.TrimRight(lines[i], " \t")
		line := strings.TrimLeft(raw, " \t")
		switch {
		case line == "" || strings.HasPrefix(line, "%%"):
			continue
		case strings.HasPrefix(line, ":::table"):
			end, err := p.parseTable(lines, i)
			if err != nil {
				return err
			}
			i = end
		case strings.HasPrefix(line, ":::"):
			return lineErr(n, "table", `a table must open with ":::table"; a lone ":::" closes one`)
		case sectionEnd.MatchString(line):
			if p.art == nil {
				return lineErr(n, "section", "a section end before the first article heading")
			}
			if level := len(line) - 1; level-1 < len(p.stack) {
				p.stack = p.stack[:level-1]
			}
		case strings.HasPrefix(line, "#"):
			level := len(line) - len(strings.TrimLeft(line, "#"))
			rest := line[level:]
			if rest != "" && rest[0] != ' ' {
				return lineErr(n, "heading", `a heading needs a space after its "#" marks`)
			}
			if level == 1 {
				if err := p.startArticle(n, strings.TrimSpace(rest)); err != nil {
					return err
				}
			} else {
				if level > 6 {
					return lineErr(n, "section", "sections nest at most five deep (######)")
				}
				if err := p.startSection(n, level-1, strings.TrimSpace(rest)); err != nil {
					return err
				}
			}
		default:
			if p.art == nil {
				return lineErr(n, "text", "text before the first article heading (# 100 TITLE)")
			}
			text := strings.TrimPrefix(line, `\`)
			segs, err := parseInline(text, n, "text")
			if err != nil {
				return err
			}
			p.addBlock(Block{Kind: BlockParagraph, Segments: segs, Line: n})
		}
	}
	return nil
}

// addBlock appends a block to the innermost open section or the article.
func (p *parser) addBlock(b Block) {
	if k := len(p.stack); k > 0 {
		s := p.stack[k-1]
		s.Body = append(s.Body, b)
		return
	}
	p.art.Body = append(p.art.Body, b)
}

// headingAttrs splits a trailing {…} attribute block off a heading.
type headingAttrs struct {
	id             string
	suppliedNumber bool
	suppliedTitle  bool
	note           string
}

func splitAttrs(n int, field, s string) (string, headingAttrs, error) {
	var a headingAttrs
	if !strings.HasSuffix(s, "}") {
		return s, a, nil
	}
	open := strings.LastIndex(s, "{")
	if open < 0 || strings.HasPrefix(s[open:], "{--") || strings.HasPrefix(s[open:], "{++") || strings.HasPrefix(s[open:], "{>>") {
		return s, a, nil
	}
	kv, err := parseAttrList(n, field, s[open+1:len(s)-1])
	if err != nil {
		return "", a, err
	}
	for _, x := range kv {
		switch {
		case strings.HasPrefix(x.key, "#") && x.val == "":
			a.id = x.key[1:]
			if !anchorID.MatchString(a.id) {
				return "", a, lineErr(n, field+".id", "%q is not a valid anchor id (letters, digits, - and _)", clip(a.id))
			}
		case x.key == "supplied":
			switch x.val {
			case "":
				a.suppliedNumber, a.suppliedTitle = true, true
			case "title":
				a.suppliedTitle = true
			case "number":
				a.suppliedNumber = true
			default:
				return "", a, lineErr(n, field+".supplied", `supplied takes no value, "title" or "number", not %q`, clip(x.val))
			}
		case x.key == "note":
			a.note = x.val
		default:
			return "", a, lineErr(n, field, "unknown heading attribute %q (use #id, supplied, supplied=title, supplied=number, note=\"…\")", clip(x.key))
		}
	}
	return strings.TrimSpace(s[:open]), a, nil
}

// startArticle opens a top-level part: "# 601 SICK LEAVE" or
// "# Appendix I {#appendix-I supplied}".
func (p *parser) startArticle(n int, rest string) error {
	rest, attrs, err := splitAttrs(n, "article", rest)
	if err != nil {
		return err
	}
	a := &Article{Line: n, SuppliedNumber: attrs.suppliedNumber, SuppliedTitle: attrs.suppliedTitle, EditorNote: attrs.note}
	if m := articleHead.FindStringSubmatch(rest); m != nil && attrs.id == "" {
		a.Kind, a.Number, a.Title, a.Anchor = KindArticle, m[1], strings.TrimSpace(m[2]), m[1]
		if prev := p.anchors[a.Anchor]; prev != nil && prev.Section == nil {
			return lineErr(n, "article.number", "article %s is already defined on line %d", a.Number, prev.Article.Line)
		}
	} else {
		if attrs.id == "" {
			return lineErr(n, "article.number", `%q does not start with an article number; an appendix needs an id: # Title {#id}`, clip(rest))
		}
		if rest == "" {
			return lineErr(n, "article.title", "an appendix needs a title")
		}
		a.Kind, a.Title, a.Anchor = KindAppendix, rest, attrs.id
	}
	if strings.ContainsAny(a.Title, "{}") {
		return lineErr(n, "article.title", "a title cannot hold markup")
	}
	if err := p.claim(n, "article.anchor", a.Anchor, &Anchored{Article: a}); err != nil {
		return err
	}
	p.doc.Articles = append(p.doc.Articles, a)
	p.art, p.stack = a, nil
	return nil
}

// startSection opens a section at depth (1 = directly under the article).
func (p *parser) startSection(n, depth int, rest string) error {
	if p.art == nil {
		return lineErr(n, "section", "a section heading before the first article heading")
	}
	if depth > len(p.stack)+1 {
		return lineErr(n, "section", "heading skips a level: %d deep under a section %d deep", depth, len(p.stack))
	}
	rest, attrs, err := splitAttrs(n, "section", rest)
	if err != nil {
		return err
	}
	s := &Section{Line: n, Supplied: attrs.suppliedNumber || attrs.suppliedTitle, EditorNote: attrs.note}
	title := rest
	first, after, _ := strings.Cut(rest, " ")
	switch {
	case labelDotted.MatchString(first):
		s.Label, s.Display, title = strings.TrimSuffix(first, "."), first, after
	case first == "Section" || first == "Article":
		word, after2, _ := strings.Cut(after, " ")
		label := strings.TrimSuffix(word, ".")
		if !labelDotted.MatchString(label+".") && !romanLabel.MatchString(label) {
			return lineErr(n, "section.label", "%q is not a section label", clip(word))
		}
		s.Label, s.Display, title = label, first+" "+word, after2
	case attrs.id == "":
		return lineErr(n, "section.label", `%q does not start with a label ("A.", "1.", "Section 2.", "Article IV"); an unlabeled section needs an id: ## Title {#id}`, clip(rest))
	}
	if title = strings.TrimSpace(title); title != "" {
		if s.Title, err = parseInline(title, n, "section.title"); err != nil {
			return err
		}
	}
	p.stack = p.stack[:depth-1]
	parent := p.art.Anchor
	if k := len(p.stack); k > 0 {
		parent = p.stack[k-1].Anchor
	}
	target := &Anchored{Article: p.art, Section: s}
	if attrs.id != "" {
		s.Anchor = attrs.id
		if err := p.claim(n, "section.id", s.Anchor, target); err != nil {
			return err
		}
	} else {
		base := parent + "-" + s.Label
		s.Anchor = base
		for p.anchors[s.Anchor] != nil {
			p.dups[base]++
			s.Anchor = fmt.Sprintf("%s_%d", base, p.dups[base]+1)
		}
		p.anchors[s.Anchor] = target
	}
	p.addBlock(Block{Kind: BlockSection, Section: s, Line: n})
	p.stack = append(p.stack, s)
	return nil
}

// claim registers an anchor, refusing duplicates.
func (p *parser) claim(n int, field, anchor string, target *Anchored) error {
	if prev := p.anchors[anchor]; prev != nil {
		at := prev.Article.Line
		if prev.Section != nil {
			at = prev.Section.Line
		}
		return lineErr(n, field, "anchor %q is already used on line %d", anchor, at)
	}
	p.anchors[anchor] = target
	return nil
}

// collectChanges numbers every change in document order.
func (p *parser) collectChanges() {
	d := p.doc
	for _, a := range d.Articles {
		walkBody(a.Body, nil, func(b Block, in *Section) {
			anchor := a.Anchor
			if in != nil {
				anchor = in.Anchor
			}
			switch b.Kind {
			case BlockParagraph:
				pairChanges(d, b.Segments, a, anchor, b.Line)
			case BlockSection:
				pairChanges(d, b.Section.Title, a, b.Section.Anchor, b.Line)
			case BlockTable:
				for _, row := range b.Table.Rows {
					for _, c := range row {
						pairChanges(d, c.Segments, a, anchor, b.Line)
					}
				}
			}
		})
	}
}
