package store

// This file works around a FerretDB 1.24 (SQLite handler) defect that makes
// every lookup by _id scan its whole table.
//
// FerretDB stores each document as JSON text in a column named
// _ferretdb_sjson and creates its unique _id index on the expression
//
//	_ferretdb_sjson->"_id"
//
// but filters a query by _id with the expression
//
//	_ferretdb_sjson->'$._id'
//
// SQLite uses an expression index only when the query's expression is
// written the same way, so it never uses that index: FindOne by _id on
// 100,000 documents took 137 ms. EnsureIDIndexes adds, to every collection
// table, an index on the expression FerretDB queries with; the same FindOne
// then takes under a millisecond. The index is redundant with FerretDB's
// (same key, same rows), so it changes no result, only the plan.
//
// The table names come from FerretDB's own catalogue, _ferretdb_collections,
// in the same SQLite file. SQLite in WAL mode lets this second connection
// create indexes while FerretDB has the file open.
//
// TestIDIndexFix fails if FerretDB changes either expression, so that this
// file is revisited rather than silently useless.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // FerretDB's own SQLite driver, registered as "sqlite"
)

// idExpr is the expression FerretDB 1.24 filters _id lookups with.
const idExpr = `_ferretdb_sjson->'$._id'`

// EnsureIDIndexes adds the _id lookup index to every collection of the
// embedded database that lacks it. Call it after the domain packages have
// created their collections. It does nothing on MongoDB.
func (s *Store) EnsureIDIndexes(ctx context.Context) error {
	if !s.Embedded {
		return nil
	}
	return ensureIDIndexes(ctx, s.SQLitePath)
}

func ensureIDIndexes(ctx context.Context, path string) error {
	// Never create the file: FerretDB takes an existing file for one of its
	// databases and refuses to start on one without its catalogue.
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: "mode=rw&_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fmt.Errorf("store: id indexes: %w", err)
	}
	defer db.Close()
	tables, err := collectionTables(ctx, db)
	if err != nil {
		return fmt.Errorf("store: id indexes: %w", err)
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, t+"_ratify_id", t, idExpr)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: id index on %s: %w", t, err)
		}
	}
	return nil
}

func collectionTables(ctx context.Context, db *sql.DB) ([]string, error) {
	var exists int
	err := db.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_ferretdb_collections'`).Scan(&exists)
	if err != nil || exists == 0 {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}
