package ballot_test

import (
	"context"
	"fmt"
	"testing"
)

// TestTurnoutSurvivesACrashedInstance: instance "a" takes ten ballots and
// dies before its scheduler writes its turnout counter (it is simply
// abandoned: its in-memory increments are gone, as after SIGKILL). Instance
// "b" starts on the same database, takes five more and, at its first tick,
// recounts the cast marks: the live turnout is all fifteen, and stays so as
// "b" flushes its own counter.
func TestTurnoutSurvivesACrashedInstance(t *testing.T) {
	e := newEnv(t, 30)
	ctx := context.Background()
	v := e.openVote(t, nil)
	for i := range 10 {
		if _, err := e.svc.Cast(ctx, e.mail.token(t, "invitation", fmt.Sprintf("E%05d", i)), "Yes"); err != nil {
			t.Fatal(err)
		}
	}
	b := e.service("b")
	for i := 10; i < 15; i++ {
		if _, err := b.Cast(ctx, e.mail.token(t, "invitation", fmt.Sprintf("E%05d", i)), "No"); err != nil {
			t.Fatal(err)
		}
	}
	v, _ = b.Find(ctx, v.ID)
	if turn, _ := b.Turnout(ctx, v); turn.Voted != 5 {
		t.Fatalf("before the recount: %d voted; the test expects the crashed instance's 10 to be missing", turn.Voted)
	}
	b.Tick(ctx) // the first tick of an instance recounts every open vote
	turn, err := b.Turnout(ctx, v)
	if err != nil || turn.Voted != 15 || turn.Percent != 50 {
		t.Fatalf("after the recount: %+v, %v; want 15 voted, 50%%", turn, err)
	}
	// A later ballot on "b" counts on top, not twice.
	if _, err := b.Cast(ctx, e.mail.token(t, "invitation", "E00015"), "No"); err != nil {
		t.Fatal(err)
	}
	if turn, _ := b.Turnout(ctx, v); turn.Voted != 16 {
		t.Fatalf("after one more ballot: %d voted, want 16", turn.Voted)
	}
}
