package members

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
)

// ImportOptions tunes ImportRoster.
type ImportOptions struct {
	// DryRun computes the report and writes nothing.
	DryRun bool
	// Partial says the file lists only some members: members missing from
	// it are left alone rather than separated.
	Partial bool
	// MaxListed caps each list in the report (0: no cap); counts are exact.
	MaxListed int
	// Progress, if set, is called as the import advances.
	Progress func(Progress)
}

// Progress is how far an import has got.
type Progress struct {
	Stage       string // "reading", "comparing", "writing", "done"
	Done, Total int
}

// ImportReport says what an import did, or would do.
type ImportReport struct {
	Format         string      `json:"format"`
	DryRun         bool        `json:"dry_run"`
	Applied        bool        `json:"applied"`
	Rows           int         `json:"rows"`
	Counts         Counts      `json:"counts"`
	Added          []Change    `json:"added"`
	Updated        []Change    `json:"updated"`
	Separated      []Change    `json:"separated"`
	Errors         []RowError  `json:"errors"`
	UnknownColumns []string    `json:"unknown_columns"`
	Warnings       []string    `json:"warnings"`
	Truncated      bool        `json:"truncated"` // a list was capped at MaxListed
	writes         []memberOut // what apply writes
}

// Counts are the exact numbers behind the report's lists.
type Counts struct {
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Separated int `json:"separated"`
	Errors    int `json:"errors"`
}

// Change is one member an import adds, updates or separates.
type Change struct {
	EmployeeID string        `json:"employee_id"`
	Name       string        `json:"name"`
	Fields     []FieldChange `json:"fields,omitempty"`
	Reason     string        `json:"reason,omitempty"`
}

// FieldChange is one attribute's old and new value.
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// RowError is a problem with one cell (or row) of the file.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Value   string `json:"value"`
	Message string `json:"message"`
}

// rosterRow is one valid data row.
type rosterRow struct {
	num  int
	vals attrs
}

// memberOut is one member to write: its new attributes, and its old ones
// when it exists.
type memberOut struct {
	a, old attrs
	exists bool
}

// ImportRoster reads a CSV or XLSX roster and, unless opts.DryRun, applies
// it. A file with any row error changes nothing: the error (code Invalid)
// comes with the report that lists every bad row. A file that cannot be
// read at all gets an error with one sentence and no report.
func (s *Store) ImportRoster(ctx context.Context, actor audit.Actor, data []byte, opts ImportOptions) (*ImportReport, error) {
	progress := func(stage string, done, total int) {
		if opts.Progress != nil {
			opts.Progress(Progress{Stage: stage, Done: done, Total: total})
		}
	}
	progress("reading", 0, 0)
	t, err := readTable(data)
	if err != nil {
		return nil, err
	}
	l, problems := mapHeader(t.header)
	if len(problems) > 0 {
		return nil, errs.Wrap(errs.Invalid, ErrBadRoster, fmt.Sprintf("The roster's header (row %d) is not usable: %s.", t.headerRow, joinSentences(problems)))
	}
	r := &ImportReport{Format: t.format, DryRun: opts.DryRun, UnknownColumns: l.unknown}
	rows := parseRows(t, l, r)
	r.Rows = len(rows) + countRowsWithErrors(r.Errors)
	if r.Rows == 0 && len(r.Errors) == 0 {
		return nil, errs.Wrap(errs.BadRequest, ErrRosterEmpty, "The roster has a header but no members.")
	}
	if !l.has(aStatus) {
		r.Warnings = append(r.Warnings, "The roster has no membership status column: members keep their status, and new people are non-members until their status is set.")
	}

	progress("comparing", 0, len(rows))
	existing := map[string]attrs{}
	if err := s.eachMember(ctx, func(a attrs) { existing[a[aEmployeeID]] = a }); err != nil {
		return nil, err
	}
	s.diff(rows, l, existing, opts.Partial, r)
	r.Counts.Errors = len(r.Errors)
	r.sortAndCap(opts.MaxListed)
	if len(r.Errors) > 0 {
		return r, errs.Wrap(errs.Invalid, ErrRowErrors, fmt.Sprintf("The roster has %d row errors; nothing was imported.", r.Counts.Errors))
	}
	if opts.DryRun {
		return r, nil
	}
	if err := s.apply(ctx, r.writes, func(done int) { progress("writing", done, len(r.writes)) }); err != nil {
		return nil, err
	}
	r.Applied = true
	_, err = s.audit.Append(ctx, actor, "members.import_applied", "roster", map[string]string{
		"format": r.Format, "rows": strconv.Itoa(r.Rows),
		"added": strconv.Itoa(r.Counts.Added), "updated": strconv.Itoa(r.Counts.Updated),
		"separated": strconv.Itoa(r.Counts.Separated), "unchanged": strconv.Itoa(r.Counts.Unchanged),
		"partial": strconv.FormatBool(opts.Partial),
	})
	if err != nil {
		return nil, err
	}
	progress("done", len(r.writes), len(r.writes))
	return r, nil
}

func joinSentences(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}

func countRowsWithErrors(es []RowError) int {
	rows := map[int]bool{}
	for _, e := range es {
		rows[e.Row] = true
	}
	return len(rows)
}

// parseRows validates every data row, adding errors to r.
func parseRows(t *table, l *layout, r *ImportReport) []rosterRow {
	rows := make([]rosterRow, 0, len(t.rows))
	firstRow := map[string]int{}
	header := func(i int) string { return t.header[i] }
	for _, tr := range t.rows {
		if tr.blank() {
			continue
		}
		var row rosterRow
		row.num = tr.num
		bad := false
		fail := func(col int, value, msg string) {
			name := ""
			if col >= 0 {
				name = header(col)
			}
			r.Errors = append(r.Errors, RowError{Row: tr.num, Column: name, Value: value, Message: msg})
			bad = true
		}
		for a := attr(0); a < numAttrs; a++ {
			i := l.col[a]
			if i < 0 {
				continue
			}
			raw := tr.cell(i)
			if a == aAddress && l.address2 >= 0 && tr.cell(l.address2) != "" {
				raw += ", " + tr.cell(l.address2)
			}
			v, err := normalizeAttr(a, raw)
			if err != nil {
				fail(i, raw, err.Error())
				continue
			}
			row.vals[a] = v
		}
		if l.fullName >= 0 {
			row.vals[aFirstName], row.vals[aLastName] = splitFullName(tr.cell(l.fullName))
		}
		if !bad && row.vals[aFirstName] == "" && row.vals[aLastName] == "" {
			col := l.fullName
			if col < 0 {
				col = max(l.col[aLastName], l.col[aFirstName])
			}
			fail(col, "", "the name is empty")
		}
		if !bad && row.vals[aSeparationReason] != "" && row.vals[aSeparatedOn] == "" {
			fail(l.col[aSeparationReason], row.vals[aSeparationReason], "a reason for separation is given without a date of separation")
		}
		if id := row.vals[aEmployeeID]; id != "" {
			if first, dup := firstRow[id]; dup {
				fail(l.col[aEmployeeID], id, fmt.Sprintf("employee id %s is also on row %d", id, first))
			} else {
				firstRow[id] = tr.num
			}
		}
		if !bad {
			rows = append(rows, row)
		}
	}
	return rows
}

// diff compares the valid rows with the stored roster and fills r with
// the changes, the writes, and the email conflicts (as row errors).
func (s *Store) diff(rows []rosterRow, l *layout, existing map[string]attrs, partial bool, r *ImportReport) {
	today := s.today()
	listed := make(map[string]bool, len(rows))
	emailRow := make(map[string]rosterRow, len(rows))
	for _, row := range rows {
		id := row.vals[aEmployeeID]
		listed[id] = true
		old, exists := existing[id]
		a := row.vals
		for x := attr(0); x < numAttrs; x++ {
			// Attributes the file lacks keep their stored values. Being
			// listed means being employed: no separation date clears one.
			if !l.has(x) && x != aSeparatedOn && x != aSeparationReason {
				a[x] = old[x]
			}
		}
		if !exists && a[aStatus] == "" {
			a[aStatus] = string(StatusNonMember)
		}
		if e := a[aEmail]; e != "" {
			if other, dup := emailRow[e]; dup {
				r.Errors = append(r.Errors, RowError{Row: row.num, Column: headerOf(l, aEmail), Value: e,
					Message: fmt.Sprintf("email %s is also on row %d (employee %s)", e, other.num, other.vals[aEmployeeID])})
				continue
			}
			emailRow[e] = rosterRow{num: row.num, vals: a}
		}
		s.classify(a, old, exists, "", r)
	}
	// Members the file does not list keep their email, so it may not be
	// given to someone else; a full roster separates them.
	for id, old := range existing {
		if listed[id] {
			continue
		}
		if e := old[aEmail]; e != "" {
			if row, dup := emailRow[e]; dup {
				r.Errors = append(r.Errors, RowError{Row: row.num, Column: headerOf(l, aEmail), Value: e,
					Message: fmt.Sprintf("email %s belongs to employee %s (%s), who is not on this roster: correct that member first", e, id, old.member().Name())})
			}
		}
		if partial || old[aSeparatedOn] != "" {
			continue
		}
		a := old
		a[aSeparatedOn] = today
		a[aSeparationReason] = "not on the roster imported on " + today
		s.classify(a, old, true, a[aSeparationReason], r)
	}
}

func headerOf(l *layout, a attr) string {
	if i := l.col[a]; i >= 0 {
		return l.headers[i]
	}
	return attrNames[a]
}

// classify records one member's change in r and, if it changes, its write.
func (s *Store) classify(a, old attrs, exists bool, reason string, r *ImportReport) {
	c := Change{EmployeeID: a[aEmployeeID], Name: a.member().Name(), Reason: reason}
	switch {
	case !exists:
		r.Counts.Added++
		r.Added = append(r.Added, c)
	case a == old:
		r.Counts.Unchanged++
		return
	case old[aSeparatedOn] == "" && a[aSeparatedOn] != "":
		c.Fields = a.changes(old)
		if c.Reason == "" {
			c.Reason = a[aSeparationReason]
		}
		r.Counts.Separated++
		r.Separated = append(r.Separated, c)
	default:
		c.Fields = a.changes(old)
		r.Counts.Updated++
		r.Updated = append(r.Updated, c)
	}
	r.writes = append(r.writes, memberOut{a: a, old: old, exists: exists})
}

// sortAndCap orders the lists by employee id and row, and caps them.
func (r *ImportReport) sortAndCap(n int) {
	for _, l := range []*[]Change{&r.Added, &r.Updated, &r.Separated} {
		sort.Slice(*l, func(i, j int) bool { return (*l)[i].EmployeeID < (*l)[j].EmployeeID })
		if n > 0 && len(*l) > n {
			*l, r.Truncated = (*l)[:n], true
		}
		if *l == nil {
			*l = []Change{}
		}
	}
	sort.SliceStable(r.Errors, func(i, j int) bool { return r.Errors[i].Row < r.Errors[j].Row })
	if n > 0 && len(r.Errors) > n {
		r.Errors, r.Truncated = r.Errors[:n], true
	}
	if r.Errors == nil {
		r.Errors = []RowError{}
	}
	if r.UnknownColumns == nil {
		r.UnknownColumns = []string{}
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
}
