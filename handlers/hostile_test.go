package handlers_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/officers"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Hostile input: every request below is refused with a clear 4xx and
// changes nothing in the database. "Nothing" is checked by a digest of
// every document of every collection taken before and after each request,
// not only by the status.

// hostileEnv is the server of newVoteEnv with small body limits, a dev
// mail directory, an admin, an officer and an observer, and an open vote
// whose links mail holds.
type hostileEnv struct {
	*authEnv
	mail                     *mailRecorder
	admin, officer, observer loginResult
	voteID                   string
	mailDir, outside         string // the dev mail directory, and a secret file next to it
}

const (
	hostileJSONLimit   = 64 << 10
	hostileUploadLimit = 512 << 10
	outsideSecret      = "SECRET-OUTSIDE-THE-MAIL-DIRECTORY"
)

func newHostileEnv(t *testing.T) *hostileEnv {
	t.Helper()
	e, mail, officer := newVoteEnv(t)
	root := t.TempDir()
	h := &hostileEnv{authEnv: e, mail: mail, officer: officer, mailDir: filepath.Join(root, "mail"), outside: filepath.Join(root, "secret.eml")}
	if err := os.MkdirAll(h.mailDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.outside, []byte("Subject: "+outsideSecret+"\r\n\r\n"+outsideSecret+"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	votes := ballot.New(e.db, ballot.Deps{Roster: memberRoster{e.members}, Mail: mail, Audit: auditRecorder{e.log},
		Secret: authSecret, BaseURL: "http://localhost:8080"})
	// The outbox (never run: nothing is sent), the notice board, and the
	// agreements with their versions, so that every route exists.
	outbox := notify.NewOutbox(e.db, notify.Config{From: "ACE <vote@ace.example>", Dir: t.TempDir(), Logger: slog.New(slog.NewJSONHandler(e.logs, nil))})
	board := notify.NewBoard(e.db, outbox, notify.AudienceFunc(func(context.Context) ([]notify.Recipient, error) {
		return []notify.Recipient{{ID: "1", Email: "ann@example.org", Name: "Ann"}}, nil
	}))
	lib := contracts.MustLoad()
	versions := contracts.NewStore(e.db, lib)
	for _, x := range []interface{ EnsureIndexes(context.Context) error }{outbox, board, versions} {
		if err := x.EnsureIndexes(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := handlers.New(handlers.Config{BaseURL: "http://localhost:8080", Logger: slog.New(slog.NewJSONHandler(e.logs, nil)),
		Secret: authSecret, Officers: e.officers, Members: e.members, Audit: e.log, Votes: votes,
		JSONLimit: hostileJSONLimit, UploadLimit: hostileUploadLimit, DevMailDir: h.mailDir,
		Notifications: outbox, Board: board, NotificationAudit: e.log,
		Contracts: lib, ContractVersions: versions, ContractAudit: e.log})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	h.admin = e.officerToken(t, officers.RoleAdmin)
	h.observer = e.officerToken(t, officers.RoleObserver)

	now := time.Now().UTC()
	resp, body := e.call(t, "POST", "/api/v1/votes", "application/json",
		`{"title":"Ratify?","opens_at":"`+now.Format(time.RFC3339)+`","closes_at":"`+now.Add(time.Hour).Format(time.RFC3339)+`"}`, bearerOf(officer)...)
	wantStatus(t, resp, body, 201)
	var v struct{ ID string }
	json.Unmarshal([]byte(body), &v)
	h.voteID = v.ID
	resp, body = e.call(t, "POST", "/api/v1/votes/"+v.ID+"/open", "", "", bearerOf(officer)...)
	wantStatus(t, resp, body, 202)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mail.mu.Lock()
		n := len(mail.links)
		mail.mu.Unlock()
		_, body = e.call(t, "GET", "/api/v1/votes/"+v.ID, "", "", bearerOf(officer)...)
		if n == 2 && strings.Contains(body, `"status":"open"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("vote not open with 2 links: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Opening finishes in the background (its audit entry comes after the
	// links): wait until the data stops changing.
	last := digest(t, e)
	for i := 0; i < 100; i++ {
		time.Sleep(100 * time.Millisecond)
		d := digest(t, e)
		if equalDigest(last, d) {
			break
		}
		last = d
	}
	return h
}

func equalDigest(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func (h *hostileEnv) link(i int) string {
	h.mail.mu.Lock()
	defer h.mail.mu.Unlock()
	return h.mail.links[i]
}

// digest hashes every document of every collection, by collection, in _id
// order. Collections in skip are left out.
func digest(t *testing.T, e *authEnv, skip ...string) map[string]string {
	t.Helper()
	ctx := context.Background()
	names, err := e.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		if contains(skip, n) {
			continue
		}
		cur, err := e.db.Collection(n).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []string
		for cur.Next(ctx) {
			docs = append(docs, cur.Current.String())
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		cur.Close(ctx)
		sort.Strings(docs)
		sum := sha256.Sum256([]byte(strings.Join(docs, "\n")))
		out[n] = hex.EncodeToString(sum[:8])
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func sameDigest(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for n, d := range after {
		if before[n] != d {
			t.Errorf("%s changed collection %s", what, n)
		}
	}
	for n := range before {
		if _, ok := after[n]; !ok {
			t.Errorf("%s removed collection %s", what, n)
		}
	}
}

// hostileCase is one request that must be refused.
type hostileCase struct {
	name        string
	method      string
	target      string
	contentType string
	body        string
	headers     []string
	status      int
	fragments   []string // in the body
	absent      []string // not in the body
}

// refuse runs each case and checks its status, body, and that the data did
// not change (collections in skip may: failed sign-ins are recorded).
func (h *hostileEnv) refuse(t *testing.T, cases []hostileCase, skip ...string) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := digest(t, h.authEnv, skip...)
			resp, body := h.call(t, tc.method, tc.target, tc.contentType, tc.body, tc.headers...)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d: %.300s", resp.StatusCode, tc.status, body)
			}
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("status %d is not a 4xx", resp.StatusCode)
			}
			for _, f := range tc.fragments {
				if !strings.Contains(body, f) {
					t.Errorf("body lacks %q: %.300s", f, body)
				}
			}
			for _, f := range tc.absent {
				if strings.Contains(body, f) {
					t.Errorf("body has %q: %.300s", f, body)
				}
			}
			sameDigest(t, tc.method+" "+tc.target, before, digest(t, h.authEnv, skip...))
		})
	}
}

func with(hs ...[]string) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h...)
	}
	return out
}

var jsonCT = "application/json"

func TestHostileBodies(t *testing.T) {
	h := newHostileEnv(t)
	big := `{"email":"` + strings.Repeat("a", hostileJSONLimit) + `@example.org","password":"x"}`
	bigRoster := "Employee ID,Name,Status\n" + strings.Repeat("9,Big Roster,member\n", hostileUploadLimit/19+10)
	ct, upload := rosterUpload(t, "roster.csv", []byte(bigRoster))
	officerHdr := bearerOf(h.officer)
	h.refuse(t, []hostileCase{
		{"JSONOverLimitLogin", "POST", "/api/v1/auth/login", jsonCT, big, nil, 413, []string{`"error"`}, nil},
		{"JSONOverLimitBallot", "POST", "/api/v1/ballots", jsonCT, `{"token":"` + strings.Repeat("A", hostileJSONLimit) + `","choice":"Yes"}`, nil, 413, nil, nil},
		{"JSONOverLimitPatch", "PATCH", "/api/v1/members/1", jsonCT, `{"first_name":"` + strings.Repeat("x", hostileJSONLimit) + `"}`, officerHdr, 413, nil, nil},
		{"MalformedJSONVote", "POST", "/api/v1/votes", jsonCT, `{"title":`, officerHdr, 400, []string{"not valid JSON"}, nil},
		{"MalformedJSONPatch", "PATCH", "/api/v1/members/1", jsonCT, `{"status":"fee_payer"`, officerHdr, 400, nil, nil},
		{"MalformedJSONOfficer", "POST", "/api/v1/officers", jsonCT, `[{"email":`, bearerOf(h.admin), 400, nil, nil},
		{"JSONArrayNotObject", "POST", "/api/v1/ballots", jsonCT, `["` + h.link(0) + `","Yes"]`, nil, 422, nil, nil},
		{"JSONWrongTypeBallot", "POST", "/api/v1/ballots", jsonCT, `{"token":["` + h.link(0) + `"],"choice":"Yes"}`, nil, 422, []string{`"field":"token"`}, nil},
		{"JSONTrailingGarbage", "POST", "/api/v1/ballots", jsonCT, `{"token":"x","choice":"Yes"}}}`, nil, 401, nil, nil},
		{"UnknownField", "PATCH", "/api/v1/members/1", jsonCT, `{"status":"fee_payer","role":"admin"}`, officerHdr, 422, []string{`"field":"role"`}, nil},
		{"WrongContentTypeBallot", "POST", "/api/v1/ballots", "text/plain", `{"token":"` + h.link(0) + `","choice":"Yes"}`, nil, 415, []string{"application/json"}, nil},
		{"FormAsJSONBallot", "POST", "/api/v1/ballots", "application/x-www-form-urlencoded", "token=" + h.link(0) + "&choice=Yes", nil, 415, nil, nil},
		{"WrongContentTypeVote", "POST", "/api/v1/votes", "application/xml", `<vote/>`, officerHdr, 415, nil, nil},
		{"JSONAsRosterUpload", "POST", "/api/v1/members/import", jsonCT, `{"roster":"Employee ID,Name\n5,X Y\n"}`, officerHdr, 422, []string{`"field":"roster"`}, nil},
		{"FormAsJSONPatch", "PATCH", "/api/v1/members/1", "application/x-www-form-urlencoded", "status=fee_payer", officerHdr, 415, nil, nil},
		{"XMLAsJSONPatch", "PATCH", "/api/v1/members/1", "application/xml", "<status>fee_payer</status>", officerHdr, 415, nil, nil},
		{"FormAsJSONPassword", "POST", "/api/v1/auth/password", "application/x-www-form-urlencoded", "current_password=" + url.QueryEscape(testPassword) + "&new_password=a+whole+new+password", officerHdr, 415, nil, nil},
		{"FormAsJSONCreateOfficer", "POST", "/api/v1/officers", "application/x-www-form-urlencoded", "email=new%40example.org&role=officer&password=a+whole+new+password", bearerOf(h.admin), 415, nil, nil},
		{"FormAsJSONSetRole", "PATCH", "/api/v1/officers/x", "application/x-www-form-urlencoded", "role=admin", bearerOf(h.admin), 415, nil, nil},
		{"FormAsJSONResetPassword", "PUT", "/api/v1/officers/x/password", "application/x-www-form-urlencoded", "password=a+whole+new+password", bearerOf(h.admin), 415, nil, nil},
		{"FormAsJSONNotice", "POST", "/api/v1/notices", "application/x-www-form-urlencoded", "title=x&body=y", officerHdr, 415, nil, nil},
		{"FormAsJSONMeeting", "POST", "/api/v1/meetings", "application/x-www-form-urlencoded", "title=x&starts_at=2030-01-01T10:00:00Z&duration_minutes=30", officerHdr, 415, nil, nil},
		{"UnknownFieldNotice", "POST", "/api/v1/notices", jsonCT, `{"title":"x","body":"y","posted_by":"someone else"}`, officerHdr, 422, []string{`"field":"posted_by"`}, nil},
		{"UnknownFieldCreateOfficer", "POST", "/api/v1/officers", jsonCT, `{"email":"new@example.org","role":"officer","password":"a whole new password","id":"chosen"}`, bearerOf(h.admin), 422, []string{`"field":"id"`}, nil},
		{"MalformedJSONNotice", "POST", "/api/v1/notices", jsonCT, `{"title":"x"`, officerHdr, 400, nil, nil},
		{"MalformedJSONCalculator", "POST", "/api/v1/contracts/ace-2021-2024/calculators/salary", jsonCT, `{"range":`, nil, 400, nil, nil},
		{"WrongTypeCalculator", "POST", "/api/v1/contracts/ace-2021-2024/calculators/salary", jsonCT, `{"range":["D"]}`, nil, 422, []string{`"field":"range"`}, nil},
		{"NoContentTypeLogin", "POST", "/api/v1/auth/login", "", `{"email":"admin@example.org","password":"` + testPassword + `"}`, nil, 415, nil, nil},
	})
	// Fiber refuses a body over its limit while reading the request, before
	// any handler: app.Test reports that as an error, so this one goes
	// through a real listener, as a client would send it.
	base := h.listen(t)
	before := digest(t, h.authEnv)
	req, _ := http.NewRequest("POST", base+"/api/v1/members/import", bytes.NewReader(upload.Bytes()))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+h.officer.Token)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("upload over the limit: status %d, want 413", resp.StatusCode)
		}
	} else if !strings.Contains(err.Error(), "connection reset") && !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("upload over the limit: %v", err)
	}
	sameDigest(t, "upload over the limit", before, digest(t, h.authEnv))
}

// listen serves the app on a loopback port until the test ends.
func (h *hostileEnv) listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go h.srv.App().Listener(ln)
	t.Cleanup(func() { h.srv.App().Shutdown() })
	return "http://" + ln.Addr().String()
}

// TestHostileUploadFileNames: the file name of an upload is never a path
// the server writes or reads.
func TestHostileUploadFileNames(t *testing.T) {
	h := newHostileEnv(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "pwned.csv")
	for _, name := range []string{"../../../../../../" + target, target, `..\..\evil.csv`, "roster.csv%00.exe"} {
		ct, body := rosterUpload(t, name, []byte("Employee ID,Name,Status\n1,Ann A,member\n2,Bo B,member\n3,Cy C,fee_payer\n"))
		resp, out := h.send(t, "POST", "/api/v1/members/import?dry_run=true", ct, body, bearerOf(h.officer)...)
		if resp.StatusCode >= 500 {
			t.Fatalf("file name %q: %d %s", name, resp.StatusCode, out)
		}
	}
	// A NUL in the file name, which fasthttp refuses while parsing the
	// form: a 4xx through a real listener, never a 5xx.
	base := h.listen(t)
	ct, body := rosterUpload(t, "roster.csv\x00.exe", []byte("Employee ID,Name\n1,Ann A\n"))
	req, _ := http.NewRequest("POST", base+"/api/v1/members/import?dry_run=true", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+h.officer.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Errorf("file name with NUL: status %d, want a 4xx: %s", resp.StatusCode, out)
	}
	if _, err := os.Stat(target); err == nil {
		t.Fatalf("an upload's file name made the server write %s", target)
	}
}

func TestHostilePathTraversal(t *testing.T) {
	h := newHostileEnv(t)
	// A real mail file, so that the directory is readable.
	if err := os.WriteFile(filepath.Join(h.mailDir, "20260101T000000Z-x.eml"), []byte("Subject: hello\r\n\r\nhi\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	officerHdr := cookieOf(h.officer)
	var cases []hostileCase
	for _, p := range []string{
		"/static/../go.mod", "/static/..%2f..%2fgo.mod", "/static/%2e%2e/%2e%2e/go.mod", "/static/..%5c..%5cgo.mod",
		"/static/....//....//go.mod", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
	} {
		cases = append(cases, hostileCase{"Static" + p, "GET", p, "", "", nil, 404, nil, []string{"module github.com", "root:"}})
	}
	for _, n := range []string{"..%2fsecret.eml", "%2e%2e%2fsecret.eml", "..%5csecret.eml", url.PathEscape(h.outside), "secret.eml"} {
		for _, suffix := range []string{"", "/raw", "/html"} {
			cases = append(cases, hostileCase{"DevMail/" + n + suffix, "GET", "/dev/mail/" + n + suffix, "", "", officerHdr, 0, nil, []string{outsideSecret}})
		}
	}
	for i := range cases {
		if strings.HasPrefix(cases[i].target, "/dev/mail/") {
			// 400 (a bad name) or 404 (no such message) are both right; the
			// check is that the file outside is never served.
			resp, body := h.call(t, "GET", cases[i].target, "", "", officerHdr...)
			if resp.StatusCode != 400 && resp.StatusCode != 404 {
				t.Errorf("%s: status %d, want 400 or 404: %.200s", cases[i].target, resp.StatusCode, body)
			}
			if strings.Contains(body, outsideSecret) {
				t.Errorf("%s served a file outside the mail directory", cases[i].target)
			}
		}
	}
	var static []hostileCase
	for _, c := range cases {
		if strings.HasPrefix(c.name, "Static") {
			static = append(static, c)
		}
	}
	h.refuse(t, static)
}

// hs256 signs claims with key, as officers.Store does.
func hs256(t *testing.T, key []byte, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func officerJWTKey() []byte {
	m := hmac.New(sha256.New, authSecret)
	m.Write([]byte("ratify officer session tokens v1"))
	return m.Sum(nil)
}

func TestHostileJWTs(t *testing.T) {
	h := newHostileEnv(t)
	// The officer's own claims, to forge variants of them.
	parts := strings.Split(h.officer.Token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c jwt.MapClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	admin := jwt.MapClaims{}
	for k, v := range c {
		admin[k] = v
	}
	admin["role"] = "admin"
	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }

	algNone := enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + enc(admin) + "."
	noneUpper := enc(map[string]string{"alg": "NONE", "typ": "JWT"}) + "." + parts[1] + "."
	expired := jwt.MapClaims{}
	for k, v := range c {
		expired[k] = v
	}
	expired["iat"], expired["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
	noExp := jwt.MapClaims{"sub": c["sub"], "sid": c["sid"], "role": c["role"], "iat": now.Unix()}
	futureIAT := jwt.MapClaims{"sub": c["sub"], "sid": c["sid"], "role": c["role"], "iat": now.Add(time.Hour).Unix(), "exp": now.Add(2 * time.Hour).Unix()}
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, c).SignedString(officerJWTKey())
	tokens := map[string]string{
		"AlgNone":            algNone,
		"AlgNoneUpper":       noneUpper,
		"Expired":            hs256(t, officerJWTKey(), expired),
		"NoExpiry":           hs256(t, officerJWTKey(), noExp),
		"IssuedInFuture":     hs256(t, officerJWTKey(), futureIAT),
		"OtherKey":           hs256(t, []byte("another-secret-of-at-least-32-characters"), c),
		"RoleRaisedRightKey": hs256(t, officerJWTKey(), admin), // signed right, but the session says officer
		"RoleRaisedOldSig":   parts[0] + "." + enc(admin) + "." + parts[2],
		"HS512":              hs512,
		"Truncated":          parts[0] + "." + parts[1],
		"Empty":              "",
	}
	var cases []hostileCase
	for name, tok := range tokens {
		auth := []string{"Authorization", "Bearer " + tok}
		cases = append(cases,
			hostileCase{name + "/Patch", "PATCH", "/api/v1/members/1", jsonCT, `{"status":"fee_payer"}`, auth, 401, []string{`"code":"unauthorized"`}, nil},
			hostileCase{name + "/CreateAdmin", "POST", "/api/v1/officers", jsonCT, `{"email":"evil@example.org","role":"admin","password":"` + testPassword + `"}`, auth, 401, nil, nil},
			hostileCase{name + "/Cookie", "POST", "/api/v1/votes/" + h.voteID + "/close", "", "", []string{"Cookie", "ratify_session=" + tok}, 401, nil, nil},
		)
	}
	h.refuse(t, cases)
	// The genuine token still works: the refusals were about the forgeries.
	resp, body := h.call(t, "GET", "/api/v1/auth/me", "", "", bearerOf(h.officer)...)
	wantStatus(t, resp, body, 200, `"role":"officer"`)
}

func TestHostileRoleEscalation(t *testing.T) {
	h := newHostileEnv(t)
	adminID := officerIDOf(t, h, h.admin)
	officerID := officerIDOf(t, h, h.officer)
	obs, off := bearerOf(h.observer), bearerOf(h.officer)
	newAdmin := `{"email":"evil@example.org","role":"admin","password":"` + testPassword + `"}`
	h.refuse(t, []hostileCase{
		{"ObserverPatchesMember", "PATCH", "/api/v1/members/1", jsonCT, `{"status":"fee_payer"}`, obs, 403, nil, nil},
		{"ObserverCreatesVote", "POST", "/api/v1/votes", jsonCT, `{"title":"T"}`, obs, 403, nil, nil},
		{"ObserverClosesVote", "POST", "/api/v1/votes/" + h.voteID + "/close", "", "", obs, 403, nil, nil},
		{"ObserverCreatesOfficer", "POST", "/api/v1/officers", jsonCT, newAdmin, obs, 403, nil, nil},
		{"OfficerCreatesAdmin", "POST", "/api/v1/officers", jsonCT, newAdmin, off, 403, nil, nil},
		{"OfficerRaisesOwnRole", "PATCH", "/api/v1/officers/" + officerID, jsonCT, `{"role":"admin"}`, off, 403, nil, nil},
		{"OfficerResetsAdminPassword", "PUT", "/api/v1/officers/" + adminID + "/password", jsonCT, `{"password":"a whole new password"}`, off, 403, nil, nil},
		{"OfficerRemovesAdmin", "DELETE", "/api/v1/officers/" + adminID, "", "", off, 403, nil, nil},
		{"OfficerListsOfficers", "GET", "/api/v1/officers", "", "", off, 403, nil, []string{"admin@example.org"}},
		{"OfficerVerifiesAudit", "GET", "/api/v1/audit/verify", "", "", off, 403, nil, nil},
		{"ObserverOfficerForm", "POST", "/officer/officers", "application/x-www-form-urlencoded",
			"email=evil%40example.org&role=admin&password=" + url.QueryEscape(testPassword) + "&csrf_token=" + url.QueryEscape(h.observer.CSRFToken), cookieOf(h.observer), 403, nil, nil},
		{"OfficerOfficerForm", "POST", "/officer/officers", "application/x-www-form-urlencoded",
			"email=evil%40example.org&role=admin&password=" + url.QueryEscape(testPassword) + "&csrf_token=" + url.QueryEscape(h.officer.CSRFToken), cookieOf(h.officer), 403, nil, nil},
		{"OfficerRoleForm", "POST", "/officer/officers/" + officerID + "/role", "application/x-www-form-urlencoded",
			"role=admin&csrf_token=" + url.QueryEscape(h.officer.CSRFToken), cookieOf(h.officer), 403, nil, nil},
	})
}

func officerIDOf(t *testing.T, h *hostileEnv, r loginResult) string {
	t.Helper()
	resp, body := h.call(t, "GET", "/api/v1/auth/me", "", "", bearerOf(r)...)
	wantStatus(t, resp, body, 200)
	var me struct {
		ID        string `json:"id"`
		OfficerID string `json:"officer_id"`
	}
	json.Unmarshal([]byte(body), &me)
	if me.ID == "" {
		me.ID = me.OfficerID
	}
	if me.ID == "" {
		t.Fatalf("no id in %s", body)
	}
	return me.ID
}

// TestHostileCSRFEveryForm posts to every state-changing route with a
// valid admin session cookie and no anti-forgery token: each is refused
// before it runs.
func TestHostileCSRFEveryForm(t *testing.T) {
	h := newHostileEnv(t)
	// Public routes: no session, so no cookie to forge with. The ballot
	// link is the voter's credential; the sign-in and setup forms carry a
	// pre-session token of their own (checked below).
	public := map[string]bool{
		"/api/v1/auth/login": true, "/api/v1/ballots": true, "/v/:token": true, "/resend": true, "/api/v1/resend": true,
		"/login": true, "/setup/:code": true, "/api/v1/contracts/:id/calculators/:name": true,
	}
	ids := strings.NewReplacer(":id", h.voteID, ":employee_id", "1", ":name", "x", ":token", "x", ":code", "x", ":number", "1")
	var cases []hostileCase
	seen := map[string]bool{}
	for _, r := range h.srv.App().GetRoutes(true) {
		if r.Method == "GET" || r.Method == "HEAD" || r.Method == "OPTIONS" || r.Method == "USE" || r.Method == "CONNECT" || r.Method == "TRACE" || public[r.Path] {
			continue
		}
		if seen[r.Method+r.Path] || strings.Contains(r.Path, "*") {
			continue
		}
		seen[r.Method+r.Path] = true
		target := ids.Replace(r.Path)
		ct, body := "application/x-www-form-urlencoded", "role=admin&email=evil%40example.org&status=fee_payer&title=x"
		if strings.HasPrefix(r.Path, "/api/") {
			ct, body = jsonCT, `{}`
		}
		cases = append(cases,
			hostileCase{"NoToken/" + r.Method + r.Path, r.Method, target, ct, body, cookieOf(h.admin), 403, nil, nil},
			hostileCase{"ForgedToken/" + r.Method + r.Path, r.Method, target, ct, body + "&csrf_token=forged", with(cookieOf(h.admin), []string{"X-CSRF-Token", "forged"}), 403, nil, nil},
			// Another session's token does not do either.
			hostileCase{"OtherSessionToken/" + r.Method + r.Path, r.Method, target, ct, body, with(cookieOf(h.admin), []string{"X-CSRF-Token", h.officer.CSRFToken}), 403, nil, nil},
		)
	}
	if len(cases) < 3*20 {
		t.Fatalf("only %d state-changing routes found", len(cases)/3)
	}
	h.refuse(t, cases)
	// The sign-in form without its pre-session cookie and token, with the
	// right password: refused, and no session is opened.
	form := url.Values{"email": {"admin@example.org"}, "password": {testPassword}}.Encode()
	h.refuse(t, []hostileCase{
		{"LoginFormNoToken", "POST", "/login", "application/x-www-form-urlencoded", form, nil, 403, nil, nil},
		{"LoginFormForgedToken", "POST", "/login", "application/x-www-form-urlencoded", form + "&csrf_token=forged", []string{"Cookie", "ratify_csrf=forged"}, 403, nil, nil},
	})
}

func TestHostileVotingTokens(t *testing.T) {
	h := newHostileEnv(t)
	tok := h.link(0)
	tampered := []string{
		strings.Repeat("A", ballot.TokenLen), // guessed
		tok[:len(tok)-1] + string("AB"[boolIndex(tok[len(tok)-1] == 'A')]),
		string("AB"[boolIndex(tok[0] == 'A')]) + tok[1:],
		strings.ToUpper(tok), tok + "A", tok[:len(tok)-1], tok + "=", " " + tok,
		tok[:len(tok)-2] + "\r\n", "../../../etc/passwd", "%00" + tok, "",
	}
	var cases []hostileCase
	for i, bad := range tampered {
		if bad == tok {
			continue
		}
		b, _ := json.Marshal(map[string]string{"token": bad, "choice": "Yes"})
		cases = append(cases, hostileCase{"Cast/" + string(rune('a'+i)), "POST", "/api/v1/ballots", jsonCT, string(b), nil, 401, []string{`"code":"unauthorized"`}, []string{tok}})
		if bad != "" && !strings.ContainsAny(bad, "/%\r\n ") {
			cases = append(cases,
				hostileCase{"View/" + string(rune('a'+i)), "GET", "/v/" + url.PathEscape(bad), "", "", nil, 401, nil, []string{"Ratify?"}},
				hostileCase{"Form/" + string(rune('a'+i)), "POST", "/v/" + url.PathEscape(bad), "application/x-www-form-urlencoded", "choice=Yes&confirm=yes", nil, 401, nil, nil})
		}
	}
	h.refuse(t, cases)
	// The genuine link still casts, once.
	resp, body := h.call(t, "POST", "/api/v1/ballots", jsonCT, `{"token":"`+tok+`","choice":"Yes"}`)
	wantStatus(t, resp, body, 201, `"receipt"`)
	h.refuse(t, []hostileCase{{"Again", "POST", "/api/v1/ballots", jsonCT, `{"token":"` + tok + `","choice":"No"}`, nil, 409, nil, nil}})
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestHostileLoginBruteForce: guessing passwords locks the account, the
// right password is then refused too, through the API and the form alike,
// and a failed guess changes nothing but the failure count.
// failuresRecorded are what a failed sign-in changes, by design: the
// account's failure count (the lockout) and the audit log's entry for it.
var failuresRecorded = []string{"officer_signin_failures", "audit_log", "audit_head"}

func TestHostileLoginBruteForce(t *testing.T) {
	h := newHostileEnv(t)
	h.addOfficer(t, "target@example.org", officers.RoleAdmin)
	var cases []hostileCase
	for i := 0; i < officers.DefaultPolicy.MaxFailures; i++ {
		cases = append(cases, hostileCase{"Guess" + string(rune('A'+i)), "POST", "/api/v1/auth/login", jsonCT,
			`{"email":"target@example.org","password":"guess number ` + string(rune('A'+i)) + `"}`, nil, 401, []string{"Wrong email or password"}, nil})
	}
	h.refuse(t, cases, failuresRecorded...)
	good := `{"email":"target@example.org","password":"` + testPassword + `"}`
	token, cookie := h.formPage(t, "/login")
	form := url.Values{"email": {"target@example.org"}, "password": {testPassword}, "csrf_token": {token}}.Encode()
	h.refuse(t, []hostileCase{
		{"RightPasswordWhileLocked", "POST", "/api/v1/auth/login", jsonCT, good, nil, 429, []string{"locked"}, []string{`"token"`}},
		{"RightPasswordFormWhileLocked", "POST", "/login", "application/x-www-form-urlencoded", form, []string{"Cookie", cookie}, 429, nil, nil},
	}, failuresRecorded...)
}

// TestHostileMarkupIsEscaped puts markup in every field a member or an
// officer can set that pages show: members' names (officer roster page),
// the vote's title, question, information text and meeting (ballot page,
// officers' vote page, home page).
func TestHostileMarkupIsEscaped(t *testing.T) {
	h := newHostileEnv(t)
	const x = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	resp, body := h.call(t, "PATCH", "/api/v1/members/1", jsonCT, `{"first_name":"`+jsonEsc(x)+`","last_name":"\"><svg onload=alert(3)>"}`, bearerOf(h.officer)...)
	wantStatus(t, resp, body, 200)
	now := time.Now().UTC()
	v := map[string]any{
		"title": "T " + x, "question": "Q " + x, "opens_at": now.Format(time.RFC3339), "closes_at": now.Add(time.Hour).Format(time.RFC3339),
		"info": map[string]any{"text": "I " + x, "meetings": []map[string]any{{"title": "M " + x, "starts_at": now.Add(30 * time.Minute).Format(time.RFC3339), "url": "javascript:alert(4)"}}},
	}
	b, _ := json.Marshal(v)
	resp, body = h.call(t, "POST", "/api/v1/votes", jsonCT, string(b), bearerOf(h.officer)...)
	if resp.StatusCode == 422 && strings.Contains(body, `"field":"info.meetings`) {
		// The meeting's javascript: address is refused: good; keep the rest.
		v["info"].(map[string]any)["meetings"].([]map[string]any)[0]["url"] = "https://meet.example.org/x"
		b, _ = json.Marshal(v)
		resp, body = h.call(t, "POST", "/api/v1/votes", jsonCT, string(b), bearerOf(h.officer)...)
	}
	wantStatus(t, resp, body, 201)
	var created struct{ ID string }
	json.Unmarshal([]byte(body), &created)
	resp, body = h.call(t, "POST", "/api/v1/votes/"+created.ID+"/open", "", "", bearerOf(h.officer)...)
	wantStatus(t, resp, body, 202)
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mail.mu.Lock()
		n := len(h.mail.links)
		h.mail.mu.Unlock()
		if n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no links for the second vote")
		}
		time.Sleep(50 * time.Millisecond)
	}
	html := []string{"Accept", "text/html"}
	pages := map[string][]string{
		"/officer/roster":                   with(cookieOf(h.officer), html),
		"/officer/votes/" + created.ID:      with(cookieOf(h.officer), html),
		"/officer/votes":                    with(cookieOf(h.officer), html),
		"/v/" + h.link(len(h.mail.links)-1): html,
		"/":                                 html,
	}
	for page, hdr := range pages {
		resp, body := h.call(t, "GET", page, "", "", hdr...)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", page, resp.StatusCode)
			continue
		}
		for _, raw := range []string{"<script>alert", "<img src=x", "<svg onload", "javascript:alert"} {
			if strings.Contains(body, raw) {
				t.Errorf("%s shows %q unescaped", page, raw)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the escaped text (so the check above proves nothing)", page)
		}
	}
}

func jsonEsc(s string) string {
	b, _ := json.Marshal(s)
	return string(bytes.Trim(b, `"`))
}

// TestHostileHeaderInjection: line breaks in a member's name or email, by
// import or by edit, never reach the stored roster (from which mail
// headers are made): a name's are folded into spaces, an email with them
// is refused.
func TestHostileHeaderInjection(t *testing.T) {
	h := newHostileEnv(t)
	h.refuse(t, []hostileCase{
		{"PatchEmailCRLF", "PATCH", "/api/v1/members/1", jsonCT, `{"email":"ann@example.org\r\nBcc: evil@example.org"}`, bearerOf(h.officer), 422, []string{`"field":"email"`}, nil},
		{"PatchEmailLF", "PATCH", "/api/v1/members/1", jsonCT, `{"email":"ann@example.org\nX-Evil: 1"}`, bearerOf(h.officer), 422, nil, nil},
		{"PatchEmailDisplayName", "PATCH", "/api/v1/members/1", jsonCT, `{"email":"Evil <evil@example.org>"}`, bearerOf(h.officer), 422, nil, nil},
	})
	resp, body := h.call(t, "PATCH", "/api/v1/members/1", jsonCT, `{"first_name":"Ann\r\nBcc: evil@example.org","last_name":"A\rX-Evil: 1"}`, bearerOf(h.officer)...)
	if resp.StatusCode != 200 && resp.StatusCode != 422 {
		t.Fatalf("name with CR/LF: %d %s", resp.StatusCode, body)
	}
	csv := "Employee ID,First Name,Last Name,Email,Membership Status\n" +
		"1,Ann,A,ann@example.org,member\n2,Bo,B,bo@example.org,member\n3,Cy,C,cy@example.org,fee_payer\n" +
		"4,\"Di\r\nBcc: evil@example.org\",D,di@example.org,member\n"
	ct, up := rosterUpload(t, "roster.csv", []byte(csv))
	resp, body = h.send(t, "POST", "/api/v1/members/import", ct, up, bearerOf(h.officer)...)
	wantStatus(t, resp, body, 200)
	badCSV := "Employee ID,First Name,Last Name,Email,Membership Status\n5,Ed,E,\"ed@example.org\r\nBcc: evil@example.org\",member\n"
	ct, up = rosterUpload(t, "roster.csv", []byte(badCSV))
	before := digest(t, h.authEnv)
	resp, body = h.send(t, "POST", "/api/v1/members/import?partial=true", ct, up, bearerOf(h.officer)...)
	wantStatus(t, resp, body, 422, "email")
	sameDigest(t, "import with a CR/LF email", before, digest(t, h.authEnv))
	for _, id := range []string{"1", "4"} {
		resp, body = h.call(t, "GET", "/api/v1/members/"+id, "", "", bearerOf(h.officer)...)
		wantStatus(t, resp, body, 200)
		var m map[string]any
		json.Unmarshal([]byte(body), &m)
		for k, v := range m {
			if s, ok := v.(string); ok && strings.ContainsAny(s, "\r\n") {
				t.Errorf("member %s: %s holds a line break: %q", id, k, s)
			}
		}
	}
}
