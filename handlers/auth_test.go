package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/members"
	"github.com/ratifyhq/ratify/officers"
	"github.com/ratifyhq/ratify/store"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// authEnv is a server with real officer, roster and audit stores on the
// embedded store.
type authEnv struct {
	srv      *handlers.Server
	officers *officers.Store
	members  *members.Store
	log      *audit.Log
	logs     *syncBuffer // the server's log output
	db       *mongo.Database
}

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

const testPassword = "correct horse battery"

var authSecret = []byte("handlers-test-secret-of-at-least-32-chars")

func newAuthEnv(t *testing.T, baseURL string) *authEnv {
	t.Helper()
	return newAuthEnvOn(t, baseURL, storetest.Open(t))
}

// newAuthEnvOn is newAuthEnv on a given store.
func newAuthEnvOn(t *testing.T, baseURL string, st *store.Store) *authEnv {
	t.Helper()
	db := st.DB
	ctx := context.Background()
	e := &authEnv{log: audit.NewLog(db), logs: &syncBuffer{}, db: db}
	e.officers = officers.NewStore(db, authSecret, e.log)
	e.officers.HashParams = officers.HashParams{Memory: 1024, Time: 1, Threads: 1}
	e.members = members.NewStore(db, e.log)
	for _, ensure := range []func(context.Context) error{e.log.EnsureIndexes, e.officers.EnsureIndexes, e.members.EnsureIndexes} {
		if err := ensure(ctx); err != nil {
			t.Fatal(err)
		}
	}
	storetest.FixIndexes(t, st)
	srv, err := handlers.New(handlers.Config{
		BaseURL: baseURL, Logger: slog.New(slog.NewJSONHandler(e.logs, nil)), Secret: authSecret,
		Officers: e.officers, Members: e.members, Audit: e.log,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	return e
}

// addOfficer creates an account with testPassword.
func (e *authEnv) addOfficer(t *testing.T, email string, role officers.Role) officers.Officer {
	t.Helper()
	o, err := e.officers.Create(context.Background(), audit.System, officers.NewOfficer{Email: email, Role: role, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// officerToken signs in a new officer of the role through the API and
// returns the login response.
func (e *authEnv) officerToken(t *testing.T, role officers.Role) loginResult {
	t.Helper()
	email := string(role) + "@example.org"
	e.addOfficer(t, email, role)
	resp, body := e.call(t, "POST", "/api/v1/auth/login", "application/json", `{"email":"`+email+`","password":"`+testPassword+`"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	var r loginResult
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "ratify_session" {
			r.Cookie = c
		}
	}
	return r
}

type loginResult struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
	CSRFToken string `json:"csrf_token"`
	Cookie    *http.Cookie
}

// call sends a request; headers come as name, value pairs.
func (e *authEnv) call(t *testing.T, method, target, contentType, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	return e.send(t, method, target, contentType, strings.NewReader(body), headers...)
}

func (e *authEnv) send(t *testing.T, method, target, contentType string, body io.Reader, headers ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func bearerOf(r loginResult) []string { return []string{"Authorization", "Bearer " + r.Token} }

func cookieOf(r loginResult) []string { return []string{"Cookie", "ratify_session=" + r.Cookie.Value} }

func wantStatus(t *testing.T, resp *http.Response, body string, status int, fragments ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	for _, f := range fragments {
		if !strings.Contains(body, f) {
			t.Fatalf("body lacks %q: %s", f, body)
		}
	}
}

func TestLoginMeLogout(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	r := e.officerToken(t, officers.RoleOfficer)
	if r.Token == "" || r.ExpiresAt == "" || r.CSRFToken == "" || r.Cookie == nil {
		t.Fatalf("login response: %+v", r)
	}
	if !r.Cookie.HttpOnly || r.Cookie.SameSite != http.SameSiteStrictMode || r.Cookie.Secure || r.Cookie.Value != r.Token {
		t.Fatalf("cookie: %+v", r.Cookie)
	}
	resp, body := e.call(t, "GET", "/api/v1/auth/me", "", "", bearerOf(r)...)
	wantStatus(t, resp, body, 200, `"email":"officer@example.org"`, `"role":"officer"`)
	resp, body = e.call(t, "GET", "/api/v1/auth/me", "", "", cookieOf(r)...)
	wantStatus(t, resp, body, 200, `"role":"officer"`)

	resp, body = e.call(t, "POST", "/api/v1/auth/logout", "", "", bearerOf(r)...)
	wantStatus(t, resp, body, 204)
	for _, h := range [][]string{bearerOf(r), cookieOf(r)} {
		resp, body = e.call(t, "GET", "/api/v1/auth/me", "", "", h...)
		wantStatus(t, resp, body, 401, `"code":"unauthorized"`)
	}
	if strings.Contains(e.logs.String(), r.Token) || strings.Contains(e.logs.String(), testPassword) {
		t.Fatal("a token or password reached the log")
	}
}

func TestLoginFailuresAndLockout(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	admin := e.officerToken(t, officers.RoleAdmin)
	o := e.addOfficer(t, "chair@example.org", officers.RoleOfficer)
	bad := `{"email":"chair@example.org","password":"not the password"}`
	resp, body := e.call(t, "POST", "/api/v1/auth/login", "application/x-www-form-urlencoded", "email=chair@example.org&password=x")
	wantStatus(t, resp, body, 415)
	resp, body = e.call(t, "POST", "/api/v1/auth/login", "application/json", `{"email":`)
	wantStatus(t, resp, body, 400)
	for i := 0; i < officers.DefaultPolicy.MaxFailures; i++ {
		resp, body = e.call(t, "POST", "/api/v1/auth/login", "application/json", bad)
		wantStatus(t, resp, body, 401, `"message":"Wrong email or password."`)
	}
	good := `{"email":"chair@example.org","password":"` + testPassword + `"}`
	resp, body = e.call(t, "POST", "/api/v1/auth/login", "application/json", good)
	wantStatus(t, resp, body, 429, "locked")
	resp, body = e.call(t, "DELETE", "/api/v1/officers/"+o.ID+"/lockout", "", "", bearerOf(admin)...)
	wantStatus(t, resp, body, 204)
	resp, body = e.call(t, "POST", "/api/v1/auth/login", "application/json", good)
	wantStatus(t, resp, body, 200, `"token"`)
}

func TestRoleChecks(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	admin, officer, observer := e.officerToken(t, officers.RoleAdmin), e.officerToken(t, officers.RoleOfficer), e.officerToken(t, officers.RoleObserver)
	cases := []struct {
		name    string
		target  string
		headers []string
		status  int
	}{
		{"NoToken", "/api/v1/members", nil, 401},
		{"BadToken", "/api/v1/members", []string{"Authorization", "Bearer not.a.token"}, 401},
		{"ObserverOnRoster", "/api/v1/members", bearerOf(observer), 403},
		{"OfficerOnRoster", "/api/v1/members", bearerOf(officer), 200},
		{"AdminOnRoster", "/api/v1/members", bearerOf(admin), 200},
		{"OfficerOnOfficers", "/api/v1/officers", bearerOf(officer), 403},
		{"AdminOnOfficers", "/api/v1/officers", bearerOf(admin), 200},
		{"ObserverOnAudit", "/api/v1/audit", bearerOf(observer), 200},
		// Officers export the audit entries of their votes, but the chain
		// check is for observers and admins.
		{"OfficerOnAuditList", "/api/v1/audit", bearerOf(officer), 200},
		{"OfficerOnAuditVerify", "/api/v1/audit/verify", bearerOf(officer), 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.call(t, "GET", tc.target, "", "", tc.headers...)
			wantStatus(t, resp, body, tc.status)
			if tc.status >= 400 && !strings.Contains(body, `"error"`) {
				t.Fatalf("error shape: %s", body)
			}
		})
	}
	// A browser asking for a page without a session is sent to sign in.
	resp, _ := e.call(t, "GET", "/api/v1/members", "", "", "Accept", "text/html")
	if resp.StatusCode != 401 {
		t.Fatalf("API call from a browser: %d, want 401", resp.StatusCode)
	}
}

func TestCSRFForCookieSessions(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	r := e.officerToken(t, officers.RoleOfficer)
	if _, err := e.members.ImportRoster(context.Background(), audit.System, []byte("Employee ID,Name,Status\n7,Ada Quill,member\n"), members.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	patch := `{"status":"fee_payer"}`
	resp, body := e.call(t, "PATCH", "/api/v1/members/7", "application/json", patch, cookieOf(r)...)
	wantStatus(t, resp, body, 403, "anti-forgery")
	resp, body = e.call(t, "PATCH", "/api/v1/members/7", "application/json", patch, append(cookieOf(r), "X-CSRF-Token", "forged")...)
	wantStatus(t, resp, body, 403)
	resp, body = e.call(t, "PATCH", "/api/v1/members/7", "application/json", patch, append(cookieOf(r), "X-CSRF-Token", r.CSRFToken)...)
	wantStatus(t, resp, body, 200, `"status":"fee_payer"`)
	// A bearer token is not sent by browsers on their own: no CSRF token needed.
	resp, body = e.call(t, "PATCH", "/api/v1/members/7", "application/json", `{"status":"member"}`, bearerOf(r)...)
	wantStatus(t, resp, body, 200, `"status":"member"`)
	// Logging out with the cookie needs the token too.
	resp, body = e.call(t, "POST", "/api/v1/auth/logout", "", "", cookieOf(r)...)
	wantStatus(t, resp, body, 403)
	resp, body = e.call(t, "POST", "/logout", "application/x-www-form-urlencoded", "csrf_token="+url.QueryEscape(r.CSRFToken), cookieOf(r)...)
	wantStatus(t, resp, body, 303)
	resp, body = e.call(t, "GET", "/api/v1/auth/me", "", "", cookieOf(r)...)
	wantStatus(t, resp, body, 401)
}

func TestSecureCookieOnHTTPS(t *testing.T) {
	e := newAuthEnv(t, "https://vote.example.org")
	r := e.officerToken(t, officers.RoleObserver)
	if !r.Cookie.Secure || !r.Cookie.HttpOnly || r.Cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie on https: %+v", r.Cookie)
	}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// formPage gets a page and returns its CSRF token and the pre-session cookie.
func (e *authEnv) formPage(t *testing.T, target string) (token, cookie string) {
	t.Helper()
	resp, body := e.call(t, "GET", target, "", "", "Accept", "text/html")
	wantStatus(t, resp, body, 200, "<label")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field: %s", body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "ratify_csrf" {
			cookie = c.Name + "=" + c.Value
		}
	}
	return m[1], cookie
}

func TestSetupAndLoginPages(t *testing.T) {
	e := newAuthEnv(t, "http://localhost:8080")
	ctx := context.Background()
	code, err := e.officers.NewSetupCode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.call(t, "GET", "/setup/wrong", "", "", "Accept", "text/html")
	wantStatus(t, resp, body, 404)
	token, cookie := e.formPage(t, "/setup/"+code)
	form := url.Values{"email": {"first@example.org"}, "password": {testPassword}, "password_confirm": {testPassword}, "csrf_token": {token}}
	resp, body = e.call(t, "POST", "/setup/"+code, "application/x-www-form-urlencoded", form.Encode())
	wantStatus(t, resp, body, 403) // no pre-session cookie: a forged form
	form.Set("password_confirm", "something else entirely")
	resp, body = e.call(t, "POST", "/setup/"+code, "application/x-www-form-urlencoded", form.Encode(), "Cookie", cookie)
	wantStatus(t, resp, body, 422, "differ")
	form.Set("password_confirm", testPassword)
	resp, body = e.call(t, "POST", "/setup/"+code, "application/x-www-form-urlencoded", form.Encode(), "Cookie", cookie)
	wantStatus(t, resp, body, 303)
	if resp.Header.Get("Location") != "/" || !strings.Contains(resp.Header.Get("Set-Cookie"), "ratify_session=") {
		t.Fatalf("after setup: %v", resp.Header)
	}
	resp, body = e.call(t, "GET", "/setup/"+code, "", "", "Accept", "text/html")
	wantStatus(t, resp, body, 404)
	if strings.Contains(e.logs.String(), code) {
		t.Fatalf("the setup code reached the request log:\n%s", e.logs.String())
	}

	token, cookie = e.formPage(t, "/login?next=/officers")
	form = url.Values{"email": {"first@example.org"}, "password": {"wrong password!"}, "csrf_token": {token}, "next": {"/officers"}}
	resp, body = e.call(t, "POST", "/login", "application/x-www-form-urlencoded", form.Encode(), "Cookie", cookie)
	wantStatus(t, resp, body, 401, "Wrong email or password", `value="first@example.org"`)
	form.Set("password", testPassword)
	resp, body = e.call(t, "POST", "/login", "application/x-www-form-urlencoded", form.Encode(), "Cookie", cookie)
	wantStatus(t, resp, body, 303)
	if resp.Header.Get("Location") != "/officers" {
		t.Fatalf("redirect to %q", resp.Header.Get("Location"))
	}
	form.Set("next", "//evil.example")
	resp, _ = e.call(t, "POST", "/login", "application/x-www-form-urlencoded", form.Encode(), "Cookie", cookie)
	if resp.Header.Get("Location") != "/" {
		t.Fatalf("open redirect to %q", resp.Header.Get("Location"))
	}
}
