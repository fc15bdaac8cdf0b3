package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

func newLog(t *testing.T) (*audit.Log, *mongo.Database) {
	t.Helper()
	db := storetest.DB(t)
	l := audit.NewLog(db)
	if err := l.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := l.EnsureIndexes(context.Background()); err != nil {
		t.Fatalf("EnsureIndexes is not idempotent: %v", err)
	}
	return l, db
}

var alice = audit.Actor{OfficerID: "o1", Email: "alice@example.org", Role: "admin", IP: "192.0.2.1"}

func appendN(t *testing.T, l *audit.Log, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := l.Append(context.Background(), alice, "member.updated", fmt.Sprintf("E%d", i), map[string]string{"fields": "email"}); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, l *audit.Log) audit.Report {
	t.Helper()
	r, err := l.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAppendListVerify(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	e1, err := l.Append(ctx, alice, "officer.login", "o1", nil)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := l.Append(ctx, audit.System, "vote.opened", "v1", map[string]string{"voters": "12"})
	if err != nil {
		t.Fatal(err)
	}
	if e1.Seq != 1 || e2.Seq != 2 || e2.PrevHash != e1.Hash || e1.PrevHash != "" || len(e1.Hash) != 64 {
		t.Fatalf("chain: %+v %+v", e1, e2)
	}
	got, err := l.List(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Seq != 2 || got[1].Seq != 1 {
		t.Fatalf("List newest first: %+v", got)
	}
	if got[0].Actor != audit.System || got[0].Detail["voters"] != "12" || !got[0].At.Equal(e2.At) || got[1].Actor != alice {
		t.Fatalf("entry round trip: %+v", got[0])
	}
	got, _ = l.List(ctx, audit.Filter{Object: "o1"})
	if len(got) != 1 || got[0].Action != "officer.login" {
		t.Fatalf("List by object: %+v", got)
	}
	got, _ = l.List(ctx, audit.Filter{Action: "vote.opened"})
	if len(got) != 1 || got[0].Object != "v1" {
		t.Fatalf("List by action: %+v", got)
	}
	got, _ = l.List(ctx, audit.Filter{Limit: 1, Offset: 1})
	if len(got) != 1 || got[0].Seq != 1 {
		t.Fatalf("List page 2: %+v", got)
	}
	if r := verify(t, l); !r.OK || r.Entries != 2 || r.HeadHash != e2.Hash {
		t.Fatalf("Verify = %+v", r)
	}
}

func TestAppendRefusesSecrets(t *testing.T) {
	l, _ := newLog(t)
	for _, k := range []string{"token", "voting_token", "Password", "choice", "link"} {
		if _, err := l.Append(context.Background(), alice, "x", "y", map[string]string{k: "v"}); err == nil {
			t.Errorf("detail key %q accepted", k)
		}
	}
	// Keys that merely mention such words are other callers' business.
	if _, err := l.Append(context.Background(), alice, "vote.voter_removed", "v1", map[string]string{"keep_link": "true", "tokens_issued": "3"}); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentAppenders runs appenders on two Log values (as two service
// instances would) at once: every entry gets its own number and the chain
// stays intact.
func TestConcurrentAppenders(t *testing.T) {
	l1, db := newLog(t)
	l2 := audit.NewLog(db)
	const workers, each = 6, 15
	var wg sync.WaitGroup
	errc := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		l := l1
		if w%2 == 1 {
			l = l2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := l.Append(context.Background(), alice, "test", fmt.Sprintf("w%d-%d", w, i), nil); err != nil {
					errc <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if r := verify(t, l1); !r.OK || r.Entries != workers*each {
		t.Fatalf("Verify = %+v, want %d entries OK", r, workers*each)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	ctx := context.Background()
	id := func(seq int) bson.D { return bson.D{{Key: "_id", Value: fmt.Sprintf("%020d", seq)}} }
	cases := []struct {
		name    string
		tamper  func(t *testing.T, c *mongo.Collection)
		broken  int64
		problem string
	}{
		{"EditedDetail", func(t *testing.T, c *mongo.Collection) {
			c.UpdateOne(ctx, id(3), bson.D{{Key: "$set", Value: bson.D{{Key: "detail.fields", Value: "status"}}}})
		}, 3, "altered"},
		{"EditedActor", func(t *testing.T, c *mongo.Collection) {
			c.UpdateOne(ctx, id(2), bson.D{{Key: "$set", Value: bson.D{{Key: "actor.email", Value: "mallory@example.org"}}}})
		}, 2, "altered"},
		{"EditedTime", func(t *testing.T, c *mongo.Collection) {
			c.UpdateOne(ctx, id(4), bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: time.Now().Add(-time.Hour)}}}})
		}, 4, "altered"},
		{"EditedAndRehashed", func(t *testing.T, c *mongo.Collection) {
			// Whoever recomputes the entry's own hash still breaks the link
			// from the next entry.
			var d bson.M
			c.FindOne(ctx, id(3)).Decode(&d)
			c.UpdateOne(ctx, id(3), bson.D{{Key: "$set", Value: bson.D{{Key: "object", Value: "E99"}, {Key: "hash", Value: strings.Repeat("0", 64)}}}})
		}, 3, "altered"},
		{"RemovedMiddle", func(t *testing.T, c *mongo.Collection) { c.DeleteOne(ctx, id(3)) }, 3, "removed"},
		{"RemovedFirst", func(t *testing.T, c *mongo.Collection) { c.DeleteOne(ctx, id(1)) }, 1, "removed"},
		{"RemovedLast", func(t *testing.T, c *mongo.Collection) { c.DeleteOne(ctx, id(5)) }, 5, "removed from the end"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, db := newLog(t)
			appendN(t, l, 5)
			if r := verify(t, l); !r.OK {
				t.Fatalf("before tampering: %+v", r)
			}
			tc.tamper(t, db.Collection("audit_log"))
			r := verify(t, l)
			if r.OK || r.BrokenAt != tc.broken || !strings.Contains(r.Problem, tc.problem) {
				t.Fatalf("Verify = %+v, want broken at %d (%s)", r, tc.broken, tc.problem)
			}
		})
	}
}

// TestHeadBehind: a crash between an insert and the head update leaves the
// head behind; the next Append probes past it and the chain stays intact.
func TestHeadBehind(t *testing.T) {
	l, db := newLog(t)
	appendN(t, l, 3)
	ctx := context.Background()
	if _, err := db.Collection("audit_head").UpdateOne(ctx, bson.D{{Key: "_id", Value: "head"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: 1}}}}); err != nil {
		t.Fatal(err)
	}
	e, err := l.Append(ctx, alice, "test", "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 4 {
		t.Fatalf("seq = %d, want 4", e.Seq)
	}
	if r := verify(t, l); !r.OK || r.Entries != 4 {
		t.Fatalf("Verify = %+v", r)
	}
}
