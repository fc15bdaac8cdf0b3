package contracts

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// seedACESchedules parses the three 2021-2024 per-diem schedules from the
// seed text on its own terms: header lines "Range A B … K" / "Range L … V",
// then a range label line and a line of eleven figures. Each schedule's
// year is told by its Range A step A figure, as the seed notes say.
func seedACESchedules(t *testing.T) map[string]map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile("testdata/seed-002-ace.txt")
	if err != nil {
		t.Fatal(err)
	}
	yearOf := map[string]string{"163.68": "2021-22", "166.96": "2022-23", "170.30": "2023-24"}
	out := map[string]map[string]map[string]string{}
	var steps []string
	var rng, year string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 12 && f[0] == "Range":
			steps = f[1:]
		case steps != nil && len(f) == 1 && regexp.MustCompile(`^([A-D]|\d{1,2})$`).MatchString(f[0]):
			rng = f[0]
		case steps != nil && rng != "" && len(f) == 11:
			if rng == "A" && steps[0] == "A" {
				year = yearOf[f[0]]
			}
			if year == "" {
				t.Fatalf("cannot tell the year of the schedule starting %s", f[0])
			}
			if out[year] == nil {
				out[year] = map[string]map[string]string{}
			}
			if out[year][rng] == nil {
				out[year][rng] = map[string]string{}
			}
			for i, v := range f {
				out[year][rng][steps[i]] = v
			}
			rng = ""
		}
	}
	return out
}

// TestACESalaryTablesMatchSeed checks every cell of the three 2021-2024
// schedules the calculators use against the seed's figures.
func TestACESalaryTablesMatchSeed(t *testing.T) {
	a, err := mustLib(t).ACE("ace-2021-2024")
	if err != nil {
		t.Fatal(err)
	}
	seed := seedACESchedules(t)
	if len(seed) != 3 {
		t.Fatalf("parsed %d schedules from the seed, want 3", len(seed))
	}
	for _, year := range []string{"2021-22", "2022-23", "2023-24"} {
		t.Run(year, func(t *testing.T) {
			cells := 0
			for rng, steps := range seed[year] {
				for step, fig := range steps {
					want, _ := parseHundredths(fig)
					got, err := a.perDiem(year, rng, "step", step)
					if err != nil {
						t.Errorf("range %s step %s: %v", rng, step, err)
						continue
					}
					if int64(got) != want {
						t.Errorf("range %s step %s: document %s, seed %s", rng, step, got, fig)
					}
					cells++
				}
			}
			if cells != 14*22 {
				t.Errorf("%d cells compared, want %d (ranges A-D and 4-13, steps A-V)", cells, 14*22)
			}
			for _, rng := range a.ranges {
				if n := len(a.schedules[year].perDiem[rng]); n != 22 {
					t.Errorf("range %s has %d steps in the document, want 22", rng, n)
				}
			}
		})
	}
}

// TestACEScheduleYears checks the year assignment: each year's rates are 2%
// over the year before's, to within a cent of rounding.
func TestACEScheduleYears(t *testing.T) {
	a, err := mustLib(t).ACE("ace-2021-2024")
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]string{{"2021-22", "2022-23"}, {"2022-23", "2023-24"}} {
		for _, rng := range a.ranges {
			for _, st := range a.steps {
				prev := a.schedules[pair[0]].perDiem[rng][st]
				next := a.schedules[pair[1]].perDiem[rng][st]
				if d := int64(next) - divRound(int64(prev)*102, 100); d < -1 || d > 1 {
					t.Errorf("%s range %s step %s: %s is not 2%% over %s (%s)", pair[1], rng, st, next, pair[0], prev)
				}
			}
		}
	}
}

// TestACE2018ScheduleMatchesSeed checks the superseded 2018-2021 schedule,
// printed one figure a line in the seed, cell by cell.
func TestACE2018ScheduleMatchesSeed(t *testing.T) {
	b, err := os.ReadFile("testdata/seed-002-ace.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	d, _ := mustLib(t).Get("ace-2021-2024")
	byID := map[string]*Table{}
	for _, tb := range d.Tables() {
		byID[tb.ID] = tb
	}
	for _, part := range []struct {
		id       string
		from, to int // seed lines, 1-based
	}{{"salary-2018-21-a-k", 842, 1035}, {"salary-2018-21-l-v", 1039, 1232}} {
		t.Run(part.id, func(t *testing.T) {
			var figs []string
			for _, l := range lines[part.from-1 : part.to] {
				if l = strings.TrimSpace(l); l != "" {
					figs = append(figs, l)
				}
			}
			tb := byID[part.id]
			var doc []string
			for _, row := range append([][]Cell{tb.Header}, tb.Rows...) {
				for _, c := range row {
					doc = append(doc, c.Text)
				}
			}
			if strings.Join(doc, " ") != strings.Join(figs, " ") {
				t.Errorf("table differs from the seed:\n doc  %.200s\n seed %.200s", strings.Join(doc, " "), strings.Join(figs, " "))
			}
			for _, row := range tb.Rows {
				for _, c := range row[1:] {
					if !c.IsNum {
						t.Errorf("cell %q is not numeric", c.Text)
					}
				}
			}
		})
	}
}

// seedAEAClean cleans a figure of the AEA seed independently of the
// converter: underline tags and stray leading dashes go, and the stray
// characters the OCR prints in empty cells read as empty.
func seedAEAClean(s string) string {
	s = strings.TrimSpace(regexp.MustCompile(`</?u>`).ReplaceAllString(s, ""))
	switch s {
	case "-", "_", "ı", "J", "1", "":
		return "-"
	}
	return strings.TrimLeft(s, "-")
}

// TestAEASalaryTablesMatchSeed checks every cell of the AEA schedules
// against the seed's OCR text, cleaned.
func TestAEASalaryTablesMatchSeed(t *testing.T) {
	b, err := os.ReadFile("testdata/seed-003-aea.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	d, _ := mustLib(t).Get("aea-2021-2024")
	byID := map[string]*Table{}
	for _, tb := range d.Tables() {
		byID[tb.ID] = tb
	}
	tests := []struct {
		id       string
		from, to int // seed lines of the body rows, 1-based
		extra    []string
	}{
		{"aea-2020-21-bachelor", 12, 30, nil},
		{"aea-2020-21-masters", 43, 63, nil},
		{"aea-2021-22", 75, 95, nil},
		{"aea-2022-23", 108, 128, nil},
		// the step 20 row of 2023-24 is printed apart: "20" on line 160, "96,761" on line 165
		{"aea-2023-24", 139, 158, []string{"20", "-", "-", "-", "-", "-", "96,761"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			var want [][]string
			for _, l := range lines[tt.from-1 : tt.to] {
				parts := strings.Split(l, "\t")
				row := []string{strings.TrimSpace(parts[0])}
				for _, p := range parts[1:] {
					row = append(row, seedAEAClean(p))
				}
				want = append(want, row)
			}
			if tt.extra != nil {
				if strings.TrimSpace(lines[159]) != "20" || strings.TrimSpace(lines[164]) != "96,761" {
					t.Fatalf("the seed's misplaced step 20 row is not where expected")
				}
				want = append(want, tt.extra)
			}
			tb := byID[tt.id]
			if tb == nil {
				t.Fatalf("no table %s", tt.id)
			}
			if len(tb.Rows) != len(want) {
				t.Fatalf("%d rows, seed has %d", len(tb.Rows), len(want))
			}
			for i, row := range tb.Rows {
				for k, c := range row {
					if c.Text != want[i][k] {
						t.Errorf("row %d column %d: document %q, seed %q", i, k, c.Text, want[i][k])
					}
					if k > 0 && c.Text != "-" && !c.IsNum {
						t.Errorf("row %d column %d: %q is not numeric", i, k, c.Text)
					}
				}
			}
		})
	}
}
