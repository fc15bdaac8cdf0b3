package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collections the outbox owns.
const (
	collMessages = "outbox"         // one document per message, _id = Message.ID
	collBatches  = "outbox_batches" // small: one header per batch not yet delivered
	collItems    = "outbox_items"   // the message ids of each batch, _id = batch id
	collLeases   = "outbox_leases"  // claims on batches, _id = "{batch}#{gen}"
	collStats    = "outbox_stats"   // per-batch counts, read to build campaign stats
)

// Outbox stores messages and delivers them. See the package documentation
// for its design.
type Outbox struct {
	cfg      Config
	db       *mongo.Database
	msgs     *mongo.Collection
	batches  *mongo.Collection
	items    *mongo.Collection
	leases   *mongo.Collection
	stats    *mongo.Collection
	payloads *payloads
	instance string // names this process's leases
	limiter  *limiter
	dkim     dkimSigner

	wake chan struct{} // a local Enqueue wakes idle senders

	mu        sync.Mutex
	running   bool
	cands     []batchDoc // batches seen free at the last listing
	listedAt  time.Time
	listDirty bool
}

// messageDoc is a stored message.
type messageDoc struct {
	ID       string            `bson:"_id"`
	Campaign string            `bson:"campaign"`
	To       string            `bson:"to"`
	ToName   string            `bson:"to_name,omitempty"`
	Template string            `bson:"template"`
	Payload  string            `bson:"payload,omitempty"` // the template data, stored once per distinct value
	Data     bson.M            `bson:"-"`                 // the payload's data, once loaded
	Secret   map[string]string `bson:"secret,omitempty"`
	// Origin is the batch the message was enqueued in; Batch the one now
	// responsible for delivering it (a retry moves it to another).
	Origin    string    `bson:"origin"`
	Batch     string    `bson:"batch"`
	State     string    `bson:"state"`
	Attempts  int       `bson:"attempts,omitempty"`
	NextAt    time.Time `bson:"next_at,omitempty"` // zero: due now
	LastError string    `bson:"last_error,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
	SentAt    time.Time `bson:"sent_at,omitempty"`
	FailedAt  time.Time `bson:"failed_at,omitempty"`
	Response  string    `bson:"response,omitempty"`
	MessageID string    `bson:"message_id,omitempty"`
}

// batchDoc is a batch header: small, so that workers may list them all.
type batchDoc struct {
	ID         string    `bson:"_id"`
	Campaign   string    `bson:"campaign"`
	Kind       string    `bson:"kind"` // "enqueue", "carry" (temporary failures) or "retry" (officer)
	N          int       `bson:"n"`
	CreatedAt  time.Time `bson:"created_at"`
	NotBefore  time.Time `bson:"not_before"`
	Gen        int       `bson:"gen"`         // last lease generation written by its holder
	LeaseUntil time.Time `bson:"lease_until"` // copy of that lease's expiry
}

type itemsDoc struct {
	ID  string   `bson:"_id"`
	IDs []string `bson:"ids"`
}

// NewOutbox returns an outbox on db. It does not start delivery: call Run.
func NewOutbox(db *mongo.Database, cfg Config) *Outbox {
	cfg.defaults()
	var b [6]byte
	rand.Read(b[:])
	o := &Outbox{
		cfg:      cfg,
		db:       db,
		msgs:     db.Collection(collMessages),
		batches:  db.Collection(collBatches),
		items:    db.Collection(collItems),
		leases:   db.Collection(collLeases),
		stats:    db.Collection(collStats),
		payloads: newPayloads(db),
		instance: hex.EncodeToString(b[:]),
		limiter:  newLimiter(cfg.Rate),
		wake:     make(chan struct{}, 1),
	}
	if len(cfg.DKIM.KeyPEM) > 0 {
		s, err := newDKIMSigner(cfg)
		if err != nil {
			cfg.Logger.Error("notify: DKIM disabled", "error", err)
		} else {
			o.dkim = s
		}
	}
	return o
}

// Mode describes where messages go, for the start-up log: "smtp host:port
// (starttls)" or "files <dir>".
func (o *Outbox) Mode() string {
	if o.cfg.mode() == "smtp" {
		return fmt.Sprintf("smtp %s:%d (%s)", o.cfg.SMTP.Host, o.cfg.SMTP.Port, o.cfg.SMTP.TLS)
	}
	return "files " + o.cfg.Dir
}

// MailDir is the directory of .eml files in file mode, "" with SMTP.
func (o *Outbox) MailDir() string {
	if o.cfg.mode() == "smtp" {
		return ""
	}
	return o.cfg.Dir
}

// EnsureIndexes creates the outbox's collections. Every lookup is by _id,
// so there is no secondary index to create.
func (o *Outbox) EnsureIndexes(ctx context.Context) error {
	return ensureCollections(ctx, o.db, collMessages, collBatches, collItems, collLeases, collStats, collPayloads)
}

func ensureCollections(ctx context.Context, db *mongo.Database, names ...string) error {
	have, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("notify: list collections: %w", err)
	}
	exists := map[string]bool{}
	for _, n := range have {
		exists[n] = true
	}
	for _, n := range names {
		if exists[n] {
			continue
		}
		if err := db.CreateCollection(ctx, n); err != nil && !isNamespaceExists(err) {
			return fmt.Errorf("notify: create %s: %w", n, err)
		}
	}
	return nil
}

func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")
}

// Enqueue stores messages for delivery, in batches. A message whose ID is
// already stored is left as it is. Every message is checked first: one bad
// message (empty id, unknown template, bad address) stores none.
//
// Each batch's header is written before its messages, so that a crash
// half-way through leaves a header that workers finish (they wait a while
// for messages still being written), never stored messages no worker knows.
// Enqueue again with the same messages after an error: it converges.
func (o *Outbox) Enqueue(ctx context.Context, msgs ...Message) error {
	for i, m := range msgs {
		if err := validate(i, m); err != nil {
			return err
		}
	}
	// One campaign per batch, first occurrence of an id wins.
	seen := make(map[string]bool, len(msgs))
	var order []string
	byCampaign := map[string][]Message{}
	for _, m := range msgs {
		if seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		if _, ok := byCampaign[m.Campaign]; !ok {
			order = append(order, m.Campaign)
		}
		byCampaign[m.Campaign] = append(byCampaign[m.Campaign], m)
	}
	now := o.cfg.Now().UTC()
	const perWrite = 1000 // messages per InsertMany
	chunk := max(o.cfg.BatchSize, perWrite/o.cfg.BatchSize*o.cfg.BatchSize)
	for _, c := range order {
		all := byCampaign[c]
		for start := 0; start < len(all); start += chunk {
			if err := o.enqueueChunk(ctx, now, all[start:min(start+chunk, len(all))]); err != nil {
				return err
			}
		}
	}
	o.signal()
	return nil
}

// enqueueChunk writes the batches of one campaign's messages: headers and
// item lists, then messages, then the per-batch enqueued counts.
func (o *Outbox) enqueueChunk(ctx context.Context, now time.Time, msgs []Message) error {
	payloadIDs, err := o.payloads.store(ctx, msgs)
	if err != nil {
		return err
	}
	var heads, items, docs []any
	var batchOf []string // batch id of each doc
	var batchIDs []string
	for start := 0; start < len(msgs); start += o.cfg.BatchSize {
		part := msgs[start:min(start+o.cfg.BatchSize, len(msgs))]
		id := newBatchID(now)
		batchIDs = append(batchIDs, id)
		ids := make([]string, len(part))
		for i, m := range part {
			ids[i] = m.ID
			docs = append(docs, messageDoc{
				ID: m.ID, Campaign: m.Campaign, To: m.To, ToName: m.ToName, Template: m.Template,
				Payload: payloadIDs[start+i], Secret: m.Secret, Origin: id, Batch: id, State: StateQueued,
				CreatedAt: now,
			})
			batchOf = append(batchOf, id)
		}
		items = append(items, itemsDoc{ID: id, IDs: ids})
		heads = append(heads, batchDoc{ID: id, Campaign: part[0].Campaign, Kind: "enqueue", N: len(part), CreatedAt: now, NotBefore: now})
	}
	if err := insertAll(ctx, o.items, items); err != nil {
		return fmt.Errorf("notify: enqueue: %w", err)
	}
	if err := insertAll(ctx, o.batches, heads); err != nil {
		return fmt.Errorf("notify: enqueue: %w", err)
	}
	dups, err := insertIgnoringDuplicates(ctx, o.msgs, docs)
	if err != nil {
		return fmt.Errorf("notify: enqueue: %w", err)
	}
	inserted := map[string]int{}
	for i, b := range batchOf {
		if !dups[i] {
			inserted[b]++
		}
	}
	stats := make([]any, 0, len(batchIDs))
	for _, b := range batchIDs {
		n := inserted[b]
		stats = append(stats, statsDoc{ID: b, Campaign: msgs[0].Campaign, Template: msgs[0].Template, CreatedAt: now, Enqueued: &n})
	}
	// A batch delivered before this write has already recorded the same
	// count: duplicates are expected.
	if _, err := insertIgnoringDuplicates(ctx, o.stats, stats); err != nil {
		return fmt.Errorf("notify: enqueue: %w", err)
	}
	return nil
}

func insertAll(ctx context.Context, c *mongo.Collection, docs []any) error {
	if len(docs) == 0 {
		return nil
	}
	_, err := c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	return err
}

// insertIgnoringDuplicates inserts docs unordered and reports which ones
// were already there (by index); any other error fails.
func insertIgnoringDuplicates(ctx context.Context, c *mongo.Collection, docs []any) (map[int]bool, error) {
	dups := map[int]bool{}
	if len(docs) == 0 {
		return dups, nil
	}
	_, err := c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return dups, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return nil, err
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return nil, err
		}
		dups[we.Index] = true
	}
	return dups, nil
}

// newBatchID returns a unique batch id that sorts by creation time.
func newBatchID(now time.Time) string {
	var b [6]byte
	rand.Read(b[:])
	return "b" + strconv.FormatInt(now.UnixMilli(), 36) + hex.EncodeToString(b[:])
}

// signal wakes one idle sender of this process and makes the next claim
// list batches again.
func (o *Outbox) signal() {
	o.mu.Lock()
	o.listDirty = true
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// load reads one message by _id.
func (o *Outbox) load(ctx context.Context, id string) (*messageDoc, error) {
	var d messageDoc
	err := o.msgs.FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("notify: load %s: %w", id, err)
	}
	return &d, nil
}
