package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestGroupCommitTracksWrites: in group mode a tracked context knows
// whether a command that writes ran under it (or under a context derived
// from it), and Durable runs a sync of the write-ahead log.
func TestGroupCommitTracksWrites(t *testing.T) {
	s := storetest.OpenSync(t, "group")
	c := s.DB.Collection("things")
	bg := context.Background()

	ctx := s.TrackWrites(bg)
	c.FindOne(ctx, bson.M{"_id": "nothing"})
	if _, err := c.CountDocuments(ctx, bson.M{}); err != nil {
		t.Fatal(err)
	}
	if s.Wrote(ctx) {
		t.Fatal("reads marked the context as having written")
	}
	child, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.InsertOne(child, bson.M{"_id": "a"}); err != nil {
		t.Fatal(err)
	}
	if !s.Wrote(ctx) {
		t.Fatal("an insert under a derived context did not mark the request")
	}
	// A refused write is still a write: it may have changed something
	// before it failed.
	ctx2 := s.TrackWrites(bg)
	if _, err := c.InsertOne(ctx2, bson.M{"_id": "a"}); err == nil {
		t.Fatal("duplicate _id accepted")
	}
	if !s.Wrote(ctx2) {
		t.Fatal("a failed insert did not mark the request")
	}
	if s.Wrote(bg) {
		t.Fatal("an untracked context reports a write")
	}

	if _, err := os.Stat(filepath.Clean(s.SQLitePath + "-wal")); err != nil {
		t.Fatalf("no write-ahead log next to %s: %v", s.SQLitePath, err)
	}
	before := s.SyncRounds()
	if err := s.Durable(bg); err != nil {
		t.Fatal(err)
	}
	if s.SyncRounds() != before+1 {
		t.Fatalf("sync rounds %d -> %d, want one more", before, s.SyncRounds())
	}
}

// TestFullModeNeedsNoBarrier: with every commit synced by SQLite, nothing
// is tracked and Durable returns at once.
func TestFullModeNeedsNoBarrier(t *testing.T) {
	s := storetest.OpenSync(t, "full")
	ctx := s.TrackWrites(context.Background())
	if _, err := s.DB.Collection("things").InsertOne(ctx, bson.M{"_id": "a"}); err != nil {
		t.Fatal(err)
	}
	if s.Wrote(ctx) {
		t.Fatal("full mode tracks writes")
	}
	if err := s.Durable(ctx); err != nil || s.SyncRounds() != 0 {
		t.Fatalf("Durable = %v, rounds %d; want nil and 0", err, s.SyncRounds())
	}
}
