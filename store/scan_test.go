package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/store"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

type scanDoc struct {
	ID   string `bson:"_id" json:"_id"`
	Vote string `bson:"vote" json:"vote"`
	Text string `bson:"text" json:"text"`
	Flag bool   `bson:"flag" json:"flag"`
	N    int32  `bson:"n" json:"n"`
}

// TestScanMatchesFind checks that Scan hands back exactly the documents the
// driver reads, field for field, including strings that JSON escapes; it
// fails if FerretDB changes how it stores documents.
func TestScanMatchesFind(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	c := s.DB.Collection("scan_docs")
	texts := []string{"", "Yes", `quote " and \ backslash`, "<script>&amp;</script>", "ünïcødé ✓ 日本", "line\nbreak\ttab", "\u2028\u2029", "$s", "{\"$s\":1}"}
	var want []scanDoc
	for i := 0; i < 300; i++ {
		d := scanDoc{ID: fmt.Sprintf("b%04d", i), Vote: fmt.Sprintf("v%d", i%3), Text: texts[i%len(texts)], Flag: i%2 == 0, N: int32(i - 150)}
		want = append(want, d)
	}
	docs := make([]any, len(want))
	for i := range want {
		docs[i] = want[i]
	}
	if _, err := c.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	// An update in place must be seen too (casts fill ballot slots so).
	if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "b0007"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "text", Value: "filled"}}}}); err != nil {
		t.Fatal(err)
	}
	want[7].Text = "filled"

	var got []scanDoc
	err := s.Scan(ctx, "scan_docs", func(raw []byte) error {
		var d scanDoc
		if err := json.Unmarshal(raw, &d); err != nil {
			return fmt.Errorf("%s: %w", raw, err)
		}
		got = append(got, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b scanDoc) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	if !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("document %d: scan %+v, inserted %+v", i, got[i], want[i])
			}
		}
		t.Fatalf("scan returned %d documents, want %d", len(got), len(want))
	}

	if err := s.Scan(ctx, "no_such_collection", func([]byte) error { return nil }); !errors.Is(err, store.ErrNoScan) {
		t.Fatalf("scan of a missing collection: %v, want ErrNoScan", err)
	}
	stop := errors.New("stop")
	if err := s.Scan(ctx, "scan_docs", func([]byte) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("scan did not return the callback's error: %v", err)
	}
}

// BenchmarkScan100k compares reading 100,000 small documents through the
// driver and through Scan.
//
//	go test ./store -run '^$' -bench Scan100k -benchtime 1x
func BenchmarkScan100k(b *testing.B) {
	s := storetest.Open(b)
	ctx := context.Background()
	c := s.DB.Collection("scan_bench")
	const n = 100000
	batch := make([]any, 0, 1000)
	for i := 0; i < n; i++ {
		batch = append(batch, scanDoc{ID: fmt.Sprintf("b%064d", i), Vote: "v1", Text: "Yes"})
		if len(batch) == cap(batch) {
			if _, err := c.InsertMany(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		cur, err := c.Find(ctx, bson.D{})
		if err != nil {
			b.Fatal(err)
		}
		k := 0
		for cur.Next(ctx) {
			var d scanDoc
			if err := cur.Decode(&d); err != nil {
				b.Fatal(err)
			}
			k++
		}
		b.ReportMetric(time.Since(start).Seconds(), "driver-s")
		start = time.Now()
		m := 0
		if err := s.Scan(ctx, "scan_bench", func(raw []byte) error {
			var d scanDoc
			m++
			return json.Unmarshal(raw, &d)
		}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "scan-s")
		if k != n || m != n {
			b.Fatalf("read %d and %d of %d", k, m, n)
		}
	}
}
