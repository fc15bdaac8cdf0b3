package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/members"
	"github.com/ratifyhq/ratify/officers"
)

// mailRecorder keeps the links the ballot service would email. It stands in
// for the notify outbox, tested in its own package and end to end in
// cmd/ratify.
type mailRecorder struct {
	mu    sync.Mutex
	links []string
}

func (m *mailRecorder) Enqueue(_ context.Context, msgs ...ballot.Mail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, msg := range msgs {
		if l := msg.Secret["link"]; l != "" {
			m.links = append(m.links, l[strings.LastIndex(l, "/")+1:])
		}
	}
	return nil
}

// memberRoster reads eligibility from the real members store.
type memberRoster struct{ m *members.Store }

func (r memberRoster) EligibleVoters(ctx context.Context) ([]ballot.Voter, error) {
	es, err := r.m.Eligible(ctx)
	out := make([]ballot.Voter, len(es))
	for i, e := range es {
		out[i] = ballot.Voter{EmployeeID: e.EmployeeID, Email: e.Email, Name: e.Name}
	}
	return out, err
}

func (r memberRoster) EligibleVoter(ctx context.Context, id string) (ballot.Voter, bool, error) {
	e, ok, err := r.m.IsEligible(ctx, id)
	return ballot.Voter{EmployeeID: e.EmployeeID, Email: e.Email, Name: e.Name}, ok, err
}

// VoterByEmail finds an eligible member by email, as the real wiring does
// (cmd/ratify/votes_wiring.go), so that a resend reaches a member.
func (r memberRoster) VoterByEmail(ctx context.Context, email string) (ballot.Voter, bool, error) {
	m, err := r.m.FindByEmail(ctx, email)
	if errors.Is(err, members.ErrNotFound) {
		return ballot.Voter{}, false, nil
	}
	if err != nil {
		return ballot.Voter{}, false, err
	}
	return r.EligibleVoter(ctx, m.EmployeeID)
}

type auditRecorder struct{ l *audit.Log }

func (a auditRecorder) Record(ctx context.Context, who ballot.Actor, action, object string, d map[string]string) error {
	_, err := a.l.Append(ctx, audit.Actor{OfficerID: who.ID, Email: who.Email, Role: who.Role, IP: who.IP}, action, object, d)
	return err
}

// newVoteEnv is newAuthEnv with the ballot service, and a roster of three
// members imported through the API.
func newVoteEnv(t *testing.T) (*authEnv, *mailRecorder, loginResult) {
	t.Helper()
	e := newAuthEnv(t, "http://localhost:8080")
	mail := &mailRecorder{}
	votes := ballot.New(e.db, ballot.Deps{Roster: memberRoster{e.members}, Mail: mail, Audit: auditRecorder{e.log},
		Secret: authSecret, BaseURL: "http://localhost:8080"})
	if err := votes.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv, err := handlers.New(handlers.Config{BaseURL: "http://localhost:8080", Logger: slog.New(slog.NewJSONHandler(e.logs, nil)),
		Secret: authSecret, Officers: e.officers, Members: e.members, Audit: e.log, Votes: votes})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	officer := e.officerToken(t, officers.RoleOfficer)
	csv := "Employee ID,First Name,Last Name,Email,Membership Status\n1,Ann,A,ann@example.org,member\n2,Bo,B,bo@example.org,member\n3,Cy,C,cy@example.org,fee_payer\n"
	ct, body := rosterUpload(t, "roster.csv", []byte(csv))
	if resp, out := e.send(t, "POST", "/api/v1/members/import", ct, body, bearerOf(officer)...); resp.StatusCode != 200 {
		t.Fatalf("import: %d %s", resp.StatusCode, out)
	}
	return e, mail, officer
}

func TestVoteAPIValidationAndRoles(t *testing.T) {
	e, _, officer := newVoteEnv(t)
	observer := e.officerToken(t, officers.RoleObserver)
	now := time.Now().UTC()
	valid := `{"title":"T","opens_at":"` + now.Format(time.RFC3339) + `","closes_at":"` + now.Add(time.Hour).Format(time.RFC3339) + `"}`
	resp, body := e.call(t, "POST", "/api/v1/votes", "application/json", valid)
	wantStatus(t, resp, body, 401)
	resp, body = e.call(t, "POST", "/api/v1/votes", "application/json", valid, bearerOf(observer)...)
	wantStatus(t, resp, body, 403)
	resp, body = e.call(t, "POST", "/api/v1/votes", "text/plain", valid, bearerOf(officer)...)
	wantStatus(t, resp, body, 415, "application/json")
	resp, body = e.call(t, "POST", "/api/v1/votes", "application/json", `{"title":`, bearerOf(officer)...)
	wantStatus(t, resp, body, 400, "not valid JSON")
	resp, body = e.call(t, "POST", "/api/v1/votes", "application/json", `{"title":"T","closes":"tomorrow"}`, bearerOf(officer)...)
	wantStatus(t, resp, body, 422, `"field":"closes"`)
	bad := `{"title":"T","opens_at":"` + now.Format(time.RFC3339) + `","closes_at":"` + now.Add(-time.Hour).Format(time.RFC3339) + `"}`
	resp, body = e.call(t, "POST", "/api/v1/votes", "application/json", bad, bearerOf(officer)...)
	wantStatus(t, resp, body, 422, `"field":"closes_at"`)
	one := strings.Replace(valid, `"title":"T"`, `"title":"T","choices":["Yes"]`, 1)
	resp, body = e.call(t, "POST", "/api/v1/votes", "application/json", one, bearerOf(officer)...)
	wantStatus(t, resp, body, 422, `"field":"choices"`)
	resp, body = e.call(t, "POST", "/api/v1/votes", "application/json", valid, bearerOf(officer)...)
	wantStatus(t, resp, body, 201, `"status":"scheduled"`)
	resp, body = e.call(t, "GET", "/api/v1/votes", "", "", bearerOf(observer)...)
	wantStatus(t, resp, body, 200, `"turnout_percent"`)

	// A draft waits until it is scheduled; scheduling twice is 409.
	draft := strings.Replace(valid, `"title":"T"`, `"title":"D","draft":true`, 1)
	resp, body = e.call(t, "POST", "/api/v1/votes", "application/json", draft, bearerOf(officer)...)
	wantStatus(t, resp, body, 201, `"status":"draft"`)
	var d struct{ ID string }
	if err := json.Unmarshal([]byte(body), &d); err != nil || d.ID == "" {
		t.Fatalf("draft: %v %s", err, body)
	}
	resp, body = e.call(t, "POST", "/api/v1/votes/"+d.ID+"/schedule", "", "", bearerOf(observer)...)
	wantStatus(t, resp, body, 403)
	resp, body = e.call(t, "POST", "/api/v1/votes/"+d.ID+"/schedule", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 200, `"status":"scheduled"`)
	resp, body = e.call(t, "POST", "/api/v1/votes/"+d.ID+"/schedule", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 409)
}

func TestBallotAPI(t *testing.T) {
	e, mail, officer := newVoteEnv(t)
	now := time.Now().UTC()
	resp, body := e.call(t, "POST", "/api/v1/votes", "application/json",
		`{"title":"Ratify?","opens_at":"`+now.Format(time.RFC3339)+`","closes_at":"`+now.Add(time.Hour).Format(time.RFC3339)+`"}`, bearerOf(officer)...)
	wantStatus(t, resp, body, 201)
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.Index(id, `"`)]
	resp, body = e.call(t, "POST", "/api/v1/votes/"+id+"/open", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 202)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(body, `"status":"open"`) {
		if time.Now().After(deadline) {
			t.Fatalf("not open: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
		_, body = e.call(t, "GET", "/api/v1/votes/"+id, "", "", bearerOf(officer)...)
	}
	if !strings.Contains(body, `"eligible":2`) {
		t.Fatalf("eligible members (the fee payer is not): %s", body)
	}
	mail.mu.Lock()
	tok := mail.links[0]
	mail.mu.Unlock()

	resp, body = e.call(t, "POST", "/api/v1/ballots", "application/json", `{"token":"`+strings.Repeat("x", 24)+`","choice":"Yes"}`)
	wantStatus(t, resp, body, 401)
	resp, body = e.call(t, "POST", "/api/v1/ballots", "application/json", `{"token":"../../etc/passwd","choice":"Yes"}`)
	wantStatus(t, resp, body, 401)
	resp, body = e.call(t, "POST", "/api/v1/ballots", "application/json", `{"token":"`+tok+`","choice":"Perhaps"}`)
	wantStatus(t, resp, body, 422, `"field":"choice"`)
	resp, body = e.call(t, "GET", "/api/v1/votes/"+id+"/results", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 409)
	resp, body = e.call(t, "GET", "/v/"+tok, "", "")
	wantStatus(t, resp, body, 200, `name="choice"`)
	if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Fatalf("ballot page Referrer-Policy %q", got)
	}
	resp, body = e.call(t, "POST", "/api/v1/ballots", "application/json", `{"token":"`+tok+`","choice":"No"}`)
	wantStatus(t, resp, body, 201, `"receipt"`)
	resp, body = e.call(t, "POST", "/api/v1/ballots", "application/json", `{"token":"`+tok+`","choice":"No"}`)
	wantStatus(t, resp, body, 409, "already voted")
	if strings.Contains(e.logs.String(), tok) {
		t.Fatal("the voting token is in the request log")
	}
}
