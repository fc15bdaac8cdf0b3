package contracts

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ratifyhq/ratify/errs"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// versionsCollection holds the source of every version an officer
// uploaded, one document per agreement id; statusCollection holds the status
// changes officers made after publication (for embedded agreements too), one
// document per change with the _id "<agreement id>/<sequence number>".
const (
	versionsCollection = "contract_versions"
	statusCollection   = "contract_status"
)

// maxAdvanceTries bounds the retries of one status change that races with
// another.
const maxAdvanceTries = 5

// Store keeps officer-loaded agreement versions and status changes in
// MongoDB and mirrors them into a Library. Published versions are
// immutable. Every write is an insert of a document with a unique _id, so
// that two instances racing to publish an id or to change a status cannot
// both succeed; every read on a request's path is by _id.
type Store struct {
	versions *mongo.Collection
	status   *mongo.Collection
	lib      *Library
	// Now returns the current time; tests may replace it.
	Now func() time.Time
}

// NewStore returns the store kept in db, mirroring into lib.
func NewStore(db *mongo.Database, lib *Library) *Store {
	return &Store{versions: db.Collection(versionsCollection), status: db.Collection(statusCollection), lib: lib, Now: time.Now}
}

// versionDoc is an uploaded version as stored.
type versionDoc struct {
	ID         string    `bson:"_id"`
	Name       string    `bson:"name"`
	Source     string    `bson:"source"`
	SHA256     string    `bson:"sha256"`
	UploadedAt time.Time `bson:"uploaded_at"`
	UploadedBy string    `bson:"uploaded_by"`
}

// eventDoc is a status change made after publication, with who made it and
// when. Seq numbers an agreement's changes 1, 2, 3…
type eventDoc struct {
	ID       string    `bson:"_id"`
	Contract string    `bson:"contract"`
	Seq      int       `bson:"seq"`
	SHA256   string    `bson:"sha256"` // of the text the change applies to
	Status   string    `bson:"status"`
	Date     string    `bson:"date"`
	VoteID   string    `bson:"vote_id,omitempty"`
	Note     string    `bson:"note,omitempty"`
	By       string    `bson:"by"`
	At       time.Time `bson:"at"`
}

// eventID is the _id of an agreement's seq-th status change.
func eventID(contract string, seq int) string { return fmt.Sprintf("%s/%03d", contract, seq) }

func (e eventDoc) event() StatusEvent {
	return StatusEvent{Status: Status(e.Status), Date: e.Date, VoteID: e.VoteID, Note: e.Note}
}

// EnsureIndexes creates the store's collections; it is idempotent. Every
// query addresses a document by its _id, so no other index is needed.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, c := range []*mongo.Collection{s.versions, s.status} {
		err := c.Database().CreateCollection(ctx, c.Name())
		var ce mongo.CommandError
		if err != nil && !(errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")) {
			return fmt.Errorf("contracts: create collection %s: %w", c.Name(), err)
		}
	}
	return nil
}

// Load adds the stored versions to the library and applies the stored
// status changes. It is idempotent, so that an instance can call it again
// to pick up what another instance stored. A stored version that no longer
// parses, or that conflicts with an embedded one, is an error.
func (s *Store) Load(ctx context.Context) error {
	// Full scans, of small collections (a document per version and per
	// status change), at start-up.
	var versions []versionDoc
	if err := findAll(ctx, s.versions, &versions); err != nil {
		return err
	}
	for _, v := range versions {
		if held, err := s.lib.Get(v.ID); err == nil && held.SHA256 == v.SHA256 {
			continue // loaded before
		}
		e, err := prepare(v.Name, []byte(v.Source))
		if err != nil {
			return fmt.Errorf("contracts: stored version %s: %w", v.ID, err)
		}
		if _, _, err := s.lib.put(e); err != nil {
			return fmt.Errorf("contracts: stored version %s: %w", v.ID, err)
		}
	}
	var changes []eventDoc
	if err := findAll(ctx, s.status, &changes); err != nil {
		return err
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].ID < changes[j].ID })
	added := map[string][]StatusEvent{}
	for _, c := range changes {
		if len(added[c.Contract]) == c.Seq-1 { // a gap cannot happen; stop at one if it does
			added[c.Contract] = append(added[c.Contract], c.event())
		}
	}
	for id, evs := range added {
		s.lib.setAdded(id, evs)
	}
	return nil
}

// Watch calls Load every interval until ctx ends, so that an instance
// serves what other instances sharing the database publish; errors go to
// onError.
func (s *Store) Watch(ctx context.Context, every time.Duration, onError func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Load(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}
	}
}

// findAll decodes every document of c into out.
func findAll(ctx context.Context, c *mongo.Collection, out any) error {
	cur, err := c.Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("contracts: load %s: %w", c.Name(), err)
	}
	if err := cur.All(ctx, out); err != nil {
		return fmt.Errorf("contracts: load %s: %w", c.Name(), err)
	}
	return nil
}

// Publish validates an uploaded agreement version and publishes it: it is
// stored, then added to the library. Publishing the same text again is a
// no-op (published false); a different text under an id already published
// is a Conflict; an invalid file is an Invalid error naming the line and the
// field. by names the officer, for the record.
func (s *Store) Publish(ctx context.Context, name string, src []byte, by string) (sum Summary, published bool, err error) {
	name = strings.Clone(name) // the document keeps it
	e, err := prepare(name, src)
	if err != nil {
		return Summary{}, false, err
	}
	d := e.doc
	if held, err := s.lib.Get(d.ID); err == nil {
		if held.SHA256 != d.SHA256 {
			return Summary{}, false, errConflict(d.ID)
		}
		return summaryOf(held), false, nil
	}
	v := versionDoc{ID: d.ID, Name: name, Source: string(src), SHA256: d.SHA256,
		UploadedAt: s.Now().UTC(), UploadedBy: by}
	if _, err := s.versions.InsertOne(ctx, v); err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return Summary{}, false, fmt.Errorf("contracts: publish %s: %w", d.ID, err)
		}
		// Another instance published this id first: the same text is a
		// no-op, a different one a conflict.
		if err := s.Load(ctx); err != nil {
			return Summary{}, false, err
		}
		held, err := s.lib.Get(d.ID)
		if err != nil {
			return Summary{}, false, errConflict(d.ID)
		}
		if held.SHA256 != d.SHA256 {
			return Summary{}, false, errConflict(d.ID)
		}
		return summaryOf(held), false, nil
	}
	held, added, err := s.lib.put(e)
	if err != nil {
		return Summary{}, false, err
	}
	return summaryOf(held), added, nil
}

// Advance records that an agreement reached a status: the status must come
// later than the last, dated no earlier than the last dated event, and a
// ratification names its vote (see CheckAdvance). Repeating the last change
// exactly is a no-op (changed false), so that a retried request converges.
// It returns the agreement's whole status history. by names the officer,
// for the record.
func (s *Store) Advance(ctx context.Context, id string, ev StatusEvent, by string) (history []StatusEvent, changed bool, err error) {
	base, err := s.lib.baseHistory(id)
	if err != nil {
		return nil, false, err
	}
	sha, err := s.lib.SHA256(id)
	if err != nil {
		return nil, false, err
	}
	for try := 0; try < maxAdvanceTries; try++ {
		added, err := s.changes(ctx, id)
		if err != nil {
			return nil, false, err
		}
		history = append(append([]StatusEvent(nil), base...), added...)
		if n := len(history); n > 0 && history[n-1] == ev {
			s.lib.setAdded(id, added)
			return history, false, nil
		}
		if err := CheckAdvance(history, ev); err != nil {
			s.lib.setAdded(id, added)
			return nil, false, err
		}
		seq := len(added) + 1
		_, err = s.status.InsertOne(ctx, eventDoc{ID: eventID(id, seq), Contract: id, Seq: seq, SHA256: sha,
			Status: string(ev.Status), Date: ev.Date, VoteID: ev.VoteID, Note: ev.Note, By: by, At: s.Now().UTC()})
		if mongo.IsDuplicateKeyError(err) {
			continue // another change took this number first: check again against it
		}
		if err != nil {
			return nil, false, fmt.Errorf("contracts: status of %s: %w", id, err)
		}
		added = append(added, ev)
		s.lib.setAdded(id, added)
		return append(history, ev), true, nil
	}
	return nil, false, errs.New(errs.Conflict, "the status of %s is changing in another request; try again", id)
}

// changes reads an agreement's stored status changes in order, by _id.
func (s *Store) changes(ctx context.Context, id string) ([]StatusEvent, error) {
	var out []StatusEvent
	for seq := 1; ; seq++ {
		var e eventDoc
		err := s.status.FindOne(ctx, bson.D{{Key: "_id", Value: eventID(id, seq)}}).Decode(&e)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("contracts: status of %s: %w", id, err)
		}
		out = append(out, e.event())
	}
}

// summaryOf is the list entry of a document.
func summaryOf(d *Document) Summary {
	return Summary{ID: d.ID, Title: d.Title, Parties: d.Parties, Term: d.Term, Status: d.LatestStatus(),
		Articles: len(d.Articles), Changes: len(d.Changes), SHA256: d.SHA256}
}
