package ballot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/errs"
)

func TestOpenCastCloseTally(t *testing.T) {
	e := newEnv(t, 30)
	ctx := context.Background()
	v := e.openVote(t, nil)
	if v.Status != ballot.Open || v.Eligible != 30 {
		t.Fatalf("after open: status %s eligible %d", v.Status, v.Eligible)
	}
	if got := e.mail.count("invitation"); got != 30 {
		t.Fatalf("invitations queued = %d, want 30", got)
	}
	// 25 vote: 23 Yes, 2 No.
	receipts := map[string]string{}
	for i := 0; i < 25; i++ {
		choice := "Yes"
		if i%12 == 11 {
			choice = "no" // choices match case-insensitively
		}
		emp := fmt.Sprintf("E%05d", i)
		r, err := e.svc.Cast(ctx, e.mail.token(t, "invitation", emp), choice)
		if err != nil {
			t.Fatalf("cast %s: %v", emp, err)
		}
		receipts[r.Receipt] = r.Choice
	}
	if _, _, err := e.svc.Results(ctx, v.ID); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("results while open: err = %v, want conflict", err)
	}
	tv, _ := e.svc.Find(ctx, v.ID)
	if turn, _ := e.svc.Turnout(ctx, tv); turn.Voted != 25 || turn.Percent != 83.3 {
		t.Fatalf("turnout = %+v, want 25 / 83.3%%", turn)
	}
	if _, err := e.svc.Close(ctx, officer, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Tally(ctx, v.ID); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("tally inside the grace period: err = %v", err)
	}
	e.clock.Add(3 * time.Second)
	_, r, err := e.svc.Results(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Cast != 25 || r.Eligible != 30 || r.TurnoutPercent != 83.3 {
		t.Fatalf("results %+v", r)
	}
	want := []ballot.ChoiceCount{{Choice: "Yes", Count: 23, Percent: 92.0}, {Choice: "No", Count: 2, Percent: 8.0}}
	if fmt.Sprint(r.Choices) != fmt.Sprint(want) || r.Outcome != ballot.Ratified {
		t.Fatalf("choices %v outcome %s; want %v ratified", r.Choices, r.Outcome, want)
	}
	if len(r.Receipts) != 25 {
		t.Fatalf("%d receipts, want 25", len(r.Receipts))
	}
	for _, rc := range r.Receipts {
		if _, ok := receipts[rc]; !ok {
			t.Fatalf("receipt %s was not issued", rc)
		}
	}
	// The tally read the ballots straight from the embedded store's file;
	// the recount reads them through the driver: both must agree.
	if e.scans.Load() == 0 {
		t.Fatal("the tally did not use the store's direct read path")
	}
	if _, same, err := recount(e, v.ID); err != nil || !same {
		t.Fatalf("recount same=%v err=%v", same, err)
	}
	if _, err := e.svc.Publish(ctx, officer, v.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return e.mail.count("results") == 30 }, "30 results mails (every eligible member)")
	for _, a := range []string{"vote.created", "vote.opened", "vote.closed", "vote.tallied", "vote.published"} {
		if e.audit.count(a) != 1 {
			t.Errorf("audit %s: %d entries, want 1", a, e.audit.count(a))
		}
	}
}

func recount(e *env, id string) (*ballot.Results, bool, error) {
	_, r, same, err := e.svc.Recount(context.Background(), id)
	return r, same, err
}

func TestCastRefusals(t *testing.T) {
	e := newEnv(t, 3)
	ctx := context.Background()
	v, err := e.svc.Create(ctx, officer, ballot.NewVote{Title: "T", OpensAt: e.clock.Now().Add(time.Hour), ClosesAt: e.clock.Now().Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cast(ctx, "not-a-token", "Yes"); !errors.Is(err, ballot.ErrBadToken) || errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("malformed token: %v", err)
	}
	if _, err := e.svc.Cast(ctx, strings.Repeat("A", ballot.TokenLen), "Yes"); !errors.Is(err, ballot.ErrBadToken) {
		t.Fatalf("unknown token: %v", err)
	}
	// Opened early by an officer, the vote takes ballots; before that the
	// opening time is in the message.
	e.clock.Add(30 * time.Minute)
	_, err = e.svc.Open(ctx, officer, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	tok := e.mail.token(t, "invitation", "E00000")
	if _, err := e.svc.Cast(ctx, tok, "Maybe"); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("unknown choice: %v", err)
	}
	if _, err := e.svc.Cast(ctx, tok, "Yes"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cast(ctx, tok, "No"); !errors.Is(err, ballot.ErrAlreadyVoted) || !strings.Contains(err.Error(), "already voted") {
		t.Fatalf("second cast: %v", err)
	}
	e.clock.Add(2 * time.Hour)
	_, err = e.svc.Cast(ctx, e.mail.token(t, "invitation", "E00001"), "Yes")
	if !errors.Is(err, ballot.ErrVoteClosed) || !strings.Contains(err.Error(), "voting closed") {
		t.Fatalf("cast after the close: %v", err)
	}
}

func TestCastBeforeOpenNamesOpeningTime(t *testing.T) {
	e := newEnv(t, 2)
	ctx := context.Background()
	v := e.openVote(t, nil)
	// Reschedule is impossible; make a second vote that opens later and
	// give a member of it a link by opening it, then move the clock back.
	_ = v
	opens := e.clock.Now().Add(24 * time.Hour)
	v2, err := e.svc.Create(ctx, officer, ballot.NewVote{Title: "Later", OpensAt: opens, ClosesAt: opens.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Close(ctx, officer, v2.ID); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("closing a scheduled vote: %v", err)
	}
	view, err := e.svc.View(ctx, e.mail.token(t, "invitation", "E00000"))
	if err != nil || view.State != ballot.StateOpen {
		t.Fatalf("view: %+v %v", view, err)
	}
}

// Fifty concurrent submissions of one link give one ballot and one 201.
func TestConcurrentDoubleSubmission(t *testing.T) {
	e := newEnv(t, 2)
	ctx := context.Background()
	v := e.openVote(t, nil)
	tok := e.mail.token(t, "invitation", "E00000")
	// A second instance on the same database takes half the requests.
	other := e.service("b")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, already := 0, 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			svc := e.svc
			if i%10 == 9 {
				svc = other
			}
			_, err := svc.Cast(ctx, tok, []string{"Yes", "No"}[i%2])
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ballot.ErrAlreadyVoted):
				already++
			default:
				t.Errorf("cast %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if ok != 1 || already != 49 {
		t.Fatalf("%d accepted, %d already voted; want 1 and 49", ok, already)
	}
	e.closeAndWait(t, v.ID)
	_, r, err := e.svc.Results(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Cast != 1 {
		t.Fatalf("cast = %d, want 1", r.Cast)
	}
}

func (e *env) closeAndWait(t *testing.T, id string) {
	t.Helper()
	if _, err := e.svc.Close(context.Background(), officer, id); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(3 * time.Second)
}

// A crash between the claim and the ballot loses nothing: the retry with
// the same link completes the vote, and a third try is refused.
func TestCrashBetweenClaimAndBallot(t *testing.T) {
	e := newEnv(t, 2)
	ctx := context.Background()
	v := e.openVote(t, nil)
	tok := e.mail.token(t, "invitation", "E00001")
	crash := errors.New("process killed")
	e.svc.SetAfterClaim(func() error { return crash })
	if _, err := e.svc.Cast(ctx, tok, "No"); !errors.Is(err, crash) {
		t.Fatalf("crashed cast: %v", err)
	}
	e.svc.SetAfterClaim(nil)
	// A fresh instance, as after a restart.
	restarted := e.service("restarted")
	view, err := restarted.View(ctx, tok)
	if err != nil || view.State != ballot.StateOpen {
		t.Fatalf("ballot page after the crash: %+v %v (the member must be able to vote again)", view, err)
	}
	if _, err := restarted.Cast(ctx, tok, "Yes"); err != nil {
		t.Fatalf("retry after the crash: %v", err)
	}
	if _, err := restarted.Cast(ctx, tok, "Yes"); !errors.Is(err, ballot.ErrAlreadyVoted) {
		t.Fatalf("third try: %v", err)
	}
	e.closeAndWait(t, v.ID)
	_, r, _ := e.svc.Results(ctx, v.ID)
	if r.Cast != 1 || r.Choices[0].Count != 1 {
		t.Fatalf("results %+v: want one Yes", r.Choices)
	}
}

// A cast that began before the close instant and completes within the grace
// is counted; one that begins after is refused.
func TestCloseWithBallotInFlight(t *testing.T) {
	e := newEnv(t, 3)
	ctx := context.Background()
	v := e.openVote(t, nil)
	inFlight := e.mail.token(t, "invitation", "E00000")
	e.svc.SetAfterClaim(func() error {
		// The officer closes while this cast is between claim and fill.
		if _, err := e.service("officer-instance").Close(ctx, officer, v.ID); err != nil {
			t.Errorf("close: %v", err)
		}
		e.clock.Add(time.Second) // within the 2 s grace
		return nil
	})
	if _, err := e.svc.Cast(ctx, inFlight, "Yes"); err != nil {
		t.Fatalf("in-flight cast: %v", err)
	}
	e.svc.SetAfterClaim(nil)
	if _, err := e.svc.Cast(ctx, e.mail.token(t, "invitation", "E00001"), "Yes"); !errors.Is(err, ballot.ErrVoteClosed) {
		t.Fatalf("cast after close: %v", err)
	}
	e.clock.Add(2 * time.Second)
	_, r, err := e.svc.Results(ctx, v.ID)
	if err != nil || r.Cast != 1 {
		t.Fatalf("results %+v %v: want the in-flight ballot counted", r, err)
	}
}

func TestEligibilitySnapshotAddAndRemove(t *testing.T) {
	e := newEnv(t, 3)
	ctx := context.Background()
	v := e.openVote(t, nil)
	late := ballot.Voter{EmployeeID: "E09999", Email: "late@example.org", Name: "Late Joiner"}
	e.roster.add(late)
	if got, _ := e.svc.Find(ctx, v.ID); got.Eligible != 3 {
		t.Fatalf("eligible = %d: the snapshot must not follow the roster", got.Eligible)
	}
	if _, err := e.svc.AddVoter(ctx, officer, v.ID, "E77777"); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("adding a non-member: %v", err)
	}
	if _, err := e.svc.AddVoter(ctx, officer, v.ID, late.EmployeeID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddVoter(ctx, officer, v.ID, late.EmployeeID); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("adding twice: %v", err)
	}
	if _, err := e.svc.Cast(ctx, e.mail.token(t, "invitation", late.EmployeeID), "No"); err != nil {
		t.Fatalf("added voter's cast: %v", err)
	}
	// Removed without keeping the link: the link stops working.
	removed := e.mail.token(t, "invitation", "E00002")
	if err := e.svc.RemoveVoter(ctx, officer, v.ID, "E00002", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cast(ctx, removed, "Yes"); !errors.Is(err, ballot.ErrBadToken) {
		t.Fatalf("revoked link: %v", err)
	}
	// Removed but kept by the officer's decision: still works.
	if err := e.svc.RemoveVoter(ctx, officer, v.ID, "E00001", true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cast(ctx, e.mail.token(t, "invitation", "E00001"), "Yes"); err != nil {
		t.Fatalf("kept link: %v", err)
	}
	if e.audit.count("vote.voter_added") != 1 || e.audit.count("vote.voter_removed") != 2 {
		t.Fatalf("audit: %v", e.audit.entries)
	}
	if got, _ := e.svc.Find(ctx, v.ID); got.Eligible != 4 {
		t.Fatalf("eligible after add = %d, want 4", got.Eligible)
	}
}

func TestResendReplacesLinkAndRemindersCastOnce(t *testing.T) {
	e := newEnv(t, 3)
	ctx := context.Background()
	v := e.openVote(t, nil)
	old := e.mail.token(t, "invitation", "E00000")
	if err := e.svc.Resend(ctx, "  M00000@Example.org "); err != nil {
		t.Fatal(err)
	}
	fresh := e.mail.token(t, "invitation", "E00000")
	if fresh == old {
		t.Fatal("resend did not issue a new link")
	}
	if _, err := e.svc.Cast(ctx, old, "Yes"); !errors.Is(err, ballot.ErrBadToken) {
		t.Fatalf("replaced link: %v", err)
	}
	if err := e.svc.Resend(ctx, "nobody@example.org"); err != nil {
		t.Fatalf("unknown email must not be an error: %v", err)
	}
	if _, err := e.svc.Cast(ctx, fresh, "Yes"); err != nil {
		t.Fatal(err)
	}
	// Reminders go to the two who have not voted, with a second valid link;
	// either link casts, but only one of them.
	n, err := e.svc.SendReminders(ctx, officer, v.ID)
	if err != nil || n != 2 {
		t.Fatalf("reminders = %d, %v; want 2", n, err)
	}
	inv, rem := e.mail.token(t, "invitation", "E00001"), e.mail.token(t, "reminder", "E00001")
	if _, err := e.svc.Cast(ctx, rem, "No"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cast(ctx, inv, "Yes"); !errors.Is(err, ballot.ErrAlreadyVoted) {
		t.Fatalf("second link of a member who voted: %v", err)
	}
	if err := e.svc.Resend(ctx, "m00001@example.org"); err != nil {
		t.Fatal(err)
	}
	e.closeAndWait(t, v.ID)
	_, r, _ := e.svc.Results(ctx, v.ID)
	if r.Cast != 2 {
		t.Fatalf("cast = %d, want 2", r.Cast)
	}
}

// Scheduled transitions happen once with two instances on one database.
func TestScheduledTransitionsOnceAcrossInstances(t *testing.T) {
	e := newEnv(t, 40)
	ctx := context.Background()
	opens := e.clock.Now().Add(time.Minute)
	v, err := e.svc.Create(ctx, officer, ballot.NewVote{Title: "Scheduled", OpensAt: opens, ClosesAt: opens.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	a, b := e.svc, e.service("b")
	tickBoth := func() {
		var wg sync.WaitGroup
		for _, s := range []*ballot.Service{a, b} {
			wg.Add(1)
			go func(s *ballot.Service) { defer wg.Done(); s.Tick(ctx) }(s)
		}
		wg.Wait()
	}
	tickBoth()
	if got, _ := a.Find(ctx, v.ID); got.Status != ballot.Scheduled {
		t.Fatalf("before its time the vote is %s", got.Status)
	}
	e.clock.Add(time.Minute)
	tickBoth()
	tickBoth()
	got, _ := a.Find(ctx, v.ID)
	if got.Status != ballot.Open || e.audit.count("vote.opened") != 1 || e.mail.count("invitation") != 40 {
		t.Fatalf("status %s, %d opened entries, %d invitations; want open, 1, 40", got.Status, e.audit.count("vote.opened"), e.mail.count("invitation"))
	}
	if _, err := b.Cast(ctx, e.mail.token(t, "invitation", "E00007"), "Yes"); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Hour)
	tickBoth()
	e.clock.Add(3 * time.Second)
	tickBoth()
	tickBoth()
	got, _ = a.Find(ctx, v.ID)
	if got.Status != ballot.Closed || got.Results == nil || got.Results.Cast != 1 {
		t.Fatalf("after close: %s %+v", got.Status, got.Results)
	}
	if e.audit.count("vote.closed") != 1 || e.audit.count("vote.tallied") != 1 {
		t.Fatalf("closed %d, tallied %d; want 1 each", e.audit.count("vote.closed"), e.audit.count("vote.tallied"))
	}
}

// An opening interrupted by a crash is resumed after its lease expires,
// without a second invitation to anyone.
func TestInterruptedOpeningResumes(t *testing.T) {
	e := newEnv(t, 2500)
	ctx := context.Background()
	v, err := e.svc.Create(ctx, officer, ballot.NewVote{Title: "T", OpensAt: e.clock.Now(), ClosesAt: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.BeginOpen(ctx, officer, v.ID); err != nil {
		t.Fatal(err)
	}
	// The process "dies" while queuing the second batch of invitations:
	// 1,000 members are done, 1,500 are not.
	e.mail.failCall(2)
	if _, err := e.svc.CompleteOpening(ctx, officer, v.ID); err == nil {
		t.Fatal("the opening did not stop at the injected failure")
	}
	if n := e.mail.count("invitation"); n != 1000 {
		t.Fatalf("%d invitations before the resume, want the first batch of 1000", n)
	}
	other := e.service("b")
	other.Tick(ctx)
	if got, _ := other.Find(ctx, v.ID); got.Status != ballot.Opening {
		t.Fatalf("resumed before the lease expired: %s", got.Status)
	}
	e.clock.Add(3 * time.Minute)
	other.Tick(ctx)
	got, _ := other.Find(ctx, v.ID)
	if got.Status != ballot.Open || got.Eligible != 2500 {
		t.Fatalf("after resume: %s eligible %d", got.Status, got.Eligible)
	}
	if n := e.mail.count("invitation"); n != 2500 {
		t.Fatalf("%d invitations, want 2500 (one each)", n)
	}
	for _, emp := range []string{"E00000", "E01234", "E02499"} {
		if _, err := other.Cast(ctx, e.mail.token(t, "invitation", emp), "Yes"); err != nil {
			t.Fatalf("cast by %s after resume: %v", emp, err)
		}
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t, 1)
	now := e.clock.Now()
	cases := []struct {
		name, field string
		mod         func(*ballot.NewVote)
	}{
		{"ErrNoTitle", "title", func(n *ballot.NewVote) { n.Title = " " }},
		{"ErrCloseBeforeOpen", "closes_at", func(n *ballot.NewVote) { n.ClosesAt = n.OpensAt }},
		{"ErrOneChoice", "choices", func(n *ballot.NewVote) { n.Choices = []string{"Yes"} }},
		{"ErrDuplicateChoice", "choices", func(n *ballot.NewVote) { n.Choices = []string{"Yes", "yes"} }},
		{"ErrPassRule", "pass_rule", func(n *ballot.NewVote) { n.PassRule = "plurality" }},
		{"ErrTimeZone", "timezone", func(n *ballot.NewVote) { n.TimeZone = "Mars/Olympus" }},
		{"ErrQuorum", "quorum_percent", func(n *ballot.NewVote) { n.QuorumPercent = 120 }},
		{"ErrTestWithoutRoster", "test_voters", func(n *ballot.NewVote) { n.Test = true }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := ballot.NewVote{Title: "T", OpensAt: now, ClosesAt: now.Add(time.Hour)}
			c.mod(&n)
			_, err := e.svc.Create(context.Background(), officer, n)
			if fe, ok := errs.As(err); !ok || fe.Code != errs.Invalid || fe.Field != c.field {
				t.Fatalf("err = %v, want invalid %s", err, c.field)
			}
		})
	}
	votes, _ := e.svc.List(context.Background())
	if len(votes) != 0 {
		t.Fatalf("%d votes stored by invalid requests", len(votes))
	}
}

func TestTestVoteUsesItsOwnRoster(t *testing.T) {
	e := newEnv(t, 5)
	v := e.openVote(t, func(n *ballot.NewVote) {
		n.Test = true
		n.TestVoters = []ballot.Voter{{EmployeeID: "T1", Email: "Chair@Example.org", Name: "Chair"}}
	})
	if !v.Test || v.Eligible != 1 || e.mail.count("invitation") != 1 {
		t.Fatalf("test vote: test=%v eligible=%d invitations=%d", v.Test, v.Eligible, e.mail.count("invitation"))
	}
	for _, m := range e.mail.msgs {
		if m.To != "chair@example.org" || m.Data["test"] != true {
			t.Fatalf("test invitation %+v", m)
		}
	}
	e.closeAndWait(t, v.ID)
	_, r, _ := e.svc.Results(context.Background(), v.ID)
	if !r.Test {
		t.Fatal("test vote results not marked as a test")
	}
}

// A scheduled reminder goes once, at its time, to those who have not voted,
// whichever instances run the scheduler.
func TestScheduledReminderOnce(t *testing.T) {
	e := newEnv(t, 4)
	ctx := context.Background()
	v := e.openVote(t, func(n *ballot.NewVote) { n.RemindBeforeHours = 24 })
	if _, err := e.svc.Cast(ctx, e.mail.token(t, "invitation", "E00000"), "Yes"); err != nil {
		t.Fatal(err)
	}
	a, b := e.svc, e.service("b")
	a.Tick(ctx)
	if n := e.mail.count("reminder"); n != 0 {
		t.Fatalf("%d reminders before their time", n)
	}
	e.clock.Add(6*24*time.Hour + time.Minute) // 23 h 59 min before the close
	a.Tick(ctx)
	b.Tick(ctx)
	a.Tick(ctx)
	if n := e.mail.count("reminder"); n != 3 {
		t.Fatalf("%d reminders, want 3 (the members who have not voted, once)", n)
	}
	if e.audit.count("vote.reminders_sent") != 1 {
		t.Fatalf("reminder rounds audited: %d, want 1", e.audit.count("vote.reminders_sent"))
	}
	if _, err := e.svc.Create(ctx, officer, ballot.NewVote{Title: "x", OpensAt: e.clock.Now(), ClosesAt: e.clock.Now().Add(time.Hour), RemindBeforeHours: 2}); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("a reminder before the opening: %v", err)
	}
	_ = v
}

func TestEnsureIndexesTwice(t *testing.T) {
	e := newEnv(t, 1) // newEnv ran EnsureIndexes once
	if err := e.svc.EnsureIndexes(context.Background()); err != nil {
		t.Fatalf("second EnsureIndexes: %v", err)
	}
	if err := e.service("b").EnsureIndexes(context.Background()); err != nil {
		t.Fatalf("EnsureIndexes from another instance: %v", err)
	}
}

// An officer's early close on one instance takes effect a second later, so
// that another instance, whose copy of the vote may be half a second old,
// accepts only casts that begin before the closing instant.
func TestEarlyCloseAcrossInstances(t *testing.T) {
	e := newEnv(t, 4)
	ctx := context.Background()
	v := e.openVote(t, nil)
	a, b := e.svc, e.service("b")
	if _, err := a.Cast(ctx, e.mail.token(t, "invitation", "E00000"), "Yes"); err != nil {
		t.Fatal(err) // a now holds a copy of the open vote
	}
	closed, err := b.Close(ctx, officer, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := e.clock.Now().Add(time.Second); !closed.ClosesAt.Equal(want) {
		t.Fatalf("early close at %v, want %v (one second after the click)", closed.ClosesAt, want)
	}
	e.clock.Add(200 * time.Millisecond)
	if _, err := a.Cast(ctx, e.mail.token(t, "invitation", "E00001"), "No"); err != nil {
		t.Fatalf("a cast before the closing instant on a stale instance: %v", err)
	}
	e.clock.Add(800 * time.Millisecond) // at the closing instant
	if _, err := a.Cast(ctx, e.mail.token(t, "invitation", "E00002"), "No"); !errors.Is(err, ballot.ErrVoteClosed) {
		t.Fatalf("a cast at the closing instant: %v", err)
	}
	e.clock.Add(3 * time.Second)
	_, r, err := a.Results(ctx, v.ID)
	if err != nil || r.Cast != 2 {
		t.Fatalf("results %+v %v: want the two ballots cast before the close", r, err)
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Publishing answers at once; the results mail is queued in the background
// and, if that fails, by the scheduler later, each member's once.
func TestResultsMailResumedAfterFailure(t *testing.T) {
	e := newEnv(t, 5)
	ctx := context.Background()
	v := e.openVote(t, nil)
	e.closeAndWait(t, v.ID)
	e.mail.failNext("results", 1) // the background run fails
	if _, err := e.svc.Publish(ctx, officer, v.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return e.mail.failures() == 1 }, "the failed background run")
	e.svc.Tick(ctx)
	if n := e.mail.count("results"); n != 0 {
		t.Fatalf("%d results mails before the retry", n)
	}
	e.clock.Add(3 * time.Minute)
	e.service("b").Tick(ctx)
	if n := e.mail.count("results"); n != 5 {
		t.Fatalf("%d results mails after the retry, want 5", n)
	}
	e.clock.Add(3 * time.Minute)
	e.svc.Tick(ctx)
	if n := e.mail.count("results"); n != 5 {
		t.Fatalf("%d results mails after another tick, want still 5", n)
	}
}
