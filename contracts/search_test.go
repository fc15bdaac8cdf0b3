package contracts

import (
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/errs"
)

func TestSearch(t *testing.T) {
	l := mustLib(t)
	tests := []struct {
		name, doc, q string
		wantAnchor   string // the anchor of the first hit
		wantMatch    string // text marked as a match in its snippet
	}{
		{"Word", "ace-2021-2024", "catastrophic", "603", "catastrophic"},
		{"CaseInsensitive", "ace-2021-2024", "JURY DUTY", "607", "jury"},
		{"Phrase", "ace-2021-2024", `"one and one-third days"`, "601-A", "one and one-third days"},
		{"Number", "ace-2021-2024", "1695", "701-A", "1695"},
		{"CleanTextOnly", "ace-2021-2024", "seven (7) days at the start", "612-C", "seven"},
		{"SectionTitle", "ace-2021-2024", "Level Three Arbitration", "404-C", "Level"},
		{"JobTitle", "ace-2021-2024", "Technician, Payroll", "jobs-2", "Technician"},
		{"Appendix", "ace-2021-2024", "substance abuse diagnosis", "appendix-I-IV-3", "diagnosis"},
		{"AEA", "aea-2021-2024", "classroom coverage", "470", "CLASSROOM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := l.Search(tt.doc, tt.q, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 {
				t.Fatalf("no hits for %q", tt.q)
			}
			h := hits[0]
			if h.Anchor != tt.wantAnchor {
				t.Errorf("first hit at %s (%s), want %s", h.Anchor, h.SnippetText(), tt.wantAnchor)
			}
			marked := false
			for _, f := range h.Snippet {
				if f.Match && strings.EqualFold(f.Text, tt.wantMatch) {
					marked = true
				}
			}
			if !marked {
				t.Errorf("snippet %+v does not mark %q", h.Snippet, tt.wantMatch)
			}
		})
	}
}

func TestSearchCleanView(t *testing.T) {
	l := mustLib(t)
	// $1645 is deleted wording: the clean text no longer holds it
	hits, err := l.Search("ace-2021-2024", "1645", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 0 {
		t.Errorf("deleted wording found: %+v", hits)
	}
}

func TestSearchSnippetAndLimit(t *testing.T) {
	l := mustLib(t)
	hits, err := l.Search("ace-2021-2024", "employee", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 5 {
		t.Fatalf("%d hits, want the limit 5", len(hits))
	}
	for _, h := range hits {
		if s := h.SnippetText(); len(s) > 400 {
			t.Errorf("snippet of %d bytes: %.80q…", len(s), s)
		}
		if h.Article == "" || h.Anchor == "" {
			t.Errorf("hit without a place: %+v", h)
		}
	}
	if hits, _ := l.Search("ace-2021-2024", "zyzzyva", 5); len(hits) != 0 {
		t.Errorf("hits for a word not in the text: %+v", hits)
	}
}

func TestSearchErrors(t *testing.T) {
	l := mustLib(t)
	tests := []struct {
		name, doc, q string
		code         errs.Code
	}{
		{"ErrEmptyQuery", "ace-2021-2024", "  ", errs.Invalid},
		{"ErrLongQuery", "ace-2021-2024", strings.Repeat("x", 201), errs.Invalid},
		{"ErrUnknownDocument", "xyz-2020", "leave", errs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Search(tt.doc, tt.q, 10)
			if errs.CodeOf(err) != tt.code {
				t.Errorf("got %v, want %s", err, tt.code)
			}
		})
	}
}
