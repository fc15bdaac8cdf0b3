package handlers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/ballot"
)

// TestResultsPageReceiptsPaged: however many ballots, the page lists one
// page of receipts (with links to the others) and still finds any receipt.
func TestResultsPageReceiptsPaged(t *testing.T) {
	r := &ballot.Results{Cast: 2500, Eligible: 3000, Choices: []ballot.ChoiceCount{{Choice: "Yes", Count: 2500, Percent: 100}}, Outcome: ballot.Ratified}
	for i := range 2500 {
		r.Receipts = append(r.Receipts, fmt.Sprintf("R%06d", i))
	}
	v := &ballot.Vote{ID: "v1", Title: "T"}
	p := buildResultsPage(v, r, "", 1)
	if len(p.Receipts) != 1000 || p.From != 1 || p.To != 1000 || p.Prev != 0 || p.Next != 2 || p.Total != 2500 {
		t.Fatalf("page 1: %d receipts, %d-%d, prev %d next %d", len(p.Receipts), p.From, p.To, p.Prev, p.Next)
	}
	p = buildResultsPage(v, r, "r002499", 3)
	if len(p.Receipts) != 500 || p.Receipts[0] != "R002000" || p.Prev != 2 || p.Next != 0 || !p.Found {
		t.Fatalf("page 3: %d receipts from %s, prev %d next %d, found %v", len(p.Receipts), p.Receipts[0], p.Prev, p.Next, p.Found)
	}
	if p = buildResultsPage(v, r, "R999999", 99); p.Page != 3 || p.Found || !p.Searched {
		t.Fatalf("page past the end: page %d found %v", p.Page, p.Found)
	}
	// 100,000 receipts: the page stays far under 100 KB.
	for i := 2500; i < 100000; i++ {
		r.Receipts = append(r.Receipts, fmt.Sprintf("R%06d", i))
	}
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.pages.byName["results"].ExecuteTemplate(&b, "layout", buildResultsPage(v, r, "", 2)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"100000 receipts, sorted.", `href="/votes/v1/receipts.txt"`, "Receipts 1001 to 2000 of 100000",
		`href="/votes/v1/results?page=1"`, `href="/votes/v1/results?page=3"`, "<code>R001000</code>"} {
		if !strings.Contains(page, want) {
			t.Fatalf("results page lacks %q", want)
		}
	}
	if strings.Contains(page, "<code>R000999</code>") || len(page) > 60<<10 {
		t.Fatalf("results page holds other pages' receipts or weighs %d bytes", len(page))
	}
}
