package members

import (
	"context"
	"errors"
	"fmt"
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

// Collection names.
const (
	membersCollection = "members"
	emailsCollection  = "member_emails"
	digestsCollection = "member_index"
)

// Store keeps the roster.
type Store struct {
	members *mongo.Collection
	emails  *mongo.Collection
	digests *mongo.Collection
	audit   Auditor
	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// Location is the union's time zone: dates (separation, import) are
	// days there. UTC if nil.
	Location *time.Location
}

// NewStore returns the roster kept in db; actions are recorded in log.
func NewStore(db *mongo.Database, log Auditor) *Store {
	return &Store{
		members: db.Collection(membersCollection),
		emails:  db.Collection(emailsCollection),
		digests: db.Collection(digestsCollection),
		audit:   log,
		Now:     time.Now,
	}
}

func (s *Store) loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// today is the current date in the union's time zone.
func (s *Store) today() string { return s.Now().In(s.loc()).Format(dateLayout) }

// EnsureIndexes creates the roster's collections; it is idempotent. Every
// lookup is by _id, so no secondary index is needed.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, c := range []*mongo.Collection{s.members, s.emails, s.digests} {
		err := c.Database().CreateCollection(ctx, c.Name())
		var ce mongo.CommandError
		if err != nil && !(errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")) {
			return fmt.Errorf("members: create collection %s: %w", c.Name(), err)
		}
	}
	return nil
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

func notFound(what string) error {
	return errs.Wrap(errs.NotFound, ErrNotFound, what)
}

// FindByID returns the member with the employee id.
func (s *Store) FindByID(ctx context.Context, employeeID string) (Member, error) {
	var d memberDoc
	err := s.members.FindOne(ctx, byID(employeeID)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Member{}, notFound("No member has employee id " + employeeID + ".")
	}
	if err != nil {
		return Member{}, fmt.Errorf("members: find %s: %w", employeeID, err)
	}
	return d.member(), nil
}

// FindByEmail returns the member with the email address (any case).
func (s *Store) FindByEmail(ctx context.Context, email string) (Member, error) {
	email = NormalizeEmail(email)
	var e emailDoc
	err := s.emails.FindOne(ctx, byID(email)).Decode(&e)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Member{}, notFound("No member has that email address.")
	}
	if err != nil {
		return Member{}, fmt.Errorf("members: find by email: %w", err)
	}
	m, err := s.FindByID(ctx, e.EmployeeID)
	if errs.CodeOf(err) == errs.NotFound || (err == nil && m.Email != email) {
		// A stale index entry left by an interrupted change.
		return Member{}, notFound("No member has that email address.")
	}
	return m, err
}

// Eligible returns every member eligible to vote as of now: status member,
// not separated, with a valid email.
func (s *Store) Eligible(ctx context.Context) ([]Eligible, error) {
	now := s.Now()
	var out []Eligible
	err := s.eachMember(ctx, func(a attrs) {
		if m := a.member(); m.EligibleAt(now, s.loc()) {
			out = append(out, Eligible{EmployeeID: m.EmployeeID, Email: m.Email, Name: m.Name()})
		}
	})
	return out, err
}

// IsEligible says whether the member with the employee id may vote now,
// and returns them if so. An unknown id is not an error: it is not eligible.
func (s *Store) IsEligible(ctx context.Context, employeeID string) (Eligible, bool, error) {
	m, err := s.FindByID(ctx, employeeID)
	if errs.CodeOf(err) == errs.NotFound {
		return Eligible{}, false, nil
	}
	if err != nil {
		return Eligible{}, false, err
	}
	if !m.EligibleAt(s.Now(), s.loc()) {
		return Eligible{}, false, nil
	}
	return Eligible{EmployeeID: m.EmployeeID, Email: m.Email, Name: m.Name()}, true, nil
}

// eachMember calls fn with every member's attributes, read from the roster
// index in one scan (members whose entry a manual edit left dirty are read
// from their own document).
func (s *Store) eachMember(ctx context.Context, fn func(attrs)) error {
	cur, err := s.digests.Find(ctx, bson.D{}, options.Find().SetBatchSize(5000))
	if err != nil {
		return fmt.Errorf("members: read roster: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d digestDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("members: read roster: %w", err)
		}
		if d.Dirty {
			m, err := s.FindByID(ctx, d.ID)
			if errs.CodeOf(err) == errs.NotFound {
				continue
			}
			if err != nil {
				return err
			}
			fn(attrsOf(m))
			continue
		}
		a, err := d.attrs()
		if err != nil {
			return err
		}
		fn(a)
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("members: read roster: %w", err)
	}
	return nil
}

func upsert() options.Lister[options.ReplaceOptions] { return options.Replace().SetUpsert(true) }
