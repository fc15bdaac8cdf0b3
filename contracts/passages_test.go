package contracts

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// seedArtefacts are the extraction artefacts of seed 002 that the ACE
// document drops or cleans, each with the reason. Everything else in the
// seed must appear in the document.
var seedArtefacts = []struct{ re, repl, why string }{
	{`\[bookmark: [^\]]*\]`, "", "Word bookmark tags left by the extraction"},
	{`Technician, Pub\tTechnician, Publications`, "Technician, Publications", "a fragment of the next title, kept as an editor's note"},
}

// seedLines returns the non-empty lines of a seed in testdata, with the
// artefacts removed and white space collapsed.
func seedLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, a := range seedArtefacts {
		text = regexp.MustCompile(a.re).ReplaceAllString(text, a.repl)
	}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = collapse(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// sourceDump renders a document as the redline printed it: headings,
// section labels, old and new wording side by side, table rows, without
// editor's notes.
func sourceDump(d *Document) string {
	var b strings.Builder
	for _, a := range d.Articles {
		if a.Kind == KindArticle {
			b.WriteString(a.Number + " ")
		}
		b.WriteString(a.Title + "\n")
		dumpBody(&b, a.Body)
	}
	return collapse(b.String())
}

func dumpBody(b *strings.Builder, body []Block) {
	for _, bl := range body {
		switch bl.Kind {
		case BlockParagraph:
			b.WriteString(sourceText(bl.Segments) + "\n")
		case BlockSection:
			b.WriteString(bl.Section.Display + " " + sourceText(bl.Section.Title) + "\n")
			dumpBody(b, bl.Section.Body)
		case BlockTable:
			for _, row := range append([][]Cell{bl.Table.Header}, bl.Table.Rows...) {
				for _, c := range row {
					b.WriteString(sourceText(c.Segments) + " ")
				}
				b.WriteString("\n")
			}
		}
	}
}

func mustLib(t testing.TB) *Library {
	t.Helper()
	l := NewLibrary()
	if err := l.Load(); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestEveryPassageInOrder checks that every line of the ACE seed text
// appears in the ACE document, in order (white space normalised).
func TestEveryPassageInOrder(t *testing.T) {
	d, err := mustLib(t).Get("ace-2021-2024")
	if err != nil {
		t.Fatal(err)
	}
	doc := sourceDump(d)
	at := 0
	for i, p := range seedLines(t, "seed-002-ace.txt") {
		j := strings.Index(doc[at:], p)
		if j < 0 {
			if strings.Contains(doc, p) {
				t.Fatalf("passage %d is out of order: %.120q", i+1, p)
			}
			t.Fatalf("passage %d is missing: %.120q", i+1, p)
		}
		at += j + len(p)
	}
}

// TestNoInventedLanguage checks the other way round: every paragraph, table
// row and carried heading of the ACE document is text of the seed; only
// headings marked as supplied and editor's notes are not.
func TestNoInventedLanguage(t *testing.T) {
	d, err := mustLib(t).Get("ace-2021-2024")
	if err != nil {
		t.Fatal(err)
	}
	seed := " " + strings.Join(seedLines(t, "seed-002-ace.txt"), " ") + " "
	check := func(what, s string) {
		t.Helper()
		if s = collapse(s); s != "" && !strings.Contains(seed, s) {
			t.Errorf("%s is not in the seed: %.120q", what, s)
		}
	}
	for _, a := range d.Articles {
		switch {
		case a.Kind == KindArticle && !a.SuppliedNumber && !a.SuppliedTitle:
			check("heading", a.Number+" "+a.Title)
		case a.Kind == KindAppendix && !a.SuppliedTitle:
			check("heading", a.Title)
		}
		walkBody(a.Body, nil, func(b Block, _ *Section) {
			switch b.Kind {
			case BlockParagraph:
				check("paragraph on line "+itoa(b.Line), sourceText(b.Segments))
			case BlockSection:
				if !b.Section.Supplied {
					check("section heading on line "+itoa(b.Line), b.Section.Display+" "+sourceText(b.Section.Title))
				}
			case BlockTable:
				for _, row := range b.Table.Rows {
					var parts []string
					for _, c := range row {
						parts = append(parts, sourceText(c.Segments))
					}
					check("row of table "+b.Table.ID, strings.Join(parts, " "))
				}
			}
		})
	}
}

// TestSuppliedHeadingsMarked checks that the headings the seed carries are
// not marked as supplied and that every other article heading is.
func TestSuppliedHeadingsMarked(t *testing.T) {
	d, err := mustLib(t).Get("ace-2021-2024")
	if err != nil {
		t.Fatal(err)
	}
	carried := map[string]bool{"100": true, "307": true, "404": true, "502": true, "503": true, "509": true, "513": true,
		"516": true, "520": true, "600": true, "601": true, "602": true, "604": true, "703": true}
	for _, a := range d.Articles {
		if a.Kind != KindArticle {
			continue
		}
		want := !carried[a.Number]
		if got := a.SuppliedNumber && a.SuppliedTitle; got != want {
			t.Errorf("article %s %s: supplied = %v, want %v", a.Number, a.Title, got, want)
		}
	}
	for _, want := range []string{"201", "301", "305", "306", "515", "611", "701", "702", "704", "707", "801", "803", "807", "808", "901"} {
		if d.FindArticle(want) == nil {
			t.Errorf("article %s is missing", want)
		}
	}
}

// TestRedlinePairs checks the changes marked in the ACE document against
// the pairs the issue names and the count of pairs marked.
func TestRedlinePairs(t *testing.T) {
	d, err := mustLib(t).Get("ace-2021-2024")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, anchor, old, new string
	}{
		{"HealthContribution", "701-A", "$1645", "$1695"},
		{"AnnualLeaveSeven", "612-C", "six (6)", "seven (7)"},
		{"AnnualLeaveFive", "612-D", "four (4)", "five (5)"},
		{"LaborRelations", "303-B", "Contract Administration", "Labor Relations"},
		{"LaidOff", "515-A", "laid off", "laid-off"},
		{"TermStart", "901-A", "2018", "2021,"},
		{"TermEnd", "901-A", "2021", "2024"},
		{"Probation", "502", "six (6) months or 120", "five (5) months or one-hundred (100)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range d.Changes {
				if c.Anchor == tt.anchor && c.Old == tt.old && c.New == tt.new {
					return
				}
			}
			t.Errorf("no change %q -> %q at %s", tt.old, tt.new, tt.anchor)
		})
	}
	if got := len(d.Changes); got != 43 {
		t.Errorf("%d changes marked, want 43 (update the list in README.md when this changes)", got)
	}
	for _, c := range d.Changes {
		if c.Old == "" || c.New == "" {
			t.Errorf("change %d at %s is not a pair: %q -> %q", c.N, c.Anchor, c.Old, c.New)
		}
	}
}

// TestCleanAndRedlineViews checks the two views of a changed paragraph.
func TestCleanAndRedlineViews(t *testing.T) {
	l := mustLib(t)
	a, err := l.Article("ace-2021-2024", "701")
	if err != nil {
		t.Fatal(err)
	}
	sec := Sections(a.Body)[0]
	segs := sec.Body[0].Segments
	clean := CleanText(segs)
	if !strings.Contains(clean, "will contribute $1695 per eligible employee") || strings.Contains(clean, "1645") {
		t.Errorf("clean view: %q", clean)
	}
	var struck, under []string
	for _, s := range Render(segs, ViewRedline) {
		switch s.Kind {
		case SegDeleted:
			struck = append(struck, collapse(s.Text))
		case SegInserted:
			under = append(under, collapse(s.Text))
		}
	}
	if strings.Join(struck, "|") != "$1645" || strings.Join(under, "|") != "$1695" {
		t.Errorf("redline view: struck %q, underlined %q", struck, under)
	}
	for _, s := range Render(segs, ViewClean) {
		if s.Kind == SegDeleted || s.Kind == SegInserted {
			t.Errorf("clean view has a %s segment", s.Kind)
		}
	}
}
