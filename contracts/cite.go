package contracts

import (
	"context"
	"strings"
)

// ContractFor gives what a ratification vote binds when it opens: the
// agreement's title, the hex SHA-256 of its source, and the address of its
// summary of changes. An unknown id is NotFound.
func (l *Library) ContractFor(ctx context.Context, id string) (title, sha256, summaryURL string, err error) {
	d, err := l.Get(id)
	if err != nil {
		return "", "", "", err
	}
	return d.Title, d.SHA256, "/contracts/" + d.ID + "/changes", nil
}

// Cite returns how the article or section with the anchor is cited
// ("Article 601 B", "Appendix I, Article II, Section 7"), or the anchor
// itself when the document has no such anchor.
func (d *Document) Cite(anchor string) string { return citeAnchor(d, anchor) }

// Citation is a citation a calculator gives, with the anchor of the
// article, section or table it names in the agreement (empty when it names
// none the reader can link to).
type Citation struct {
	Text   string `json:"text"`
	Anchor string `json:"anchor,omitempty"`
}

// Citations resolves citations given by the agreement's calculators
// ("Article 801 B", "Salary Schedules 2021-2024 (2022-23)") to anchors in
// the agreement, for links. An unknown agreement resolves nothing.
func (l *Library) Citations(id string, cites []string) []Citation {
	out := make([]Citation, len(cites))
	e, err := l.get(id)
	for i, c := range cites {
		out[i].Text = c
		if err == nil {
			out[i].Anchor = e.citeAnchor(c)
		}
	}
	return out
}

// citeAnchor returns the anchor a citation names, or "".
func (e *entry) citeAnchor(cite string) string {
	e.citesOnce.Do(func() { e.cites = citationIndex(e.doc) })
	if a, ok := e.cites[cite]; ok {
		return a
	}
	// "Salary Schedules 2021-2024 (2022-23)", "Article 105 (2023-24)": the
	// first table of that year's schedule, else the part cited.
	if base, paren, ok := strings.Cut(cite, " ("); ok && strings.HasSuffix(paren, ")") {
		year := strings.TrimSuffix(paren, ")")
		for _, t := range e.doc.Tables() {
			if t.Data == "salary:"+year || t.Data == "aea-salary:"+year {
				return t.ID
			}
		}
		return e.cites[base]
	}
	return ""
}

// citationIndex maps the citation of every article and section of d to its
// anchor.
func citationIndex(d *Document) map[string]string {
	m := map[string]string{}
	for _, a := range d.Articles {
		m[a.Label()] = a.Anchor
		walkBody(a.Body, nil, func(b Block, _ *Section) {
			if b.Section != nil {
				c := citeAnchor(d, b.Section.Anchor)
				if _, dup := m[c]; !dup {
					m[c] = b.Section.Anchor
				}
			}
		})
	}
	return m
}
