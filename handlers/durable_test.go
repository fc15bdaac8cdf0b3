package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/officers"
	"github.com/ratifyhq/ratify/store"
	"github.com/ratifyhq/ratify/storetest"
)

// gatedDurability is the real store in group commit mode, with Durable held
// until the test opens the gate (or made to fail), so that the test can see
// whether a response waits for it. The fsync itself is the store's.
type gatedDurability struct {
	*store.Store
	gate  chan struct{}
	fail  atomic.Bool
	calls atomic.Int32
}

func (g *gatedDurability) Durable(ctx context.Context) error {
	g.calls.Add(1)
	<-g.gate
	if g.fail.Load() {
		return errors.New("fdatasync: input/output error")
	}
	return g.Store.Durable(ctx)
}

// TestResponseWaitsForGroupCommit: with the store's group commit, a request
// that wrote is answered only after Durable returns, a request that only
// read is answered without it, and a failed Durable turns the answer into
// 503 with a message that says the write may not have been kept.
func TestResponseWaitsForGroupCommit(t *testing.T) {
	st := storetest.OpenSync(t, "group")
	e := newAuthEnvOn(t, "http://localhost:8080", st)
	g := &gatedDurability{Store: st, gate: make(chan struct{})}
	srv, err := handlers.New(handlers.Config{BaseURL: "http://localhost:8080", Logger: slog.New(slog.NewJSONHandler(e.logs, nil)),
		Secret: authSecret, Officers: e.officers, Members: e.members, Audit: e.log, Durability: g})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.addOfficer(t, "officer@example.org", officers.RoleOfficer)

	// Signing in writes (the session and the audit entry): its answer waits.
	type answer struct {
		resp *http.Response
		body string
	}
	done := make(chan answer, 1)
	go func() {
		resp, body := e.call(t, "POST", "/api/v1/auth/login", "application/json", `{"email":"officer@example.org","password":"`+testPassword+`"}`)
		done <- answer{resp, body}
	}()
	select {
	case a := <-done:
		t.Fatalf("login answered %d before its writes were durable", a.resp.StatusCode)
	case <-time.After(300 * time.Millisecond):
	}
	if g.calls.Load() == 0 {
		t.Fatal("the login wrote, yet Durable was not called")
	}
	rounds := st.SyncRounds()
	close(g.gate)
	a := <-done
	wantStatus(t, a.resp, a.body, 200, `"token"`)
	if st.SyncRounds() <= rounds {
		t.Fatalf("sync rounds %d after the login, %d before: the store did not sync", st.SyncRounds(), rounds)
	}
	var login loginResult
	if err := json.Unmarshal([]byte(a.body), &login); err != nil {
		t.Fatal(err)
	}

	// Reading the roster writes nothing: no wait.
	before := g.calls.Load()
	resp, body := e.call(t, "GET", "/api/v1/members", "", "", bearerOf(login)...)
	wantStatus(t, resp, body, 200)
	if g.calls.Load() != before {
		t.Fatalf("a read-only GET waited for the disk (%d calls of Durable, want %d)", g.calls.Load(), before)
	}

	// The disk fails: the import's answer is 503, not 200.
	g.fail.Store(true)
	csv := "Employee ID,First Name,Last Name,Email,Membership Status\n1,Ann,A,ann@example.org,member\n"
	ct, up := rosterUpload(t, "roster.csv", []byte(csv))
	resp, body = e.send(t, "POST", "/api/v1/members/import", ct, up, bearerOf(login)...)
	wantStatus(t, resp, body, 503, "could not confirm that this was saved")
}
