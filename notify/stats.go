package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Campaign statistics are built from one small document per batch, never by
// scanning the messages: Enqueue writes how many messages the batch stored,
// and the batch's last holder writes how many it sent and which failed
// (with the server's answer), computed from the messages themselves so that
// a re-run writes the same figures. An officer's retry adds a "retried"
// event; a message's latest event says whether it counts as failed.

type statsDoc struct {
	ID        string         `bson:"_id"`
	Campaign  string         `bson:"campaign"`
	Template  string         `bson:"template,omitempty"`
	CreatedAt time.Time      `bson:"created_at"`
	Enqueued  *int           `bson:"enqueued,omitempty"`
	Done      bool           `bson:"done"`
	Sent      int            `bson:"sent"`
	Failures  []failureEvent `bson:"failures,omitempty"`
	Retried   []retryEvent   `bson:"retried,omitempty"`
}

type failureEvent struct {
	ID       string    `bson:"id"`
	To       string    `bson:"to"`
	Error    string    `bson:"error"`
	Attempts int       `bson:"attempts"`
	At       time.Time `bson:"at"`
}

type retryEvent struct {
	ID string    `bson:"id"`
	At time.Time `bson:"at"`
}

// CampaignStats counts a campaign's messages by state.
type CampaignStats struct {
	Campaign string    `json:"campaign"`
	Template string    `json:"template,omitempty"`
	Created  time.Time `json:"created"`
	// Enqueued is the number of distinct messages stored.
	Enqueued int `json:"enqueued"`
	// Queued waits for delivery, including temporary failures waiting to
	// be retried.
	Queued int `json:"queued"`
	// Sending is in batches being delivered right now (counted by batch,
	// so an approximation).
	Sending int `json:"sending"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
	// Failures lists the failed messages with the server's answer.
	Failures []Failure `json:"failures"`
}

// Failure is one message that could not be delivered.
type Failure struct {
	ID       string    `json:"id"`
	To       string    `json:"to"`
	Error    string    `json:"error"`
	Attempts int       `json:"attempts"`
	At       time.Time `json:"at"`
}

// record writes the batch's counts. It is idempotent: a re-run of the batch
// computes the same figures from the messages.
func (o *Outbox) record(ctx context.Context, b batchDoc, t tally) error {
	var prev statsDoc
	err := o.stats.FindOne(ctx, bson.M{"_id": b.ID}).Decode(&prev)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("notify: stats %s: %w", b.ID, err)
	}
	set := bson.M{"campaign": b.Campaign, "done": true, "sent": t.sent, "failures": t.failures}
	if len(t.retried) > 0 {
		set["retried"] = t.retried // also written by Retry, unless it died first
	}
	if prev.CreatedAt.IsZero() {
		set["created_at"] = b.CreatedAt
	}
	if prev.Enqueued == nil && b.Kind == "enqueue" {
		// The enqueue died before writing its count: the messages say it.
		set["enqueued"] = t.owned
	}
	upd := bson.M{"$set": set}
	for range 2 { // two upserts racing on FerretDB: the loser retries as an update
		_, err = o.stats.UpdateOne(ctx, bson.M{"_id": b.ID}, upd, options.UpdateOne().SetUpsert(true))
		if err == nil || !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("notify: stats %s: %w", b.ID, err)
	}
	return nil
}

// Campaign returns the counts and failures of one campaign.
func (o *Outbox) Campaign(ctx context.Context, campaign string) (CampaignStats, error) {
	all, err := o.campaignStats(ctx, bson.M{"campaign": campaign})
	if err != nil {
		return CampaignStats{}, err
	}
	if len(all) == 0 {
		return CampaignStats{Campaign: campaign, Failures: []Failure{}}, nil
	}
	return all[0], nil
}

// Campaigns returns every campaign's counts, newest first, without the
// failure lists.
func (o *Outbox) Campaigns(ctx context.Context) ([]CampaignStats, error) {
	all, err := o.campaignStats(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	for i := range all {
		all[i].Failures = nil
	}
	return all, nil
}

func (o *Outbox) campaignStats(ctx context.Context, filter any) ([]CampaignStats, error) {
	var docs []statsDoc
	cur, err := o.stats.Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("notify: stats: %w", err)
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("notify: stats: %w", err)
	}
	var heads []batchDoc
	if cur, err = o.batches.Find(ctx, filter); err != nil {
		return nil, fmt.Errorf("notify: stats: %w", err)
	}
	if err := cur.All(ctx, &heads); err != nil {
		return nil, fmt.Errorf("notify: stats: %w", err)
	}
	type latest struct {
		at      time.Time
		failure *failureEvent
	}
	byName := map[string]*CampaignStats{}
	events := map[string]map[string]latest{}
	get := func(c string) *CampaignStats {
		s, ok := byName[c]
		if !ok {
			s = &CampaignStats{Campaign: c}
			byName[c] = s
			events[c] = map[string]latest{}
		}
		return s
	}
	for _, d := range docs {
		s := get(d.Campaign)
		if d.Enqueued != nil {
			s.Enqueued += *d.Enqueued
		}
		s.Sent += d.Sent
		if d.Template != "" && (s.Created.IsZero() || d.CreatedAt.Before(s.Created)) {
			s.Template, s.Created = d.Template, d.CreatedAt
		}
		ev := events[d.Campaign]
		for i := range d.Failures {
			f := &d.Failures[i]
			if e, ok := ev[f.ID]; !ok || !f.At.Before(e.at) {
				ev[f.ID] = latest{at: f.At, failure: f}
			}
		}
		for _, r := range d.Retried {
			if e, ok := ev[r.ID]; !ok || r.At.After(e.at) {
				ev[r.ID] = latest{at: r.At}
			}
		}
	}
	now := o.cfg.Now()
	for _, h := range heads {
		if h.LeaseUntil.After(now) {
			get(h.Campaign).Sending += h.N
		}
	}
	out := make([]CampaignStats, 0, len(byName))
	for c, s := range byName {
		s.Failures = []Failure{}
		for _, e := range events[c] {
			if f := e.failure; f != nil {
				s.Failures = append(s.Failures, Failure{ID: f.ID, To: f.To, Error: f.Error, Attempts: f.Attempts, At: f.At})
			}
		}
		slices.SortFunc(s.Failures, func(a, b Failure) int { return a.At.Compare(b.At) })
		s.Failed = len(s.Failures)
		left := max(0, s.Enqueued-s.Sent-s.Failed)
		s.Sending = min(s.Sending, left)
		s.Queued = left - s.Sending
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b CampaignStats) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// Retry queues a failed message again, for an officer, with a fresh count
// of attempts. It returns ErrNotFound or ErrNotFailed.
func (o *Outbox) Retry(ctx context.Context, id string) error {
	d, err := o.load(ctx, id)
	if err != nil {
		return err
	}
	if d.State != StateFailed {
		return ErrNotFailed
	}
	now := o.cfg.Now().UTC()
	// One retry batch per failure, so that a double click queues it once.
	b := batchDoc{ID: "r:" + strconv.FormatInt(d.FailedAt.UnixNano(), 36) + ":" + id,
		Campaign: d.Campaign, Kind: "retry", N: 1, CreatedAt: now, NotBefore: now}
	if err := o.insertBatch(ctx, b, []string{id}); err != nil {
		return err
	}
	if err := o.update(ctx, id, bson.M{"$set": bson.M{"state": StateQueued, "batch": b.ID, "attempts": 0, "next_at": now}}); err != nil {
		return err
	}
	_, err = o.stats.InsertOne(ctx, statsDoc{ID: b.ID, Campaign: d.Campaign, CreatedAt: now, Retried: []retryEvent{{ID: id, At: now}}})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("notify: retry %s: %w", id, err)
	}
	o.signal()
	return nil
}
