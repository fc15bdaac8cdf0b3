package officers

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Auditor records officers' actions (the audit package's Log).
type Auditor interface {
	Append(ctx context.Context, actor audit.Actor, action, object string, detail map[string]string) (audit.Entry, error)
}

// Policy holds the session and sign-in limits.
type Policy struct {
	TokenTTL   time.Duration // life of one JWT (default 1 h)
	SessionTTL time.Duration // life of a session across refreshed tokens (default 12 h)
	// MaxFailures failed sign-ins for one account within FailureWindow
	// lock it for LockFor (defaults 5, 15 min, 30 min).
	MaxFailures   int
	FailureWindow time.Duration
	LockFor       time.Duration
	// MaxIPFailures failed sign-ins from one IP address within
	// FailureWindow lock the address out for LockFor (default 30).
	MaxIPFailures int
}

// DefaultPolicy is the policy NewStore starts with.
var DefaultPolicy = Policy{
	TokenTTL: time.Hour, SessionTTL: 12 * time.Hour,
	MaxFailures: 5, FailureWindow: 15 * time.Minute, LockFor: 30 * time.Minute, MaxIPFailures: 30,
}

// SessionCheckEvery is how long an instance trusts a session it has read:
// a revoked session stops working on other instances within this time.
const SessionCheckEvery = 5 * time.Second

// Collection names.
const (
	officersCollection = "officers"
	emailsCollection   = "officer_emails"
	sessionsCollection = "officer_sessions"
	attemptsCollection = "officer_signin_failures"
	setupCollection    = "officer_setup"
)

// Store keeps officers' accounts and sessions.
type Store struct {
	officers, emails, sessions, attempts, setup *mongo.Collection

	jwtKey, csrfKey []byte
	audit           Auditor
	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// Policy are the limits in force.
	Policy Policy
	// HashParams are the cost of new password hashes.
	HashParams HashParams

	dummyOnce sync.Once
	dummy     string    // a hash to compare against for unknown emails
	checked   sync.Map  // session id -> checkedSession
	_         [0]func() // not comparable
}

type checkedSession struct {
	s  sessionDoc
	at time.Time
}

// NewStore returns the accounts kept in db. secret is the service secret:
// the keys that sign tokens and CSRF tokens are derived from it.
func NewStore(db *mongo.Database, secret []byte, log Auditor) *Store {
	return &Store{
		officers:   db.Collection(officersCollection),
		emails:     db.Collection(emailsCollection),
		sessions:   db.Collection(sessionsCollection),
		attempts:   db.Collection(attemptsCollection),
		setup:      db.Collection(setupCollection),
		jwtKey:     derive(secret, "ratify officer session tokens v1"),
		csrfKey:    derive(secret, "ratify officer csrf tokens v1"),
		audit:      log,
		Now:        time.Now,
		Policy:     DefaultPolicy,
		HashParams: DefaultHashParams,
	}
}

// derive returns HMAC-SHA256(secret, purpose): one key per use.
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// EnsureIndexes creates the collections; it is idempotent. Lookups are by
// _id; the sessions collection is small, so revoking an officer's sessions
// by a filter on officer_id is a cheap scan.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, c := range []*mongo.Collection{s.officers, s.emails, s.sessions, s.attempts, s.setup} {
		err := c.Database().CreateCollection(ctx, c.Name())
		var ce mongo.CommandError
		if err != nil && !(errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")) {
			return fmt.Errorf("officers: create collection %s: %w", c.Name(), err)
		}
	}
	return nil
}

// officerDoc is an officer as stored.
type officerDoc struct {
	ID           string    `bson:"_id"`
	Email        string    `bson:"email"`
	Name         string    `bson:"name,omitempty"`
	Role         string    `bson:"role"`
	PasswordHash string    `bson:"password_hash"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

func (d officerDoc) officer() Officer {
	return Officer{ID: d.ID, Email: d.Email, Name: d.Name, Role: Role(d.Role), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

type emailDoc struct {
	ID        string `bson:"_id"`
	OfficerID string `bson:"officer_id"`
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func notFound() error { return errs.Wrap(errs.NotFound, ErrNotFound, "No such officer.") }

// Find returns the officer with the id.
func (s *Store) Find(ctx context.Context, id string) (Officer, error) {
	d, err := s.find(ctx, id)
	if err != nil {
		return Officer{}, err
	}
	o := d.officer()
	o.LockedUntil = s.lockedUntil(ctx, accountKey(d.Email))
	return o, nil
}

func (s *Store) find(ctx context.Context, id string) (officerDoc, error) {
	var d officerDoc
	err := s.officers.FindOne(ctx, byID(id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, notFound()
	}
	if err != nil {
		return d, fmt.Errorf("officers: find %s: %w", id, err)
	}
	return d, nil
}

// findByEmail returns the officer with the email, or ErrNotFound.
func (s *Store) findByEmail(ctx context.Context, email string) (officerDoc, error) {
	var e emailDoc
	err := s.emails.FindOne(ctx, byID(email)).Decode(&e)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return officerDoc{}, notFound()
	}
	if err != nil {
		return officerDoc{}, fmt.Errorf("officers: find by email: %w", err)
	}
	d, err := s.find(ctx, e.OfficerID)
	if err == nil && d.Email != email {
		return officerDoc{}, notFound() // a stale index entry
	}
	return d, err
}

// List returns every officer, ordered by email.
func (s *Store) List(ctx context.Context) ([]Officer, error) {
	cur, err := s.officers.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "email", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("officers: list: %w", err)
	}
	var docs []officerDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("officers: list: %w", err)
	}
	out := make([]Officer, len(docs))
	for i, d := range docs {
		out[i] = d.officer()
		out[i].LockedUntil = s.lockedUntil(ctx, accountKey(d.Email))
	}
	return out, nil
}

// Any reports whether at least one officer exists.
func (s *Store) Any(ctx context.Context) (bool, error) {
	err := s.officers.FindOne(ctx, bson.D{}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("officers: %w", err)
	}
	return true, nil
}
