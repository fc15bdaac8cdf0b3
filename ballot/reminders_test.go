package ballot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/errs"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestReminderRoundInBackground: a round larger than ReminderInline is
// queued in the background; the request answers with the count at once,
// a second round while it runs is refused, and every member who has not
// voted (and was not removed) gets a reminder.
func TestReminderRoundInBackground(t *testing.T) {
	e := newEnv(t, 30)
	ctx := context.Background()
	v := e.openVote(t, nil)
	castFirst(t, e, 5)
	// One member leaves and loses their link: no reminder for them.
	if err := e.svc.RemoveVoter(ctx, officer, v.ID, "E00029", false); err != nil {
		t.Fatal(err)
	}
	svc := e.serviceWith("bg", func(d *ballot.Deps) { d.ReminderInline = -1 })
	n, err := svc.SendReminders(ctx, officer, v.ID)
	if err != nil || n != 24 {
		t.Fatalf("SendReminders = %d, %v; want 24 (30, less 5 who voted and 1 removed)", n, err)
	}
	if _, err := svc.SendReminders(ctx, officer, v.ID); err != nil && errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("a second round while the first runs: %v, want conflict or (if already done) success", err)
	}
	svc.WaitBackground()
	if got := e.mail.count("reminder"); got < 24 || e.mail.has("reminder", "E00029") || e.mail.has("reminder", "E00000") {
		t.Fatalf("%d reminders queued, want at least 24, none to the removed member or one who voted", got)
	}
	if cur, _ := svc.Find(ctx, v.ID); cur.ReminderRound != "" {
		t.Fatalf("round still recorded after it finished: %q", cur.ReminderRound)
	}
	// The links work: a reminded member votes with the reminder's link.
	if _, err := svc.Cast(ctx, e.mail.token(t, "reminder", "E00007"), "No"); err != nil {
		t.Fatalf("cast with a reminder link: %v", err)
	}
}

// TestReminderRoundResumedAfterCrash: an instance started a round, reached
// ten members and died. When its lease has expired, another instance's
// scheduler resumes the round: the other fifteen who have not voted get
// their reminder, the ten do not get a second one, and the round is cleared.
func TestReminderRoundResumedAfterCrash(t *testing.T) {
	e := newEnv(t, 30)
	ctx := context.Background()
	v := e.openVote(t, nil)
	castFirst(t, e, 5)
	const round = "reminder:20210623T2100-dead"
	// The dead instance's state: the round on the vote with an expired
	// lease, and ten members marked as reminded (their mail was queued).
	if _, err := e.db.Collection("votes").UpdateOne(ctx, bson.D{{Key: "_id", Value: v.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "reminder_round", Value: round}, {Key: "reminder_owner", Value: "dead"},
		{Key: "reminder_lease", Value: e.clock.Now().Add(time.Minute)}}}}); err != nil {
		t.Fatal(err)
	}
	for i := 5; i < 15; i++ {
		if _, err := e.db.Collection("vote_voters").UpdateOne(ctx, bson.D{{Key: "_id", Value: v.ID + ":" + fmt.Sprintf("E%05d", i)}},
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: "rounds", Value: round}}}}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.service("b")
	if _, err := b.SendReminders(ctx, officer, v.ID); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("a new round while one is recorded: %v, want conflict", err)
	}
	b.Tick(ctx) // lease not yet expired: nothing
	b.WaitBackground()
	if got := e.mail.count("reminder"); got != 0 {
		t.Fatalf("%d reminders before the lease expired", got)
	}
	e.clock.Add(2 * time.Minute)
	b.Tick(ctx)
	b.WaitBackground()
	got := map[string]bool{}
	for i := range 30 {
		emp := fmt.Sprintf("E%05d", i)
		if e.mail.has("reminder", emp) {
			got[emp] = true
		}
	}
	for i := range 30 {
		emp := fmt.Sprintf("E%05d", i)
		if want := i >= 15; got[emp] != want {
			t.Errorf("%s reminded: %v, want %v", emp, got[emp], want)
		}
	}
	if cur, _ := b.Find(ctx, v.ID); cur.ReminderRound != "" {
		t.Fatalf("round still recorded after the resume: %q", cur.ReminderRound)
	}
}

// castFirst casts Yes for the first n members (E00000, E00001, ...).
func castFirst(t *testing.T, e *env, n int) {
	t.Helper()
	for i := range n {
		if _, err := e.svc.Cast(context.Background(), e.mail.token(t, "invitation", fmt.Sprintf("E%05d", i)), "Yes"); err != nil {
			t.Fatal(err)
		}
	}
}
