package officers_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/officers"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

var secret = []byte("0123456789abcdef0123456789abcdef-test-secret")

type env struct {
	s   *officers.Store
	log *audit.Log
	db  *mongo.Database
	now *time.Time
}

func newStore(t *testing.T) env {
	t.Helper()
	db := storetest.DB(t)
	log := audit.NewLog(db)
	s := officers.NewStore(db, secret, log)
	now := time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	s.HashParams = officers.HashParams{Memory: 1024, Time: 1, Threads: 1} // cheap for tests
	ctx := context.Background()
	if err := log.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	return env{s, log, db, &now}
}

var admin = audit.Actor{OfficerID: "a0", Email: "root@example.org", Role: "admin", IP: "192.0.2.1"}

const pw = "correct horse battery"

func create(t *testing.T, e env, email string, role officers.Role) officers.Officer {
	t.Helper()
	o, err := e.s.Create(context.Background(), admin, officers.NewOfficer{Email: email, Role: role, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func login(t *testing.T, e env, email, password string) officers.Token {
	t.Helper()
	tok, err := e.s.Login(context.Background(), email, password, "198.51.100.9")
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return tok
}

func actions(t *testing.T, e env) string {
	t.Helper()
	es, err := e.log.List(context.Background(), audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Action)
	}
	return strings.Join(out, " ")
}

func TestLoginVerifyLogout(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	o := create(t, e, "Chair@Example.org", officers.RoleOfficer)
	if o.Email != "chair@example.org" || o.ID == "" {
		t.Fatalf("%+v", o)
	}
	tok := login(t, e, " CHAIR@example.org", pw)
	if !tok.ExpiresAt.Equal(e.now.Add(time.Hour)) {
		t.Fatalf("expires %v", tok.ExpiresAt)
	}
	p, err := e.s.Verify(ctx, tok.Token)
	if err != nil || p.OfficerID != o.ID || p.Role != officers.RoleOfficer || p.Email != "chair@example.org" || p.SessionID == "" {
		t.Fatalf("Verify = %+v, %v", p, err)
	}
	// The claims are the ones the issue names.
	var c jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok.Token, &c); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"exp", "iat", "sub", "role", "sid"} {
		if _, ok := c[k]; !ok {
			t.Fatalf("claim %s missing: %v", k, c)
		}
	}
	if err := e.s.Logout(ctx, p, "198.51.100.9"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Verify(ctx, tok.Token); !errors.Is(err, officers.ErrSession) || errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("token after logout: %v", err)
	}
	if got := actions(t, e); got != "officer.added officer.login officer.logout" {
		t.Fatalf("audit: %s", got)
	}
}

func TestRefusedTokens(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	create(t, e, "chair@example.org", officers.RoleAdmin)
	tok := login(t, e, "chair@example.org", pw)
	var c jwt.MapClaims
	jwt.NewParser().ParseUnverified(tok.Token, &c)

	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	otherKey, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte("another secret of thirty-two chars!"))
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, c).SignedString(secret)
	// Signed with the right key but without an expiry.
	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": c["sub"], "role": c["role"], "sid": c["sid"], "iat": c["iat"]}).
		SignedString(officers.TokenKey(secret))
	cases := map[string]string{
		"AlgNone": none, "OtherKey": otherKey, "HS512": hs512, "Garbage": "abc.def.ghi", "Empty": "",
		"Tampered": tok.Token[:len(tok.Token)-2] + "xx", "NoExpiry": noExp,
	}
	for name, tk := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := e.s.Verify(ctx, tk); errs.CodeOf(err) != errs.Unauthorized {
				t.Fatalf("Verify accepted a bad token: %v", err)
			}
		})
	}
	t.Run("Expired", func(t *testing.T) {
		*e.now = e.now.Add(time.Hour + time.Second)
		if _, err := e.s.Verify(ctx, tok.Token); errs.CodeOf(err) != errs.Unauthorized {
			t.Fatalf("expired token accepted: %v", err)
		}
	})
	t.Run("RefreshedWithinSession", func(t *testing.T) {
		*e.now = e.now.Add(-time.Hour)
		p, err := e.s.Verify(ctx, tok.Token)
		if err != nil {
			t.Fatal(err)
		}
		*e.now = e.now.Add(30 * time.Minute)
		fresh, err := e.s.Refresh(ctx, p)
		if err != nil || !fresh.ExpiresAt.After(tok.ExpiresAt) {
			t.Fatalf("refresh: %v %v", err, fresh.ExpiresAt)
		}
		if _, err := e.s.Verify(ctx, fresh.Token); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLockoutAndLift(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	o := create(t, e, "chair@example.org", officers.RoleOfficer)
	for i := 0; i < officers.DefaultPolicy.MaxFailures; i++ {
		_, err := e.s.Login(ctx, "chair@example.org", "wrong password!", "198.51.100.9")
		if !errors.Is(err, officers.ErrBadCredentials) || errs.CodeOf(err) != errs.Unauthorized {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Locked: even the right password is refused, with 429.
	_, err := e.s.Login(ctx, "chair@example.org", pw, "198.51.100.9")
	if !errors.Is(err, officers.ErrLocked) || errs.CodeOf(err) != errs.RateLimited || !strings.Contains(err.Error(), "administrator") {
		t.Fatalf("locked account: %v", err)
	}
	if got, _ := e.s.Find(ctx, o.ID); got.LockedUntil == nil {
		t.Fatal("Find does not show the lock")
	}
	if err := e.s.LiftLockout(ctx, admin, o.ID); err != nil {
		t.Fatal(err)
	}
	login(t, e, "chair@example.org", pw)
	// The lock also ends by itself.
	for i := 0; i < officers.DefaultPolicy.MaxFailures; i++ {
		e.s.Login(ctx, "chair@example.org", "wrong password!", "198.51.100.9")
	}
	*e.now = e.now.Add(officers.DefaultPolicy.LockFor + time.Second)
	login(t, e, "chair@example.org", pw)
	if got := actions(t, e); !strings.Contains(got, "officer.login_failed officer.login_failed") || !strings.Contains(got, "officer.lockout_lifted officer.login") {
		t.Fatalf("audit: %s", got)
	}
}

func TestIPLimit(t *testing.T) {
	e := newStore(t)
	e.s.Policy.MaxIPFailures = 3
	ctx := context.Background()
	create(t, e, "chair@example.org", officers.RoleOfficer)
	for _, who := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		if _, err := e.s.Login(ctx, who, "wrong password!", "203.0.113.5"); errs.CodeOf(err) != errs.Unauthorized {
			t.Fatalf("%s: %v", who, err)
		}
	}
	if _, err := e.s.Login(ctx, "chair@example.org", pw, "203.0.113.5"); errs.CodeOf(err) != errs.RateLimited {
		t.Fatalf("address over its limit: %v", err)
	}
	if _, err := e.s.Login(ctx, "chair@example.org", pw, "203.0.113.6"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

func TestPasswordChangeAndRoleChangeRevoke(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	o := create(t, e, "chair@example.org", officers.RoleOfficer)
	t1, t2 := login(t, e, "chair@example.org", pw), login(t, e, "chair@example.org", pw)
	p, _ := e.s.Verify(ctx, t1.Token)
	if _, err := e.s.ChangePassword(ctx, p, "192.0.2.9", "not the password", "a new long password"); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("wrong current password: %v", err)
	}
	if _, err := e.s.ChangePassword(ctx, p, "192.0.2.9", pw, "short"); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("short new password: %v", err)
	}
	fresh, err := e.s.ChangePassword(ctx, p, "192.0.2.9", pw, "a new long password")
	if err != nil {
		t.Fatal(err)
	}
	for _, old := range []officers.Token{t1, t2} {
		if _, err := e.s.Verify(ctx, old.Token); errs.CodeOf(err) != errs.Unauthorized {
			t.Fatalf("old session survived a password change: %v", err)
		}
	}
	if _, err := e.s.Verify(ctx, fresh.Token); err != nil {
		t.Fatalf("new session: %v", err)
	}
	if _, err := e.s.Login(ctx, "chair@example.org", pw, "192.0.2.9"); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("old password: %v", err)
	}
	if _, err := e.s.SetRole(ctx, admin, o.ID, officers.RoleObserver); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Verify(ctx, fresh.Token); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("session survived a role change: %v", err)
	}
}

func TestAccountRules(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	a := create(t, e, "root@example.org", officers.RoleAdmin)
	bad := []officers.NewOfficer{
		{Email: "x@example.org", Role: "chair", Password: pw},
		{Email: "not an email", Role: "officer", Password: pw},
		{Email: "x@example.org", Role: "officer", Password: "elevenchars"},
		{Email: "root@example.org", Role: "officer", Password: pw},
	}
	want := []errs.Code{errs.Invalid, errs.Invalid, errs.Invalid, errs.Conflict}
	for i, n := range bad {
		if _, err := e.s.Create(ctx, admin, n); errs.CodeOf(err) != want[i] {
			t.Fatalf("%+v: %v, want %s", n, err, want[i])
		}
	}
	if _, err := e.s.SetRole(ctx, admin, a.ID, officers.RoleOfficer); !errors.Is(err, officers.ErrLastAdmin) {
		t.Fatalf("demoting the last admin: %v", err)
	}
	self := audit.Actor{OfficerID: a.ID}
	if err := e.s.Remove(ctx, self, a.ID); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("removing oneself: %v", err)
	}
	b := create(t, e, "second@example.org", officers.RoleObserver)
	tok := login(t, e, "second@example.org", pw)
	if err := e.s.Remove(ctx, self, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Verify(ctx, tok.Token); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("removed officer's session: %v", err)
	}
	if _, err := e.s.Login(ctx, "second@example.org", pw, "192.0.2.1"); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("removed officer signs in: %v", err)
	}
	// The address is free again.
	create(t, e, "second@example.org", officers.RoleObserver)
	list, _ := e.s.List(ctx)
	if len(list) != 2 || list[0].Email != "root@example.org" {
		t.Fatalf("list: %+v", list)
	}
}

func TestFirstAdministrator(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	code, err := e.s.NewSetupCode(ctx)
	if err != nil || len(code) != 32 {
		t.Fatalf("code %q: %v", code, err)
	}
	if err := e.s.CheckSetupCode(ctx, "0"+code[1:]); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := e.s.CompleteSetup(ctx, code, "first@example.org", "short", "192.0.2.1"); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("short password: %v", err)
	}
	tok, err := e.s.CompleteSetup(ctx, code, "first@example.org", pw, "192.0.2.1")
	if err != nil || tok.Principal.Role != officers.RoleAdmin {
		t.Fatalf("setup: %v %+v", err, tok.Principal)
	}
	if err := e.s.CheckSetupCode(ctx, code); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("code after setup: %v", err)
	}
	if again, _ := e.s.NewSetupCode(ctx); again != "" {
		t.Fatal("a setup code once an officer exists")
	}
	if created, err := e.s.Bootstrap(ctx, "boot@example.org", pw); created || err != nil {
		t.Fatalf("bootstrap with an officer: %v %v", created, err)
	}
	e2 := newStore(t)
	if created, err := e2.s.Bootstrap(ctx, "boot@example.org", pw); !created || err != nil {
		t.Fatalf("bootstrap on an empty store: %v %v", created, err)
	}
	login(t, e2, "boot@example.org", pw)
}

func TestCSRF(t *testing.T) {
	e := newStore(t)
	tok := e.s.CSRFToken("session-1")
	if !e.s.CheckCSRF("session-1", tok) || e.s.CheckCSRF("session-2", tok) || e.s.CheckCSRF("session-1", "") || e.s.CheckCSRF("", e.s.CSRFToken("")) {
		t.Fatal("CSRF tokens are not bound to their session")
	}
	other := officers.NewStore(e.db, []byte("another secret of thirty-two chars!"), e.log)
	if other.CheckCSRF("session-1", tok) {
		t.Fatal("CSRF token valid under another secret")
	}
}
