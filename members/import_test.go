package members_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/members"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// col is the index of a header in the sample roster.
func col(t *testing.T, rows [][]string, name string) int {
	t.Helper()
	for i, h := range rows[0] {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q", name)
	return -1
}

func TestImportCSVAddsUpdatesSeparates(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	r := importOK(t, e, sampleRoster(t), members.ImportOptions{})
	if r.Format != "csv" || r.Rows != 25 || r.Counts.Added != 25 || !r.Applied {
		t.Fatalf("first import: %+v", r.Counts)
	}
	// The sample's row 21 carries a separation date: added, separated.
	blair := find(t, e, "100334")
	if !blair.Separated || blair.SeparatedOn != "2026-10-31" || blair.SeparationReason != "Resigned" {
		t.Fatalf("separated on import: %+v", blair)
	}
	avery := find(t, e, "100201")
	if avery.Email != "avery.aldana@example.org" || avery.HireDate != "2008-09-28" || avery.WorkDays != 190 ||
		avery.FTE != 1 || avery.Status != members.StatusMember || avery.Range != "13" || avery.Step != "K" || avery.City != "Anchorage" {
		t.Fatalf("member read from CSV: %+v", avery)
	}

	// Next month: one person added, one email corrected, one step raised,
	// one given a separation date, one missing from the roster.
	rows := readRows(t, sampleRoster(t))
	email, step, sep, reason := col(t, rows, "Email Address"), col(t, rows, "Step"), col(t, rows, "Date of Separation"), col(t, rows, "Reason for Separation")
	rows[1][email] = "  Avery.Aldana@Example.ORG " // same address, other case: unchanged
	rows[2][email] = "jordan.b@example.org"        // 100208
	rows[3][step] = "B"                            // 100215: A -> B
	rows[4][sep], rows[4][reason] = "11/15/2026", "Retired"
	missing := rows[5][0] // 100229
	rows = append(rows[:5], rows[6:]...)
	newRow := append([]string(nil), rows[1]...)
	newRow[0], newRow[1], newRow[2], newRow[email] = "200001", "Newcomer", "Noa", "noa.newcomer@example.org"
	rows = append(rows, newRow)

	r = importOK(t, e, csvOf(t, rows), members.ImportOptions{DryRun: true})
	want := members.Counts{Added: 1, Updated: 2, Separated: 2, Unchanged: 21}
	if r.Counts != want || r.Applied {
		t.Fatalf("preview counts = %+v, want %+v", r.Counts, want)
	}
	if ids(r.Added) != "200001" || ids(r.Updated) != "100208,100215" || ids(r.Separated) != "100222,"+missing {
		t.Fatalf("preview lists: added %s updated %s separated %s", ids(r.Added), ids(r.Updated), ids(r.Separated))
	}
	if got := fieldsOf(r.Updated[1]); got != "step:A>B" {
		t.Fatalf("updated fields of 100215: %s", got)
	}
	if r.Separated[1].Reason != "not on the roster imported on 2026-11-24" || r.Separated[0].Reason != "Retired" {
		t.Fatalf("separation reasons: %+v", r.Separated)
	}
	if _, err := e.s.FindByID(ctx, "200001"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("dry run wrote a member: %v", err)
	}

	r = importOK(t, e, csvOf(t, rows), members.ImportOptions{})
	if r.Counts != want || !r.Applied {
		t.Fatalf("apply counts = %+v", r.Counts)
	}
	if m := find(t, e, "200001"); m.Name() != "Noa Newcomer" {
		t.Fatalf("added: %+v", m)
	}
	if m, err := e.s.FindByEmail(ctx, "JORDAN.B@example.org"); err != nil || m.EmployeeID != "100208" {
		t.Fatalf("new email: %v %+v", err, m)
	}
	if _, err := e.s.FindByEmail(ctx, "jordan.birchwood@example.org"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("old email still found: %v", err)
	}
	if m := find(t, e, missing); !m.Separated || m.SeparatedOn != "2026-11-24" {
		t.Fatalf("member missing from a full roster: %+v", m)
	}
	if m := find(t, e, "100222"); !m.Separated || m.SeparatedOn != "2026-11-15" || m.SeparationReason != "Retired" {
		t.Fatalf("member with a separation date: %+v", m)
	}
	entries, _ := e.log.List(ctx, audit.Filter{Action: "members.import_applied"})
	if len(entries) != 2 || entries[0].Detail["added"] != "1" || entries[0].Detail["separated"] != "2" || entries[0].Actor != officer {
		t.Fatalf("audit: %+v", entries)
	}
}

func TestImportIsIdempotent(t *testing.T) {
	e := newStore(t)
	importOK(t, e, sampleRoster(t), members.ImportOptions{})
	r := importOK(t, e, sampleRoster(t), members.ImportOptions{})
	if r.Counts != (members.Counts{Unchanged: 25}) {
		t.Fatalf("re-import: %+v", r.Counts)
	}
	// A partial file separates nobody.
	rows := readRows(t, sampleRoster(t))[:3]
	r = importOK(t, e, csvOf(t, rows), members.ImportOptions{Partial: true})
	if r.Counts != (members.Counts{Unchanged: 2}) {
		t.Fatalf("partial re-import: %+v", r.Counts)
	}
}

// TestImportConvergesAfterInterruption: a run that died after writing some
// member documents but before their roster index entries is finished by
// running the same import again.
func TestImportConvergesAfterInterruption(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	rows := readRows(t, sampleRoster(t))
	importOK(t, e, csvOf(t, rows[:6]), members.ImportOptions{})
	// Simulate the crash: member 100201's document says one thing, its
	// index entry (written last) was never updated, and 100208 was
	// inserted (document and email) without an index entry.
	if _, err := e.db.Collection("members").UpdateOne(ctx, bson.D{{Key: "_id", Value: "100201"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "step", Value: "Z"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.UpdateMember(ctx, officer, "100201", members.Patch{Step: ptr("Z")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Collection("members").InsertOne(ctx, bson.D{{Key: "_id", Value: "100250"}, {Key: "first_name", Value: "Half"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Collection("member_emails").InsertOne(ctx, bson.D{{Key: "_id", Value: "rowan.hollister@example.org"}, {Key: "employee_id", Value: "100250"}}); err != nil {
		t.Fatal(err)
	}
	r := importOK(t, e, csvOf(t, rows), members.ImportOptions{})
	if m := find(t, e, "100250"); m.FirstName != "Rowan" || m.Email != "rowan.hollister@example.org" {
		t.Fatalf("half-written member: %+v", m)
	}
	if r.Counts.Added != 20 || r.Counts.Updated != 1 || ids(r.Updated) != "100201" {
		t.Fatalf("converging run: %+v updated %s", r.Counts, ids(r.Updated))
	}
	if m := find(t, e, "100201"); m.Step != "K" {
		t.Fatalf("step = %q", m.Step)
	}
	r = importOK(t, e, csvOf(t, rows), members.ImportOptions{})
	if r.Counts != (members.Counts{Unchanged: 25}) {
		t.Fatalf("after convergence: %+v", r.Counts)
	}
}

func ptr[T any](v T) *T { return &v }

func TestImportXLSX(t *testing.T) {
	e := newStore(t)
	data := xlsxOf(t, [][]any{
		{"Anchorage School District — ACE bargaining unit roster"}, // a title row above the header
		{},
		{"EmpID", "Employee Name", "E-mail", "Pay Range", "Pay Step", "Location", "Position", "Days", "FTE %", "Hire Date", "Term Date", "Term Reason", "Union Status", "Shoe Size"},
		{31001, "Tanaka, Wren", "Wren.Tanaka@Example.org", "C", "d", "Central Office", "Secretary II", 261, "100%", 44805, "", "", "member", 9},
		{31002, "Ode Quill", "", 7, "A", "Eagle River High", "Clerk", 180, 0.5, "8/1/2015", 46204, "Retired", "fee payer", 10},
	})
	r := importOK(t, e, data, members.ImportOptions{})
	if r.Format != "xlsx" || r.Counts.Added != 2 || strings.Join(r.UnknownColumns, ",") != "Shoe Size" {
		t.Fatalf("report: %+v", r)
	}
	w := find(t, e, "31001")
	if w.FirstName != "Wren" || w.LastName != "Tanaka" || w.Email != "wren.tanaka@example.org" || w.Range != "C" || w.Step != "D" ||
		w.WorkDays != 261 || w.FTE != 1 || w.HireDate != "2022-09-01" || w.Status != members.StatusMember || w.Separated {
		t.Fatalf("31001: %+v", w)
	}
	q := find(t, e, "31002")
	if q.FirstName != "Ode" || q.LastName != "Quill" || q.Range != "7" || q.FTE != 0.5 || q.HireDate != "2015-08-01" ||
		q.SeparatedOn != "2026-07-01" || q.Status != members.StatusFeePayer {
		t.Fatalf("31002: %+v", q)
	}
	// Re-import of the same workbook: nothing changes.
	if r := importOK(t, e, data, members.ImportOptions{}); r.Counts != (members.Counts{Unchanged: 2}) {
		t.Fatalf("re-import: %+v", r.Counts)
	}
}

func TestBadRowChangesNothing(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	importOK(t, e, sampleRoster(t), members.ImportOptions{})
	rows := readRows(t, sampleRoster(t))
	rows[3][col(t, rows, "Step")] = "Q"                             // a valid change on row 4
	rows[7][col(t, rows, "Email Address")] = "casey at example.org" // row 8
	r, err := e.s.ImportRoster(ctx, officer, csvOf(t, rows), members.ImportOptions{})
	if !errors.Is(err, members.ErrRowErrors) || errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("err = %v", err)
	}
	if r == nil || len(r.Errors) != 1 || r.Applied {
		t.Fatalf("report: %+v", r)
	}
	if got := r.Errors[0]; got.Row != 8 || got.Column != "Email Address" || got.Value != "casey at example.org" || !strings.Contains(got.Message, "not a valid email") {
		t.Fatalf("row error = %+v", got)
	}
	if m := find(t, e, "100215"); m.Step != "A" {
		t.Fatalf("a file with a bad row changed a member: step %q", m.Step)
	}
	entries, _ := e.log.List(ctx, audit.Filter{Action: "members.import_applied"})
	if len(entries) != 1 {
		t.Fatalf("audit entries: %d", len(entries))
	}
}

func TestRowErrors(t *testing.T) {
	hdr := []string{"Employee ID", "First Name", "Last Name", "Email", "Status", "Hire Date", "FTE", "Separation Reason"}
	cases := []struct {
		name string
		rows [][]string
		row  int
		col  string
		msg  string
	}{
		{"DuplicateID", [][]string{{"1", "A", "B", "a@example.org", "member", "", "", ""}, {"1", "C", "D", "c@example.org", "member", "", "", ""}}, 3, "Employee ID", "also on row 2"},
		{"DuplicateEmail", [][]string{{"1", "A", "B", "a@example.org", "member", "", "", ""}, {"2", "C", "D", "A@example.org", "member", "", "", ""}}, 3, "Email", "also on row 2"},
		{"EmptyID", [][]string{{"", "A", "B", "", "member", "", "", ""}}, 2, "Employee ID", "empty"},
		{"BadStatus", [][]string{{"1", "A", "B", "", "maybe", "", "", ""}}, 2, "Status", "not a membership status"},
		{"EmptyStatus", [][]string{{"1", "A", "B", "", "", "", "", ""}}, 2, "Status", "status is empty"},
		{"BadDate", [][]string{{"1", "A", "B", "", "member", "31/31/2020", "", ""}}, 2, "Hire Date", "not a date"},
		{"BadFTE", [][]string{{"1", "A", "B", "", "member", "", "80", ""}}, 2, "FTE", "between 0 and 2"},
		{"NoName", [][]string{{"1", "", "", "", "member", "", "", ""}}, 2, "Last Name", "name is empty"},
		{"ReasonWithoutDate", [][]string{{"1", "A", "B", "", "member", "", "", "Moved"}}, 2, "Separation Reason", "without a date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newStore(t)
			r, err := e.s.ImportRoster(context.Background(), officer, csvOf(t, append([][]string{hdr}, tc.rows...)), members.ImportOptions{})
			if !errors.Is(err, members.ErrRowErrors) || r == nil || len(r.Errors) != 1 {
				t.Fatalf("err = %v, report %+v", err, r)
			}
			got := r.Errors[0]
			if got.Row != tc.row || got.Column != tc.col || !strings.Contains(got.Message, tc.msg) {
				t.Fatalf("error = %+v, want row %d column %q message ~%q", got, tc.row, tc.col, tc.msg)
			}
		})
	}
}

func TestEmailOfUnlistedMemberIsTaken(t *testing.T) {
	e := newStore(t)
	importOK(t, e, sampleRoster(t), members.ImportOptions{})
	rows := readRows(t, sampleRoster(t))
	email := col(t, rows, "Email Address")
	rows[1][email] = rows[2][email]      // 100201 takes 100208's address...
	rows = append(rows[:2], rows[3:]...) // ...and 100208 is not on the roster
	r, err := e.s.ImportRoster(context.Background(), officer, csvOf(t, rows), members.ImportOptions{})
	if !errors.Is(err, members.ErrRowErrors) || len(r.Errors) != 1 || r.Errors[0].Row != 2 || !strings.Contains(r.Errors[0].Message, "belongs to employee 100208") {
		t.Fatalf("err = %v, report %+v", err, r)
	}
	// Swapping two members' addresses in one file is fine.
	rows = readRows(t, sampleRoster(t))
	rows[1][email], rows[2][email] = rows[2][email], rows[1][email]
	r = importOK(t, e, csvOf(t, rows), members.ImportOptions{})
	if r.Counts.Updated != 2 {
		t.Fatalf("swap: %+v", r.Counts)
	}
	if m, err := e.s.FindByEmail(context.Background(), rows[1][email]); err != nil || m.EmployeeID != "100201" {
		t.Fatalf("after swap: %v %+v", err, m)
	}
	if m, err := e.s.FindByEmail(context.Background(), rows[2][email]); err != nil || m.EmployeeID != "100208" {
		t.Fatalf("after swap: %v %+v", err, m)
	}
}

func TestUnreadableFiles(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		code errs.Code
		msg  string
	}{
		{"Empty", []byte("  \n"), errs.BadRequest, "empty"},
		{"Binary", []byte("%PDF-1.4\x00\x01\x02\xff"), errs.Unsupported, "neither CSV nor XLSX"},
		{"OldExcel", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest"), errs.Unsupported, ".xls"},
		{"BrokenZip", []byte("PK\x03\x04 not really a workbook"), errs.Unsupported, "cannot be opened"},
		{"HeaderOnly", []byte("Employee ID,First Name,Last Name\n"), errs.BadRequest, "no members"},
		{"NoIDColumn", []byte("Name,Email\nA B,a@example.org\n"), errs.Invalid, "no employee id column"},
		{"TwoEmailColumns", []byte("Employee ID,Name,Email,E-mail Address\n1,A B,a@example.org,b@example.org\n"), errs.Invalid, `both mean email`},
		{"TooLarge", make([]byte, members.MaxRosterBytes+1), errs.TooLarge, "larger than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newStore(t)
			if tc.name == "TooLarge" {
				for i := range tc.data {
					tc.data[i] = 'x'
				}
			}
			r, err := e.s.ImportRoster(context.Background(), officer, tc.data, members.ImportOptions{})
			if errs.CodeOf(err) != tc.code || !strings.Contains(err.Error(), tc.msg) || r != nil {
				t.Fatalf("err = %v (code %q), want %q ~%q", err, errs.CodeOf(err), tc.code, tc.msg)
			}
		})
	}
}

func TestHeaderVariants(t *testing.T) {
	e := newStore(t)
	// Semicolons, a byte order mark, lower-case and underscored headers.
	data := []byte("\xEF\xBB\xBFemployee_id;last_name;first_name;email_address;membership\n" +
		"77;Rook;Ash;ash.rook@example.org;Member\n")
	r := importOK(t, e, data, members.ImportOptions{})
	if r.Counts.Added != 1 || len(r.Warnings) != 0 {
		t.Fatalf("%+v", r)
	}
	if m := find(t, e, "77"); m.Email != "ash.rook@example.org" || m.Status != members.StatusMember || m.FirstName != "Ash" {
		t.Fatalf("%+v", m)
	}
	// Without a status column, new people are non-members and a warning says so.
	r = importOK(t, e, []byte("Employee #,Name\n78,Birch Oak\n"), members.ImportOptions{Partial: true})
	if len(r.Warnings) != 1 || find(t, e, "78").Status != members.StatusNonMember {
		t.Fatalf("%+v", r)
	}
}
