package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receive waits for a value or fails the test after 10 s.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// TestGroupSyncWaitsForARoundThatBeganAfterTheCall: a caller whose write
// finished while a sync ran is not released by that sync (it began before
// the write) but by the next one; the first caller is released by the
// first; a caller with nothing new to cover returns at once.
func TestGroupSyncWaitsForARoundThatBeganAfterTheCall(t *testing.T) {
	started := make(chan int, 4)
	release := make(chan struct{}, 4)
	var n atomic.Int32
	g := &groupSync{sync: func() error {
		started <- int(n.Add(1))
		<-release
		return nil
	}}
	ctx := context.Background()
	g.written.Add(1) // a's write
	a := make(chan error, 1)
	go func() { a <- g.wait(ctx) }()
	if got := receive(t, started, "sync #1"); got != 1 {
		t.Fatalf("first sync is #%d", got)
	}
	g.written.Add(1) // b's write finishes during sync #1
	b := make(chan error, 1)
	go func() { b <- g.wait(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		g.mu.Lock()
		joined := g.next != nil
		g.mu.Unlock()
		if joined {
			break // b waits in the round after sync #1
		}
		if time.Now().After(deadline) {
			t.Fatal("b never joined a round")
		}
	}
	release <- struct{}{} // sync #1 ends
	if err := receive(t, a, "a"); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, started, "sync #2"); got != 2 {
		t.Fatalf("second sync is #%d", got)
	}
	select {
	case <-b:
		t.Fatal("a caller whose write finished during sync #1 was released by it")
	case <-time.After(50 * time.Millisecond):
	}
	release <- struct{}{}
	if err := receive(t, b, "b"); err != nil {
		t.Fatal(err)
	}
	// Everything is covered: no third sync.
	if err := g.wait(ctx); err != nil || g.rounds.Load() != 2 {
		t.Fatalf("wait with nothing pending: %v, rounds %d; want nil, 2", err, g.rounds.Load())
	}
}

// TestGroupSyncSharesRounds: many callers at once share a few syncs.
func TestGroupSyncSharesRounds(t *testing.T) {
	var syncs atomic.Int32
	g := &groupSync{sync: func() error {
		syncs.Add(1)
		time.Sleep(5 * time.Millisecond)
		return nil
	}}
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.written.Add(1)
			if err := g.wait(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if s := syncs.Load(); s < 1 || s > 50 {
		t.Fatalf("200 callers took %d syncs, want between 1 and 50", s)
	}
}

// TestGroupSyncFailureIsFinal: after a failed fdatasync every wait fails,
// even though a later one might "succeed" without the lost pages; another
// error (opening a file) fails its round only.
func TestGroupSyncFailureIsFinal(t *testing.T) {
	var syncs atomic.Int32
	g := &groupSync{sync: func() error {
		switch syncs.Add(1) {
		case 1:
			return errors.New("open: too many open files")
		case 2:
			return finalError{errors.New("fdatasync: input/output error")}
		}
		return nil
	}}
	g.written.Add(1)
	if err := g.wait(context.Background()); err == nil || !strings.Contains(err.Error(), "too many open files") {
		t.Fatalf("first wait: %v", err)
	}
	if g.failure() != nil {
		t.Fatalf("an open error was taken as final: %v", g.failure())
	}
	for i := range 3 {
		err := g.wait(context.Background())
		if err == nil || !strings.Contains(err.Error(), "restart the service") || !strings.Contains(err.Error(), "input/output error") {
			t.Fatalf("wait %d after a failed fdatasync: %v", i, err)
		}
	}
	if s := syncs.Load(); s != 2 {
		t.Fatalf("syncs = %d, want 2 (no retry after the fdatasync failed)", s)
	}
	if g.failure() == nil {
		t.Fatal("no final failure reported")
	}
}

// TestWALSyncerFindsLogsAndReopensReplacedOnes: every *.sqlite-wal in the
// directory is synced (whatever characters the directory's name holds),
// nothing else is; a log replaced by a new file is reopened and the
// directory synced again; a removed one is let go.
func TestWALSyncerFindsLogsAndReopensReplacedOnes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data[1]*?", "db")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.sqlite", "a.sqlite-wal", "b.sqlite-wal", "a.sqlite-shm"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w := newWALSyncer(dir)
	defer w.close()
	if err := w.syncAll(); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.sqlite-wal"), filepath.Join(dir, "b.sqlite-wal")}
	if !slices.Equal(w.synced, want) {
		t.Fatalf("synced %q, want %q", w.synced, want)
	}
	if w.dirSyncs != 1 {
		t.Fatalf("directory synced in %d rounds, want 1 (the logs were new)", w.dirSyncs)
	}
	inoA := w.files["a.sqlite-wal"].ino
	fdA := w.files["a.sqlite-wal"].f
	if err := w.syncAll(); err != nil {
		t.Fatal(err)
	}
	if w.files["a.sqlite-wal"].f != fdA {
		t.Fatal("an unchanged log was reopened: its descriptor must stay open to see write-back errors")
	}
	if w.dirSyncs != 1 {
		t.Fatal("the directory was synced again though no log changed")
	}
	// Replace a, remove b.
	tmp := filepath.Join(dir, "new")
	os.WriteFile(tmp, []byte("y"), 0o600)
	if err := os.Rename(tmp, filepath.Join(dir, "a.sqlite-wal")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "b.sqlite-wal"))
	if err := w.syncAll(); err != nil {
		t.Fatal(err)
	}
	if w.files["a.sqlite-wal"].ino == inoA {
		t.Fatal("a replaced log was not reopened")
	}
	if w.dirSyncs != 2 {
		t.Fatal("the directory was not synced after a log was replaced")
	}
	if _, ok := w.files["b.sqlite-wal"]; ok || len(w.synced) != 1 {
		t.Fatalf("after b was removed: files %v, synced %q", w.files, w.synced)
	}
	w.close()
	if err := w.syncAll(); err == nil {
		t.Fatal("sync after close succeeded")
	} else if errors.As(err, new(finalError)) {
		t.Fatal("sync after close is a final failure")
	}
}
