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
	"go.mongodb.org/mongo-driver/v2/bson"
)

// gatedDurability is the real store in group commit mode; while armed, its
// Durable is held until the test opens the gate, so that the test can see
// whether an answer waits for it, and the test can make it fail. The
// fdatasync itself is the store's.
type gatedDurability struct {
	*store.Store
	armed   atomic.Bool
	gate    chan struct{}
	fail    atomic.Bool
	stopped atomic.Bool
	calls   atomic.Int32
}

func (g *gatedDurability) Durable(ctx context.Context) error {
	if g.armed.Load() {
		g.calls.Add(1)
		<-g.gate
	}
	if g.fail.Load() {
		return errors.New("fdatasync: input/output error")
	}
	return g.Store.Durable(ctx)
}

func (g *gatedDurability) SyncFailed() error {
	if g.stopped.Load() {
		return errors.New("fdatasync: input/output error")
	}
	return g.Store.SyncFailed()
}

// TestAnswersWaitForGroupCommit: with the store's group commit, a request
// that wrote is answered only after its writes are synced; a read is
// answered at once when nothing is waiting for the disk, and after a sync
// when another write is; a failed sync turns the answer into 503 without
// the session cookie the handler had set; after a final disk failure
// every request but the probes is refused at once and /readyz says why.
func TestAnswersWaitForGroupCommit(t *testing.T) {
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
	login := `{"email":"officer@example.org","password":"` + testPassword + `"}`

	// Signing in writes (the session and the audit entry): its answer waits.
	type answer struct {
		resp *http.Response
		body string
	}
	done := make(chan answer, 1)
	g.armed.Store(true)
	go func() {
		resp, body := e.call(t, "POST", "/api/v1/auth/login", "application/json", login)
		done <- answer{resp, body}
	}()
	for deadline := time.Now().Add(10 * time.Second); g.calls.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the login was never held for the disk")
		}
	}
	select {
	case a := <-done:
		t.Fatalf("login answered %d before its writes were durable", a.resp.StatusCode)
	case <-time.After(200 * time.Millisecond):
	}
	rounds := st.SyncRounds()
	g.armed.Store(false)
	close(g.gate)
	a := <-done
	wantStatus(t, a.resp, a.body, 200, `"token"`)
	if st.SyncRounds() <= rounds {
		t.Fatal("the login was answered without a sync of the write-ahead log")
	}
	var officer loginResult
	if err := json.Unmarshal([]byte(a.body), &officer); err != nil {
		t.Fatal(err)
	}

	// A read with nothing waiting for the disk: no sync.
	rounds = st.SyncRounds()
	resp, body := e.call(t, "GET", "/api/v1/members", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 200)
	if st.SyncRounds() != rounds {
		t.Fatal("a read synced though nothing was waiting for the disk")
	}
	// Another writer's commit not yet synced: the read that may show it waits.
	if _, err := st.DB.Collection("elsewhere").InsertOne(context.Background(), bson.M{"_id": "x"}); err != nil {
		t.Fatal(err)
	}
	resp, body = e.call(t, "GET", "/api/v1/members", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 200)
	if st.SyncRounds() != rounds+1 {
		t.Fatalf("a read after another write: %d sync rounds, want 1", st.SyncRounds()-rounds)
	}

	// The sync fails: 503, and the session cookie the handler set is gone.
	g.fail.Store(true)
	resp, body = e.call(t, "POST", "/api/v1/auth/login", "application/json", login)
	wantStatus(t, resp, body, 503, "could not confirm that this was saved")
	if len(resp.Cookies()) != 0 {
		t.Fatalf("a 503 for an unsaved login still sets %v", resp.Cookies())
	}
	g.fail.Store(false)

	// A final disk failure: refused before anything runs; probes answer.
	g.stopped.Store(true)
	resp, body = e.call(t, "GET", "/api/v1/members", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 503, "stopped saving after a disk error")
	resp, body = e.call(t, "GET", "/healthz", "", "")
	wantStatus(t, resp, body, 200)
	resp, body = e.call(t, "GET", "/readyz", "", "")
	wantStatus(t, resp, body, 503, "disk failure", "input/output error")
}
