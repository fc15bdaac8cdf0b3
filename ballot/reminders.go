package ballot

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A reminder round sends a fresh link to every voter of an open vote who
// has not voted. For a large roster it takes minutes (each member gets a
// new token and a message), longer than a request may wait, so a round
// runs in the background once it has more than Deps.ReminderInline members:
// the request answers 202 with the number queued, and the round is recorded
// on the vote (reminder_round, with a lease renewed as it goes). A round
// whose instance died is resumed by the scheduler of any instance when its
// lease expires; a member whose voter record already names the round is
// skipped, and a message already queued for that member and link
// generation is not queued twice (its id is "reminder:{vote}:{member}:{gen}"),
// so a resumed round reaches each member once.

// SendReminders starts a reminder round and returns how many members it is
// for. One round runs at a time per vote: another request while one is
// being queued is 409.
func (s *Service) SendReminders(ctx context.Context, a Actor, voteID string) (int, error) {
	v, err := s.openVote(ctx, voteID)
	if err != nil {
		return 0, err
	}
	if v.ReminderRound != "" {
		return 0, wrapCode(ErrBadTransition, fmt.Sprintf("reminders for vote %s are still being queued (round %s); try again when it is done", voteID, v.ReminderRound))
	}
	n, err := s.notVotedCount(ctx, voteID)
	if err != nil {
		return 0, err
	}
	round := "reminder:" + s.now().UTC().Format("20060102T1504") + "-" + randomID(4)
	ok, err := s.claimVote(ctx, voteID, []Status{Open}, round, bson.D{
		{Key: "reminder_round", Value: round}, {Key: "reminder_owner", Value: s.d.Instance},
		{Key: "reminder_lease", Value: s.now().Add(leaseFor)}})
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, wrapCode(ErrBadTransition, fmt.Sprintf("vote %s is no longer open", voteID))
	}
	s.audit(ctx, a, "vote.reminders_sent", voteID, map[string]string{"queued": fmt.Sprint(n), "round": round})
	if s.d.ReminderInline >= 0 && n <= s.d.ReminderInline {
		return n, s.runReminders(ctx, voteID, round)
	}
	s.remindInBackground(voteID, round)
	return n, nil
}

// notVotedCount counts the voters of a vote who have not voted and are not
// revoked. On the embedded store it reads the two collections with the
// direct scan (about a second for 100,000 voters, where the driver takes
// about ten seconds each: too long for the request that starts a round).
func (s *Service) notVotedCount(ctx context.Context, voteID string) (int, error) {
	if s.d.Scan == nil {
		todo, err := s.reminderTodo(ctx, voteID, "")
		return len(todo), err
	}
	voted := map[string]bool{}
	err := s.d.Scan(ctx, s.casts.Name(), func(raw []byte) error {
		v, err := jsonString(raw, "vote")
		if err != nil || v != voteID {
			return err
		}
		id, err := jsonString(raw, "_id")
		voted[id] = true
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ballot: reminders: %w", err)
	}
	n := 0
	err = s.d.Scan(ctx, s.voters.Name(), func(raw []byte) error {
		v, err := jsonString(raw, "vote")
		if err != nil || v != voteID {
			return err
		}
		id, err := jsonString(raw, "_id")
		if err == nil && !voted[id] && !bytes.Contains(raw, []byte(`"revoked":true`)) {
			n++
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ballot: reminders: %w", err)
	}
	return n, nil
}

// remindInBackground runs a round on its own goroutine, with a context that
// outlives the request (a round is resumed after a crash, not after a
// client leaves).
func (s *Service) remindInBackground(voteID, round string) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		if err := s.runReminders(context.Background(), voteID, round); err != nil {
			s.d.Logger.Warn("ballot: reminder round stopped; the scheduler resumes it when its lease expires", "vote", voteID, "round", round, "error", err)
		}
	}()
}

// WaitBackground waits for the reminder rounds this instance runs in the
// background (tests, and a graceful shutdown).
func (s *Service) WaitBackground() { s.bg.Wait() }

// reminderTodo lists the voters of a vote who have not voted, are not
// revoked, and have not had round (if not empty).
func (s *Service) reminderTodo(ctx context.Context, voteID, round string) ([]voterDoc, error) {
	recs, err := s.participation(ctx, voteID)
	if err != nil {
		return nil, err
	}
	marks, err := s.marks(ctx, voteID)
	if err != nil {
		return nil, err
	}
	var todo []voterDoc
	for _, r := range recs {
		if _, voted := marks[r.Member]; voted || r.Revoked || (round != "" && slices.Contains(r.Rounds, round)) {
			continue
		}
		todo = append(todo, r)
	}
	return todo, nil
}

// runReminders queues round's reminders to the members still without
// them, batch by batch, renewing the round's lease, and clears the round
// when done. It stops when the vote closes or another instance took the
// round over.
func (s *Service) runReminders(ctx context.Context, voteID, round string) error {
	todo, err := s.reminderTodo(ctx, voteID, round)
	if err != nil {
		return err
	}
	started := s.now()
	for lo := 0; lo < len(todo); lo += reminderBatch {
		v, err := s.Find(ctx, voteID)
		if err != nil {
			return err
		}
		if v.ReminderRound != round || v.ReminderOwner != s.d.Instance {
			return nil // taken over, or finished by another instance
		}
		if !v.Accepting(s.now()) {
			break // closed: links would be no use
		}
		if _, err := s.votes.UpdateOne(ctx, bson.D{{Key: "_id", Value: voteID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "reminder_lease", Value: s.now().Add(leaseFor)}}}}); err != nil {
			return fmt.Errorf("ballot: reminders: %w", err)
		}
		part := todo[lo:min(lo+reminderBatch, len(todo))]
		toks, err := s.takeTokens(ctx, v, len(part))
		if err != nil {
			return err
		}
		// Each round is a new link generation per member; members at the
		// same generation go out together.
		byGen := map[int][]int{}
		var gens []int
		for i, r := range part {
			if _, ok := byGen[r.Gen]; !ok {
				gens = append(gens, r.Gen)
			}
			byGen[r.Gen] = append(byGen[r.Gen], i)
		}
		for _, g := range gens {
			voters := make([]Voter, len(byGen[g]))
			links := make([]string, len(byGen[g]))
			for j, i := range byGen[g] {
				voters[j] = Voter{EmployeeID: part[i].Member, Email: part[i].Email, Name: part[i].Name}
				links[j] = toks[i]
			}
			if err := s.issueRound(ctx, v, voters, links, g+1, "reminder", round, round); err != nil {
				return err
			}
		}
	}
	_, err = s.votes.UpdateOne(ctx, bson.D{{Key: "_id", Value: voteID}, {Key: "reminder_round", Value: round}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "reminder_round", Value: ""}, {Key: "reminder_owner", Value: ""}, {Key: "reminder_lease", Value: ""}}}})
	if err != nil {
		return fmt.Errorf("ballot: reminders: %w", err)
	}
	s.voteCache.Delete(voteID)
	s.d.Logger.Info("reminders queued", "vote", voteID, "round", round, "members", len(todo), "duration", s.now().Sub(started).Round(time.Millisecond))
	return nil
}

// reminderBatch is how many members' reminders are written together.
const reminderBatch = 500

// resumeReminders takes over a round whose instance stopped renewing its
// lease, and runs it in the background.
func (s *Service) resumeReminders(ctx context.Context, v *Vote, now time.Time) error {
	key := fmt.Sprintf("%s:resume:%d", v.ReminderRound, v.ReminderLease.UnixNano())
	ok, err := s.claimVote(ctx, v.ID, []Status{Open}, key, bson.D{
		{Key: "reminder_owner", Value: s.d.Instance}, {Key: "reminder_lease", Value: now.Add(leaseFor)}})
	if err != nil || !ok {
		return err
	}
	s.d.Logger.Warn("ballot: resuming an interrupted reminder round", "vote", v.ID, "round", v.ReminderRound)
	s.remindInBackground(v.ID, v.ReminderRound)
	return nil
}
