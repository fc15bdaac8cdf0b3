package ballot_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ratifyhq/ratify/ballot"
)

// TestTwoLinksTwoInstancesCountOnce: 40 members each submit two links at
// the same moment, the invitation through instance "a" and a reminder
// through instance "b", so that the two instances' claims on one member
// race. Each member gets exactly one acceptance and one "already voted",
// and the tally counts 40.
func TestTwoLinksTwoInstancesCountOnce(t *testing.T) {
	const n = 40
	e := newEnv(t, n)
	ctx := context.Background()
	v := e.openVote(t, nil)
	b := e.service("b")
	if got, err := b.SendReminders(ctx, officer, v.ID); err != nil || got != n {
		t.Fatalf("reminders: %d, %v", got, err)
	}
	type outcome struct{ ok, already int }
	res := make([]outcome, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		emp := fmt.Sprintf("E%05d", i)
		for _, c := range []struct {
			svc      *ballot.Service
			template string
		}{{e.svc, "invitation"}, {b, "reminder"}} {
			tok := e.mail.token(t, c.template, emp)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := c.svc.Cast(ctx, tok, "Yes")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					res[i].ok++
				case errors.Is(err, ballot.ErrAlreadyVoted):
					res[i].already++
				default:
					t.Errorf("%s via %s: %v", emp, c.template, err)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	for i, r := range res {
		if r.ok != 1 || r.already != 1 {
			t.Errorf("E%05d: %d accepted, %d already voted; want 1 and 1", i, r.ok, r.already)
		}
	}
	e.closeAndWait(t, v.ID)
	if _, err := e.svc.Tally(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	_, r, err := e.svc.Results(ctx, v.ID)
	if err != nil || r.Cast != n {
		t.Fatalf("results: %+v, %v; want %d cast", r, err, n)
	}
}
