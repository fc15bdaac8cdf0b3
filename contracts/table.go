package contracts

import (
	"regexp"
	"strings"
)

// attr is one key or key=value pair of an attribute list.
type attr struct{ key, val string }

// parseAttrList parses space-separated keys and key=value pairs; a value may
// be double-quoted to hold spaces.
func parseAttrList(n int, field, s string) ([]attr, error) {
	var out []attr
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, nil
		}
		end := strings.IndexAny(s, " \t=")
		if end < 0 {
			end = len(s)
		}
		a := attr{key: s[:end]}
		if a.key == "" {
			return nil, lineErr(n, field, "attribute without a name")
		}
		s = s[end:]
		if strings.HasPrefix(s, "=") {
			s = s[1:]
			if strings.HasPrefix(s, `"`) {
				close := strings.Index(s[1:], `"`)
				if close < 0 {
					return nil, lineErr(n, field+"."+a.key, "quoted value is not closed")
				}
				a.val, s = s[1:1+close], s[close+2:]
			} else {
				end := strings.IndexAny(s, " \t")
				if end < 0 {
					end = len(s)
				}
				a.val, s = s[:end], s[end:]
			}
		}
		out = append(out, a)
	}
}

var (
	tableRowSep = regexp.MustCompile(`^\|[\s:|-]*-[\s:|-]*\|$`)
	dataPattern = regexp.MustCompile(`^[a-z][a-z0-9-]*(:[A-Za-z0-9-]+)?$`)
)

// parseTable reads a ":::table …" block starting at lines[i] and returns the
// index of its closing ":::" line.
func (p *parser) parseTable(lines []string, i int) (int, error) {
	n := i + 1
	if p.art == nil {
		return 0, lineErr(n, "table", "a table before the first article heading")
	}
	head := strings.TrimSpace(lines[i])
	kv, err := parseAttrList(n, "table", strings.TrimPrefix(head, ":::table"))
	if err != nil {
		return 0, err
	}
	t := &Table{Line: n}
	noHeader := false
	for _, a := range kv {
		switch a.key {
		case "id":
			t.ID = a.val
		case "caption":
			t.Caption = a.val
		case "supplied":
			t.CaptionSupplied = true
		case "data":
			if !dataPattern.MatchString(a.val) {
				return 0, lineErr(n, "table.data", "%q is not a data name like salary:2022-23", clip(a.val))
			}
			t.Data = a.val
		case "kind":
			if a.val != "numeric" && a.val != "text" {
				return 0, lineErr(n, "table.kind", `kind is "numeric" or "text", not %q`, clip(a.val))
			}
			t.Kind = a.val
		case "header":
			if a.val != "none" {
				return 0, lineErr(n, "table.header", `header takes only the value "none"`)
			}
			noHeader = true
		default:
			return 0, lineErr(n, "table", "unknown table attribute %q (id, caption, supplied, data, kind, header)", clip(a.key))
		}
	}
	if !anchorID.MatchString(t.ID) {
		return 0, lineErr(n, "table.id", "a table needs an id of letters, digits, - and _")
	}
	if t.CaptionSupplied && t.Caption == "" {
		return 0, lineErr(n, "table.caption", "supplied marks a caption, but the table has none")
	}
	if err := p.claim(n, "table.id", t.ID, &Anchored{Article: p.art, Section: p.innermost()}); err != nil {
		return 0, err
	}
	width := -1
	for j := i + 1; j < len(lines); j++ {
		rn := j + 1
		line := strings.TrimSpace(lines[j])
		switch {
		case line == ":::":
			if len(t.Rows) == 0 {
				return 0, lineErr(rn, "table", "the table has no rows")
			}
			p.addBlock(Block{Kind: BlockTable, Table: t, Line: n})
			return j, nil
		case line == "" || tableRowSep.MatchString(line):
			continue
		case strings.HasPrefix(line, "#") || strings.HasPrefix(line, ":::table"):
			return 0, lineErr(n, "table", `the table is not closed by a line ":::" before line %d`, rn)
		case !strings.HasPrefix(line, "|") || !strings.HasSuffix(line, "|") || len(line) < 2:
			return 0, lineErr(rn, "table.row", `a row must begin and end with "|" (close the table with ":::")`)
		}
		raw := strings.Split(line[1:len(line)-1], "|")
		if width < 0 {
			width = len(raw)
		} else if len(raw) != width {
			return 0, lineErr(rn, "table.row", "the row has %d cells; the table has %d columns", len(raw), width)
		}
		cells := make([]Cell, len(raw))
		isHeader := t.Header == nil && len(t.Rows) == 0 && !noHeader
		for k, r := range raw {
			c, err := parseCell(strings.TrimSpace(r), rn)
			if err != nil {
				return 0, err
			}
			if t.Kind == "numeric" && !isHeader && k > 0 && !c.IsNum && c.Text != "" && c.Text != "-" {
				return 0, lineErr(rn, "table.cell", "column %d: %q is not a number (numeric tables hold numbers or -)", k+1, clip(c.Text))
			}
			cells[k] = c
		}
		if isHeader {
			t.Header = cells
		} else {
			t.Rows = append(t.Rows, cells)
		}
	}
	return 0, lineErr(n, "table", `the table is not closed by a line ":::"`)
}

// innermost returns the innermost open section, or nil.
func (p *parser) innermost() *Section {
	if k := len(p.stack); k > 0 {
		return p.stack[k-1]
	}
	return nil
}

// parseCell parses a cell's markup and, if its clean text is a number,
// its value.
func parseCell(text string, line int) (Cell, error) {
	segs, err := parseInline(text, line, "table.cell")
	if err != nil {
		return Cell{}, err
	}
	c := Cell{Segments: segs, Text: CleanText(segs)}
	if v, ok := parseHundredths(c.Text); ok {
		c.IsNum, c.Num = true, v
	}
	return c, nil
}

// parseHundredths parses a decimal number with at most two decimals and
// optional thousands separators ("53,026", "163.68", "190.4", "45") into
// hundredths.
func parseHundredths(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && (frac == "" || len(frac) > 2)) {
		return 0, false
	}
	if strings.Contains(intPart, ",") {
		groups := strings.Split(intPart, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, false
			}
		}
		intPart = strings.Join(groups, "")
	}
	var v int64
	for _, r := range intPart {
		if r < '0' || r > '9' {
			return 0, false
		}
		v = v*10 + int64(r-'0')
	}
	for k := 0; k < 2; k++ {
		v *= 10
		if k < len(frac) {
			r := frac[k]
			if r < '0' || r > '9' {
				return 0, false
			}
			v += int64(r - '0')
		}
	}
	if neg {
		v = -v
	}
	return v, true
}
