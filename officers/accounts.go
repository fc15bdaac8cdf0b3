package officers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Create adds an officer account.
func (s *Store) Create(ctx context.Context, actor audit.Actor, n NewOfficer) (Officer, error) {
	n.Email, n.Name = normalizeEmail(n.Email), strings.TrimSpace(n.Name)
	if err := checkEmail(n.Email); err != nil {
		return Officer{}, err
	}
	if !n.Role.Valid() {
		return Officer{}, errs.Field("role", "%q is not a role: admin, officer or observer", n.Role)
	}
	if err := checkPassword("password", n.Password, n.Email); err != nil {
		return Officer{}, err
	}
	hash, err := hashPassword(n.Password, s.HashParams)
	if err != nil {
		return Officer{}, err
	}
	now := s.Now().UTC()
	d := officerDoc{ID: randomID(8), Email: n.Email, Name: n.Name, Role: string(n.Role), PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.claimEmail(ctx, d.Email, d.ID); err != nil {
		return Officer{}, err
	}
	if _, err := s.officers.InsertOne(ctx, d); err != nil {
		return Officer{}, fmt.Errorf("officers: create: %w", err)
	}
	if _, err := s.audit.Append(ctx, actor, "officer.added", d.ID, map[string]string{"email": d.Email, "role": d.Role}); err != nil {
		return Officer{}, err
	}
	return d.officer(), nil
}

// claimEmail reserves email for officer id: an insert keyed by the email.
// An entry left by an account whose creation did not finish is taken over.
func (s *Store) claimEmail(ctx context.Context, email, id string) error {
	_, err := s.emails.InsertOne(ctx, emailDoc{ID: email, OfficerID: id})
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("officers: claim email: %w", err)
	}
	if _, err := s.findByEmail(ctx, email); err == nil {
		return &errs.Error{Code: errs.Conflict, Field: "email", Err: ErrEmailTaken, Message: "An officer with this email exists."}
	}
	_, err = s.emails.ReplaceOne(ctx, byID(email), emailDoc{ID: email, OfficerID: id})
	return err
}

// SetRole changes an officer's role and ends their sessions. The last
// administrator cannot be demoted.
func (s *Store) SetRole(ctx context.Context, actor audit.Actor, id string, role Role) (Officer, error) {
	if !role.Valid() {
		return Officer{}, errs.Field("role", "%q is not a role: admin, officer or observer", role)
	}
	d, err := s.find(ctx, id)
	if err != nil {
		return Officer{}, err
	}
	if d.Role == string(role) {
		return d.officer(), nil
	}
	if d.Role == string(RoleAdmin) {
		if err := s.keepAnAdmin(ctx, id); err != nil {
			return Officer{}, err
		}
	}
	d.Role, d.UpdatedAt = string(role), s.Now().UTC()
	if err := s.update(ctx, d); err != nil {
		return Officer{}, err
	}
	if err := s.revokeAll(ctx, id); err != nil {
		return Officer{}, err
	}
	if _, err := s.audit.Append(ctx, actor, "officer.role_changed", id, map[string]string{"role": string(role)}); err != nil {
		return Officer{}, err
	}
	return d.officer(), nil
}

// keepAnAdmin fails if id is the only administrator. (Two administrators
// demoting each other at the same instant could both pass; the command
// "ratify officers add" recovers from that.)
func (s *Store) keepAnAdmin(ctx context.Context, id string) error {
	n, err := s.officers.CountDocuments(ctx, bson.D{{Key: "role", Value: string(RoleAdmin)}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: id}}}})
	if err != nil {
		return fmt.Errorf("officers: count admins: %w", err)
	}
	if n == 0 {
		return errs.Wrap(errs.Conflict, ErrLastAdmin, "This is the last administrator: make another officer an administrator first.")
	}
	return nil
}

func (s *Store) update(ctx context.Context, d officerDoc) error {
	if _, err := s.officers.ReplaceOne(ctx, byID(d.ID), d); err != nil {
		return fmt.Errorf("officers: update %s: %w", d.ID, err)
	}
	return nil
}

// SetPassword sets an officer's password (an administrator's reset) and
// ends their sessions.
func (s *Store) SetPassword(ctx context.Context, actor audit.Actor, id, password string) error {
	d, err := s.find(ctx, id)
	if err != nil {
		return err
	}
	if err := s.setPassword(ctx, &d, password); err != nil {
		return err
	}
	_, err = s.audit.Append(ctx, actor, "officer.password_reset", id, nil)
	return err
}

func (s *Store) setPassword(ctx context.Context, d *officerDoc, password string) error {
	if err := checkPassword("password", password, d.Email); err != nil {
		return err
	}
	hash, err := hashPassword(password, s.HashParams)
	if err != nil {
		return err
	}
	d.PasswordHash, d.UpdatedAt = hash, s.Now().UTC()
	if err := s.update(ctx, *d); err != nil {
		return err
	}
	return s.revokeAll(ctx, d.ID)
}

// ChangePassword changes the signed-in officer's own password after
// checking the current one, ends all their sessions, and signs them in
// again with a new session.
func (s *Store) ChangePassword(ctx context.Context, p Principal, ip, current, password string) (Token, error) {
	d, err := s.find(ctx, p.OfficerID)
	if err != nil {
		return Token{}, err
	}
	if !checkHash(d.PasswordHash, current) {
		return Token{}, &errs.Error{Code: errs.Unauthorized, Field: "current_password", Err: ErrBadCredentials, Message: "The current password is wrong."}
	}
	if err := s.setPassword(ctx, &d, password); err != nil {
		if e, ok := errs.As(err); ok && e.Field == "password" {
			e.Field = "new_password"
		}
		return Token{}, err
	}
	actor := audit.Actor{OfficerID: d.ID, Email: d.Email, Role: d.Role, IP: ip}
	if _, err := s.audit.Append(ctx, actor, "officer.password_changed", d.ID, nil); err != nil {
		return Token{}, err
	}
	return s.openSession(ctx, d, ip)
}

// Remove deletes an officer's account and ends their sessions. Officers
// cannot remove themselves, and the last administrator stays.
func (s *Store) Remove(ctx context.Context, actor audit.Actor, id string) error {
	if actor.OfficerID == id {
		return errs.New(errs.Conflict, "You cannot remove your own account.")
	}
	d, err := s.find(ctx, id)
	if err != nil {
		return err
	}
	if d.Role == string(RoleAdmin) {
		if err := s.keepAnAdmin(ctx, id); err != nil {
			return err
		}
	}
	if err := s.revokeAll(ctx, id); err != nil {
		return err
	}
	if _, err := s.officers.DeleteOne(ctx, byID(id)); err != nil {
		return fmt.Errorf("officers: remove %s: %w", id, err)
	}
	if _, err := s.emails.DeleteOne(ctx, byID(d.Email)); err != nil {
		return fmt.Errorf("officers: remove %s: %w", id, err)
	}
	_, err = s.audit.Append(ctx, actor, "officer.removed", id, map[string]string{"email": d.Email})
	return err
}

// Bootstrap creates an administrator with the email and password if no
// officer exists yet, and reports whether it did.
func (s *Store) Bootstrap(ctx context.Context, email, password string) (bool, error) {
	any, err := s.Any(ctx)
	if err != nil || any {
		return false, err
	}
	_, err = s.Create(ctx, audit.System, NewOfficer{Email: email, Role: RoleAdmin, Password: password})
	if errors.Is(err, ErrEmailTaken) {
		return false, nil // another instance bootstrapped it at the same moment
	}
	return err == nil, err
}

// setupDoc holds the hash of the one-time setup code.
type setupDoc struct {
	ID   string `bson:"_id"`
	Hash string `bson:"hash"`
}

const setupID = "setup"

// NewSetupCode returns a fresh one-time code for creating the first
// administrator, or "" if an officer exists. Only its hash is stored; each
// call replaces the previous code.
func (s *Store) NewSetupCode(ctx context.Context) (string, error) {
	any, err := s.Any(ctx)
	if err != nil || any {
		return "", err
	}
	code := randomID(16)
	_, err = s.setup.ReplaceOne(ctx, byID(setupID), setupDoc{ID: setupID, Hash: hashCode(code)}, options.Replace().SetUpsert(true))
	if err != nil {
		return "", fmt.Errorf("officers: setup code: %w", err)
	}
	return code, nil
}

func hashCode(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}

// CheckSetupCode fails with NotFound unless code is the current setup code
// and no officer exists yet.
func (s *Store) CheckSetupCode(ctx context.Context, code string) error {
	gone := errs.New(errs.NotFound, "This setup link is not valid: setup is done or the link is wrong.")
	if any, err := s.Any(ctx); err != nil {
		return err
	} else if any {
		return gone
	}
	var d setupDoc
	err := s.setup.FindOne(ctx, byID(setupID)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return gone
	}
	if err != nil {
		return fmt.Errorf("officers: setup code: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hashCode(code)), []byte(d.Hash)) != 1 {
		return gone
	}
	return nil
}

// CompleteSetup creates the first administrator with a valid setup code,
// retires the code and signs the administrator in.
func (s *Store) CompleteSetup(ctx context.Context, code, email, password, ip string) (Token, error) {
	if err := s.CheckSetupCode(ctx, code); err != nil {
		return Token{}, err
	}
	o, err := s.Create(ctx, audit.Actor{OfficerID: "setup", Email: normalizeEmail(email), Role: string(RoleAdmin), IP: ip},
		NewOfficer{Email: email, Role: RoleAdmin, Password: password})
	if err != nil {
		return Token{}, err
	}
	if _, err := s.setup.DeleteOne(ctx, byID(setupID)); err != nil {
		return Token{}, fmt.Errorf("officers: setup code: %w", err)
	}
	d, err := s.find(ctx, o.ID)
	if err != nil {
		return Token{}, err
	}
	return s.openSession(ctx, d, ip)
}
