package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// A batch is claimed by inserting the lease document "{batch}#{gen}": the
// unique _id makes the insert a test-and-set on both stores (FerretDB v1
// runs findAndModify as a read then a write, so a conditional update is
// not one). The holder renews the lease's expiry; a worker that finds it
// expired takes the batch over by inserting generation gen+1, which only
// one worker can do. The holder checks for gen+1 at each renewal and stops
// if it exists, and never starts a message unless its lease outlives the
// send timeout, so a worker that stalled past its lease does not go on
// sending next to the worker that took over.

// errLeaseLost stops a worker whose batch was taken over.
var errLeaseLost = errors.New("notify: batch lease lost")

type leaseDoc struct {
	ID    string    `bson:"_id"`
	Batch string    `bson:"batch"`
	Owner string    `bson:"owner"`
	Until time.Time `bson:"until"`
}

// lease is a claim held on one batch.
type lease struct {
	batch batchDoc
	gen   int
	until time.Time
}

func leaseID(batch string, gen int) string { return batch + "#" + strconv.Itoa(gen) }

// nextCandidate returns a due batch that looked unclaimed at the last
// listing, listing the (small) batches collection again when the cached
// list is used up, stale, or a local Enqueue made it dirty.
func (o *Outbox) nextCandidate(ctx context.Context) (batchDoc, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.cfg.Now()
	if len(o.cands) == 0 || o.listDirty || now.Sub(o.listedAt) > 5*o.cfg.Poll {
		if now.Sub(o.listedAt) < o.cfg.Poll/4 && !o.listDirty && len(o.cands) == 0 {
			return batchDoc{}, false, nil
		}
		var all []batchDoc
		cur, err := o.batches.Find(ctx, bson.D{})
		if err != nil {
			return batchDoc{}, false, fmt.Errorf("notify: list batches: %w", err)
		}
		if err := cur.All(ctx, &all); err != nil {
			return batchDoc{}, false, fmt.Errorf("notify: list batches: %w", err)
		}
		o.cands = o.cands[:0]
		for _, b := range all {
			if !b.NotBefore.After(now) && !b.LeaseUntil.After(now) {
				o.cands = append(o.cands, b)
			}
		}
		// Oldest first, so campaigns go out in the order they were queued;
		// instances shuffle the head a little to meet less often.
		slices.SortFunc(o.cands, func(a, b batchDoc) int { return a.CreatedAt.Compare(b.CreatedAt) })
		if k := min(len(o.cands), 4); k > 1 {
			rand.Shuffle(k, func(i, j int) { o.cands[i], o.cands[j] = o.cands[j], o.cands[i] })
		}
		o.listedAt, o.listDirty = now, false
	}
	if len(o.cands) == 0 {
		return batchDoc{}, false, nil
	}
	b := o.cands[0]
	o.cands = o.cands[1:]
	return b, true, nil
}

// claim tries to take the batch. It returns false when another worker
// holds a live lease on it.
func (o *Outbox) claim(ctx context.Context, b batchDoc) (*lease, bool, error) {
	// Not cut short by shutdown: a lease inserted but not reported would
	// hold the batch until it expires instead of being released.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	gen := b.Gen
	for range 8 {
		gen++
		now := o.cfg.Now()
		until := now.Add(o.cfg.Lease)
		_, err := o.leases.InsertOne(ctx, leaseDoc{ID: leaseID(b.ID, gen), Batch: b.ID, Owner: o.instance, Until: until})
		if err == nil {
			l := &lease{batch: b, gen: gen, until: until}
			_, err := o.batches.UpdateOne(ctx, bson.M{"_id": b.ID}, bson.M{"$set": bson.M{"gen": gen, "lease_until": until}})
			if err != nil {
				return nil, false, fmt.Errorf("notify: claim %s: %w", b.ID, err)
			}
			return l, true, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return nil, false, fmt.Errorf("notify: claim %s: %w", b.ID, err)
		}
		var held leaseDoc
		err = o.leases.FindOne(ctx, bson.M{"_id": leaseID(b.ID, gen)}).Decode(&held)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, false, nil // the batch was just completed
		}
		if err != nil {
			return nil, false, fmt.Errorf("notify: claim %s: %w", b.ID, err)
		}
		if held.Until.After(now) {
			return nil, false, nil
		}
	}
	return nil, false, nil
}

// ensure renews the lease when it would not outlive one more message.
func (o *Outbox) ensure(ctx context.Context, l *lease) error {
	if o.cfg.Now().Add(o.cfg.SMTP.Timeout + o.cfg.Lease/3).Before(l.until) {
		return nil
	}
	return o.renew(ctx, l)
}

func (o *Outbox) renew(ctx context.Context, l *lease) error {
	err := o.leases.FindOne(ctx, bson.M{"_id": leaseID(l.batch.ID, l.gen+1)}).Err()
	if err == nil {
		return errLeaseLost
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("notify: renew %s: %w", l.batch.ID, err)
	}
	now := o.cfg.Now()
	if now.After(l.until) {
		// Expired while this worker was stalled: another may hold it now
		// without having written the next generation yet. Claim anew.
		nl, ok, err := o.claim(ctx, batchDoc{ID: l.batch.ID, Gen: l.gen})
		if err != nil {
			return err
		}
		if !ok {
			return errLeaseLost
		}
		*l = lease{batch: l.batch, gen: nl.gen, until: nl.until}
		return nil
	}
	until := now.Add(o.cfg.Lease)
	if _, err := o.leases.UpdateOne(ctx, bson.M{"_id": leaseID(l.batch.ID, l.gen)}, bson.M{"$set": bson.M{"until": until}}); err != nil {
		return fmt.Errorf("notify: renew %s: %w", l.batch.ID, err)
	}
	if _, err := o.batches.UpdateOne(ctx, bson.M{"_id": l.batch.ID}, bson.M{"$set": bson.M{"gen": l.gen, "lease_until": until}}); err != nil {
		return fmt.Errorf("notify: renew %s: %w", l.batch.ID, err)
	}
	l.until = until
	return nil
}

// release lets another worker take the batch at once (on shutdown).
func (o *Outbox) release(ctx context.Context, l *lease) {
	now := o.cfg.Now()
	o.leases.UpdateOne(ctx, bson.M{"_id": leaseID(l.batch.ID, l.gen)}, bson.M{"$set": bson.M{"until": now}})
	o.batches.UpdateOne(ctx, bson.M{"_id": l.batch.ID}, bson.M{"$set": bson.M{"lease_until": now}})
}

// finish removes a delivered batch: items, leases, then the header, so
// that a crash part-way leaves a header whose next holder finds nothing
// left to do and removes it.
func (o *Outbox) finish(ctx context.Context, l *lease) error {
	if _, err := o.items.DeleteOne(ctx, bson.M{"_id": l.batch.ID}); err != nil {
		return fmt.Errorf("notify: finish %s: %w", l.batch.ID, err)
	}
	for g := 1; g <= l.gen; g++ {
		if _, err := o.leases.DeleteOne(ctx, bson.M{"_id": leaseID(l.batch.ID, g)}); err != nil {
			return fmt.Errorf("notify: finish %s: %w", l.batch.ID, err)
		}
	}
	if _, err := o.batches.DeleteOne(ctx, bson.M{"_id": l.batch.ID}); err != nil {
		return fmt.Errorf("notify: finish %s: %w", l.batch.ID, err)
	}
	return nil
}

// insertBatch writes a batch's items and header; an existing batch of the
// same id (a re-run) is kept.
func (o *Outbox) insertBatch(ctx context.Context, b batchDoc, ids []string) error {
	_, err := o.items.InsertOne(ctx, itemsDoc{ID: b.ID, IDs: ids})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("notify: batch %s: %w", b.ID, err)
	}
	_, err = o.batches.InsertOne(ctx, b)
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("notify: batch %s: %w", b.ID, err)
	}
	return nil
}
