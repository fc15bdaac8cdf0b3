package ballot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// After a vote, nothing stored and no log line links a ballot to a member:
// a ballot has only its slot id, the vote, the choice and the receipt; none
// of its values appears anywhere else; and the physical order of the ballots
// is not the order in which they were cast.
func TestNoStoredDataLinksABallotToAMember(t *testing.T) {
	const n = 60
	e := newEnv(t, n)
	ctx := context.Background()
	v := e.openVote(t, nil)
	var castOrder []string // receipts in the order cast
	for i := 0; i < n; i++ {
		emp := fmt.Sprintf("E%05d", i)
		r, err := e.svc.Cast(ctx, e.mail.token(t, "invitation", emp), []string{"Yes", "No"}[i%3/2])
		if err != nil {
			t.Fatal(err)
		}
		castOrder = append(castOrder, r.Receipt)
	}
	e.svc.SendReminders(ctx, officer, v.ID) // nobody left, but exercises the path
	e.closeAndWait(t, v.ID)
	if _, _, err := e.svc.Results(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Publish(ctx, officer, v.ID); err != nil {
		t.Fatal(err)
	}

	// Every document of every collection, in natural (physical) order.
	names, err := e.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	all := map[string][]bson.M{}
	for _, name := range names {
		cur, err := e.db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		all[name] = docs
	}
	ballots := all["vote_ballots"]
	var physical []string
	for _, b := range ballots {
		keys := []string{}
		for k := range b {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if fmt.Sprint(keys) != "[_id choice receipt vote]" {
			t.Fatalf("a ballot has fields %v; want only _id, choice, receipt, vote", keys)
		}
		if _, isString := b["_id"].(string); !isString {
			t.Fatalf("ballot _id %v is not an opaque string (an ObjectID carries time)", b["_id"])
		}
		if r := b["receipt"].(string); r != "" {
			physical = append(physical, r)
		}
	}
	if len(physical) != n {
		t.Fatalf("%d filled ballots, want %d", len(physical), n)
	}
	// Physical order against cast order: a random permutation of 60 has on
	// average one fixed point; the cast order would have 60.
	same := 0
	for i := range physical {
		if physical[i] == castOrder[i] {
			same++
		}
	}
	if same > 10 || slices.Equal(physical, castOrder) {
		t.Fatalf("ballots are stored in cast order (%d of %d in place)", same, n)
	}

	// No value of a ballot appears in any other collection or in the logs.
	var other strings.Builder
	for name, docs := range all {
		if name == "vote_ballots" {
			continue
		}
		for _, d := range docs {
			fmt.Fprintln(&other, name, d)
		}
	}
	// The tallied vote's receipts list (vote_receipts, sorted) is published
	// by design; receipts must not sit next to a member anywhere else.
	logs := e.logs.String() + strings.Join(e.audit.entries, "\n")
	for _, b := range ballots {
		id := b["_id"].(string)
		if strings.Contains(other.String(), id) || strings.Contains(logs, id) {
			t.Fatalf("ballot slot id %s appears outside the ballots", id)
		}
		r := b["receipt"].(string)
		if r == "" {
			continue
		}
		for name, docs := range all {
			if name == "vote_ballots" || name == "votes" || name == "vote_receipts" {
				continue
			}
			for _, d := range docs {
				if strings.Contains(fmt.Sprint(d), r) {
					t.Fatalf("receipt %s appears in %s: %v", r, name, d)
				}
			}
		}
		if strings.Contains(logs, r) {
			t.Fatalf("receipt %s appears in the logs", r)
		}
	}
	// Participation marks carry a date, not a time.
	for _, m := range all["vote_casts"] {
		for k, val := range m {
			if _, isTime := val.(bson.DateTime); isTime {
				t.Fatalf("participation mark field %s holds a time: %v", k, m)
			}
		}
		if on := m["on"].(string); len(on) != len("2006-01-02") {
			t.Fatalf("participation date %q is not a date", on)
		}
	}
	// The member-naming documents never hold a slot id or a receipt: checked
	// above. Tokens themselves are never stored: the outbox here is the test
	// recorder, and the links' tokens must not appear in the database.
	for _, m := range e.mail.msgs {
		if m.Secret["link"] == "" {
			continue
		}
		tok := m.Secret["link"][strings.LastIndex(m.Secret["link"], "/")+1:]
		if i := strings.Index(other.String(), tok); i >= 0 {
			t.Fatalf("voting token %s is stored: ...%s...", tok, other.String()[max(0, i-200):i+30])
		}
		if strings.Contains(logs, tok) {
			t.Fatalf("voting token %s is logged", tok)
		}
	}
}
