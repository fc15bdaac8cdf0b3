package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Run delivers queued messages until ctx is done, with Config.Senders
// workers, each holding one reused SMTP connection (or writing files). On
// return every connection is closed and every batch it held is released
// for another instance to take over at once. It returns nil when ctx ends.
func (o *Outbox) Run(ctx context.Context) error {
	o.mu.Lock()
	if o.running {
		o.mu.Unlock()
		return errors.New("notify: outbox is already running")
	}
	o.running = true
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		o.running = false
		o.mu.Unlock()
	}()
	tr, err := o.newTransport()
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for i := range o.cfg.Senders {
		conn := tr.conn()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.close()
			o.sender(ctx, i, conn)
		}()
	}
	wg.Wait()
	return nil
}

// sender claims one batch at a time and delivers it.
func (o *Outbox) sender(ctx context.Context, n int, conn sendConn) {
	log := o.cfg.Logger.With("sender", n)
	for ctx.Err() == nil {
		b, found, err := o.nextCandidate(ctx)
		if err == nil && found {
			l, claimed, cerr := o.claim(ctx, b)
			if cerr == nil && !claimed {
				continue // another worker has it: try the next candidate
			}
			if cerr == nil {
				err = o.deliverBatch(ctx, conn, l)
				if ctx.Err() != nil && !errors.Is(err, errLeaseLost) {
					rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
					o.release(rctx, l)
					cancel()
				}
				if err != nil && !errors.Is(err, errLeaseLost) && ctx.Err() == nil {
					log.Error("notify: batch", "batch", l.batch.ID, "error", err)
				}
				continue
			}
			err = cerr
		}
		if err != nil && ctx.Err() == nil {
			log.Error("notify: claim", "error", err)
		}
		idle := time.NewTimer(o.cfg.Poll/2 + rand.N(o.cfg.Poll))
		select {
		case <-ctx.Done():
		case <-o.wake:
		case <-idle.C:
		}
		idle.Stop()
	}
}

// tally is what a batch did with the messages it was responsible for.
type tally struct {
	owned    int // messages enqueued in this batch (its Origin)
	sent     int
	failures []failureEvent
	retried  []retryEvent // the messages an officer's retry batch queued again
}

type carried struct {
	doc     *messageDoc
	nextAt  time.Time
	lastErr string
	tried   bool
}

// deliverBatch sends every message the batch is responsible for, moves
// temporary failures to a retry batch, records the batch's counts, and
// removes the batch.
func (o *Outbox) deliverBatch(ctx context.Context, conn sendConn, l *lease) error {
	var it itemsDoc
	err := o.items.FindOne(ctx, bson.M{"_id": l.batch.ID}).Decode(&it)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return o.finish(ctx, l) // finished by a worker that died before removing the header
	}
	if err != nil {
		return fmt.Errorf("notify: batch %s: %w", l.batch.ID, err)
	}
	// The header read from the listing may be a partial one (renew).
	if l.batch.CreatedAt.IsZero() {
		o.batches.FindOne(ctx, bson.M{"_id": l.batch.ID}).Decode(&l.batch)
	}
	var t tally
	var carry []carried
	pending := it.IDs
	for {
		var missing []string
		for _, id := range pending {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := o.ensure(ctx, l); err != nil {
				return err
			}
			d, err := o.load(ctx, id)
			if errors.Is(err, ErrNotFound) {
				missing = append(missing, id)
				continue
			}
			if err != nil {
				return err
			}
			if d.Batch != l.batch.ID {
				continue // enqueued again elsewhere, or moved by a retry
			}
			if d.Origin == l.batch.ID {
				t.owned++
			}
			if l.batch.Kind == "retry" {
				t.retried = append(t.retried, retryEvent{ID: d.ID, At: l.batch.CreatedAt})
			}
			switch d.State {
			case StateSent:
				t.sent++
				continue
			case StateFailed:
				t.failures = append(t.failures, failureOf(d))
				continue
			}
			if d.NextAt.After(o.cfg.Now()) {
				carry = append(carry, carried{doc: d, nextAt: d.NextAt, lastErr: d.LastError})
				continue
			}
			res, err := o.attempt(ctx, conn, d)
			if err != nil {
				return err
			}
			switch {
			case res.state == StateSent:
				t.sent++
			case res.state == StateFailed:
				t.failures = append(t.failures, failureOf(d))
			default:
				carry = append(carry, carried{doc: d, nextAt: res.nextAt, lastErr: res.err, tried: true})
			}
		}
		if len(missing) == 0 || o.cfg.Now().After(l.batch.CreatedAt.Add(o.cfg.MissingGrace)) {
			if len(missing) > 0 {
				o.cfg.Logger.Warn("notify: messages listed but never stored; the enqueue that listed them failed",
					"batch", l.batch.ID, "count", len(missing))
			}
			break
		}
		// Listed but not stored yet: the enqueue is still writing them.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		pending = missing
	}
	if err := o.carryOver(ctx, l, carry); err != nil {
		return err
	}
	if err := o.record(ctx, l.batch, t); err != nil {
		return err
	}
	return o.finish(ctx, l)
}

func failureOf(d *messageDoc) failureEvent {
	return failureEvent{ID: d.ID, To: d.To, Error: d.LastError, Attempts: d.Attempts, At: d.FailedAt}
}

// result is the outcome of one delivery attempt.
type result struct {
	state  string // StateSent, StateFailed, or StateQueued to retry at nextAt
	nextAt time.Time
	err    string
}

// attempt delivers one message and records the outcome on it. The stored
// outcome is written even if ctx ends meanwhile: a message handed to the
// server but not marked sent would be sent again by the next worker.
func (o *Outbox) attempt(ctx context.Context, conn sendConn, d *messageDoc) (result, error) {
	now := o.cfg.Now()
	data, err := o.payloads.load(ctx, d.Payload)
	if err != nil && !errors.Is(err, errNoPayload) {
		return result{}, err
	}
	d.Data = data
	var msg *gomail.Msg
	var msgID string
	if err == nil {
		msg, msgID, err = o.compose(d, now)
	}
	var res result
	var response string
	if err != nil {
		res = result{state: StateFailed, err: err.Error()}
	} else {
		if err := o.limiter.wait(ctx); err != nil {
			return res, err
		}
		if o.cfg.Durable != nil {
			if err := o.cfg.Durable(ctx); err != nil {
				return res, err
			}
		}
		var temp bool
		response, temp, err = conn.send(ctx, d.ID, msg)
		switch {
		case err == nil:
			res = result{state: StateSent}
		case temp && d.Attempts+1 < o.cfg.MaxAttempts:
			res = result{state: StateQueued, err: err.Error(), nextAt: o.cfg.Now().Add(o.backoff(d.Attempts + 1))}
		case temp:
			res = result{state: StateFailed, err: fmt.Sprintf("gave up after %d attempts: %v", d.Attempts+1, err)}
		default:
			res = result{state: StateFailed, err: err.Error()}
		}
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	d.Attempts++
	d.LastError = res.err
	switch res.state {
	case StateSent:
		d.State, d.SentAt, d.Secret = StateSent, o.cfg.Now().UTC(), nil
		upd := bson.M{
			"$set": bson.M{"state": StateSent, "sent_at": d.SentAt, "attempts": d.Attempts,
				"response": response, "message_id": msgID, "last_error": ""},
			"$unset": bson.M{"secret": ""},
		}
		if err := o.update(wctx, d.ID, upd); err != nil {
			return res, err
		}
	case StateFailed:
		d.State, d.FailedAt = StateFailed, o.cfg.Now().UTC()
		upd := bson.M{"$set": bson.M{"state": StateFailed, "failed_at": d.FailedAt, "attempts": d.Attempts, "last_error": res.err}}
		if err := o.update(wctx, d.ID, upd); err != nil {
			return res, err
		}
		o.cfg.Logger.Warn("notify: message failed", "id", d.ID, "campaign", d.Campaign, "error", res.err)
	}
	// A temporary failure is written when the message moves to its retry
	// batch (carryOver); until then a re-run simply tries it again.
	return res, nil
}

// update writes one message's outcome, retrying briefly: losing it would
// send the message again.
func (o *Outbox) update(ctx context.Context, id string, upd bson.M) error {
	var err error
	for i := range 5 {
		if _, err = o.msgs.UpdateOne(ctx, bson.M{"_id": id}, upd); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("notify: record outcome of %s: %w", id, err)
		case <-time.After(time.Duration(i+1) * 200 * time.Millisecond):
		}
	}
	return fmt.Errorf("notify: record outcome of %s: %w", id, err)
}

// backoff is the delay before retry n (1-based): Backoff doubled n-1
// times, capped at MaxBackoff, then between half and all of it at random.
func (o *Outbox) backoff(n int) time.Duration {
	d := o.cfg.Backoff
	for i := 1; i < n && d < o.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, o.cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// carryOver moves temporarily failed (or not yet due) messages to one
// retry batch, due at the earliest of their retry times. The batch is
// written before the messages point to it, so a crash in between leaves
// them with this batch, whose next holder carries them over again.
func (o *Outbox) carryOver(ctx context.Context, l *lease, carry []carried) error {
	if len(carry) == 0 {
		return nil
	}
	due := carry[0].nextAt
	ids := make([]string, len(carry))
	for i, c := range carry {
		ids[i] = c.doc.ID
		if c.nextAt.Before(due) {
			due = c.nextAt
		}
	}
	// The retry batch is written held (lease_until ahead, which keeps it
	// off every sender's list) until its messages point to it: a retry
	// due at once, taken by another sender before then, would find its
	// messages still in this batch, send none and be removed, leaving them
	// queued in a batch that no longer exists. Should this process die
	// part-way, the hold expires and the batch is taken like any other.
	now := o.cfg.Now().UTC()
	r := batchDoc{ID: fmt.Sprintf("%s~%d", l.batch.ID, l.gen), Campaign: l.batch.Campaign, Kind: "carry",
		N: len(ids), CreatedAt: now, NotBefore: due, LeaseUntil: now.Add(o.cfg.Lease)}
	if err := o.insertBatch(ctx, r, ids); err != nil {
		return err
	}
	hold := func(until time.Time) error {
		_, err := o.batches.UpdateOne(ctx, bson.M{"_id": r.ID}, bson.M{"$set": bson.M{"lease_until": until}})
		if err != nil {
			return fmt.Errorf("notify: batch %s: %w", r.ID, err)
		}
		r.LeaseUntil = until
		return nil
	}
	for _, c := range carry {
		if t := o.cfg.Now(); t.Add(o.cfg.Lease / 2).After(r.LeaseUntil) {
			if err := hold(t.Add(o.cfg.Lease)); err != nil {
				return err
			}
		}
		set := bson.M{"batch": r.ID, "next_at": c.nextAt.UTC()}
		if c.tried {
			set["attempts"] = c.doc.Attempts // counted by attempt
			set["last_error"] = c.lastErr
		}
		if err := o.update(ctx, c.doc.ID, bson.M{"$set": set}); err != nil {
			return err
		}
	}
	if err := hold(o.cfg.Now().UTC()); err != nil {
		return err
	}
	o.cfg.Logger.Info("notify: retrying later", "batch", r.ID, "messages", len(ids), "due", due)
	return nil
}
