package members_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/members"
	"github.com/ratifyhq/ratify/storetest"
	"github.com/xuri/excelize/v2"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

var officer = audit.Actor{OfficerID: "o1", Email: "officer@example.org", Role: "officer", IP: "192.0.2.7"}

// fixedNow is the time the tests run at: 2026-11-24 12:00 in Anchorage.
var fixedNow = time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)

type env struct {
	s   *members.Store
	log *audit.Log
	db  *mongo.Database
}

func newStore(t testing.TB) env {
	t.Helper()
	st := storetest.Open(t)
	log := audit.NewLog(st.DB)
	s := members.NewStore(st.DB, log)
	s.Now = func() time.Time { return fixedNow }
	s.Location, _ = time.LoadLocation("America/Anchorage")
	ctx := context.Background()
	if err := log.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatalf("EnsureIndexes is not idempotent: %v", err)
	}
	storetest.FixIndexes(t, st)
	return env{s, log, st.DB}
}

// csvOf writes rows (header first) as CSV.
func csvOf(t testing.TB, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// xlsxOf writes rows into the first sheet of a workbook; cells that look
// like numbers are written as numbers, as Excel would hold them.
func xlsxOf(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sampleRoster(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/sample-roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readRows parses the sample roster so that tests can derive files from it.
func readRows(t testing.TB, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func importOK(t testing.TB, e env, data []byte, opts members.ImportOptions) *members.ImportReport {
	t.Helper()
	r, err := e.s.ImportRoster(context.Background(), officer, data, opts)
	if err != nil {
		if r != nil {
			t.Fatalf("import: %v: %+v", err, r.Errors)
		}
		t.Fatalf("import: %v", err)
	}
	return r
}

func find(t testing.TB, e env, id string) members.Member {
	t.Helper()
	m, err := e.s.FindByID(context.Background(), id)
	if err != nil {
		t.Fatalf("FindByID(%s): %v", id, err)
	}
	return m
}

func ids(cs []members.Change) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.EmployeeID)
	}
	return strings.Join(out, ",")
}

func fieldsOf(c members.Change) string {
	var out []string
	for _, f := range c.Fields {
		out = append(out, fmt.Sprintf("%s:%s>%s", f.Field, f.From, f.To))
	}
	return strings.Join(out, " ")
}
