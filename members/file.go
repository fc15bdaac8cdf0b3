package members

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ratifyhq/ratify/errs"
	"github.com/xuri/excelize/v2"
)

// MaxRosterBytes is the largest roster file an import accepts.
const MaxRosterBytes = 30 << 20

// table is a roster file read into cells, before any interpretation.
type table struct {
	format    string // "csv" or "xlsx"
	headerRow int    // 1-based row number of the header
	header    []string
	rows      []tableRow
}

type tableRow struct {
	num   int // 1-based row number as a spreadsheet shows it
	cells []string
}

// cell returns the trimmed cell i of r, "" when the row is shorter.
func (r tableRow) cell(i int) string {
	if i < 0 || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

func (r tableRow) blank() bool {
	for _, c := range r.cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readTable reads a CSV or XLSX roster, recognised by its content. The
// header is the first of the first ten rows that has an employee id column
// (districts' exports sometimes start with a title row).
func readTable(data []byte) (*table, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errs.Wrap(errs.BadRequest, ErrRosterEmpty, "The roster file is empty.")
	}
	if len(data) > MaxRosterBytes {
		return nil, errs.New(errs.TooLarge, "The roster file is larger than %d MiB.", MaxRosterBytes>>20)
	}
	var (
		t   *table
		err error
	)
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		t, err = readXLSX(data)
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")):
		return nil, errs.Wrap(errs.Unsupported, ErrBadRoster, "The roster is an old Excel (.xls) file: save it as .xlsx or .csv and import that.")
	case looksLikeText(data):
		t, err = readCSV(data)
	default:
		return nil, errs.Wrap(errs.Unsupported, ErrBadRoster, "The roster file is neither CSV nor XLSX.")
	}
	if err != nil {
		return nil, err
	}
	if _, err := t.findHeader(); err != nil {
		return nil, err
	}
	return t, nil
}

// looksLikeText is true for UTF-8 text without NUL bytes (CSV), judged on
// the first 8 KiB.
func looksLikeText(b []byte) bool {
	if len(b) > 8192 {
		b = b[:8192]
		// Do not judge a multi-byte character cut at the end.
		for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

func readCSV(data []byte) (*table, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")) // Excel's UTF-8 byte order mark
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sniffDelimiter(data)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	t := &table{format: "csv"}
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, errs.Wrap(errs.Unsupported, ErrBadRoster, fmt.Sprintf("The roster is not valid CSV: line %d: %v.", pe.Line, pe.Err))
			}
			return nil, errs.Wrap(errs.Unsupported, ErrBadRoster, "The roster is not valid CSV.")
		}
		t.rows = append(t.rows, tableRow{num: n, cells: rec})
	}
	return t, nil
}

// sniffDelimiter picks comma, semicolon or tab from the first line: Excel
// writes semicolons in some locales, and some exports are tab-separated.
func sniffDelimiter(data []byte) rune {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	best, n := ',', bytes.Count(line, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if c := bytes.Count(line, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

func readXLSX(data []byte) (*table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 20 * MaxRosterBytes})
	if err != nil {
		return nil, errs.Wrap(errs.Unsupported, ErrBadRoster, "The roster looks like an XLSX file but cannot be opened: "+err.Error()+".")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errs.Wrap(errs.BadRequest, ErrRosterEmpty, "The roster workbook has no sheet.")
	}
	// The first sheet whose header is recognised; the first sheet otherwise.
	var first *table
	for _, name := range sheets {
		t, err := readSheet(f, name)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = t
		}
		if ok, _ := t.findHeader(); ok {
			return t, nil
		}
	}
	return first, nil
}

func readSheet(f *excelize.File, sheet string) (*table, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, errs.Wrap(errs.Unsupported, ErrBadRoster, fmt.Sprintf("The roster's sheet %q cannot be read: %v.", sheet, err))
	}
	defer rows.Close()
	t := &table{format: "xlsx"}
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, errs.Wrap(errs.Unsupported, ErrBadRoster, fmt.Sprintf("The roster's sheet %q cannot be read at row %d: %v.", sheet, n, err))
		}
		t.rows = append(t.rows, tableRow{num: n, cells: cells})
	}
	if err := rows.Error(); err != nil {
		return nil, errs.Wrap(errs.Unsupported, ErrBadRoster, fmt.Sprintf("The roster's sheet %q cannot be read: %v.", sheet, err))
	}
	return t, nil
}

// findHeader moves the header row out of t.rows and reports whether it has
// a recognised employee id column.
func (t *table) findHeader() (bool, error) {
	if t.header != nil {
		return true, nil
	}
	for i, r := range t.rows {
		if i >= 10 {
			break
		}
		for _, c := range r.cells {
			if col, ok := headerVariants[normalizeHeader(c)]; ok && col == column(aEmployeeID) {
				t.header, t.headerRow, t.rows = r.cells, r.num, t.rows[i+1:]
				return true, nil
			}
		}
	}
	for i, r := range t.rows {
		if !r.blank() {
			// No recognised header: take the first non-blank row, and let
			// mapHeader say what is missing.
			t.header, t.headerRow, t.rows = r.cells, r.num, t.rows[i+1:]
			return false, nil
		}
	}
	return false, errs.Wrap(errs.BadRequest, ErrRosterEmpty, "The roster file has no rows.")
}
