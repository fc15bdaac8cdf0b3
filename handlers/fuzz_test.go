package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/members"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// tokenFuzzEnv is one server with an open vote, shared by the iterations
// of FuzzBallotToken in a process (each fuzz worker has its own).
type tokenFuzzEnv struct {
	srv   *handlers.Server
	db    *mongo.Database
	links []string
}

var (
	tokenFuzzOnce sync.Once
	tokenFuzz     *tokenFuzzEnv
)

func newTokenFuzzEnv(tb testing.TB) *tokenFuzzEnv {
	db := storetest.DB(tb)
	ctx := context.Background()
	log := audit.NewLog(db)
	ms := members.NewStore(db, log)
	for _, ensure := range []func(context.Context) error{log.EnsureIndexes, ms.EnsureIndexes} {
		if err := ensure(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := ms.ImportRoster(ctx, audit.System, []byte("Employee ID,Name,Email,Status\n1,Ann A,ann@example.org,member\n2,Bo B,bo@example.org,member\n"), members.ImportOptions{}); err != nil {
		tb.Fatal(err)
	}
	mail := &mailRecorder{}
	votes := ballot.New(db, ballot.Deps{Roster: memberRoster{ms}, Mail: mail, Audit: auditRecorder{log}, Secret: authSecret, BaseURL: "http://localhost:8080"})
	if err := votes.EnsureIndexes(ctx); err != nil {
		tb.Fatal(err)
	}
	srv, err := handlers.New(handlers.Config{BaseURL: "http://localhost:8080", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Secret: authSecret, Members: ms, Audit: log, Votes: votes})
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	v, err := votes.Create(ctx, ballot.Actor{ID: "o1", Email: "o@example.org", Role: "officer"}, ballot.NewVote{Title: "Ratify?", OpensAt: now, ClosesAt: now.Add(24 * time.Hour)})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := votes.Open(ctx, ballot.Actor{ID: "o1", Email: "o@example.org", Role: "officer"}, v.ID); err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mail.mu.Lock()
		n := len(mail.links)
		mail.mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatal("the vote did not open")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &tokenFuzzEnv{srv: srv, db: db, links: mail.links}
}

func (e *tokenFuzzEnv) count(t *testing.T, coll string) int64 {
	n, err := e.db.Collection(coll).CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// FuzzBallotToken sends any string as the voting token of a cast (the JSON
// body of POST /api/v1/ballots, and the path of GET and POST /v/{token})
// to a server with an open vote. Unless the string is one of the two real
// links, every answer is a 4xx (401 for a bad link; 400, 413, 422 or 429
// for a bad request) and no participation mark is stored.
//
// Run: go test -run '^$' -fuzz '^FuzzBallotToken$' -fuzztime 15s ./handlers
func FuzzBallotToken(f *testing.F) {
	tokenFuzzOnce.Do(func() { tokenFuzz = newTokenFuzzEnv(f) })
	e := tokenFuzz
	real := e.links[0]
	for _, s := range []string{
		real[:len(real)-1] + "A", strings.ToUpper(real), real + "=", "../../etc/passwd", strings.Repeat("A", ballot.TokenLen),
		real[:len(real)-2] + "\r\n", "", "%00", " " + real, "\u00e9" + real[2:], `","choice":"Yes`,
	} {
		f.Add(s, "Yes")
	}
	f.Add(real[1:]+"_", "No")
	f.Fuzz(func(t *testing.T, tok, choice string) {
		if tok == e.links[0] || tok == e.links[1] {
			return
		}
		before := e.count(t, "vote_casts")
		body, _ := json.Marshal(map[string]string{"token": tok, "choice": choice})
		check := func(what string, status int, out []byte) {
			if status < 400 || status >= 500 {
				t.Fatalf("%s with token %q: status %d: %.300s", what, tok, status, out)
			}
		}
		req := httptest.NewRequest("POST", "/api/v1/ballots", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		check("POST /api/v1/ballots", resp.StatusCode, out)
		if resp.StatusCode != 401 && resp.StatusCode != 422 && resp.StatusCode != 429 && resp.StatusCode != 413 {
			t.Fatalf("POST /api/v1/ballots with token %q: status %d, want 401: %s", tok, resp.StatusCode, out)
		}
		if tok != "" && !strings.ContainsAny(tok, "/?#%") {
			path := "/v/" + url.PathEscape(tok)
			for _, m := range []string{"GET", "POST"} {
				req := httptest.NewRequest(m, path, strings.NewReader("choice="+url.QueryEscape(choice)+"&confirm=yes"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := e.srv.App().Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				out, _ := io.ReadAll(resp.Body)
				check(m+" "+path, resp.StatusCode, out)
			}
		}
		if after := e.count(t, "vote_casts"); after != before {
			t.Fatalf("token %q: participation marks %d -> %d", tok, before, after)
		}
	})
}
