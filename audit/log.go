package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Actor is who did something: an officer, or System for the scheduler.
type Actor struct {
	OfficerID string `json:"officer_id"`
	Email     string `json:"email,omitempty"`
	Role      string `json:"role"`
	IP        string `json:"ip,omitempty"`
}

// System is the actor of scheduled, unattended actions.
var System = Actor{OfficerID: "system", Role: "system"}

// Entry is one audit record.
type Entry struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  Actor     `json:"actor"`
	Action string    `json:"action"` // e.g. "vote.opened", "members.import_applied", "officer.login_failed"
	// Object is the id of the object acted on, e.g. a vote id or employee id.
	Object   string            `json:"object"`
	Detail   map[string]string `json:"detail,omitempty"`
	PrevHash string            `json:"prev_hash"`
	Hash     string            `json:"hash"`
}

// Filter selects entries for List.
type Filter struct {
	Object, Action string
	Limit, Offset  int
}

// Report is the outcome of Verify.
type Report struct {
	Entries int64 `json:"entries"` // entries checked
	OK      bool  `json:"ok"`
	// BrokenAt is the sequence number of the first entry found wrong
	// (or missing), 0 when OK.
	BrokenAt int64 `json:"broken_at,omitempty"`
	// Problem says in one sentence what is wrong, "" when OK.
	Problem string `json:"problem,omitempty"`
	// HeadHash is the hash of the last entry: keep it elsewhere to detect
	// a rewrite of the whole chain later.
	HeadHash string `json:"head_hash,omitempty"`
}

// Collection names.
const (
	entriesCollection = "audit_log"
	headCollection    = "audit_head"
	headID            = "head"
)

// maxAppendTries bounds the retries of one Append under contention.
const maxAppendTries = 1000

// Log is the audit log of one database.
type Log struct {
	entries *mongo.Collection
	head    *mongo.Collection
	// Now returns the current time; tests may replace it.
	Now func() time.Time
}

// NewLog returns the audit log kept in db.
func NewLog(db *mongo.Database) *Log {
	return &Log{
		entries: db.Collection(entriesCollection),
		head:    db.Collection(headCollection),
		Now:     time.Now,
	}
}

// EnsureIndexes creates the log's collections and indexes; it is idempotent.
func (l *Log) EnsureIndexes(ctx context.Context) error {
	for _, c := range []*mongo.Collection{l.entries, l.head} {
		if err := createCollection(ctx, c); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	return ensureIndexes(ctx, l.entries, []mongo.IndexModel{
		{Keys: bson.D{{Key: "object", Value: 1}}},
		{Keys: bson.D{{Key: "action", Value: 1}}},
	})
}

// ensureIndexes creates the indexes c lacks. It does not ask the store to
// create indexes that exist: FerretDB 1.24 fails on that.
func ensureIndexes(ctx context.Context, c *mongo.Collection, models []mongo.IndexModel) error {
	specs, err := c.Indexes().ListSpecifications(ctx)
	if err != nil {
		return fmt.Errorf("audit: list indexes of %s: %w", c.Name(), err)
	}
	have := map[string]bool{}
	for _, s := range specs {
		have[s.KeysDocument.String()] = true
	}
	var missing []mongo.IndexModel
	for _, m := range models {
		keys, err := bson.Marshal(m.Keys)
		if err != nil {
			return err
		}
		if !have[bson.Raw(keys).String()] {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := c.Indexes().CreateMany(ctx, missing); err != nil {
		return fmt.Errorf("audit: indexes of %s: %w", c.Name(), err)
	}
	return nil
}

// createCollection creates c unless it exists.
func createCollection(ctx context.Context, c *mongo.Collection) error {
	err := c.Database().CreateCollection(ctx, c.Name())
	var ce mongo.CommandError
	if err != nil && !(errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")) {
		return fmt.Errorf("create collection %s: %w", c.Name(), err)
	}
	return nil
}

// entryDoc is an entry as stored.
type entryDoc struct {
	ID       string            `bson:"_id"`
	Seq      int64             `bson:"seq"`
	At       time.Time         `bson:"at"`
	Actor    actorDoc          `bson:"actor"`
	Action   string            `bson:"action"`
	Object   string            `bson:"object"`
	Detail   map[string]string `bson:"detail,omitempty"`
	PrevHash string            `bson:"prev_hash"`
	Hash     string            `bson:"hash"`
}

type actorDoc struct {
	OfficerID string `bson:"officer_id"`
	Email     string `bson:"email,omitempty"`
	Role      string `bson:"role"`
	IP        string `bson:"ip,omitempty"`
}

type headDoc struct {
	ID   string `bson:"_id"`
	Seq  int64  `bson:"seq"`
	Hash string `bson:"hash"`
}

// docID is the _id of entry seq: zero-padded so that string order is
// numeric order.
func docID(seq int64) string { return fmt.Sprintf("%020d", seq) }

func (d entryDoc) entry() Entry {
	return Entry{
		Seq: d.Seq, At: d.At.UTC(),
		Actor:  Actor{OfficerID: d.Actor.OfficerID, Email: d.Actor.Email, Role: d.Actor.Role, IP: d.Actor.IP},
		Action: d.Action, Object: d.Object, Detail: d.Detail,
		PrevHash: d.PrevHash, Hash: d.Hash,
	}
}

// forbiddenDetail are detail keys that could only carry a secret or a
// ballot choice.
var forbiddenDetail = map[string]bool{
	"token": true, "voting_token": true, "session_token": true, "jwt": true, "password": true,
	"secret": true, "choice": true, "ballot": true, "link": true, "voting_link": true,
}

// Append adds an entry at the end of the chain and returns it.
func (l *Log) Append(ctx context.Context, actor Actor, action, object string, detail map[string]string) (Entry, error) {
	if action == "" {
		return Entry{}, errors.New("audit: append: empty action")
	}
	for k := range detail {
		if forbiddenDetail[strings.ToLower(k)] {
			return Entry{}, fmt.Errorf("audit: append %s: detail key %q would record a secret or a ballot choice", action, k)
		}
	}
	if len(detail) == 0 {
		detail = nil
	}
	seq, prev, err := l.last(ctx)
	if err != nil {
		return Entry{}, err
	}
	for try := 0; try < maxAppendTries; try++ {
		e := Entry{
			Seq: seq + 1,
			// BSON keeps milliseconds: truncate first so that the hash of
			// the stored entry is the hash computed here.
			At:     l.Now().UTC().Truncate(time.Millisecond),
			Actor:  actor,
			Action: action, Object: object, Detail: detail,
			PrevHash: prev,
		}
		e.Hash = hashEntry(e)
		_, err := l.entries.InsertOne(ctx, docOf(e))
		if err == nil {
			l.advanceHead(ctx, e.Seq, e.Hash)
			return e, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return Entry{}, fmt.Errorf("audit: append %s: %w", action, err)
		}
		// Another appender took this number: read on from it.
		if seq, prev, err = l.probe(ctx, seq, prev); err != nil {
			return Entry{}, err
		}
	}
	return Entry{}, fmt.Errorf("audit: append %s: gave up after %d tries under contention", action, maxAppendTries)
}

func docOf(e Entry) entryDoc {
	return entryDoc{
		ID: docID(e.Seq), Seq: e.Seq, At: e.At,
		Actor:  actorDoc{OfficerID: e.Actor.OfficerID, Email: e.Actor.Email, Role: e.Actor.Role, IP: e.Actor.IP},
		Action: e.Action, Object: e.Object, Detail: e.Detail,
		PrevHash: e.PrevHash, Hash: e.Hash,
	}
}

// last returns the sequence number and hash of the last entry: the head's,
// then probing forward by _id past entries the head has not caught up with.
func (l *Log) last(ctx context.Context) (int64, string, error) {
	var h headDoc
	err := l.head.FindOne(ctx, bson.D{{Key: "_id", Value: headID}}).Decode(&h)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, "", fmt.Errorf("audit: read head: %w", err)
	}
	return l.probe(ctx, h.Seq, h.Hash)
}

// probe reads entries seq+1, seq+2... by _id until one is missing.
func (l *Log) probe(ctx context.Context, seq int64, hash string) (int64, string, error) {
	for {
		var d entryDoc
		err := l.entries.FindOne(ctx, bson.D{{Key: "_id", Value: docID(seq + 1)}}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return seq, hash, nil
		}
		if err != nil {
			return 0, "", fmt.Errorf("audit: read entry %d: %w", seq+1, err)
		}
		seq, hash = d.Seq, d.Hash
	}
}

// advanceHead moves the head to seq unless it is already further. The head
// is a hint for the next probe, so failing to move it loses nothing: the
// error is dropped on purpose.
func (l *Log) advanceHead(ctx context.Context, seq int64, hash string) {
	// The head collection holds one document, so this two-key filter is
	// cheap even on the embedded store.
	res, err := l.head.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: headID}, {Key: "seq", Value: bson.D{{Key: "$lt", Value: seq}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: seq}, {Key: "hash", Value: hash}}}})
	if err == nil && res.MatchedCount == 0 {
		l.head.InsertOne(ctx, headDoc{ID: headID, Seq: seq, Hash: hash}) // a duplicate means the head exists and is further
	}
}

// canonical is the encoding an entry's hash covers: fixed field order,
// detail keys sorted (encoding/json sorts map keys), time in UTC with
// milliseconds.
type canonical struct {
	Seq      int64             `json:"seq"`
	At       string            `json:"at"`
	Officer  string            `json:"officer_id"`
	Email    string            `json:"email"`
	Role     string            `json:"role"`
	IP       string            `json:"ip"`
	Action   string            `json:"action"`
	Object   string            `json:"object"`
	Detail   map[string]string `json:"detail"`
	PrevHash string            `json:"prev_hash"`
}

// hashEntry is hex(SHA-256(prev hash || canonical encoding of e)).
func hashEntry(e Entry) string {
	b, err := json.Marshal(canonical{
		Seq: e.Seq, At: e.At.UTC().Format("2006-01-02T15:04:05.000Z"),
		Officer: e.Actor.OfficerID, Email: e.Actor.Email, Role: e.Actor.Role, IP: e.Actor.IP,
		Action: e.Action, Object: e.Object, Detail: e.Detail, PrevHash: e.PrevHash,
	})
	if err != nil {
		panic("audit: canonical encoding: " + err.Error()) // strings and ints only: cannot fail
	}
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// List returns entries newest first. Without an object or action filter it
// reads entries by _id from the head down; with one it scans (a cold path).
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	if f.Object == "" && f.Action == "" {
		return l.listRecent(ctx, f)
	}
	filter := bson.D{}
	if f.Object != "" {
		filter = append(filter, bson.E{Key: "object", Value: f.Object})
	}
	if f.Action != "" {
		filter = append(filter, bson.E{Key: "action", Value: f.Action})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).
		SetSkip(int64(f.Offset)).SetLimit(int64(f.Limit))
	cur, err := l.entries.Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	var docs []entryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	out := make([]Entry, len(docs))
	for i, d := range docs {
		out[i] = d.entry()
	}
	return out, nil
}

func (l *Log) listRecent(ctx context.Context, f Filter) ([]Entry, error) {
	seq, _, err := l.last(ctx)
	if err != nil {
		return nil, err
	}
	out := []Entry{}
	for s := seq - int64(f.Offset); s >= 1 && len(out) < f.Limit; s-- {
		var d entryDoc
		err := l.entries.FindOne(ctx, bson.D{{Key: "_id", Value: docID(s)}}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // a removed entry: Verify reports it
		}
		if err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, d.entry())
	}
	return out, nil
}
