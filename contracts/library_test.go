package contracts

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/errs"
)

func TestLibraryLoad(t *testing.T) {
	l := mustLib(t)
	list := l.List()
	if len(list) != 2 {
		t.Fatalf("%d agreements, want 2", len(list))
	}
	ids := []string{list[0].ID, list[1].ID}
	if !containsStr(ids, "ace-2021-2024") || !containsStr(ids, "aea-2021-2024") {
		t.Errorf("ids %v", ids)
	}
	for _, s := range list {
		if s.Title == "" || len(s.Parties) != 2 || s.Term.Start != "2021-07-01" || s.Term.End != "2024-06-30" || s.Status.Status == "" {
			t.Errorf("summary %+v", s)
		}
	}
	ace, _ := l.Get("ace-2021-2024")
	if got := ace.LatestStatus(); got.Status != StatusSigned || got.Date != "2021-09-13" {
		t.Errorf("ACE latest status %+v", got)
	}
	for _, ev := range ace.Status {
		if ev.Status == StatusRatified && ev.VoteID == "" {
			t.Errorf("ratified without a vote id")
		}
	}
}

func TestLibraryLookups(t *testing.T) {
	l := mustLib(t)
	tests := []struct {
		name, doc, number string
		code              errs.Code
		title             string
	}{
		{"Article", "ace-2021-2024", "601", "", "SICK LEAVE"},
		{"SuppliedArticle", "ace-2021-2024", "801", "", "SALARY"},
		{"Appendix", "ace-2021-2024", "appendix-I", "", "Appendix I"},
		{"AEAArticle", "aea-2021-2024", "470", "", "CLASSROOM COVERAGE"},
		{"ErrNoArticle", "ace-2021-2024", "999", errs.NotFound, ""},
		{"ErrTableIsNotAnArticle", "ace-2021-2024", "holidays", errs.NotFound, ""},
		{"ErrNoDocument", "xyz-2020", "601", errs.NotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := l.Article(tt.doc, tt.number)
			if tt.code != "" {
				if errs.CodeOf(err) != tt.code {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil || a.Title != tt.title {
				t.Fatalf("got %+v %v, want %q", a, err, tt.title)
			}
		})
	}
	d, _ := l.Get("ace-2021-2024")
	for _, anchor := range []string{"601-B", "404-A-2", "801-D", "303-D_2", "611-E-2_2", "appendix-I-II-7", "salary-2021-22-a-k"} {
		if _, ok := d.Lookup(anchor); !ok {
			t.Errorf("no anchor %s", anchor)
		}
	}
	if got := citeAnchor(d, "appendix-I-II-7"); got != "Appendix I, Article II, Section 7" {
		t.Errorf("citeAnchor = %q", got)
	}
}

func TestLibrarySHA256(t *testing.T) {
	l := mustLib(t)
	src, err := sources.ReadFile("ace-2021-2024.md")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(src)
	got, err := l.SHA256("ace-2021-2024")
	if err != nil || got != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 = %s %v", got, err)
	}
}

func TestLibraryAdd(t *testing.T) {
	l := mustLib(t)
	src, _ := sources.ReadFile("ace-2021-2024.md")
	t.Run("SameSourceIsIdempotent", func(t *testing.T) {
		if _, err := l.Add("again.md", src); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrPublishedIsImmutable", func(t *testing.T) {
		changed := strings.Replace(string(src), "The Drug Free Workplace Policy", "The Drug-Free Workplace Policy", 1)
		_, err := l.Add("changed.md", []byte(changed))
		if errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("got %v, want Conflict", err)
		}
	})
	t.Run("NewVersion", func(t *testing.T) {
		next := strings.Replace(string(src), "id: ace-2021-2024", "id: ace-2024-2027-draft", 1)
		d, err := l.Add("next.md", []byte(next))
		if err != nil || d.ID != "ace-2024-2027-draft" {
			t.Fatalf("got %v %v", d, err)
		}
		if _, err := l.Calculate("ace-2024-2027-draft", "salary", []byte(`{"range":"D","step":"A","year":"2021-22","days":230}`)); err != nil {
			t.Errorf("the new version's calculators: %v", err)
		}
	})
}

func TestParseVersion(t *testing.T) {
	src, _ := sources.ReadFile("ace-2021-2024.md")
	tests := []struct {
		name  string
		edit  func(string) string
		field string // "" for success
	}{
		{"OK", func(s string) string { return s }, ""},
		{"ErrSalaryCellNotANumber", repl("| A | 163.68 |", "| A | 163.6x |"), "table.cell"},
		{"ErrJobRangeUnknown", repl("| 13 | Officer, Development | 240 |", "| 14 | Officer, Development | 240 |"), "table.jobs-14"},
		{"ErrHolidayUnknown", repl("| Labor Day |", "| Founders Day |"), "table.holidays"},
		{"ErrRuleMissing", repl("shall receive a minimum 5% increase in salary", "shall receive a raise"), "front_matter.calculators"},
		{"ErrYearOutsideTerm", repl("data=salary:2021-22", "data=salary:2020-21"), "table.salary-2021-22-a-k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseVersion("upload.md", []byte(tt.edit(string(src))))
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || !strings.HasSuffix(e.Field, tt.field) {
				t.Fatalf("got %v, want an Invalid error on %s", err, tt.field)
			}
			if tt.field != "front_matter.calculators" && !strings.HasPrefix(e.Field, "line ") {
				t.Errorf("field %q does not name the line", e.Field)
			}
		})
	}
}

func TestCheckAdvance(t *testing.T) {
	history := []StatusEvent{{Status: StatusTentative, Date: "2024-05-01"}, {Status: StatusOutForVote, Date: "2024-05-10"}}
	tests := []struct {
		name  string
		next  StatusEvent
		field string
	}{
		{"OK", StatusEvent{Status: StatusRatified, Date: "2024-05-20", VoteID: "v1"}, ""},
		{"SkipAhead", StatusEvent{Status: StatusSigned, Date: "2024-06-20"}, ""},
		{"ErrBackwards", StatusEvent{Status: StatusTentative, Date: "2024-05-20"}, "status"},
		{"ErrSame", StatusEvent{Status: StatusOutForVote, Date: "2024-05-20"}, "status"},
		{"ErrDateBefore", StatusEvent{Status: StatusBoardApproved, Date: "2024-05-09"}, "date"},
		{"ErrNoDate", StatusEvent{Status: StatusBoardApproved}, "date"},
		{"ErrRatifiedWithoutVote", StatusEvent{Status: StatusRatified, Date: "2024-05-20"}, "vote_id"},
		{"ErrUnknown", StatusEvent{Status: "approved-ish", Date: "2024-05-20"}, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckAdvance(history, tt.next)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantField(t, err, tt.field)
		})
	}
}

func TestTOC(t *testing.T) {
	d, _ := mustLib(t).Get("ace-2021-2024")
	toc := d.TOC()
	if toc[0].Label != "100" || toc[0].Title != "PREAMBLE" || toc[0].Supplied {
		t.Errorf("first entry %+v", toc[0])
	}
	want := map[string]TOCEntry{
		"201":              {Level: 0, Label: "201", Title: "INTENT", Supplied: true},
		"404-A":            {Level: 1, Label: "A.", Title: "Level One (Departmental)"},
		"404-B":            {Level: 1, Label: "B.", Title: "Level Two (Labor Relations)"},
		"salary-schedules": {Level: 0, Title: "Salary Schedules 2021-2024", Supplied: true},
	}
	for _, e := range toc {
		if w, ok := want[e.Anchor]; ok {
			w.Anchor = e.Anchor
			if e != w {
				t.Errorf("entry %+v, want %+v", e, w)
			}
			delete(want, e.Anchor)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing entries %v", want)
	}
}
