package officers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// sessionDoc is one signed-in session, keyed by its random id (the
// token's sid claim). Deleting it revokes every token of the session.
type sessionDoc struct {
	ID        string    `bson:"_id"`
	OfficerID string    `bson:"officer_id"`
	Email     string    `bson:"email"`
	Role      string    `bson:"role"`
	IP        string    `bson:"ip,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// claims are a session token's JWT claims: exp, iat, sub (the officer id),
// role and sid (the session id).
type claims struct {
	Role string `json:"role"`
	SID  string `json:"sid"`
	jwt.RegisteredClaims
}

// openSession starts a session for d and returns its first token.
func (s *Store) openSession(ctx context.Context, d officerDoc, ip string) (Token, error) {
	now := s.Now().UTC()
	// Sessions past their end are removed here, at sign-in, so that the
	// collection stays small (it is scanned only to revoke an officer's
	// sessions).
	if _, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}}); err != nil {
		return Token{}, fmt.Errorf("officers: prune sessions: %w", err)
	}
	sd := sessionDoc{ID: randomID(16), OfficerID: d.ID, Email: d.Email, Role: d.Role, IP: ip, CreatedAt: now, ExpiresAt: now.Add(s.Policy.SessionTTL)}
	if _, err := s.sessions.InsertOne(ctx, sd); err != nil {
		return Token{}, fmt.Errorf("officers: open session: %w", err)
	}
	actor := audit.Actor{OfficerID: d.ID, Email: d.Email, Role: d.Role, IP: ip}
	if _, err := s.audit.Append(ctx, actor, "officer.login", d.ID, nil); err != nil {
		return Token{}, err
	}
	return s.sign(sd, now)
}

// sign issues a token for session sd, expiring after the policy's token
// life or at the session's end, whichever is first.
func (s *Store) sign(sd sessionDoc, now time.Time) (Token, error) {
	now = now.Truncate(time.Second)
	exp := now.Add(s.Policy.TokenTTL)
	if sd.ExpiresAt.Before(exp) {
		exp = sd.ExpiresAt.Truncate(time.Second)
	}
	c := claims{Role: sd.Role, SID: sd.ID, RegisteredClaims: jwt.RegisteredClaims{
		Subject: sd.OfficerID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
	}}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.jwtKey)
	if err != nil {
		return Token{}, fmt.Errorf("officers: sign: %w", err)
	}
	p := Principal{OfficerID: sd.OfficerID, Email: sd.Email, Role: Role(sd.Role), SessionID: sd.ID, IssuedAt: now, ExpiresAt: exp}
	return Token{Token: tok, ExpiresAt: exp, Principal: p}, nil
}

func sessionEnded() error {
	return errs.Wrap(errs.Unauthorized, ErrSession, "Your session has ended: sign in again.")
}

// Verify checks a token's signature (HS256 only), expiry and session, and
// returns who it belongs to.
func (s *Store) Verify(ctx context.Context, token string) (Principal, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.jwtKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(s.Now))
	if err != nil || c.SID == "" || c.Subject == "" {
		return Principal{}, errs.Wrap(errs.Unauthorized, ErrSession, "The session token is not valid: sign in again.")
	}
	sd, err := s.session(ctx, c.SID)
	if err != nil {
		return Principal{}, err
	}
	if sd.OfficerID != c.Subject || sd.Role != c.Role {
		return Principal{}, sessionEnded()
	}
	return Principal{
		OfficerID: sd.OfficerID, Email: sd.Email, Role: Role(sd.Role), SessionID: sd.ID,
		IssuedAt: c.IssuedAt.Time, ExpiresAt: c.ExpiresAt.Time,
	}, nil
}

// session reads session id by _id, trusting this instance's last read for
// SessionCheckEvery.
func (s *Store) session(ctx context.Context, id string) (sessionDoc, error) {
	now := s.Now()
	if v, ok := s.checked.Load(id); ok {
		cs := v.(checkedSession)
		if now.Sub(cs.at) < SessionCheckEvery && now.Before(cs.s.ExpiresAt) {
			return cs.s, nil
		}
	}
	var sd sessionDoc
	err := s.sessions.FindOne(ctx, byID(id)).Decode(&sd)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && !now.Before(sd.ExpiresAt)) {
		s.checked.Delete(id)
		return sessionDoc{}, sessionEnded()
	}
	if err != nil {
		return sessionDoc{}, fmt.Errorf("officers: session: %w", err)
	}
	s.checked.Store(id, checkedSession{s: sd, at: now})
	return sd, nil
}

// Refresh issues a new token for p's session if the session is still open.
func (s *Store) Refresh(ctx context.Context, p Principal) (Token, error) {
	sd, err := s.session(ctx, p.SessionID)
	if err != nil {
		return Token{}, err
	}
	return s.sign(sd, s.Now().UTC())
}

// Logout ends p's session: every token of it stops working.
func (s *Store) Logout(ctx context.Context, p Principal, ip string) error {
	if _, err := s.sessions.DeleteOne(ctx, byID(p.SessionID)); err != nil {
		return fmt.Errorf("officers: logout: %w", err)
	}
	s.checked.Delete(p.SessionID)
	_, err := s.audit.Append(ctx, audit.Actor{OfficerID: p.OfficerID, Email: p.Email, Role: string(p.Role), IP: ip}, "officer.logout", p.OfficerID, nil)
	return err
}

// revokeAll ends every session of an officer.
func (s *Store) revokeAll(ctx context.Context, officerID string) error {
	if _, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "officer_id", Value: officerID}}); err != nil {
		return fmt.Errorf("officers: revoke sessions: %w", err)
	}
	s.checked.Range(func(k, v any) bool {
		if v.(checkedSession).s.OfficerID == officerID {
			s.checked.Delete(k)
		}
		return true
	})
	return nil
}

// CSRFToken returns the anti-forgery token bound to a session id (or to
// any other value a page binds its forms to, such as a pre-session nonce).
func (s *Store) CSRFToken(binding string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether token is the anti-forgery token for binding.
func (s *Store) CheckCSRF(binding, token string) bool {
	return binding != "" && token != "" && hmac.Equal([]byte(s.CSRFToken(binding)), []byte(token))
}
