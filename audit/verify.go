package audit

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Verify walks the whole chain in order and reports the first entry that
// was altered, removed or inserted out of place, and whether entries were
// removed from the end (the head is further than the last entry).
func (l *Log) Verify(ctx context.Context) (Report, error) {
	var h headDoc
	err := l.head.FindOne(ctx, bson.D{{Key: "_id", Value: headID}}).Decode(&h)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return Report{}, fmt.Errorf("audit: verify: read head: %w", err)
	}
	cur, err := l.entries.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	defer cur.Close(ctx)
	var (
		r        Report
		prevHash string
		headSeen bool
	)
	broken := func(seq int64, format string, args ...any) (Report, error) {
		r.BrokenAt, r.Problem = seq, fmt.Sprintf(format, args...)
		return r, nil
	}
	for cur.Next(ctx) {
		var d entryDoc
		if err := cur.Decode(&d); err != nil {
			return broken(r.Entries+1, "entry %d cannot be read: %v", r.Entries+1, err)
		}
		want := r.Entries + 1
		switch {
		case d.ID != docID(d.Seq):
			return broken(want, "entry %s holds sequence number %d: it was altered", d.ID, d.Seq)
		case d.Seq > want:
			return broken(want, "entry %d is missing: it was removed", want)
		case d.Seq < want:
			return broken(d.Seq, "entry %d appears twice", d.Seq)
		case d.PrevHash != prevHash:
			return broken(want, "entry %d does not follow entry %d: one of them was altered or replaced", want, want-1)
		case hashEntry(d.entry()) != d.Hash:
			return broken(want, "entry %d does not match its hash: it was altered", want)
		}
		r.Entries, prevHash = want, d.Hash
		if d.Seq == h.Seq {
			headSeen = true
			if d.Hash != h.Hash {
				return broken(d.Seq, "entry %d does not match the hash the head recorded for it: it was altered", d.Seq)
			}
		}
	}
	if err := cur.Err(); err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	if h.Seq > r.Entries || (h.Seq > 0 && !headSeen) {
		return broken(r.Entries+1, "the log ends at entry %d but entry %d was written: entries were removed from the end", r.Entries, h.Seq)
	}
	r.OK, r.HeadHash = true, prevHash
	return r, nil
}
