package ballot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/store"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// roster is a fixed list of eligible members. It stands in for the members
// package, which owns eligibility and is tested there; the vote only needs
// the snapshot it returns.
type roster struct {
	mu     sync.Mutex
	voters []ballot.Voter
}

func (r *roster) EligibleVoters(context.Context) ([]ballot.Voter, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ballot.Voter(nil), r.voters...), nil
}

func (r *roster) EligibleVoter(_ context.Context, id string) (ballot.Voter, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.voters {
		if v.EmployeeID == id {
			return v, true, nil
		}
	}
	return ballot.Voter{}, false, nil
}

func (r *roster) VoterByEmail(_ context.Context, email string) (ballot.Voter, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.voters {
		if v.Email == email {
			return v, true, nil
		}
	}
	return ballot.Voter{}, false, nil
}

func (r *roster) add(v ballot.Voter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.voters = append(r.voters, v)
}

func newRoster(n int) *roster {
	r := &roster{}
	for i := 0; i < n; i++ {
		r.voters = append(r.voters, ballot.Voter{EmployeeID: fmt.Sprintf("E%05d", i), Email: fmt.Sprintf("m%05d@example.org", i), Name: fmt.Sprintf("Member %d", i)})
	}
	return r
}

// outbox records queued messages in memory. It stands in for the notify
// package's durable outbox, which has its own tests; here we only need the
// links the members would receive.
type outbox struct {
	mu     sync.Mutex
	msgs   map[string]ballot.Mail
	fail   map[string]int // template -> how many Enqueue calls to refuse
	failed int
	calls  int
	failAt int // refuse the Enqueue call with this number (1-based), once
}

// failCall makes the n-th Enqueue call from now on fail, once.
func (o *outbox) failCall(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failAt = o.calls + n
}

// failNext makes the next n Enqueue calls carrying template fail.
func (o *outbox) failNext(template string, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail == nil {
		o.fail = map[string]int{}
	}
	o.fail[template] = n
}

func (o *outbox) failures() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.failed
}

func (o *outbox) Enqueue(_ context.Context, msgs ...ballot.Mail) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls++
	if o.calls == o.failAt {
		o.failed++
		return errors.New("process killed")
	}
	if len(msgs) > 0 && o.fail[msgs[0].Template] > 0 {
		o.fail[msgs[0].Template]--
		o.failed++
		return errors.New("outbox unavailable")
	}
	if o.msgs == nil {
		o.msgs = map[string]ballot.Mail{}
	}
	for _, m := range msgs {
		if _, dup := o.msgs[m.ID]; !dup {
			o.msgs[m.ID] = m
		}
	}
	return nil
}

// link returns the token of the newest message of template to the member.
func (o *outbox) token(t *testing.T, template, employee string) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	best, gen := "", -1
	for id, m := range o.msgs {
		var vote, emp string
		var g int
		parts := strings.Split(id, ":")
		if len(parts) != 4 || parts[0] != template {
			continue
		}
		vote, emp = parts[1], parts[2]
		_ = vote
		fmt.Sscan(parts[3], &g)
		if emp == employee && g > gen {
			best, gen = m.Secret["link"], g
		}
	}
	if best == "" {
		t.Fatalf("no %s for %s", template, employee)
	}
	return best[strings.LastIndex(best, "/")+1:]
}

func (o *outbox) count(template string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, m := range o.msgs {
		if m.Template == template {
			n++
		}
	}
	return n
}

// auditLog records audit entries in memory (the audit package has its own
// tests of the chained log).
type auditLog struct {
	mu      sync.Mutex
	entries []string
}

func (a *auditLog) Record(_ context.Context, actor ballot.Actor, action, object string, detail map[string]string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, action+" "+object+" "+fmt.Sprint(detail))
	return nil
}

func (a *auditLog) count(action string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, e := range a.entries {
		if strings.HasPrefix(e, action+" ") {
			n++
		}
	}
	return n
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	db     *mongo.Database
	st     *store.Store
	scans  atomic.Int64 // direct reads of the store (Deps.Scan) by the tally
	svc    *ballot.Service
	roster *roster
	mail   *outbox
	audit  *auditLog
	clock  *clock
	logs   *syncBuffer
}

// syncBuffer is a log sink safe for the background goroutines' writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

var officer = ballot.Actor{ID: "o1", Email: "chair@example.org", Role: "officer", IP: "127.0.0.1"}

func newEnv(t *testing.T, members int) *env {
	t.Helper()
	st := storetest.Open(t)
	e := &env{db: st.DB, st: st, roster: newRoster(members), mail: &outbox{}, audit: &auditLog{},
		clock: &clock{t: time.Date(2021, 6, 23, 21, 0, 0, 0, time.UTC)}, logs: &syncBuffer{}}
	e.svc = e.service("a")
	if err := e.svc.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// service returns another instance on the same database.
func (e *env) service(instance string) *ballot.Service {
	return e.serviceWith(instance, nil)
}

// serviceWith is service with mod applied to its dependencies.
func (e *env) serviceWith(instance string, mod func(*ballot.Deps)) *ballot.Service {
	d := ballot.Deps{Roster: e.roster, Mail: e.mail, Audit: e.audit,
		Secret: []byte("test-secret-test-secret-test-secret!"), BaseURL: "https://vote.example.org",
		Now: e.clock.Now, Instance: instance, Grace: 2 * time.Second,
		Scan: func(ctx context.Context, coll string, fn func([]byte) error) error {
			e.scans.Add(1)
			return e.st.Scan(ctx, coll, fn)
		},
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if mod != nil {
		mod(&d)
	}
	return ballot.New(e.db, d)
}

// openVote creates a vote opening now and closing in a week, and opens it.
func (e *env) openVote(t *testing.T, mod func(*ballot.NewVote)) *ballot.Vote {
	t.Helper()
	n := ballot.NewVote{Title: "ACE 2021-2024 ratification", OpensAt: e.clock.Now(), ClosesAt: e.clock.Now().Add(7 * 24 * time.Hour)}
	if mod != nil {
		mod(&n)
	}
	ctx := context.Background()
	v, err := e.svc.Create(ctx, officer, n)
	if err != nil {
		t.Fatal(err)
	}
	v, err = e.svc.Open(ctx, officer, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// has reports whether a message of template to the member was queued.
func (o *outbox) has(template, employee string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for id := range o.msgs {
		if parts := strings.Split(id, ":"); len(parts) == 4 && parts[0] == template && parts[2] == employee {
			return true
		}
	}
	return false
}
