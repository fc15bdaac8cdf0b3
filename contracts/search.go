package contracts

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// indexEntry is one searchable run of clean text: a paragraph, a section
// title or a table row.
type indexEntry struct {
	article *Article
	anchor  string
	text    string // clean text
	lower   string // text case-folded, byte for byte the same length
}

// Hit is one search result: where it is and a snippet of clean text around
// the match, split into fragments so that matches can be marked.
type Hit struct {
	Article      string     `json:"article"` // article number, or appendix anchor
	ArticleTitle string     `json:"article_title"`
	Anchor       string     `json:"anchor"` // deep link target, e.g. "601-B"
	Snippet      []Fragment `json:"snippet"`
	Score        int        `json:"score"`
}

// SnippetText returns the snippet as plain text.
func (h Hit) SnippetText() string {
	var b strings.Builder
	for _, f := range h.Snippet {
		b.WriteString(f.Text)
	}
	return b.String()
}

// Fragment is part of a snippet; Match marks text that matched the query.
type Fragment struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// buildIndex collects the searchable text of a document in order.
func buildIndex(d *Document) []indexEntry {
	var out []indexEntry
	add := func(a *Article, anchor, text string) {
		if text != "" {
			out = append(out, indexEntry{article: a, anchor: anchor, text: text, lower: fold(text)})
		}
	}
	for _, a := range d.Articles {
		add(a, a.Anchor, a.Title)
		walkBody(a.Body, nil, func(b Block, in *Section) {
			anchor := a.Anchor
			if in != nil {
				anchor = in.Anchor
			}
			switch b.Kind {
			case BlockParagraph:
				add(a, anchor, CleanText(b.Segments))
			case BlockSection:
				add(a, b.Section.Anchor, b.Section.TitleText())
			case BlockTable:
				add(a, b.Table.ID, b.Table.Caption)
				for _, row := range b.Table.Rows {
					parts := make([]string, 0, len(row))
					for _, c := range row {
						if c.Text != "" {
							parts = append(parts, c.Text)
						}
					}
					add(a, b.Table.ID, strings.Join(parts, " · "))
				}
			}
		})
	}
	return out
}

// fold lower-cases s without changing its length in bytes, so that offsets
// in the folded text are offsets in s.
func fold(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if l := unicode.ToLower(r); l != r && utf8.RuneLen(l) == size {
			utf8.EncodeRune(b[i:], l)
		}
		i += size
	}
	return string(b)
}

// queryTerms splits a query into folded terms; a double-quoted part is one
// term (a phrase).
func queryTerms(q string) []string {
	var terms []string
	q = fold(q)
	for q != "" {
		q = strings.TrimLeft(q, " \t\n")
		if strings.HasPrefix(q, `"`) {
			end := strings.Index(q[1:], `"`)
			if end < 0 {
				q = q[1:]
				continue
			}
			if ph := collapse(q[1 : 1+end]); ph != "" {
				terms = append(terms, ph)
			}
			q = q[end+2:]
			continue
		}
		end := strings.IndexAny(q, " \t\n\"")
		if end < 0 {
			end = len(q)
		}
		if w := strings.Trim(q[:end], ",;:!?()[]'“”‘’"); w != "" {
			terms = append(terms, w)
		}
		q = q[end:]
	}
	return terms
}

// findTerm returns the offsets of the term in text where it starts a word.
func findTerm(text, term string, max int) []int {
	var out []int
	for from := 0; from < len(text) && len(out) < max; {
		i := strings.Index(text[from:], term)
		if i < 0 {
			break
		}
		at := from + i
		if at == 0 || !isWordByte(text[at-1]) || !isWordByte(term[0]) {
			out = append(out, at)
		}
		from = at + len(term)
	}
	return out
}

// isWordByte reports whether b is an ASCII letter or digit, or part of a
// multi-byte rune (treated as a letter).
func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// search finds entries holding every term, best first.
func (d *Document) search(q string, limit int) []Hit {
	terms := queryTerms(q)
	if len(terms) == 0 || limit <= 0 {
		return nil
	}
	phrase := fold(collapse(strings.ReplaceAll(q, `"`, "")))
	type scored struct {
		i     int
		score int
		spans [][2]int
	}
	var found []scored
	for i, e := range d.index {
		var spans [][2]int
		score := 0
		ok := true
		for _, t := range terms {
			at := findTerm(e.lower, t, 20)
			if len(at) == 0 {
				ok = false
				break
			}
			score += len(at)
			for _, a := range at {
				spans = append(spans, [2]int{a, a + len(t)})
			}
		}
		if !ok {
			continue
		}
		if len(terms) > 1 && strings.Contains(e.lower, phrase) {
			score += 10
		}
		if e.text == e.article.Title {
			score += 5
		}
		found = append(found, scored{i, score, spans})
	}
	sort.SliceStable(found, func(a, b int) bool { return found[a].score > found[b].score })
	if len(found) > limit {
		found = found[:limit]
	}
	hits := make([]Hit, len(found))
	for k, f := range found {
		e := d.index[f.i]
		art := e.article.Number
		if e.article.Kind != KindArticle {
			art = e.article.Anchor
		}
		hits[k] = Hit{Article: art, ArticleTitle: e.article.Title, Anchor: e.anchor, Score: f.score, Snippet: snippet(e.text, f.spans)}
	}
	return hits
}

// snippet cuts a window of text around the first match and marks every
// match inside it.
func snippet(text string, spans [][2]int) []Fragment {
	sort.Slice(spans, func(a, b int) bool { return spans[a][0] < spans[b][0] })
	const before, after = 70, 170
	start, end := 0, len(text)
	if len(spans) > 0 {
		if s := spans[0][0] - before; s > 0 {
			start = wordStart(text, s)
			if start > spans[0][0] {
				start = spans[0][0]
			}
		}
		if e := spans[0][1] + after; e < len(text) {
			end = wordEnd(text, e)
			if end < spans[0][1] {
				end = spans[0][1]
			}
		}
	}
	var out []Fragment
	if start > 0 {
		out = append(out, Fragment{Text: "…"})
	}
	pos := start
	for _, sp := range spans {
		if sp[0] < pos || sp[1] > end {
			continue
		}
		if sp[0] > pos {
			out = append(out, Fragment{Text: text[pos:sp[0]]})
		}
		out = append(out, Fragment{Text: text[sp[0]:sp[1]], Match: true})
		pos = sp[1]
	}
	if pos < end {
		out = append(out, Fragment{Text: text[pos:end]})
	}
	if end < len(text) {
		out = append(out, Fragment{Text: "…"})
	}
	return out
}

// wordStart moves i forward to the start of a word (and a rune).
func wordStart(text string, i int) int {
	for i < len(text) && text[i] != ' ' {
		i++
	}
	if i < len(text) {
		i++
	}
	return i
}

// wordEnd moves i back to the end of a word (and a rune).
func wordEnd(text string, i int) int {
	j := i
	for j > 0 && text[j-1] != ' ' {
		j--
	}
	if j == 0 {
		for i < len(text) && !utf8.RuneStart(text[i]) {
			i++
		}
		return i
	}
	return j - 1
}
