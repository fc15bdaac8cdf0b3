package store_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ratifyhq/ratify/store"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestGroupCommitCoversFinishedWrites: in group mode Durable syncs the
// write-ahead log when a write (even a refused one) has finished since the
// last sync, and returns at once when none has; reads cost nothing. The data
// directory's name has glob metacharacters: the log is still found.
func TestGroupCommitCoversFinishedWrites(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DBName: "ratify", Dir: filepath.Join(t.TempDir(), "data[prod]"), Sync: "group"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	c := s.DB.Collection("things")
	if _, err := c.InsertOne(ctx, bson.M{"_id": "a"}); err != nil {
		t.Fatal(err)
	}
	durable := func(wantRound bool, what string) {
		t.Helper()
		before := s.SyncRounds()
		if err := s.Durable(ctx); err != nil {
			t.Fatal(err)
		}
		if got := s.SyncRounds() - before; got != map[bool]int64{true: 1, false: 0}[wantRound] {
			t.Fatalf("after %s: %d sync rounds, want round=%v", what, got, wantRound)
		}
	}
	durable(true, "an insert")
	if got, want := store.SyncedPaths(s), []string{s.SQLitePath + "-wal"}; !slices.Equal(got, want) {
		t.Fatalf("synced %q, want %q", got, want)
	}
	durable(false, "nothing new")
	c.FindOne(ctx, bson.M{"_id": "a"})
	if _, err := c.CountDocuments(ctx, bson.M{}); err != nil {
		t.Fatal(err)
	}
	durable(false, "reads only")
	if _, err := c.InsertOne(ctx, bson.M{"_id": "a"}); err == nil {
		t.Fatal("duplicate _id accepted")
	}
	durable(true, "a refused insert (it may have written before failing)")
	if _, err := c.UpdateOne(ctx, bson.M{"_id": "a"}, bson.M{"$set": bson.M{"n": 2}}); err != nil {
		t.Fatal(err)
	}
	durable(true, "an update")
	if s.SyncFailed() != nil {
		t.Fatal(s.SyncFailed())
	}
}

// TestFullModeNeedsNoBarrier: with every commit synced by SQLite, Durable
// returns at once and no round ever runs.
func TestFullModeNeedsNoBarrier(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DBName: "ratify", Dir: t.TempDir(), Sync: "full"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if _, err := s.DB.Collection("things").InsertOne(ctx, bson.M{"_id": "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Durable(ctx); err != nil || s.SyncRounds() != 0 || s.SyncFailed() != nil {
		t.Fatalf("Durable = %v, rounds %d, failed %v; want nil, 0, nil", err, s.SyncRounds(), s.SyncFailed())
	}
}
