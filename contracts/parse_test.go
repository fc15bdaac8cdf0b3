package contracts

import (
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/errs"
)

// minimal is a small valid source; tests change one line of it.
const minimal = `---
id: test-2024-2027
title: Test Agreement
party: A District
party: A Union
term: 2024-07-01 to 2027-06-30
status: tentative_agreement 2024-05-01
status: out_for_vote 2024-05-10 -- e-vote
status: ratified 2024-05-20 vote=v-123 -- 90% yes
---

# 100 PREAMBLE

The Board recognizes the Union.

# 201 DEFINITIONS {supplied note="from the 2021 table of contents"}

## A. Terms
"Day" means {--seven (7)--} {++eight (8)++} hours.

### 1.
A nested item.

##/
After the sections.

## B.
The District will pay {++$10++}.

:::table id=rates data=rates kind=numeric caption="Rates" supplied
| Step | Rate |
|---|---|
| A | 163.68 |
| B | - |
:::

# Appendix I {#appendix-I supplied}

## Section 1.
Text {>>an editor's note<<} here.
`

func TestParseMinimal(t *testing.T) {
	d, err := Parse("test.md", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "test-2024-2027" || len(d.Parties) != 2 || d.Term.End != "2027-06-30" || len(d.Status) != 3 {
		t.Fatalf("front matter: %+v", d)
	}
	if d.Status[2].VoteID != "v-123" || d.Status[2].Note != "90% yes" || d.Status[1].Note != "e-vote" {
		t.Errorf("status: %+v", d.Status)
	}
	a := d.FindArticle("201")
	if a == nil || !a.SuppliedNumber || !a.SuppliedTitle || a.EditorNote != "from the 2021 table of contents" {
		t.Fatalf("article 201: %+v", a)
	}
	for _, anchor := range []string{"100", "201", "201-A", "201-A-1", "201-B", "rates", "appendix-I", "appendix-I-1"} {
		if _, ok := d.Lookup(anchor); !ok {
			t.Errorf("no anchor %s", anchor)
		}
	}
	secA := Sections(a.Body)[0]
	if secA.TitleText() != "Terms" || len(secA.Body) != 3 {
		t.Errorf("section A: title %q, %d blocks", secA.TitleText(), len(secA.Body))
	}
	if last := secA.Body[2]; last.Kind != BlockParagraph || CleanText(last.Segments) != "After the sections." {
		t.Errorf("##/ did not return to section A: %+v", last)
	}
	if len(d.Changes) != 2 || d.Changes[0].Old != "seven (7)" || d.Changes[0].New != "eight (8)" || d.Changes[0].Anchor != "201-A" ||
		d.Changes[1].Old != "" || d.Changes[1].New != "$10" {
		t.Errorf("changes: %+v", d.Changes)
	}
	tb := d.Tables()[0]
	if !tb.CaptionSupplied || tb.Rows[0][1].Num != 16368 || !tb.Rows[0][1].IsNum || tb.Rows[1][1].IsNum {
		t.Errorf("table: %+v", tb)
	}
	p := Sections(d.FindArticle("appendix-I").Body)[0].Body[0]
	if CleanText(p.Segments) != "Text here." || p.Segments[1].Kind != SegNote {
		t.Errorf("note paragraph: %+v", p.Segments)
	}
	if len(d.SHA256) != 64 {
		t.Errorf("sha256 %q", d.SHA256)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(string) string
		field   string // the error's Field, "line N: field"
		msgPart string
	}{
		{"ErrNoFrontMatter", func(s string) string { return strings.TrimPrefix(s, "---\n") }, "line 1: front_matter", "begin"},
		{"ErrFrontMatterNotClosed", func(s string) string { return strings.Replace(s, "---\n\n# 100", "\n# 100", 1) }, "line 11: front_matter", "not closed"},
		{"ErrBadID", repl("id: test-2024-2027", "id: Test 2024"), "line 2: front_matter.id", "valid id"},
		{"ErrMissingTitle", repl("title: Test Agreement\n", ""), "line 1: front_matter.title", "required"},
		{"ErrBadTerm", repl("term: 2024-07-01 to 2027-06-30", "term: 2024-07-01 to 2023-06-30"), "line 6: front_matter.term", "start before"},
		{"ErrUnknownKey", repl("party: A Union", "parti: A Union"), "line 5: front_matter", "unknown field"},
		{"ErrUnknownStatus", repl("status: out_for_vote 2024-05-10", "status: voting 2024-05-10"), "line 8: front_matter.status", "unknown status"},
		{"ErrStatusBackwards", repl("status: out_for_vote 2024-05-10", "status: signed 2024-05-10"), "line 9: front_matter.status", "only moves forward"},
		{"ErrStatusDateBackwards", repl("ratified 2024-05-20", "ratified 2024-04-20"), "line 9: front_matter.status", "before"},
		{"ErrRatifiedNeedsVote", repl("ratified 2024-05-20 vote=v-123", "ratified 2024-05-20"), "line 9: front_matter.status", "vote"},
		{"ErrTextBeforeArticle", repl("# 100 PREAMBLE\n", ""), "line 13: text", "before the first article"},
		{"ErrDuplicateArticle", repl("# 201 DEFINITIONS", "# 100 DEFINITIONS"), "line 16: article.number", "already defined"},
		{"ErrAppendixWithoutID", repl("# Appendix I {#appendix-I supplied}", "# Appendix I"), "line 37: article.number", "needs an id"},
		{"ErrBadSectionLabel", repl("## B.", "## Bee"), "line 27: section.label", "label"},
		{"ErrSkippedLevel", repl("### 1.", "#### 1."), "line 21: section", "skips a level"},
		{"ErrUnclosedDeletion", repl("{--seven (7)--}", "{--seven (7)"), "line 19: text", "not closed"},
		{"ErrNestedMarkup", repl("{--seven (7)--}", "{--seven {++x++} (7)--}"), "line 19: text", "cannot hold"},
		{"ErrEmptyMarkup", repl("{++$10++}", "{++ ++}"), "line 28: text", "empty"},
		{"ErrBadAttribute", repl("{supplied note=", "{invented note="), "line 16: article", "unknown heading attribute"},
		{"ErrTableNotNumeric", repl("| A | 163.68 |", "| A | lots |"), "line 33: table.cell", "not a number"},
		{"ErrTableRaggedRow", repl("| B | - |", "| B | - | - |"), "line 34: table.row", "columns"},
		{"ErrTableNotClosed", repl("| B | - |\n:::", "| B | - |"), "line 30: table", "not closed"},
		{"ErrTableNoID", repl("id=rates ", ""), "line 30: table.id", "needs an id"},
		{"ErrDuplicateAnchor", repl("id=rates", "id=201-A"), "line 30: table.id", "already used"},
		{"ErrUnknownCalculators", repl("title: Test Agreement", "title: Test Agreement\ncalculators: astrology"), "line 4: front_matter.calculators", "unknown calculator family"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.md", []byte(tt.edit(minimal)))
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("got %v, want an *errs.Error", err)
			}
			if e.Code != errs.Invalid || !strings.HasSuffix(e.Field, tt.field) || !strings.Contains(e.Message, tt.msgPart) {
				t.Errorf("got %s %q: %q; want field %q and a message with %q", e.Code, e.Field, e.Message, tt.field, tt.msgPart)
			}
		})
	}
}

// repl returns an edit replacing old by new once, failing loudly if old is
// not in the source.
func repl(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("test source lacks " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

func TestParseDuplicateLabels(t *testing.T) {
	src := minimal + "\n# 300 RIGHTS\n\n## D.\nOne.\n\n## D.\nTwo.\n"
	d, err := Parse("t.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"300-D", "300-D_2"} {
		if _, ok := d.Lookup(a); !ok {
			t.Errorf("no anchor %s", a)
		}
	}
}

func TestParseNeverPanics(t *testing.T) {
	inputs := []string{"", "---", "---\n---", "\xff\xfe", minimal[:len(minimal)/2], minimal + "\n# ", minimal + "\n## ",
		minimal + "\n:::table", minimal + "\n:::table id=x\n|", minimal + "\n{--", minimal + "\n## Section", minimal + "\n## Article",
		strings.Repeat("#", 300), minimal + "\n#/\n##/\n", minimal + "\n:::table id=y kind=numeric\n| a |\n| 1,2,3 |\n:::\n"}
	for i := 0; i < len(minimal); i += 7 {
		inputs = append(inputs, minimal[:i], minimal[i:])
	}
	for _, in := range inputs {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("Parse panicked on %.60q: %v", in, r)
				}
			}()
			if _, err := Parse("x", []byte(in)); err != nil {
				if _, ok := errs.As(err); !ok {
					t.Errorf("error %v is not an *errs.Error", err)
				}
			}
		}()
	}
}

// FuzzParse checks that Parse never panics and only returns *errs.Error.
func FuzzParse(f *testing.F) {
	f.Add(minimal)
	f.Add("---\nid: x\n---\n# 1 A\n{--a--}{++b++}\n")
	f.Fuzz(func(t *testing.T, src string) {
		_, err := Parse("fuzz", []byte(src))
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("error %v is not an *errs.Error", err)
			}
		}
	})
}

func TestParseHundredths(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"163.68", 16368, true}, {"190.4", 19040, true}, {"45", 4500, true}, {"53,026", 5302600, true},
		{"1,234,567.5", 123456750, true}, {"-2.5", -250, true},
		{"1.234", 0, false}, {"12,34", 0, false}, {"abc", 0, false}, {"", 0, false}, {".5", 0, false}, {"1.", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseHundredths(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseHundredths(%q) = %d %v, want %d %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
