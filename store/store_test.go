package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/store"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestEmbeddedKeepsDataAcrossRestart, with each commit durability
// (RATIFY_STORE_SYNC); an unknown one is refused by name.
func TestEmbeddedKeepsDataAcrossRestart(t *testing.T) {
	for _, sync := range []string{"", "full", "group", "normal"} {
		t.Run("sync="+sync, func(t *testing.T) { testKeepsData(t, sync) })
	}
	_, err := store.Open(context.Background(), store.Config{DBName: "ratify", Dir: t.TempDir(), Sync: "fast"})
	if err == nil || !strings.Contains(err.Error(), `sync "fast": want full, group or normal`) {
		t.Fatalf("sync fast: %v", err)
	}
}

func testKeepsData(t *testing.T, sync string) {
	dir := t.TempDir()
	ctx := context.Background()
	open := func() *store.Store {
		s, err := store.Open(ctx, store.Config{DBName: "ratify", Dir: dir, Sync: sync})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	if _, err := s.DB.Collection("things").InsertOne(ctx, bson.M{"_id": "a", "n": 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s = open()
	defer s.Close(ctx)
	var got struct{ N int }
	if err := s.DB.Collection("things").FindOne(ctx, bson.M{"_id": "a"}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.N != 1 {
		t.Fatalf("n = %d, want 1", got.N)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestUniqueIDIsTestAndSet(t *testing.T) {
	db := storetest.DB(t)
	ctx := context.Background()
	c := db.Collection("claims")
	if _, err := c.InsertOne(ctx, bson.M{"_id": "x"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.InsertOne(ctx, bson.M{"_id": "x"})
	if !mongoDuplicate(err) {
		t.Fatalf("second insert of one _id: err = %v, want a duplicate key error", err)
	}
}

func mongoDuplicate(err error) bool {
	return err != nil && strings.Contains(err.Error(), "E11000")
}

// TestIDIndexFix fails if FerretDB's _id indexing changes, so that
// idindex.go is revisited: either FerretDB's own index starts matching its
// queries (the fix is redundant) or its queries stop matching our index
// (the fix is useless).
func TestIDIndexFix(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	c := s.DB.Collection("lookups")
	const n = 20000
	docs := make([]any, 0, 1000)
	for i := 0; i < n; i++ {
		docs = append(docs, bson.M{"_id": fmt.Sprintf("k%06d", i), "v": i})
		if len(docs) == cap(docs) {
			if _, err := c.InsertMany(ctx, docs); err != nil {
				t.Fatal(err)
			}
			docs = docs[:0]
		}
	}
	db := openSQLite(t, s.SQLitePath)
	var table, ferretIndex string
	if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'lookups'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name = ?`, table).Scan(&ferretIndex); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ferretIndex, `_ferretdb_sjson->"_id"`) {
		t.Fatalf("FerretDB's own _id index changed to %q: review store/idindex.go", ferretIndex)
	}

	lookup := func() time.Duration {
		var ds []time.Duration
		for i := 0; i < 7; i++ {
			start := time.Now()
			var got bson.M
			if err := c.FindOne(ctx, bson.M{"_id": fmt.Sprintf("k%06d", i*997)}).Decode(&got); err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	before := lookup()
	if err := s.EnsureIDIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIDIndexes(ctx); err != nil { // idempotent
		t.Fatal(err)
	}
	after := lookup()
	t.Logf("FindOne by _id over %d documents: %v without the fix, %v with it", n, before, after)

	// A fresh connection: one opened before the index may plan without it.
	db = openSQLite(t, s.SQLitePath)
	var plan, detail string
	var id, parent, notused int
	rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "`+table+`" WHERE _ferretdb_sjson->'$._id' = ?`, `"k000001"`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan += detail + "; "
	}
	rows.Close()
	if !strings.Contains(plan, table+"_ratify_id") {
		t.Fatalf("query plan %q does not use the fix index", plan)
	}
	// A ratio, not an absolute time: a scan of 20,000 documents is two
	// orders of magnitude slower than an index seek on any machine.
	if after*10 > before {
		t.Fatalf("FindOne by _id: %v before the fix, %v after: FerretDB no longer queries "+
			"with %s? review store/idindex.go", before, after, `_ferretdb_sjson->'$._id'`)
	}
}

func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	u := url.URL{Scheme: "file", Path: path, RawQuery: "_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDataDirLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	d, err := store.LockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.LockDataDir(dir); !errors.Is(err, store.ErrDirInUse) {
		t.Fatalf("second lock: err = %v, want ErrDirInUse", err)
	}
	if err := d.Unlock(); err != nil {
		t.Fatal(err)
	}
	d2, err := store.LockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	d2.Unlock()
}

func TestDataDirNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		// root writes through permission bits; a read-only place still fails.
		_, err := store.LockDataDir("/proc/ratify-data")
		if err == nil || !strings.Contains(err.Error(), "cannot be created") {
			t.Fatalf("err = %v, want 'cannot be created'", err)
		}
		return
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	_, err := store.LockDataDir(dir)
	if err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("err = %v, want 'not writable'", err)
	}
}
