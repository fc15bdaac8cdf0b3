package contracts

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// testVersion is a small agreement an officer might upload.
const testVersion = `---
id: demo-2024-2027
title: Demo Agreement 2024-2027
party: Demo District
party: Demo Union
term: 2024-07-01 to 2027-06-30
status: tentative_agreement 2024-03-01
---

# 101 RECOGNITION

## A.
The District recognizes the Union as the {--sole--}{++exclusive++} representative.

# 102 WAGES {supplied}

Wages rise by three percent each year.
`

// newStore returns a store on a fresh embedded database with the embedded
// agreements loaded.
func newStore(t *testing.T) (*Store, *mongo.Database) {
	t.Helper()
	db := storetest.DB(t)
	s := NewStore(db, mustLib(t))
	s.Now = func() time.Time { return time.Date(2024, 3, 5, 17, 0, 0, 0, time.UTC) }
	if err := s.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIndexes(context.Background()); err != nil {
		t.Fatalf("EnsureIndexes is not idempotent: %v", err)
	}
	return s, db
}

// reopen returns a store on the same database with a fresh library, as after
// a restart, with the stored versions loaded.
func reopen(t *testing.T, db *mongo.Database) *Store {
	t.Helper()
	s := NewStore(db, mustLib(t))
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func wantCode(t *testing.T, err error, code errs.Code, field string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code || (field != "" && e.Field != field) {
		t.Fatalf("got %v, want %s naming %q", err, code, field)
	}
}

func TestStorePublish(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)

	t.Run("OK", func(t *testing.T) {
		sum, published, err := s.Publish(ctx, "demo.md", []byte(testVersion), "officer@example.org")
		if err != nil || !published {
			t.Fatalf("Publish = %+v, %v, %v", sum, published, err)
		}
		if sum.ID != "demo-2024-2027" || sum.Changes != 1 || sum.Status.Status != StatusTentative {
			t.Errorf("summary %+v", sum)
		}
		title, sha, url, err := s.lib.ContractFor(ctx, "demo-2024-2027")
		if err != nil || title != "Demo Agreement 2024-2027" || len(sha) != 64 || url != "/contracts/demo-2024-2027/changes" {
			t.Errorf("ContractFor = %q %q %q %v", title, sha, url, err)
		}
		var v versionDoc
		if err := db.Collection(versionsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: "demo-2024-2027"}}).Decode(&v); err != nil {
			t.Fatal(err)
		}
		if v.Source != testVersion || v.UploadedBy != "officer@example.org" || v.SHA256 != sha || !v.UploadedAt.Equal(s.Now()) {
			t.Errorf("stored %+v", v)
		}
	})
	t.Run("SameTextIsNoOp", func(t *testing.T) {
		_, published, err := s.Publish(ctx, "again.md", []byte(testVersion), "other@example.org")
		if err != nil || published {
			t.Fatalf("second Publish = %v, %v; want a no-op", published, err)
		}
	})
	t.Run("ErrDifferentText", func(t *testing.T) {
		changed := strings.Replace(testVersion, "three percent", "four percent", 1)
		_, _, err := s.Publish(ctx, "demo.md", []byte(changed), "officer@example.org")
		wantCode(t, err, errs.Conflict, "")
		d, _ := s.lib.Get("demo-2024-2027")
		if !strings.Contains(CleanText(d.Articles[1].Body[0].Segments), "three percent") {
			t.Error("the published text changed")
		}
	})
	t.Run("ErrDifferentTextUnderEmbeddedID", func(t *testing.T) {
		src := strings.Replace(testVersion, "demo-2024-2027", "ace-2021-2024", 1)
		_, _, err := s.Publish(ctx, "ace.md", []byte(src), "officer@example.org")
		wantCode(t, err, errs.Conflict, "")
	})
	t.Run("ErrBadFileNamesLine", func(t *testing.T) {
		src := strings.Replace(testVersion, "# 102 WAGES", "# 101 WAGES", 1)
		src = strings.Replace(src, "demo-2024-2027", "demo-2025-2028", 1)
		_, _, err := s.Publish(ctx, "bad.md", []byte(src), "officer@example.org")
		wantCode(t, err, errs.Invalid, "line 15: article.number")
		if _, err := s.lib.Get("demo-2025-2028"); err == nil {
			t.Error("an invalid version was added")
		}
		n, _ := db.Collection(versionsCollection).CountDocuments(ctx, bson.D{{Key: "_id", Value: "demo-2025-2028"}})
		if n != 0 {
			t.Error("an invalid version was stored")
		}
	})
	t.Run("LoadedAfterRestart", func(t *testing.T) {
		r := reopen(t, db)
		d, err := r.lib.Get("demo-2024-2027")
		if err != nil || d.Source != "demo.md" {
			t.Fatalf("after restart: %v", err)
		}
		if len(r.lib.List()) != 3 {
			t.Errorf("%d agreements after restart, want 3", len(r.lib.List()))
		}
		if err := r.Load(ctx); err != nil {
			t.Errorf("Load is not idempotent: %v", err)
		}
	})
	t.Run("PublishedByAnotherInstance", func(t *testing.T) {
		other := reopen(t, db) // loaded before the new version exists
		src := strings.Replace(testVersion, "demo-2024-2027", "demo-2030-2033", 1)
		if _, ok, err := s.Publish(ctx, "d.md", []byte(src), "a@example.org"); err != nil || !ok {
			t.Fatal(ok, err)
		}
		_, ok, err := other.Publish(ctx, "d.md", []byte(src), "b@example.org")
		if err != nil || ok {
			t.Fatalf("same text from another instance = %v, %v; want a no-op", ok, err)
		}
		_, _, err = other.Publish(ctx, "d.md", []byte(strings.Replace(src, "three", "five", 1)), "b@example.org")
		wantCode(t, err, errs.Conflict, "")
	})
}

func TestStoreAdvance(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	const id = "aea-2021-2024" // tentative_agreement 2021-11-10 in its source
	tests := []struct {
		name  string
		ev    StatusEvent
		code  errs.Code
		field string
	}{
		{"OutForVote", StatusEvent{Status: StatusOutForVote, Date: "2021-12-01", Note: "e-vote Dec 1-10"}, "", ""},
		{"RepeatIsNoOp", StatusEvent{Status: StatusOutForVote, Date: "2021-12-01", Note: "e-vote Dec 1-10"}, "", ""},
		{"ErrSideways", StatusEvent{Status: StatusOutForVote, Date: "2021-12-02"}, errs.Invalid, "status"},
		{"ErrBackwards", StatusEvent{Status: StatusTentative, Date: "2021-12-02"}, errs.Invalid, "status"},
		{"ErrUnknownStatus", StatusEvent{Status: "approved", Date: "2021-12-02"}, errs.Invalid, "status"},
		{"ErrEarlierDate", StatusEvent{Status: StatusRatified, Date: "2021-11-30", VoteID: "v1"}, errs.Invalid, "date"},
		{"ErrNotADate", StatusEvent{Status: StatusRatified, Date: "2021-13-01", VoteID: "v1"}, errs.Invalid, "date"},
		{"ErrRatifiedWithoutVote", StatusEvent{Status: StatusRatified, Date: "2021-12-10"}, errs.Invalid, "vote_id"},
		{"Ratified", StatusEvent{Status: StatusRatified, Date: "2021-12-10", VoteID: "aea-2021-ratification"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, changed, err := s.Advance(ctx, id, tt.ev, "officer@example.org")
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.field)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if last := h[len(h)-1]; last != tt.ev || h[0].Status != StatusTentative {
				t.Errorf("history %+v", h)
			}
			if wantChanged := tt.name != "RepeatIsNoOp"; changed != wantChanged {
				t.Errorf("changed = %v, want %v", changed, wantChanged)
			}
		})
	}
	want := []Status{StatusTentative, StatusOutForVote, StatusRatified}
	check := func(t *testing.T, l *Library) {
		t.Helper()
		d, _ := l.Get(id)
		if len(d.Status) != len(want) {
			t.Fatalf("history %+v", d.Status)
		}
		for i, st := range want {
			if d.Status[i].Status != st {
				t.Errorf("event %d is %s, want %s", i, d.Status[i].Status, st)
			}
		}
		for _, sum := range l.List() {
			if sum.ID == id && sum.Status.Status != StatusRatified {
				t.Errorf("list shows %s", sum.Status.Status)
			}
		}
	}
	check(t, s.lib)
	t.Run("LoadedAfterRestart", func(t *testing.T) { check(t, reopen(t, db).lib) })
	t.Run("Recorded", func(t *testing.T) {
		var e eventDoc
		if err := db.Collection(statusCollection).FindOne(ctx, bson.D{{Key: "_id", Value: id + "/001"}}).Decode(&e); err != nil {
			t.Fatal(err)
		}
		d, _ := s.lib.Get(id)
		if e.Status != string(StatusOutForVote) || e.By != "officer@example.org" || !e.At.Equal(s.Now()) || e.SHA256 != d.SHA256 || e.Seq != 1 {
			t.Errorf("stored %+v", e)
		}
		n, _ := db.Collection(statusCollection).CountDocuments(ctx, bson.D{})
		if n != 2 {
			t.Errorf("%d changes stored, want 2 (the repeat is a no-op)", n)
		}
	})
	t.Run("ErrUnknownAgreement", func(t *testing.T) {
		_, _, err := s.Advance(ctx, "nope-2020", StatusEvent{Status: StatusSigned, Date: "2021-12-10"}, "x")
		wantCode(t, err, errs.NotFound, "")
	})
	t.Run("CallerReusesTheIDBuffer", func(t *testing.T) {
		// Fiber's request parameters share a buffer it reuses: the library
		// must not keep the caller's string.
		buf := []byte(id)
		if _, _, err := s.Advance(ctx, unsafe.String(&buf[0], len(buf)), StatusEvent{Status: StatusBoardApproved, Date: "2021-12-20"}, "x"); err != nil {
			t.Fatal(err)
		}
		copy(buf, strings.Repeat("x", len(buf)))
		if d, err := s.lib.Get(id); err != nil || d.LatestStatus().Status != StatusBoardApproved {
			t.Fatalf("after the caller's buffer changed: %v", err)
		}
	})
	t.Run("HandedOutDocumentUnchanged", func(t *testing.T) {
		before, _ := s.lib.Get(id)
		n := len(before.Status)
		if _, _, err := s.Advance(ctx, id, StatusEvent{Status: StatusSigned, Date: "2022-01-04"}, "x"); err != nil {
			t.Fatal(err)
		}
		if len(before.Status) != n {
			t.Error("Advance modified a document handed out before")
		}
	})
}

// Two instances advancing the same agreement at once: one change wins, the
// other is checked again against it and refused, so that the history never
// holds two events of one status.
func TestStoreAdvanceConcurrent(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	const id = "aea-2021-2024"
	if _, _, err := s.Advance(ctx, id, StatusEvent{Status: StatusOutForVote, Date: "2021-12-01"}, "x"); err != nil {
		t.Fatal(err)
	}
	steps := []StatusEvent{
		{Status: StatusRatified, Date: "2021-12-10", VoteID: "v"},
		{Status: StatusBoardApproved, Date: "2022-01-04"},
		{Status: StatusSigned, Date: "2022-01-20"},
	}
	for _, ev := range steps {
		stores := []*Store{aeaOnly(t, db), aeaOnly(t, db), aeaOnly(t, db)}
		var wg sync.WaitGroup
		errsOf := make([]error, len(stores))
		for i, st := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := ev
				e.Note = "from store " + string(rune('A'+i))
				_, _, errsOf[i] = st.Advance(ctx, id, e, "x")
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errsOf {
			if err == nil {
				ok++
			} else if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
				t.Fatalf("unexpected error %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%s: %d concurrent changes succeeded, want 1 (%v)", ev.Status, ok, errsOf)
		}
	}
	d, _ := aeaOnly(t, db).lib.Get(id)
	seen := map[Status]int{}
	for _, e := range d.Status {
		seen[e.Status]++
	}
	for st, n := range seen {
		if n > 1 {
			t.Errorf("%s recorded %d times: %+v", st, n, d.Status)
		}
	}
}

// aeaOnly returns a store on db whose library holds the AEA agreement alone
// (quicker to load than both), as another instance would.
func aeaOnly(t *testing.T, db *mongo.Database) *Store {
	t.Helper()
	src, err := sources.ReadFile("aea-2021-2024.md")
	if err != nil {
		t.Fatal(err)
	}
	l := NewLibrary()
	if _, err := l.Add("aea-2021-2024.md", src); err != nil {
		t.Fatal(err)
	}
	s := NewStore(db, l)
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
