package members

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ratifyhq/ratify/errs"
	"github.com/xuri/excelize/v2"
)

// The roster parsers read files officers upload, which may be anything.
// These fuzz targets check, for any bytes:
//   - reading never panics, and a file it refuses gets an *errs.Error with
//     a client code and a sentence;
//   - every row error names a data row of the file and a header of it, and
//     says what is wrong;
//   - the rows it accepts hold normalised values (normalising again changes
//     nothing), and written back as a canonical CSV they read back the same,
//     with no error: what an import stores, an export re-imports.
//
// Run: go test -run '^$' -fuzz '^FuzzRosterCSV$' -fuzztime 15s ./members

// rosterCheck runs the parse steps of ImportRoster that need no store.
func rosterCheck(t *testing.T, data []byte) {
	// Reading is bounded in time: a file that makes it spin is a
	// denial of service. The watchdog's panic makes the fuzzer keep the input.
	watchdog := time.AfterFunc(10*time.Second, func() {
		panic(fmt.Sprintf("reading a %d-byte roster took over 10 s: %q", len(data), data[:min(len(data), 200)]))
	})
	defer watchdog.Stop()
	tab, err := readTable(data)
	if err != nil {
		e, ok := errs.As(err)
		if !ok {
			t.Fatalf("readTable error %v (%T) is not an *errs.Error", err, err)
		}
		switch e.Code {
		case errs.BadRequest, errs.Unsupported, errs.TooLarge, errs.Invalid:
		default:
			t.Fatalf("readTable error code %q: %v", e.Code, e)
		}
		if strings.TrimSpace(e.Message) == "" {
			t.Fatalf("readTable error without a message: %#v", e)
		}
		return
	}
	if tab.headerRow < 1 {
		t.Fatalf("header row %d", tab.headerRow)
	}
	l, problems := mapHeader(tab.header)
	if len(problems) > 0 {
		for _, p := range problems {
			if strings.TrimSpace(p) == "" {
				t.Fatalf("empty header problem in %q", problems)
			}
		}
		return
	}
	lastRow := tab.headerRow
	for _, r := range tab.rows {
		if r.num <= tab.headerRow {
			t.Fatalf("data row %d is not after the header row %d", r.num, tab.headerRow)
		}
		lastRow = max(lastRow, r.num)
	}
	r := &ImportReport{}
	rows := parseRows(tab, l, r)
	for _, e := range r.Errors {
		if e.Row <= tab.headerRow || e.Row > lastRow {
			t.Fatalf("row error on row %d, outside the data rows %d..%d: %+v", e.Row, tab.headerRow+1, lastRow, e)
		}
		if strings.TrimSpace(e.Column) == "" || !contains(tab.header, e.Column) {
			t.Fatalf("row error names column %q, not a header of %q: %+v", e.Column, tab.header, e)
		}
		if strings.TrimSpace(e.Message) == "" {
			t.Fatalf("row error without a message: %+v", e)
		}
	}
	if len(rows) == 0 {
		return
	}
	// The accepted values are already in their stored form.
	for _, row := range rows {
		for a := attr(0); a < numAttrs; a++ {
			if row.vals[a] == "" && (a == aStatus || !l.has(a)) {
				continue
			}
			again, err := normalizeAttr(a, row.vals[a])
			if err != nil || again != row.vals[a] {
				t.Fatalf("row %d: %s %q normalises again to %q, %v", row.num, attrNames[a], row.vals[a], again, err)
			}
		}
	}
	// Written back as a canonical CSV, they read back the same.
	var cols []attr
	for a := attr(0); a < numAttrs; a++ {
		if a == aFirstName || a == aLastName || l.col[a] >= 0 {
			cols = append(cols, a)
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	header := make([]string, len(cols))
	for i, a := range cols {
		header[i] = attrNames[a]
	}
	w.Write(header)
	for _, row := range rows {
		rec := make([]string, len(cols))
		for i, a := range cols {
			rec[i] = row.vals[a]
		}
		w.Write(rec)
	}
	w.Flush()
	tab2, err := readTable(b.Bytes())
	if err != nil {
		t.Fatalf("the accepted rows written back as CSV do not read: %v\n%s", err, b.Bytes())
	}
	l2, problems := mapHeader(tab2.header)
	if len(problems) > 0 {
		t.Fatalf("canonical header refused: %q", problems)
	}
	r2 := &ImportReport{}
	rows2 := parseRows(tab2, l2, r2)
	if len(r2.Errors) > 0 {
		t.Fatalf("the accepted rows written back as CSV have errors: %+v\n%s", r2.Errors, b.Bytes())
	}
	if len(rows2) != len(rows) {
		t.Fatalf("%d rows read back, want %d\n%s", len(rows2), len(rows), b.Bytes())
	}
	for i := range rows {
		for _, a := range cols {
			if rows2[i].vals[a] != rows[i].vals[a] {
				t.Fatalf("row %d: %s reads back %q, want %q\n%s", rows[i].num, attrNames[a], rows2[i].vals[a], rows[i].vals[a], b.Bytes())
			}
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

var fuzzRosterSeeds = []string{
	"Employee ID,Last Name,First Name,Email Address,Membership Status\n100201,Aldana,Avery,avery@example.org,Member\n",
	"Roster as of 6/30\n\nEmp #;Name;FTE %;Date of Hire;Status\n12345.0;\"Quill, Ada\";80%;45000;fee payer\n",
	"ID\tFull Name\tWork Days\tSeparation Date\tReason\n7\tAda  Quill\t190\t2024-06-30\tRetired\n8\t\t\t\tRetired\n",
	"\xEF\xBB\xBFEmployee,Surname,Given Name,E-mail,Union Status\n1,\"Multi\nLine\",x,BAD@,maybe\n1,a,b,,member\n",
	"Employee ID,Name,Name\n1,a,b\n",
	"Employee ID,First,Last,Address,Address 2,Zip+4\n 9 ,a,\"b\"\"c\",1 Main St,Apt 2,99501-1234\n",
	"Employee ID,Last,Hire Date,FTE\nx/y,z,31/31/2020,3\n2,z,1/2/06,1e-3\n",
	"a\"b,c\n\"d\n",
	"",
	"\xD0\xCF\x11\xE0",
	"PK\x03\x04junk",
}

// sampleRoster is the repository's sample file, as a seed.
func sampleRoster(f *testing.F) []byte {
	b, err := os.ReadFile("testdata/sample-roster.csv")
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzRosterCSV(f *testing.F) {
	for _, s := range fuzzRosterSeeds {
		f.Add([]byte(s))
	}
	f.Add(sampleRoster(f))
	f.Fuzz(rosterCheck)
}

// xlsxSeed writes rows into a workbook as a spreadsheet program would.
func xlsxSeed(f *testing.F, rows [][]any) []byte {
	x := excelize.NewFile()
	defer x.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			f.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

// FuzzRosterXLSX mutates workbooks: most mutations break the zip or its
// XML, which must be refused with a sentence, never a panic; the others
// must meet the same properties as CSV files. It also checks that a CSV
// file's cells saved as a workbook read the same as the CSV.
func FuzzRosterXLSX(f *testing.F) {
	f.Add(xlsxSeed(f, [][]any{
		{"Employee ID", "Last Name", "First Name", "Email", "Hire Date", "FTE", "Status"},
		{100201, "Aldana", "Avery", "avery@example.org", 39719, 1.0, "Member"},
		{"100208.0", "Birchwood", "Jordan", "JORDAN@example.org ", "10/21/2010", "50%", "fee payer"},
		{nil},
		{"x y", "", "", "", "", "", ""},
	}))
	f.Add(xlsxSeed(f, [][]any{{"Roster"}, {}, {"Emp No", "Name", "Address", "Apt"}, {7, "Quill, Ada", "1 Main", "2"}}))
	f.Add([]byte("Employee ID,Name\n1,Ada Quill\n2,\"<b>x</b>\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rosterCheck(t, data)
		if bytes.HasPrefix(data, []byte("PK")) || len(data) > 4096 || !utf8.Valid(data) {
			return
		}
		csvTab, err := readTable(data)
		if err != nil || csvTab.format != "csv" {
			return
		}
		// The same cells in a workbook read the same (excelize keeps
		// strings as written; XML cannot hold most control characters,
		// so cells with them are left out).
		x := excelize.NewFile()
		defer x.Close()
		all := append([]tableRow{{num: csvTab.headerRow, cells: csvTab.header}}, csvTab.rows...)
		for _, r := range all {
			for i, c := range r.cells {
				if !xmlSafe(c) || len(c) > 32767 {
					return
				}
				cell, _ := excelize.CoordinatesToCellName(i+1, r.num)
				if err := x.SetCellStr("Sheet1", cell, c); err != nil {
					t.Fatalf("SetCellStr %q: %v", c, err)
				}
			}
		}
		var b bytes.Buffer
		if err := x.Write(&b); err != nil {
			t.Fatal(err)
		}
		xTab, err := readTable(b.Bytes())
		if err != nil {
			t.Fatalf("the CSV's cells as a workbook do not read: %v", err)
		}
		if xTab.headerRow != csvTab.headerRow || !sameCells(xTab.header, csvTab.header) {
			t.Fatalf("workbook header row %d %q, CSV %d %q", xTab.headerRow, xTab.header, csvTab.headerRow, csvTab.header)
		}
		want := nonBlank(csvTab.rows)
		got := nonBlank(xTab.rows)
		if len(got) != len(want) {
			t.Fatalf("workbook has %d non-blank rows, CSV %d", len(got), len(want))
		}
		for i := range want {
			if got[i].num != want[i].num || !sameCells(got[i].cells, want[i].cells) {
				t.Fatalf("workbook row %d %q, CSV row %d %q", got[i].num, got[i].cells, want[i].num, want[i].cells)
			}
		}
	})
}

func xmlSafe(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError {
			return false
		}
	}
	// excelize stores "\r\n" as "\n" as XML does; leave those out.
	return !strings.Contains(s, "\r")
}

func nonBlank(rows []tableRow) []tableRow {
	var out []tableRow
	for _, r := range rows {
		if !r.blank() {
			out = append(out, r)
		}
	}
	return out
}

// sameCells compares rows as the importer sees them: trailing empty cells
// do not count.
func sameCells(a, b []string) bool {
	trim := func(s []string) []string {
		for len(s) > 0 && s[len(s)-1] == "" {
			s = s[:len(s)-1]
		}
		return s
	}
	a, b = trim(a), trim(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
