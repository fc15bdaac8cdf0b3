package contracts

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ratifyhq/ratify/errs"
)

// ruleFinder locates the provisions a calculator applies in a document's
// clean text, so that each rule is checked against the agreement and cited
// by the article and section that hold it.
type ruleFinder struct {
	doc    *Document
	family string
}

// provision is a passage found in the document: where, and what matched.
type provision struct {
	Anchor string
	Cite   string
	Groups []string
}

// find returns the first passage matching re, or an error naming what the
// calculators looked for.
func (f ruleFinder) find(what string, re *regexp.Regexp) (provision, error) {
	for _, e := range f.doc.index {
		if m := re.FindStringSubmatch(e.text); m != nil {
			return provision{Anchor: e.anchor, Cite: citeAnchor(f.doc, e.anchor), Groups: m[1:]}, nil
		}
	}
	return provision{}, f.missing(what, re)
}

// findAll returns every passage matching re, in order.
func (f ruleFinder) findAll(re *regexp.Regexp) []provision {
	var out []provision
	for _, e := range f.doc.index {
		for _, m := range re.FindAllStringSubmatch(e.text, -1) {
			out = append(out, provision{Anchor: e.anchor, Cite: citeAnchor(f.doc, e.anchor), Groups: m[1:]})
		}
	}
	return out
}

// missing is the error for a provision the document does not state.
func (f ruleFinder) missing(what string, re *regexp.Regexp) error {
	return errs.Field("front_matter.calculators",
		"the %s calculators need %s, but no passage of %s matches %q; correct the text or remove the calculators line",
		f.family, what, f.doc.ID, re.String())
}

// number reads a captured number.
func (p provision) number(i int) int {
	n, _ := strconv.Atoi(p.Groups[i])
	return n
}

// citeAnchor turns an anchor into a citation: "601-B" -> "Article 601 B",
// "404-A-2" -> "Article 404 A.2", an appendix section -> "Appendix I,
// Article II, Section 1".
func citeAnchor(d *Document, anchor string) string {
	at, ok := d.Lookup(anchor)
	if !ok {
		return anchor
	}
	a := at.Article
	if at.Section == nil {
		return a.Label()
	}
	// the chain of sections from the article down to the anchor
	var chain []*Section
	var walk func(body []Block, path []*Section) bool
	walk = func(body []Block, path []*Section) bool {
		for _, b := range body {
			if b.Section == nil {
				continue
			}
			p := append(path, b.Section)
			if b.Section == at.Section {
				chain = append([]*Section(nil), p...)
				return true
			}
			if walk(b.Section.Body, p) {
				return true
			}
		}
		return false
	}
	walk(a.Body, nil)
	if a.Kind == KindArticle {
		labels := make([]string, 0, len(chain))
		for _, s := range chain {
			labels = append(labels, s.Label)
		}
		return fmt.Sprintf("Article %s %s", a.Number, strings.Join(labels, "."))
	}
	parts := []string{a.Label()}
	for _, s := range chain {
		if s.Display != "" {
			parts = append(parts, strings.TrimSuffix(s.Display, "."))
		} else {
			parts = append(parts, s.TitleText())
		}
	}
	return strings.Join(parts, ", ")
}

// tableCite cites a table by the article (and section) holding it.
func tableCite(d *Document, t *Table) string {
	at, ok := d.Lookup(t.ID)
	if !ok {
		return t.ID
	}
	if at.Section != nil {
		return citeAnchor(d, at.Section.Anchor)
	}
	return at.Article.Label()
}

// wordNumbers reads small numbers written as words in the agreements.
var wordNumbers = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
}
