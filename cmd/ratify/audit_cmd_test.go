package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/store"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestAuditVerifyCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DBName: "ratify", Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	log := audit.NewLog(st.DB)
	log.EnsureIndexes(ctx)
	for _, obj := range []string{"v1", "v2", "v3"} {
		if _, err := log.Append(ctx, audit.System, "vote.opened", obj, nil); err != nil {
			t.Fatal(err)
		}
	}
	st.Close(ctx)
	out, err := command(t, data, "", "audit", "verify")
	if err != nil || !strings.Contains(out, "audit log intact: 3 entries") || !strings.Contains(out, "hash of the last entry") {
		t.Fatalf("verify: %v\n%s", err, out)
	}

	st, err = store.Open(ctx, store.Config{DBName: "ratify", Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	st.DB.Collection("audit_log").UpdateOne(ctx, bson.D{{Key: "_id", Value: "00000000000000000002"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "object", Value: "v9"}}}})
	st.Close(ctx)
	out, err = command(t, data, "", "audit", "verify")
	if err == nil || !strings.Contains(out, "audit log BROKEN at entry 2") {
		t.Fatalf("verify of an edited log: %v\n%s", err, out)
	}
}
