package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// The template data of a campaign's messages is usually the same for every
// member (the vote, its closing time, its meetings). It is stored once, in
// a payload document whose _id is the hash of its canonical BSON, and each
// message names it: 100,000 invitations store one copy of the data, which
// keeps the message documents small and their writes fast.

const collPayloads = "outbox_payloads"

// errNoPayload fails a message whose data is gone (it cannot happen unless
// someone deletes payload documents).
var errNoPayload = errors.New("template data missing")

type payloadDoc struct {
	ID   string `bson:"_id"`
	Data bson.D `bson:"data"`
}

// payloads caches payload ids by the identity of the data map (callers
// pass one map to many messages) and payload data by id.
type payloads struct {
	coll *mongo.Collection
	mu   sync.Mutex
	data map[string]bson.M // by id, for workers; bounded
}

func newPayloads(db *mongo.Database) *payloads {
	return &payloads{coll: db.Collection(collPayloads), data: map[string]bson.M{}}
}

// store writes the data of msgs as payloads and returns each message's
// payload id ("" for no data).
func (p *payloads) store(ctx context.Context, msgs []Message) ([]string, error) {
	ids := make([]string, len(msgs))
	byMap := map[uintptr]string{}
	fresh := map[string]bson.D{}
	for i, m := range msgs {
		if len(m.Data) == 0 {
			continue
		}
		ptr := reflect.ValueOf(m.Data).Pointer()
		if id, ok := byMap[ptr]; ok {
			ids[i] = id
			continue
		}
		doc := canonicalMap(m.Data)
		b, err := bson.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("notify: message %q: data: %w", m.ID, err)
		}
		sum := sha256.Sum256(b)
		id := "p" + hex.EncodeToString(sum[:16])
		byMap[ptr], ids[i] = id, id
		fresh[id] = doc
	}
	for id, doc := range fresh {
		_, err := p.coll.InsertOne(ctx, payloadDoc{ID: id, Data: doc})
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return nil, fmt.Errorf("notify: payload: %w", err)
		}
	}
	return ids, nil
}

// load returns a payload's data.
func (p *payloads) load(ctx context.Context, id string) (bson.M, error) {
	if id == "" {
		return nil, nil
	}
	p.mu.Lock()
	d, ok := p.data[id]
	p.mu.Unlock()
	if ok {
		return d, nil
	}
	var doc struct {
		Data bson.M `bson:"data"`
	}
	err := p.coll.FindOne(ctx, bson.M{"_id": id}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("%w: %s", errNoPayload, id)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: payload %s: %w", id, err)
	}
	p.mu.Lock()
	if len(p.data) >= 256 {
		clear(p.data)
	}
	p.data[id] = doc.Data
	p.mu.Unlock()
	return doc.Data, nil
}

// canonical orders map keys so that equal data marshal to equal bytes.
func canonical(x any) any {
	switch v := x.(type) {
	case map[string]any:
		return canonicalMap(v)
	case bson.M:
		return canonicalMap(v)
	case []any:
		out := make(bson.A, len(v))
		for i, e := range v {
			out[i] = canonical(e)
		}
		return out
	case []map[string]any:
		out := make(bson.A, len(v))
		for i, e := range v {
			out[i] = canonical(e)
		}
		return out
	}
	return x
}

func canonicalMap(m map[string]any) bson.D {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	d := make(bson.D, len(keys))
	for i, k := range keys {
		d[i] = bson.E{Key: k, Value: canonical(m[k])}
	}
	return d
}
