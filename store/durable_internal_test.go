package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGroupSyncWaitsForARoundThatBeganAfterTheCall: a caller that arrives
// while a sync runs is not released by that sync (it may have begun before
// the caller's writes) but by the next one.
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
	a := make(chan error, 1)
	go func() { a <- g.wait(ctx) }()
	if got := <-started; got != 1 {
		t.Fatalf("first sync is #%d", got)
	}
	b := make(chan error, 1)
	go func() { b <- g.wait(ctx) }() // arrives during sync #1
	time.Sleep(50 * time.Millisecond)
	release <- struct{}{} // sync #1 ends
	if err := <-a; err != nil {
		t.Fatal(err)
	}
	if got := <-started; got != 2 {
		t.Fatalf("second sync is #%d", got)
	}
	select {
	case <-b:
		t.Fatal("a caller that arrived during sync #1 was released by it")
	case <-time.After(50 * time.Millisecond):
	}
	release <- struct{}{}
	if err := <-b; err != nil {
		t.Fatal(err)
	}
	if g.rounds.Load() != 2 {
		t.Fatalf("rounds = %d, want 2", g.rounds.Load())
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

// TestGroupSyncFailureIsFinal: after a failed sync every wait fails, even
// though a later sync might "succeed" without the lost pages.
func TestGroupSyncFailureIsFinal(t *testing.T) {
	var syncs atomic.Int32
	g := &groupSync{sync: func() error {
		if syncs.Add(1) == 1 {
			return errors.New("input/output error")
		}
		return nil
	}}
	for i := range 3 {
		err := g.wait(context.Background())
		if err == nil || !strings.Contains(err.Error(), "restart the service") || !strings.Contains(err.Error(), "input/output error") {
			t.Fatalf("wait %d after a failed sync: %v", i, err)
		}
	}
	if s := syncs.Load(); s != 1 {
		t.Fatalf("syncs = %d after the failure, want 1 (no retry)", s)
	}
}
