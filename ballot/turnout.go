package ballot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The live turnout is the sum, over every instance that took ballots, of
// that instance's count. Each instance keeps its count in its own counter
// document ("turnout:{vote}:{instance}", see turnoutCounter), written once a
// scheduler tick; the increments of the last tick live only in memory, so
// an instance killed without warning leaves its counter short.
//
// The recount repairs that: it counts the cast marks (one per member who
// voted; each names the instance that took the ballot) by instance and
// stores the counts in "turnout:{vote}:recount". A recount is never more
// than the truth (marks are only ever added), and for an instance that is
// dead it is exact, so the turnout takes, instance by instance, the larger
// of the counter and the recount. Every instance recounts each open vote
// when it starts (so a restart after a crash repairs at once) and then every
// Deps.TurnoutRecount.

// recountState remembers when this instance last recounted each vote.
type recountState struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due reports whether vote should be recounted now, and if so marks it.
func (r *recountState) due(vote string, now time.Time, every time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		r.last = map[string]time.Time{}
	}
	if t, ok := r.last[vote]; ok && now.Sub(t) < every {
		return false
	}
	r.last[vote] = now
	return true
}

// recountDoc is the last recount of a vote's marks, by instance.
type recountDoc struct {
	ID   string         `bson:"_id"`
	Vote string         `bson:"vote"`
	By   map[string]int `bson:"by"`
	At   time.Time      `bson:"at"`
}

func recountID(vote string) string { return "turnout:" + vote + ":recount" }

// RecountTurnout counts vote's cast marks by instance and stores the counts
// for Turnout. It reads the marks with the store's direct scan when there
// is one (0.1-0.7 s for 100,000), else through the driver.
func (s *Service) RecountTurnout(ctx context.Context, vote string) error {
	by := map[string]int{}
	var err error
	if s.d.Scan != nil {
		err = s.d.Scan(ctx, s.casts.Name(), func(raw []byte) error {
			v, err := jsonString(raw, "vote")
			if err != nil || v != vote {
				return err
			}
			inst, err := jsonString(raw, "by")
			if err != nil {
				return err
			}
			by[inst]++
			return nil
		})
	} else {
		var marks map[string]castDoc
		marks, err = s.marks(ctx, vote)
		for _, m := range marks {
			by[m.By]++
		}
	}
	if err != nil {
		return fmt.Errorf("ballot: recount turnout of %s: %w", vote, err)
	}
	_, err = s.counters.ReplaceOne(ctx, bson.D{{Key: "_id", Value: recountID(vote)}},
		recountDoc{ID: recountID(vote), Vote: vote, By: by, At: s.now().UTC()}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("ballot: recount turnout of %s: %w", vote, err)
	}
	return nil
}

// maybeRecountTurnout recounts an open vote when this instance has not
// done so for Deps.TurnoutRecount.
func (s *Service) maybeRecountTurnout(ctx context.Context, v *Vote) {
	if !s.recounts.due(v.ID, s.now(), s.d.TurnoutRecount) {
		return
	}
	if err := s.RecountTurnout(ctx, v.ID); err != nil {
		s.d.Logger.Warn("ballot: turnout recount", "vote", v.ID, "error", err)
	}
}

// Turnout returns how many have voted so far: per instance, the larger of
// its counter and the last recount, summed.
func (s *Service) Turnout(ctx context.Context, v *Vote) (Turnout, error) {
	s.flushTurnout(ctx)
	cur, err := s.counters.Find(ctx, bson.D{{Key: "vote", Value: v.ID}})
	if err != nil {
		return Turnout{}, fmt.Errorf("ballot: turnout: %w", err)
	}
	var docs []struct {
		ID    string         `bson:"_id"`
		Voted int            `bson:"voted"`
		Hours map[string]int `bson:"hours"`
		By    map[string]int `bson:"by"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return Turnout{}, fmt.Errorf("ballot: turnout: %w", err)
	}
	t := Turnout{Eligible: v.Eligible, ByHour: map[string]int{}}
	counted := map[string]int{}
	var recounted map[string]int
	for _, d := range docs {
		if d.ID == recountID(v.ID) {
			recounted = d.By
			continue
		}
		counted[strings.TrimPrefix(d.ID, "turnout:"+v.ID+":")] += d.Voted
		for h, n := range d.Hours {
			t.ByHour[h] += n
		}
	}
	for inst, n := range recounted {
		counted[inst] = max(counted[inst], n)
	}
	for _, n := range counted {
		t.Voted += n
	}
	if v.Results != nil {
		t.Voted = v.Results.Cast
	}
	t.Percent = percent(t.Voted, t.Eligible)
	return t, nil
}
