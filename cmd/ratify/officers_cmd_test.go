package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/store"
)

func TestOfficersAddCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, err := command(t, data, "a long enough password\n", "officers", "add", "--email", "Chair@Example.org", "--role", "admin", "--name", "Pat Chair")
	if err != nil || !strings.Contains(out, "added chair@example.org (admin), id ") {
		t.Fatalf("add: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"short\n", []string{"--email", "b@example.org", "--role", "officer"}, "at least 12 characters"},
		{"a long enough password\n", []string{"--email", "c@example.org", "--role", "chair"}, "not a role"},
		{"a long enough password\n", []string{"--email", "chair@example.org", "--role", "officer"}, "exists"},
		{"", []string{"--email", "d@example.org", "--role", "officer"}, "no password"},
		{"x\n", []string{"--role", "officer"}, "usage"},
	} {
		if _, err := command(t, data, tc.stdin, append([]string{"officers", "add"}, tc.args...)...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("officers add %v: %v, want ~%q", tc.args, err, tc.want)
		}
	}
	// The account signs in.
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DBName: "ratify", Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	c, err := openCore(ctx, st.DB, []byte("0123456789abcdef0123456789abcdef"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.officers.Login(ctx, "chair@example.org", "a long enough password", "127.0.0.1")
	if err != nil || tok.Principal.Role != "admin" || !tok.ExpiresAt.After(time.Now()) {
		t.Fatalf("login: %v %+v", err, tok.Principal)
	}
	entries, err := c.audit.List(ctx, audit.Filter{Action: "officer.added"})
	if err != nil || len(entries) != 1 || entries[0].Actor.OfficerID != "cli:tester" || entries[0].Actor.Role != "cli" {
		t.Fatalf("audit: %v %+v", err, entries)
	}
}
