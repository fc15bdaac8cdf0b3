package ballot

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// closeLead is how long after an officer's early close the vote closes.
const closeLead = time.Second

// Schedule moves a draft to scheduled: it will open by itself.
func (s *Service) Schedule(ctx context.Context, a Actor, id string) (*Vote, error) {
	return s.transition(ctx, a, id, []Status{Draft}, "scheduled", bson.D{{Key: "status", Value: Scheduled}}, "vote.scheduled", nil)
}

// Close closes an open vote now (an officer's early close) or at its time
// (the scheduler). Casts that began before the close instant may complete
// within the grace period; the tally waits for it.
func (s *Service) Close(ctx context.Context, a Actor, id string) (*Vote, error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	closesAt := v.ClosesAt
	if now.Add(closeLead).Before(closesAt) {
		// An early close takes effect closeLead from now, so that every
		// instance, whose copy of the vote is at most voteCacheFor old,
		// refuses casts that begin after the closing instant.
		closesAt = now.Add(closeLead)
	}
	return s.transition(ctx, a, id, []Status{Open}, "closed", bson.D{
		{Key: "status", Value: Closed}, {Key: "closes_at", Value: closesAt}, {Key: "closed_at", Value: now},
	}, "vote.closed", map[string]string{"closes_at": closesAt.Format(time.RFC3339), "early": fmt.Sprint(closesAt.Before(v.ClosesAt))})
}

// Cancel cancels a vote that has not published results.
func (s *Service) Cancel(ctx context.Context, a Actor, id string) (*Vote, error) {
	return s.transition(ctx, a, id, []Status{Draft, Scheduled, Opening, Open, Closed}, "cancelled",
		bson.D{{Key: "status", Value: Cancelled}, {Key: "cancelled", Value: true}}, "vote.cancelled", nil)
}

// Extend moves an open vote's close to a later time.
func (s *Service) Extend(ctx context.Context, a Actor, id string, closesAt time.Time) (*Vote, error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	closesAt = closesAt.UTC()
	if !closesAt.After(v.ClosesAt) || !closesAt.After(s.now()) {
		return nil, fieldErr("closes_at", "the new closing time must be after the current one (%s)", v.ClosesAt.Format(time.RFC3339))
	}
	if v.Status != Open {
		return nil, wrapCode(ErrBadTransition, fmt.Sprintf("vote %s is %s; only an open vote can be extended", id, v.Status))
	}
	if _, err := s.votes.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "closes_at", Value: closesAt}}}}); err != nil {
		return nil, fmt.Errorf("ballot: extend: %w", err)
	}
	s.voteCache.Delete(id)
	s.audit(ctx, a, "vote.extended", id, map[string]string{"from": v.ClosesAt.Format(time.RFC3339), "to": closesAt.Format(time.RFC3339)})
	return s.Find(ctx, id)
}

// Publish makes a tallied vote's results public and queues the results
// email to every member who was eligible.
func (s *Service) Publish(ctx context.Context, a Actor, id string) (*Vote, error) {
	v, r, err := s.Results(ctx, id)
	if err != nil {
		return nil, err
	}
	if v.Status != Closed {
		return nil, wrapCode(ErrBadTransition, fmt.Sprintf("vote %s is %s; only a closed vote's results can be published", id, v.Status))
	}
	v, err = s.transition(ctx, a, id, []Status{Closed}, "published", bson.D{{Key: "status", Value: Published}, {Key: "published_at", Value: s.now()}},
		"vote.published", map[string]string{"outcome": r.Outcome, "commitment": r.Commitment, "cast": fmt.Sprint(r.Cast)})
	if err != nil {
		return nil, err
	}
	// Queuing one results mail per member takes longer than a request may
	// (100,000 members: ~7 s); it runs in the background and the scheduler
	// resumes it until it is marked done.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := s.mailResults(ctx, v); err != nil {
			s.d.Logger.Error("ballot: queue results mail; the scheduler retries", "vote", id, "error", err)
		}
	}()
	return v, nil
}

// mailResults queues the results mail to every member who was eligible,
// then marks the vote. Messages have fixed ids, so a resumed or concurrent
// run queues nothing twice; a claim per two-minute window keeps instances
// from doing the same work at once.
func (s *Service) mailResults(ctx context.Context, v *Vote) error {
	if s.d.Mail == nil || v.ResultsMailed || v.Results == nil {
		return nil
	}
	window := s.now().Unix() / 120
	if _, err := s.transitions.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s:results-mail:%d", v.ID, window)}}); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return nil
		}
		return fmt.Errorf("ballot: results mail: %w", err)
	}
	r := v.Results
	recs, err := s.participation(ctx, v.ID)
	if err != nil {
		return err
	}
	choices := make([]map[string]any, len(r.Choices))
	for i, c := range r.Choices {
		choices[i] = map[string]any{"choice": c.Choice, "count": c.Count, "percent": fmt.Sprintf("%.1f", c.Percent)}
	}
	data := map[string]any{"vote_id": v.ID, "vote_title": v.Title, "outcome": r.Outcome, "choices": choices,
		"cast": r.Cast, "eligible": r.Eligible, "turnout_percent": fmt.Sprintf("%.1f", r.TurnoutPercent),
		"commitment": r.Commitment, "results_url": s.d.BaseURL + "/votes/" + v.ID + "/results", "test": v.Test}
	mails := make([]Mail, 0, len(recs))
	for _, rec := range recs {
		mails = append(mails, Mail{ID: "results:" + v.ID + ":" + rec.Member, Campaign: "vote:" + v.ID + ":results",
			To: rec.Email, ToName: rec.Name, Template: "results", Data: data})
	}
	for lo := 0; lo < len(mails); lo += batchSize {
		if err := s.d.Mail.Enqueue(ctx, mails[lo:min(lo+batchSize, len(mails))]...); err != nil {
			return fmt.Errorf("ballot: queue results: %w", err)
		}
	}
	if _, err := s.votes.UpdateOne(ctx, bson.D{{Key: "_id", Value: v.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "results_mailed", Value: true}}}}); err != nil {
		return fmt.Errorf("ballot: results mail: %w", err)
	}
	s.voteCache.Delete(v.ID)
	return nil
}

// transition claims a status change and audits it.
func (s *Service) transition(ctx context.Context, a Actor, id string, from []Status, key string, set bson.D, action string, detail map[string]string) (*Vote, error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.claimVote(ctx, id, from, key, set)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wrapCode(ErrBadTransition, fmt.Sprintf("vote %s is %s: %s is not allowed now", id, v.Status, action))
	}
	s.audit(ctx, a, action, id, detail)
	return s.Find(ctx, id)
}

// Turnout is the live participation of a vote: counts only, no choices.
type Turnout struct {
	Eligible int            `json:"eligible"`
	Voted    int            `json:"voted"`
	Percent  float64        `json:"turnout_percent"`
	ByHour   map[string]int `json:"by_hour"` // "2006-01-02T15" in UTC -> ballots cast that hour
}

// turnoutCounter batches this instance's turnout increments and writes
// them to a counter document of its own ("turnout:{vote}:{instance}"), so
// that no two writers ever update one counter (the embedded store's updates
// are not atomic read-modify-writes).
type turnoutCounter struct {
	mu      sync.Mutex
	pending map[string]map[string]int // vote -> hour -> count
}

func (c *turnoutCounter) add(vote string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[string]map[string]int{}
	}
	if c.pending[vote] == nil {
		c.pending[vote] = map[string]int{}
	}
	c.pending[vote][at.UTC().Format("2006-01-02T15")]++
}

// flushTurnout writes the pending increments. Counts are kept in memory on
// failure and written by the next flush.
func (s *Service) flushTurnout(ctx context.Context) {
	s.turnout.mu.Lock()
	defer s.turnout.mu.Unlock()
	for vote, hours := range s.turnout.pending {
		inc := bson.D{}
		total := 0
		for h, n := range hours {
			inc = append(inc, bson.E{Key: "hours." + h, Value: n})
			total += n
		}
		inc = append(inc, bson.E{Key: "voted", Value: total})
		_, err := s.counters.UpdateOne(ctx, bson.D{{Key: "_id", Value: "turnout:" + vote + ":" + s.d.Instance}},
			bson.D{{Key: "$inc", Value: inc}, {Key: "$set", Value: bson.D{{Key: "vote", Value: vote}}}},
			options.UpdateOne().SetUpsert(true))
		if err != nil {
			s.d.Logger.Warn("ballot: turnout counter", "vote", vote, "error", err)
			continue
		}
		delete(s.turnout.pending, vote)
	}
}

func sortVotes(vs []*Vote) {
	sort.Slice(vs, func(i, j int) bool { return vs[i].CreatedAt.After(vs[j].CreatedAt) })
}
