package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/ratifyhq/ratify/store"
)

// TestSetupLinkLoggedOnlyOnceDurable: on a store without officers the
// one-time setup link is logged only after the store says its code is on
// the disk; if it cannot say so, no link is logged and start-up fails.
func TestSetupLinkLoggedOnlyOnceDurable(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DBName: "ratify", Dir: t.TempDir(), Sync: "group"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	c, err := openCore(ctx, st.DB, []byte("0123456789abcdef0123456789abcdef"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := &config{BaseURL: "http://localhost:8080"}

	failing := func(context.Context) error { return errors.New("fdatasync: input/output error") }
	if err := firstAdmin(ctx, cfg, c.officers, failing, log); err == nil || !strings.Contains(err.Error(), "input/output error") {
		t.Fatalf("firstAdmin with a failing disk: %v", err)
	}
	if strings.Contains(logs.String(), "setup_url") {
		t.Fatalf("the setup link was logged though its code was not durable:\n%s", logs.String())
	}

	logged := false
	durable := func(ctx context.Context) error {
		logged = strings.Contains(logs.String(), "setup_url")
		return st.Durable(ctx)
	}
	rounds := st.SyncRounds()
	if err := firstAdmin(ctx, cfg, c.officers, durable, log); err != nil {
		t.Fatal(err)
	}
	if logged || !strings.Contains(logs.String(), "setup_url=http://localhost:8080/setup/") {
		t.Fatalf("link logged before Durable (%v), or not at all:\n%s", logged, logs.String())
	}
	if st.SyncRounds() <= rounds {
		t.Fatal("the setup code was not synced to the disk")
	}
}
