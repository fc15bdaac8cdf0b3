package ballot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Run performs due transitions every interval until ctx ends: it opens
// scheduled votes at their time, resumes an opening whose instance died
// (its lease expired), closes open votes at their time, and tallies closed
// votes after the grace period. Each transition is claimed by a conditional
// update of the vote's document, so with several instances on one database
// each happens once. A close that fell while no instance ran happens at the
// next start; casts after the closing instant are refused regardless.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick performs the transitions due now, once.
func (s *Service) Tick(ctx context.Context) {
	s.flushTurnout(ctx)
	votes, err := s.List(ctx)
	if err != nil {
		s.d.Logger.Warn("ballot: scheduler", "error", err)
		return
	}
	now := s.now()
	for _, v := range votes {
		var err error
		switch {
		case v.Status == Scheduled && !now.Before(v.OpensAt):
			if _, err = s.BeginOpen(ctx, System, v.ID); err == nil {
				_, err = s.CompleteOpening(ctx, System, v.ID)
			}
		case v.Status == Opening && now.After(v.LeaseUntil):
			var ok bool
			if ok, err = s.reclaimOpening(ctx, v.ID, now); ok {
				_, err = s.CompleteOpening(ctx, System, v.ID)
			}
		case v.Status == Open && !now.Before(v.ClosesAt):
			_, err = s.Close(ctx, System, v.ID)
		case v.Status == Open && v.ReminderRound != "" && now.After(v.ReminderLease):
			err = s.resumeReminders(ctx, v, now)
		case v.Status == Open && v.RemindBeforeHours > 0 && !now.Before(v.ClosesAt.Add(-time.Duration(v.RemindBeforeHours)*time.Hour)):
			err = s.scheduledReminder(ctx, v)
		case v.Status == Closed && v.Results == nil && !now.Before(v.ClosesAt.Add(s.d.Grace)):
			_, err = s.Tally(ctx, v.ID)
		case v.Status == Published && !v.ResultsMailed && v.PublishedAt.Before(now.Add(-time.Minute)):
			// Publish queues these in the background; resume one that died.
			err = s.mailResults(ctx, v)
		}
		if err != nil && !isTransitionLost(err) {
			s.d.Logger.Warn("ballot: scheduled transition", "vote", v.ID, "status", v.Status, "error", err)
		}
		if v.Status == Open && now.Before(v.ClosesAt) {
			s.maybeRecountTurnout(ctx, v)
		}
	}
}

// reclaimOpening takes over an opening whose lease expired: its instance
// died. Instances that see the same expired lease compete for one claim.
func (s *Service) reclaimOpening(ctx context.Context, id string, now time.Time) (bool, error) {
	v, err := s.Find(ctx, id)
	if err != nil || v.Status != Opening || !now.After(v.LeaseUntil) {
		return false, err
	}
	key := fmt.Sprintf("resume:%d", v.LeaseUntil.UnixNano())
	ok, err := s.claimVote(ctx, id, []Status{Opening}, key, bson.D{{Key: "lease_owner", Value: s.d.Instance}, {Key: "lease_until", Value: now.Add(leaseFor)}})
	if ok {
		s.d.Logger.Warn("ballot: resuming an interrupted opening", "vote", id)
	}
	return ok, err
}

// isTransitionLost is true when another instance made the transition first.
func isTransitionLost(err error) bool {
	return errors.Is(err, ErrBadTransition) || errors.Is(err, ErrNotTallied)
}

// scheduledReminder sends a vote's scheduled reminder once: the claim is the
// insert of "{vote}:reminder-scheduled".
func (s *Service) scheduledReminder(ctx context.Context, v *Vote) error {
	if v.ReminderRound != "" {
		return nil // an officer's round is being queued: the next tick
	}
	_, err := s.transitions.InsertOne(ctx, bson.D{{Key: "_id", Value: v.ID + ":reminder-scheduled"}, {Key: "by", Value: s.d.Instance}})
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ballot: scheduled reminder: %w", err)
	}
	_, err = s.SendReminders(ctx, System, v.ID)
	return err
}
