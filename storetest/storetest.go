// Package storetest starts the embedded store for tests: a real FerretDB
// server reached by the real driver over its wire protocol, in a temporary
// directory that the test removes.
package storetest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/store"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Open starts an embedded store in t.TempDir() and stops it when the test
// ends. Call FixIndexes after creating collections when a test measures
// speed or holds many documents.
func Open(t testing.TB) *store.Store {
	t.Helper()
	return OpenSync(t, "")
}

// OpenSync is Open with a commit durability (store.Config.Sync): "group"
// gives the service's default group commit.
func OpenSync(t testing.TB, sync string) *store.Store {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := store.Open(ctx, store.Config{DBName: "ratify_test", Dir: dir, Logger: log, Sync: sync})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

// DB is Open(t).DB.
func DB(t testing.TB) *mongo.Database {
	t.Helper()
	return Open(t).DB
}

// FixIndexes adds the embedded store's _id lookup indexes (see
// store.EnsureIDIndexes) to the collections that exist now.
func FixIndexes(t testing.TB, s *store.Store) {
	t.Helper()
	if err := s.EnsureIDIndexes(context.Background()); err != nil {
		t.Fatalf("storetest: %v", err)
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
