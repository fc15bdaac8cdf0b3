package ballot

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ratifyhq/ratify/errs"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Roster is where the eligible voters come from (the members package).
type Roster interface {
	// EligibleVoters returns every member eligible now.
	EligibleVoters(ctx context.Context) ([]Voter, error)
	// EligibleVoter returns one member if eligible now.
	EligibleVoter(ctx context.Context, employeeID string) (Voter, bool, error)
	// VoterByEmail returns the eligible member with this email, if any.
	VoterByEmail(ctx context.Context, email string) (Voter, bool, error)
}

// Mail is one message for the notify package's outbox.
type Mail struct {
	ID, Campaign, To, ToName, Template string
	Data                               map[string]any
	// Secret holds the personal link until delivery.
	Secret map[string]string
}

// Mailer queues messages durably (the notify outbox).
type Mailer interface {
	Enqueue(ctx context.Context, msgs ...Mail) error
}

// Actor is who performs an audited action.
type Actor struct{ ID, Email, Role, IP string }

// System is the actor of scheduled transitions.
var System = Actor{ID: "system", Role: "system"}

// Auditor appends to the audit log.
type Auditor interface {
	Record(ctx context.Context, a Actor, action, object string, detail map[string]string) error
}

// ContractSource gives the title and the SHA-256 of a contract version's
// source, which a vote binds at opening.
type ContractSource interface {
	ContractFor(ctx context.Context, id string) (title, sha256, summaryURL string, err error)
}

// Deps is what the service needs besides its database.
type Deps struct {
	Roster    Roster
	Mail      Mailer
	Audit     Auditor
	Contracts ContractSource // may be nil
	Secret    []byte
	BaseURL   string
	Logger    *slog.Logger
	Now       func() time.Time
	// Instance names this process in leases (default: random).
	Instance string
	// Grace is how long after the close instant a cast that began before
	// it may still complete (default 5 s).
	Grace time.Duration
	// ReminderInline is the largest reminder round queued within the
	// request; larger ones run in the background (default 1,000; -1: every
	// round in the background).
	ReminderInline int
	// TurnoutRecount is how often each instance recounts the live turnout
	// of an open vote from the cast marks (default 30 s; see turnout.go).
	TurnoutRecount time.Duration
	// MaxConcurrentCasts bounds the casts that write at once (default 2).
	// The embedded store serialises writes on one SQLite file, and its
	// busy handler backs off in sleeps of up to 100 ms when many writers
	// collide; queueing here instead keeps the tail latency low.
	MaxConcurrentCasts int
	// Scan, when set, reads a collection's stored documents directly
	// (store.Store.Scan); the tally uses it on the embedded store.
	Scan func(ctx context.Context, collection string, fn func(doc []byte) error) error
}

// Service runs votes. It is safe for concurrent use; several instances may
// share one database.
type Service struct {
	d                                      Deps
	votes, voters, tokens, ballots, spares *mongo.Collection
	transitions, casts, receipts           *mongo.Collection
	counters                               *mongo.Collection
	keys                                   keys
	locks                                  [castLockStripes]sync.Mutex // per-member cast locks, striped
	voteCache                              sync.Map                    // vote id -> *cachedVote, for casts
	receiptCache                           sync.Map                    // vote id -> []string, a tallied vote's receipts (immutable)
	turnout                                turnoutCounter
	recounts                               recountState
	bg                                     sync.WaitGroup // background reminder rounds
	castSlots                              chan struct{}  // bounds concurrent casts
	afterClaim                             func() error   // test hook: runs between claim and fill
}

// New returns a service on db.
func New(db *mongo.Database, d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Grace == 0 {
		d.Grace = 5 * time.Second
	}
	if d.ReminderInline == 0 {
		d.ReminderInline = 1000
	}
	if d.TurnoutRecount == 0 {
		d.TurnoutRecount = 30 * time.Second
	}
	if d.MaxConcurrentCasts <= 0 {
		d.MaxConcurrentCasts = 2
	}
	if d.Instance == "" {
		d.Instance = randomID(8)
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	return &Service{
		d:           d,
		votes:       db.Collection("votes"),
		voters:      db.Collection("vote_voters"),
		tokens:      db.Collection("vote_tokens"),
		ballots:     db.Collection("vote_ballots"),
		spares:      db.Collection("vote_spares"),
		counters:    db.Collection("vote_counters"),
		transitions: db.Collection("vote_transitions"),
		casts:       db.Collection("vote_casts"),
		receipts:    db.Collection("vote_receipts"),
		keys:        deriveKeys(d.Secret),
		castSlots:   make(chan struct{}, d.MaxConcurrentCasts),
	}
}

// EnsureIndexes creates the collections. Every hot-path access is by _id;
// the secondary indexes serve MongoDB deployments' cold-path scans.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	db := s.votes.Database()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("ballot: %w", err)
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for _, c := range []*mongo.Collection{s.votes, s.voters, s.tokens, s.ballots, s.spares, s.counters, s.transitions, s.casts, s.receipts} {
		if !have[c.Name()] {
			if err := db.CreateCollection(ctx, c.Name()); err != nil && !isNamespaceExists(err) {
				return fmt.Errorf("ballot: create %s: %w", c.Name(), err)
			}
		}
	}
	// Only missing indexes are created: FerretDB 1.24 can drop the
	// connection when asked to create one that exists.
	for _, c := range []*mongo.Collection{s.voters, s.ballots, s.casts} {
		specs, err := c.Indexes().ListSpecifications(ctx)
		if err != nil {
			return fmt.Errorf("ballot: indexes of %s: %w", c.Name(), err)
		}
		if slices.ContainsFunc(specs, func(sp mongo.IndexSpecification) bool { return sp.Name == "vote_1" }) {
			continue
		}
		if _, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "vote", Value: 1}}}); err != nil {
			return fmt.Errorf("ballot: index on %s: %w", c.Name(), err)
		}
	}
	return nil
}

func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Code == 48
}

func (s *Service) now() time.Time { return s.d.Now().UTC() }

func (s *Service) audit(ctx context.Context, a Actor, action, object string, detail map[string]string) {
	if s.d.Audit == nil {
		return
	}
	if err := s.d.Audit.Record(ctx, a, action, object, detail); err != nil {
		s.d.Logger.Error("ballot: audit", "action", action, "object", object, "error", err)
	}
}

// Create stores a new vote, scheduled to open by itself unless n.Draft.
func (s *Service) Create(ctx context.Context, a Actor, n NewVote) (*Vote, error) {
	if err := n.validate(s.now()); err != nil {
		return nil, err
	}
	if n.ContractID != "" && s.d.Contracts != nil {
		if _, _, _, err := s.d.Contracts.ContractFor(ctx, n.ContractID); err != nil {
			return nil, errs.Field("contract_id", "no contract version %q", n.ContractID)
		}
	}
	v := &Vote{
		ID: randomID(12), Title: n.Title, ContractID: n.ContractID, Question: n.Question,
		Choices: n.Choices, OpensAt: n.OpensAt, ClosesAt: n.ClosesAt, TimeZone: n.TimeZone,
		PassRule: n.PassRule, QuorumPercent: n.QuorumPercent, Info: n.Info, RemindBeforeHours: n.RemindBeforeHours,
		Test: n.Test, TestVoters: n.TestVoters, Status: Scheduled, CreatedAt: s.now(),
	}
	if n.Draft {
		v.Status = Draft
	}
	if _, err := s.votes.InsertOne(ctx, v); err != nil {
		return nil, fmt.Errorf("ballot: create: %w", err)
	}
	s.audit(ctx, a, "vote.created", v.ID, map[string]string{"title": v.Title, "status": string(v.Status), "test": fmt.Sprint(v.Test)})
	return v, nil
}

// Find returns a vote by id.
func (s *Service) Find(ctx context.Context, id string) (*Vote, error) {
	var v Vote
	err := s.votes.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, wrapCode(ErrNotFound, fmt.Sprintf("no vote %q", id))
	}
	if err != nil {
		return nil, fmt.Errorf("ballot: find vote: %w", err)
	}
	if v.Cancelled {
		v.Status = Cancelled
	}
	return &v, nil
}

// List returns every vote, newest first. The votes collection is small.
func (s *Service) List(ctx context.Context) ([]*Vote, error) {
	cur, err := s.votes.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "test_voters", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("ballot: list: %w", err)
	}
	var out []*Vote
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("ballot: list: %w", err)
	}
	for _, v := range out {
		if v.Cancelled {
			v.Status = Cancelled
		}
	}
	sortVotes(out)
	return out, nil
}

// randomID returns n characters of lower-case base32 from crypto/rand.
func randomID(n int) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
