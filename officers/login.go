package officers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// failureDoc counts failed sign-ins for one account or IP address.
type failureDoc struct {
	ID          string    `bson:"_id"` // "account:{email}" or "ip:{address}"
	Count       int       `bson:"count"`
	Since       time.Time `bson:"since"`
	LockedUntil time.Time `bson:"locked_until,omitempty"`
}

func accountKey(email string) string { return "account:" + email }
func ipKey(ip string) string         { return "ip:" + ip }

// Login checks an email and password and opens a session. Failures are
// counted per account and per IP address; past the policy's limits the
// account or the address is locked out for a while (429).
func (s *Store) Login(ctx context.Context, email, password, ip string) (Token, error) {
	email = normalizeEmail(email)
	if len(email) > 254 { // no address is longer; keep the counters' keys and the log small
		email = email[:254]
	}
	actor := audit.Actor{Email: email, IP: ip}
	now := s.Now()
	if until := s.lockedUntil(ctx, ipKey(ip)); until != nil {
		return Token{}, errs.Wrap(errs.RateLimited, ErrLocked, fmt.Sprintf(
			"Too many failed sign-ins from your address: try again in %s.", wait(now, *until)))
	}
	if until := s.lockedUntil(ctx, accountKey(email)); until != nil {
		s.audit.Append(ctx, actor, "officer.login_failed", "", map[string]string{"reason": "locked"})
		return Token{}, errs.Wrap(errs.RateLimited, ErrLocked, fmt.Sprintf(
			"This account is locked after too many failed sign-ins: try again in %s, or ask an administrator to lift the lock.", wait(now, *until)))
	}
	d, err := s.findByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Token{}, err
	}
	hash := d.PasswordHash
	if hash == "" {
		// Spend the same time on an unknown email as on a wrong password.
		s.dummyOnce.Do(func() { s.dummy, _ = hashPassword("not a password of anyone", s.HashParams) })
		hash = s.dummy
	}
	if !checkHash(hash, password) || d.ID == "" {
		return Token{}, s.failLogin(ctx, actor, d.ID)
	}
	if _, err := s.attempts.DeleteOne(ctx, byID(accountKey(email))); err != nil {
		return Token{}, fmt.Errorf("officers: login: %w", err)
	}
	return s.openSession(ctx, d, ip)
}

func wait(now, until time.Time) string {
	m := int(until.Sub(now).Minutes()) + 1
	if m == 1 {
		return "1 minute"
	}
	return strconv.Itoa(m) + " minutes"
}

// failLogin counts a failed sign-in, locks what passed its limit, and
// returns the error for the client.
func (s *Store) failLogin(ctx context.Context, actor audit.Actor, officerID string) error {
	detail := map[string]string{"reason": "bad_credentials"}
	n, err := s.countFailure(ctx, accountKey(actor.Email), s.Policy.MaxFailures)
	if err != nil {
		return err
	}
	if n == s.Policy.MaxFailures {
		detail["locked"] = "account"
	}
	m, err := s.countFailure(ctx, ipKey(actor.IP), s.Policy.MaxIPFailures)
	if err != nil {
		return err
	}
	if m == s.Policy.MaxIPFailures {
		detail["locked"] = "ip"
	}
	if _, err := s.audit.Append(ctx, actor, "officer.login_failed", officerID, detail); err != nil {
		return err
	}
	return errs.Wrap(errs.Unauthorized, ErrBadCredentials, "Wrong email or password.")
}

// countFailure adds one failure to key's counter (restarting a counter
// older than the window) and locks key when it reaches limit. It returns
// the count.
func (s *Store) countFailure(ctx context.Context, key string, limit int) (int, error) {
	now := s.Now().UTC()
	var d failureDoc
	err := s.attempts.FindOneAndUpdate(ctx, byID(key),
		bson.D{{Key: "$inc", Value: bson.D{{Key: "count", Value: 1}}}, {Key: "$setOnInsert", Value: bson.D{{Key: "since", Value: now}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return 0, fmt.Errorf("officers: count failure: %w", err)
	}
	if now.Sub(d.Since) > s.Policy.FailureWindow && d.LockedUntil.Before(now) {
		d = failureDoc{ID: key, Count: 1, Since: now}
		if _, err := s.attempts.ReplaceOne(ctx, byID(key), d); err != nil {
			return 0, fmt.Errorf("officers: count failure: %w", err)
		}
	}
	if d.Count == limit {
		_, err := s.attempts.UpdateOne(ctx, byID(key), bson.D{{Key: "$set", Value: bson.D{{Key: "locked_until", Value: now.Add(s.Policy.LockFor)}}}})
		if err != nil {
			return 0, fmt.Errorf("officers: lock: %w", err)
		}
	}
	return d.Count, nil
}

// lockedUntil returns when key's lock ends, or nil if it is not locked.
func (s *Store) lockedUntil(ctx context.Context, key string) *time.Time {
	var d failureDoc
	if err := s.attempts.FindOne(ctx, byID(key)).Decode(&d); err != nil {
		return nil // no counter: not locked (a read error fails open here, and the password check still applies)
	}
	if d.LockedUntil.After(s.Now()) {
		t := d.LockedUntil.UTC()
		return &t
	}
	return nil
}

// LiftLockout clears an officer's failed sign-ins and lock.
func (s *Store) LiftLockout(ctx context.Context, actor audit.Actor, id string) error {
	d, err := s.find(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.attempts.DeleteOne(ctx, byID(accountKey(d.Email))); err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("officers: lift lockout: %w", err)
	}
	_, err = s.audit.Append(ctx, actor, "officer.lockout_lifted", id, nil)
	return err
}
