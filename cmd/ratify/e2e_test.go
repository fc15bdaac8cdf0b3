package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/store"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// client talks to a running binary as an officer or a member.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) do(method, path, contentType string, body io.Reader) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *client) json(method, path string, in any, out any) int {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	code, b := c.do(method, path, "application/json", body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %d %s", method, path, code, b)
		}
	}
	return code
}

// The whole walk through the real binary on the embedded store: an officer
// signs in, imports the sample roster and opens a vote; members vote with
// the links from the mail files; a second try is refused; the officer
// closes and publishes; the public results count every ballot.
func TestEndToEndVote(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, "RATIFY_BOOTSTRAP_ADMIN_EMAIL=chair@example.org", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=correct-horse-battery")
	officer, id, eligible := openSampleVote(t, p)
	v := struct {
		ID, Status string
		Eligible   int
	}{ID: id, Status: "open", Eligible: eligible}

	links := waitForLinks(t, filepath.Join(data, "outbox"), v.Eligible)
	// The invitation binds the agreement: its fingerprint and a summary
	// link that works from a mail client (absolute, not a bare path).
	files, _ := notify.ListMailFiles(filepath.Join(data, "outbox"), 1)
	if len(files) == 0 {
		t.Fatal("no invitation file")
	}
	inv, err := notify.ReadMailFile(filepath.Join(data, "outbox"), files[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`https?://[^\s]+/contracts/ace-2021-2024/changes`).MatchString(inv.Text) || !regexp.MustCompile(`[0-9a-f]{64}`).MatchString(inv.Text) {
		t.Fatalf("invitation lacks the absolute summary link or the agreement's SHA-256:\n%s", inv.Text)
	}
	member := &client{t: t, base: "http://" + p.addr}
	receipts := []string{}
	for i, link := range links {
		tok := link[strings.LastIndex(link, "/")+1:]
		if i == 0 {
			code, page := member.do("GET", "/v/"+tok, "", nil)
			if code != 200 || !bytes.Contains(page, []byte("ACE 2021-2024 ratification")) || !bytes.Contains(page, []byte(`name="choice"`)) {
				t.Fatalf("ballot page: %d\n%s", code, page)
			}
		}
		var r struct{ Receipt string }
		choice := "Yes"
		if i%4 == 3 {
			choice = "No"
		}
		if i == 1 {
			// The no-JavaScript ballot: choose, confirm, receipt.
			form := func(v string) io.Reader { return strings.NewReader(v) }
			const ct = "application/x-www-form-urlencoded"
			code, page := member.do("POST", "/v/"+tok, ct, form("choice=yes"))
			if code != 200 || !bytes.Contains(page, []byte("You are voting <strong>YES</strong>. Ballots are final.")) {
				t.Fatalf("confirm step: %d\n%s", code, page)
			}
			code, page = member.do("POST", "/v/"+tok, ct, form("choice=Yes&confirm=yes"))
			m := regexp.MustCompile(`<code>([0-9A-Z]{5}-[0-9A-Z]{5})</code>`).FindSubmatch(page)
			if code != 201 || m == nil {
				t.Fatalf("cast by form: %d\n%s", code, page)
			}
			receipts = append(receipts, string(m[1]))
			if code, page = member.do("GET", "/v/"+tok, "", nil); !bytes.Contains(page, []byte("You have already voted")) {
				t.Fatalf("ballot page after voting: %d\n%s", code, page)
			}
			continue
		}
		if code := member.json("POST", "/api/v1/ballots", map[string]string{"token": tok, "choice": choice}, &r); code != 201 {
			t.Fatalf("cast %d: %d", i, code)
		}
		receipts = append(receipts, r.Receipt)
		if i == 0 {
			var e struct{ Error struct{ Message string } }
			if code := member.json("POST", "/api/v1/ballots", map[string]string{"token": tok, "choice": "No"}, &e); code != 409 || e.Error.Message != "already voted" {
				t.Fatalf("second cast: %d %+v", code, e)
			}
		}
	}
	if code := member.json("GET", "/api/v1/votes/"+v.ID+"/results", nil, nil); code != 401 {
		t.Fatalf("results without a session before publication: %d, want 401", code)
	}
	if code := officer.json("GET", "/api/v1/votes/"+v.ID+"/results", nil, nil); code != 409 {
		t.Fatalf("results while open: %d, want 409", code)
	}
	if code := officer.json("POST", "/api/v1/votes/"+v.ID+"/close", nil, &v); code != 200 || v.Status != "closed" {
		t.Fatalf("close: %d %+v", code, v)
	}
	var res struct {
		Cast, Eligible int
		Outcome        string
		Receipts       []string
		Choices        []struct {
			Choice  string
			Count   int
			Percent float64
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for officer.json("GET", "/api/v1/votes/"+v.ID+"/results", nil, &res) != 200 {
		if time.Now().After(deadline) {
			t.Fatal("no results 20 s after the close")
		}
		time.Sleep(250 * time.Millisecond)
	}
	if code := officer.json("POST", "/api/v1/votes/"+v.ID+"/publish", nil, &v); code != 200 {
		t.Fatalf("publish: %d", code)
	}
	// The officer's exports: participation (no choices) and the vote's audit entries.
	if code, b := officer.do("GET", "/api/v1/votes/"+v.ID+"/participants?format=csv", "", nil); code != 200 ||
		!bytes.HasPrefix(b, []byte("employee_id,name,email,voted,voted_on")) || bytes.Count(b, []byte(",true,")) != len(links) {
		t.Fatalf("participation export: %d\n%s", code, b)
	}
	if code, b := officer.do("GET", "/api/v1/audit?object="+v.ID+"&format=csv", "", nil); code != 200 ||
		!bytes.Contains(b, []byte("vote.opened")) || !bytes.Contains(b, []byte("vote.published")) {
		t.Fatalf("audit export: %d\n%s", code, b)
	}
	if code := member.json("GET", "/api/v1/votes/"+v.ID+"/results", nil, &res); code != 200 {
		t.Fatalf("public results after publication: %d", code)
	}
	yes := len(links) - len(links)/4
	if res.Cast != len(links) || res.Choices[0].Count != yes || res.Choices[1].Count != len(links)-yes {
		t.Fatalf("results %+v; want %d cast, %d yes", res, len(links), yes)
	}
	for _, r := range receipts {
		if !strings.Contains(strings.Join(res.Receipts, ","), r) {
			t.Fatalf("receipt %s not in the published list", r)
		}
	}
	// The request log never shows a voting token.
	for _, link := range links {
		if strings.Contains(p.log(), link[strings.LastIndex(link, "/")+1:]) {
			t.Fatal("a voting token appears in the service's log")
		}
	}
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("exit: %v", err)
	}

	// ratify votes tally recounts from the ballots and agrees...
	env := func(k string) string {
		return map[string]string{"RATIFY_DATA_DIR": data, "RATIFY_LOG_FORMAT": "json"}[k]
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"votes", "tally", v.ID}, env, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "matches") {
		t.Fatalf("votes tally: %v\n%s", err, out.String())
	}
	// ...and notices a ballot changed in the database afterwards.
	st, err := store.Open(context.Background(), store.Config{DBName: "ratify", Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Collection("vote_ballots").UpdateOne(context.Background(),
		bson.D{{Key: "vote", Value: v.ID}, {Key: "choice", Value: "No"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "choice", Value: "Yes"}}}}); err != nil {
		t.Fatal(err)
	}
	st.Close(context.Background())
	out.Reset()
	if err := run(context.Background(), []string{"votes", "tally", v.ID}, env, nil, &out, io.Discard); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("votes tally after tampering: %v\n%s", err, out.String())
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+/v/[A-Za-z0-9_-]{24}`)

// waitForLinks reads the personal links from the invitation mail files.
func waitForLinks(t *testing.T, dir string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := notify.ListMailFiles(dir, 10000)
		seen := map[string]bool{}
		var links []string
		for _, f := range files {
			m, err := notify.ReadMailFile(dir, f.Name)
			if err != nil {
				continue
			}
			if l := linkRE.FindString(m.Text); l != "" && !seen[l] {
				seen[l] = true
				links = append(links, l)
			}
		}
		if len(links) >= n {
			return links
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d invitation links after 30 s", len(links), n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// openSampleVote signs in the bootstrap officer (chair@example.org),
// imports the sample roster and opens a vote on the ACE agreement; it
// returns the officer's client, the vote id and the eligible count.
func openSampleVote(t *testing.T, p *proc) (*client, string, int) {
	t.Helper()
	officer := &client{t: t, base: "http://" + p.addr}
	var login struct{ Token string }
	if code := officer.json("POST", "/api/v1/auth/login", map[string]string{"email": "chair@example.org", "password": "correct-horse-battery"}, &login); code != 200 || login.Token == "" {
		t.Fatalf("login: %d", code)
	}
	officer.token = login.Token
	roster, err := os.ReadFile("../../members/testdata/sample-roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("roster", "roster.csv")
	fw.Write(roster)
	mw.Close()
	if code, b := officer.do("POST", "/api/v1/members/import", mw.FormDataContentType(), &body); code != 200 {
		t.Fatalf("import: %d %s", code, b)
	}
	var v struct {
		ID, Status string
		Eligible   int
	}
	now := time.Now().UTC()
	code := officer.json("POST", "/api/v1/votes", map[string]any{
		"title": "ACE 2021-2024 ratification", "contract_id": "ace-2021-2024",
		"opens_at": now.Add(time.Hour), "closes_at": now.Add(48 * time.Hour), "timezone": "America/Anchorage",
	}, &v)
	if code != 201 || v.Status != "scheduled" {
		t.Fatalf("create vote: %d %+v", code, v)
	}
	if code := officer.json("POST", "/api/v1/votes/"+v.ID+"/open", nil, &v); code != 202 {
		t.Fatalf("open: %d", code)
	}
	for deadline := time.Now().Add(30 * time.Second); v.Status != "open"; officer.json("GET", "/api/v1/votes/"+v.ID, nil, &v) {
		if time.Now().After(deadline) {
			t.Fatalf("vote not open after 30 s: %+v", v)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v.Eligible == 0 {
		t.Fatal("no eligible members in the sample roster")
	}
	return officer, v.ID, v.Eligible
}

// closeAndPublish closes vote id, waits for its results and publishes them.
func closeAndPublish(t *testing.T, officer *client, id string) {
	t.Helper()
	if code := officer.json("POST", "/api/v1/votes/"+id+"/close", nil, nil); code != 200 {
		t.Fatalf("close: %d", code)
	}
	for deadline := time.Now().Add(20 * time.Second); officer.json("GET", "/api/v1/votes/"+id+"/results", nil, nil) != 200; time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no results 20 s after the close")
		}
	}
	if code := officer.json("POST", "/api/v1/votes/"+id+"/publish", nil, nil); code != 200 {
		t.Fatalf("publish: %d", code)
	}
}
