package main

// Fault tests (issue 8): the real binary killed mid-load, a scheduled close
// that falls while it is down, and its store unreachable for a while. Each
// is bounded in time and shows that nothing is lost.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/ratifyhq/ratify/store"
)

const (
	faultAdmin    = "chair@example.org"
	faultPassword = "correct-horse-battery"
)

// faultEnv is the binary's environment in these tests: a bootstrap
// administrator and no mail rate limit.
var faultEnv = []string{"RATIFY_BOOTSTRAP_ADMIN_EMAIL=" + faultAdmin, "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=" + faultPassword, "RATIFY_MAIL_RATE=0"}

// faultLoader signs in to p with the load program's client.
func faultLoader(t *testing.T, p *proc) *loader {
	t.Helper()
	l := &loader{base: "http://" + p.addr, out: io.Discard,
		hc: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}}
	var login struct{ Token string }
	if err := l.officer(context.Background(), "POST", "/api/v1/auth/login", map[string]string{"email": faultAdmin, "password": faultPassword}, &login, 200); err != nil {
		t.Fatal(err)
	}
	l.token = login.Token
	return l
}

// faultVote imports a synthetic roster of n members, opens a vote closing
// at closesAt and returns the vote and its n voting tokens, read from the
// mail files in data.
func faultVote(t *testing.T, l *loader, data string, n int, closesAt time.Time) (loadVote, []string) {
	t.Helper()
	started := time.Now().Add(-time.Second)
	v := openFaultVote(t, l, n, closesAt)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tokens, err := l.links(ctx, filepath.Join(data, "outbox"), started, n)
	if err != nil {
		t.Fatal(err)
	}
	return v, tokens
}

// openFaultVote imports a synthetic roster of n members and opens a vote
// closing at closesAt.
func openFaultVote(t *testing.T, l *loader, n int, closesAt time.Time) loadVote {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("roster", "roster.csv")
	writeLoadRoster(fw, n)
	mw.Close()
	if code, b, err := l.call(ctx, "POST", "/api/v1/members/import", mw.FormDataContentType(), &body, true); err != nil || code != 200 {
		t.Fatalf("roster import: %d %v %.300s", code, err, b)
	}
	now := time.Now().UTC()
	opensAt := now.Add(time.Hour)
	if !closesAt.After(opensAt) {
		opensAt = now.Add(closesAt.Sub(now) / 2) // opened by hand before then
	}
	var v loadVote
	if err := l.officer(ctx, "POST", "/api/v1/votes", map[string]any{"title": "Fault test", "question": "Ratify the agreement?",
		"opens_at": opensAt, "closes_at": closesAt, "timezone": "America/Anchorage"}, &v, 201); err != nil {
		t.Fatal(err)
	}
	if err := l.officer(ctx, "POST", "/api/v1/votes/"+v.ID+"/open", nil, &v, 202); err != nil {
		t.Fatal(err)
	}
	for v.Status != "open" {
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			t.Fatalf("vote not open: %+v", v)
		}
		if err := l.officer(ctx, "GET", "/api/v1/votes/"+v.ID, nil, &v, 200); err != nil {
			t.Fatal(err)
		}
	}
	if v.Eligible != n {
		t.Fatalf("%d eligible, want %d", v.Eligible, n)
	}
	return v
}

// castResult is one ballot's answer as a voter saw it.
type castResult struct {
	code int // 0: no answer (transport error)
	msg  string
}

// castBallot posts one ballot and returns the answer, never failing.
func castBallot(hc *http.Client, base, token, choice string) castResult {
	body, _ := json.Marshal(map[string]string{"token": token, "choice": choice})
	resp, err := hc.Post(base+"/api/v1/ballots", "application/json", bytes.NewReader(body))
	if err != nil {
		return castResult{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return castResult{} // the answer was cut: not received
	}
	var e struct{ Error struct{ Message string } }
	json.Unmarshal(b, &e)
	return castResult{code: resp.StatusCode, msg: e.Error.Message}
}

// faultChoice is ballot i's choice: 70% Yes.
func faultChoice(i int) string {
	if i%10 >= 7 {
		return "No"
	}
	return "Yes"
}

// publishedTally closes (if open) and publishes vote id and returns its
// published counts by choice and the ballots cast.
func publishedTally(t *testing.T, l *loader, id string, close bool) (map[string]int, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if close {
		if err := l.officer(ctx, "POST", "/api/v1/votes/"+id+"/close", nil, nil, 200); err != nil {
			t.Fatal(err)
		}
	}
	for {
		code, b, err := l.call(ctx, "GET", "/api/v1/votes/"+id+"/results", "", nil, true)
		if err == nil && code == 200 {
			break
		}
		if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
			t.Fatalf("no results: last %d %.200s", code, b)
		}
	}
	if err := l.officer(ctx, "POST", "/api/v1/votes/"+id+"/publish", nil, nil, 200); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Cast    int
		Choices []struct {
			Choice string
			Count  int
		}
	}
	// The public results, without the officer's session.
	code, b, err := l.call(ctx, "GET", "/api/v1/votes/"+id+"/results", "", nil, false)
	if err != nil || code != 200 || json.Unmarshal(b, &res) != nil {
		t.Fatalf("public results: %d %v %.300s", code, err, b)
	}
	got := map[string]int{}
	for _, c := range res.Choices {
		got[c.Choice] = c.Count
	}
	return got, res.Cast
}

// recount runs "ratify votes tally" on the stopped service's data.
func recount(t *testing.T, data, id string) {
	t.Helper()
	env := func(k string) string {
		return map[string]string{"RATIFY_DATA_DIR": data, "RATIFY_LOG_FORMAT": "json"}[k]
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"votes", "tally", id}, env, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "the recount matches") {
		t.Fatalf("votes tally: %v\n%s", err, out.String())
	}
}

// TestFaultSIGKILLMidLoad: 2,000 members vote with 16 concurrent voters;
// the service is killed (SIGKILL) a third of the way through and started
// again on the same data. Every ballot acknowledged before the kill is
// counted (its retry gets 409 "already voted"); every ballot whose answer
// was lost, or not yet sent, is retried and counts once; the published
// tally and "ratify votes tally" equal exactly the ballots, choice by choice.
func TestFaultSIGKILLMidLoad(t *testing.T) {
	const n, conc = 2000, 16
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, faultEnv...)
	l := faultLoader(t, p)
	t0 := time.Now()
	v, tokens := faultVote(t, l, data, n, time.Now().Add(48*time.Hour))
	t.Logf("vote open for %d with links read in %s", n, time.Since(t0).Round(time.Millisecond))

	// Before the kill: cast until a third are acknowledged, then kill.
	results := make([]castResult, n)
	attempted := make([]bool, n)
	var acked atomic.Int64
	killed := make(chan struct{})
	var killOnce sync.Once
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := castBallot(hc, "http://"+p.addr, tokens[i], faultChoice(i))
				results[i] = r
				if r.code == 201 && acked.Add(1) == n/3 {
					killOnce.Do(func() {
						p.cmd.Process.Signal(syscall.SIGKILL)
						close(killed)
					})
				}
			}
		}()
	}
	t0 = time.Now()
dispatch:
	for i := range tokens {
		select {
		case <-killed:
			break dispatch
		case jobs <- i:
			attempted[i] = true
		}
	}
	close(jobs)
	wg.Wait()
	<-p.done
	var before, lost, unexpected int
	for i, r := range results {
		switch {
		case !attempted[i]:
		case r.code == 201:
			before++
		case r.code == 0:
			lost++
		default:
			unexpected++
			t.Errorf("ballot %d before the kill: %d %q", i, r.code, r.msg)
		}
	}
	t.Logf("before SIGKILL (%s): %d acknowledged, %d without an answer, %d not sent", time.Since(t0).Round(time.Millisecond), before, lost, n-before-lost-unexpected)
	if before < n/3 || unexpected > 0 {
		t.Fatalf("%d acknowledged before the kill, want at least %d; %d unexpected answers", before, n/3, unexpected)
	}

	// After the restart: every voter whose answer was not received tries
	// again; those acknowledged try again too and must be refused.
	p2 := startBinary(t, data, faultEnv...)
	l.base = "http://" + p2.addr
	retried := make([]castResult, n)
	jobs = make(chan int)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				retried[i] = castBallot(hc, l.base, tokens[i], faultChoice(i))
			}
		}()
	}
	for i := range tokens {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	want := map[string]int{}
	var recast, inflightCounted int
	for i, r := range retried {
		acknowledged := attempted[i] && results[i].code == 201
		inflight := attempted[i] && results[i].code == 0
		switch {
		case acknowledged && (r.code != 409 || r.msg != "already voted"):
			t.Errorf("ballot %d acknowledged before the kill: retry answered %d %q, want 409 already voted", i, r.code, r.msg)
		case acknowledged:
		case r.code == 201:
			recast++
		case inflight && r.code == 409 && r.msg == "already voted":
			// Recorded before the kill, its answer lost: counted once.
			inflightCounted++
		default:
			t.Errorf("ballot %d (in flight at the kill: %v): retry answered %d %q, want 201", i, inflight, r.code, r.msg)
		}
		want[faultChoice(i)]++
	}
	t.Logf("after the restart: %d cast on retry, %d in flight at the kill found already counted", recast, inflightCounted)
	if t.Failed() {
		t.FailNow()
	}

	var live struct{ Voted int }
	if err := l.officer(context.Background(), "GET", "/api/v1/votes/"+v.ID, nil, &live, 200); err != nil {
		t.Fatal(err)
	}
	t.Logf("live turnout after the retries: %d voted of %d", live.Voted, n)
	// The officers' live turnout counts every ballot too: the new process
	// recounted the cast marks at its first tick (ballot/turnout.go), which
	// restores the increments the killed one held in memory.
	if live.Voted != n {
		t.Errorf("live turnout %d after the crash and the retries, want %d (the ballots counted)", live.Voted, n)
	}
	got, cast := publishedTally(t, l, v.ID, true)
	if cast != n || got["Yes"] != want["Yes"] || got["No"] != want["No"] {
		t.Fatalf("published %d cast, %v; want %d cast, %v (acknowledged %d + retried %d + counted in flight %d)",
			cast, got, n, want, before, recast, inflightCounted)
	}
	if err := p2.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("exit: %v", err)
	}
	recount(t, data, v.ID)
}

// TestFaultScheduledCloseWhileDown: a vote is open and three members vote;
// the service is killed, its closing time passes, and it starts again. A
// ballot posted after the closing time is refused with 409 naming that
// time, the vote is closed by the scheduler at start, and the results
// count only the three ballots cast before.
func TestFaultScheduledCloseWhileDown(t *testing.T) {
	const n = 6
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, faultEnv...)
	l := faultLoader(t, p)
	closesAt := time.Now().Add(11 * time.Second).UTC().Truncate(time.Second)
	v, tokens := faultVote(t, l, data, n, closesAt)
	hc := &http.Client{Timeout: 10 * time.Second}
	for i := range 3 {
		if r := castBallot(hc, l.base, tokens[i], faultChoice(i)); r.code != 201 {
			t.Fatalf("ballot %d while open: %d %q", i, r.code, r.msg)
		}
	}
	if time.Now().After(closesAt.Add(-time.Second)) {
		t.Fatalf("the vote took too long to open: it closes at %s", closesAt)
	}
	p.stop(t, syscall.SIGKILL)
	time.Sleep(time.Until(closesAt.Add(500 * time.Millisecond)))

	p2 := startBinary(t, data, faultEnv...)
	l.base = "http://" + p2.addr
	r := castBallot(hc, l.base, tokens[3], "Yes")
	loc, _ := time.LoadLocation("America/Anchorage")
	when := closesAt.In(loc).Format("Monday, January 2, 2006 at 3:04 PM MST")
	if r.code != 409 || !strings.Contains(r.msg, "closed") || !strings.Contains(r.msg, when) {
		t.Fatalf("ballot after the closing time: %d %q; want 409 naming %s", r.code, r.msg, when)
	}
	// The scheduler closes it at start (its first tick runs at once).
	deadline := time.Now().Add(10 * time.Second)
	for v.Status == "open" {
		if time.Now().After(deadline) {
			t.Fatalf("vote still %q 10 s after the restart", v.Status)
		}
		time.Sleep(100 * time.Millisecond)
		if err := l.officer(context.Background(), "GET", "/api/v1/votes/"+v.ID, nil, &v, 200); err != nil {
			t.Fatal(err)
		}
	}
	if v.Status != "closed" {
		t.Fatalf("vote status after the restart: %q", v.Status)
	}
	if r := castBallot(hc, l.base, tokens[4], "No"); r.code != 409 || !strings.Contains(r.msg, when) {
		t.Fatalf("ballot after the close: %d %q", r.code, r.msg)
	}
	got, cast := publishedTally(t, l, v.ID, false)
	if cast != 3 || got["Yes"] != 3 || got["No"] != 0 {
		t.Fatalf("published %d cast %v; want the 3 Yes cast before the close", cast, got)
	}
	if err := p2.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("exit: %v", err)
	}
	recount(t, data, v.ID)
}

// cutProxy is a TCP proxy in front of a server (the embedded store's
// socket, an SMTP server) that the test can cut (connections refused, open
// ones closed) and restore.
type cutProxy struct {
	t               *testing.T
	addr            string
	network, target string

	frozen atomic.Bool // packets dropped: nothing forwarded, nothing refused

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func newCutProxy(t *testing.T, network, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sp := &cutProxy{t: t, addr: ln.Addr().String(), network: network, target: target, conns: map[net.Conn]bool{}}
	sp.serve(ln)
	t.Cleanup(sp.cut)
	return sp
}

func (sp *cutProxy) serve(ln net.Listener) {
	sp.mu.Lock()
	sp.ln = ln
	sp.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if sp.frozen.Load() {
				// Silent: the connection opens, nothing ever answers.
				sp.mu.Lock()
				sp.conns[c] = true
				sp.mu.Unlock()
				continue
			}
			up, err := net.Dial(sp.network, sp.target)
			if err != nil {
				c.Close()
				continue
			}
			sp.mu.Lock()
			sp.conns[c], sp.conns[up] = true, true
			sp.mu.Unlock()
			pipe := func(dst, src net.Conn) {
				buf := make([]byte, 32<<10)
				for {
					n, err := src.Read(buf)
					for sp.frozen.Load() {
						time.Sleep(10 * time.Millisecond) // hold what was read
					}
					if n > 0 {
						if _, werr := dst.Write(buf[:n]); werr != nil {
							break
						}
					}
					if err != nil {
						break
					}
				}
				dst.Close()
				src.Close()
				sp.mu.Lock()
				delete(sp.conns, dst)
				delete(sp.conns, src)
				sp.mu.Unlock()
			}
			go pipe(c, up)
			go pipe(up, c)
		}
	}()
}

// freeze makes the server silent without refusing anything, as a network
// that drops packets does; thaw undoes it.
func (sp *cutProxy) freeze() { sp.frozen.Store(true) }
func (sp *cutProxy) thaw()   { sp.frozen.Store(false) }

// cut refuses new connections and closes the open ones.
func (sp *cutProxy) cut() {
	sp.frozen.Store(false)
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.ln != nil {
		sp.ln.Close()
		sp.ln = nil
	}
	for c := range sp.conns {
		c.Close()
	}
}

// restore listens again on the same address.
func (sp *cutProxy) restore() {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", sp.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		sp.t.Fatalf("proxy: listen again on %s: %v", sp.addr, err)
	}
	sp.serve(ln)
}

// timedGet sends a GET with an officer's token (if any) and the Accept
// header, and returns the status, body and how long it took.
func timedGet(t *testing.T, base, path, token, accept string) (int, string, time.Duration) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	t0 := time.Now()
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), time.Since(t0)
}

// waitOutage asks for the votes until the answers come at once; each must
// be the 503 "unavailable" answer within limit. It returns how long the
// answers took to become immediate and the slowest answer.
func waitOutage(t *testing.T, base, token string, limit time.Duration) (string, time.Duration) {
	t.Helper()
	t0 := time.Now()
	var slowest time.Duration
	for {
		code, body, d := timedGet(t, base, "/api/v1/votes", token, "")
		var e struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal([]byte(body), &e)
		if code != 503 || e.Error.Code != "unavailable" || e.Error.Message != "the database is unavailable; try again in a minute" {
			t.Fatalf("API request during the outage (after %s): %d %s", time.Since(t0).Round(time.Millisecond), code, body)
		}
		if d > limit {
			t.Fatalf("API request during the outage took %s, want at most %s", d.Round(time.Millisecond), limit)
		}
		slowest = max(slowest, d.Round(time.Millisecond))
		if d < 200*time.Millisecond {
			return time.Since(t0).Round(time.Millisecond).String(), slowest
		}
		if time.Since(t0) > 15*time.Second {
			t.Fatal("requests still wait on the store 15 s into the outage")
		}
	}
}

// waitReady waits for /readyz to answer 200 and returns how long it took.
func waitReady(t *testing.T, p *proc) time.Duration {
	t.Helper()
	t0 := time.Now()
	for {
		code, _, _ := timedGet(t, "http://"+p.addr, "/readyz", "", "")
		if code == 200 {
			return time.Since(t0).Round(time.Millisecond)
		}
		if time.Since(t0) > 15*time.Second {
			t.Fatalf("/readyz not 200 15 s after the store came back\n%s", p.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFaultStoreUnreachable: the service runs on a store behind a proxy
// (MONGODB_URI). While the proxy is cut, every request that needs the store
// fails within 3 s with 503 and the message "the database is unavailable;
// try again in a minute" (JSON for the API, the HTML page for a browser),
// and soon at once; /readyz says not ready and why; /healthz stays up.
// When the proxy is back the service recovers by itself: reads and writes
// work again without a restart. Then the store goes silent instead
// (nothing refused, nothing answered): requests give up within 4 s, then
// fail at once, and the service recovers again.
func TestFaultStoreUnreachable(t *testing.T) {
	storeDir, err := os.MkdirTemp("", "rfs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(storeDir) })
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DBName: "ratify", Dir: storeDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	proxy := newCutProxy(t, "unix", filepath.Join(storeDir, "ferretdb.sock"))

	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, append(faultEnv, "MONGODB_URI=mongodb://"+proxy.addr+"/?directConnection=true")...)
	l := faultLoader(t, p)
	base := "http://" + p.addr
	if code, body, _ := timedGet(t, base, "/api/v1/votes", l.token, ""); code != 200 {
		t.Fatalf("votes before the outage: %d %s", code, body)
	}

	proxy.cut()
	at, slowest := waitOutage(t, base, l.token, 3*time.Second)
	t.Logf("connections refused: requests fail at once %s into the outage; the slowest answer took %s", at, slowest)
	code, body, d := timedGet(t, base, "/officer", "", "text/html")
	if code != 503 || !strings.Contains(body, "the database is unavailable; try again in a minute") || !strings.Contains(body, "<html") || d > time.Second {
		t.Fatalf("page during the outage: %d in %s\n%s", code, d, body)
	}
	code, body, d = timedGet(t, base, "/readyz", "", "")
	var ready struct{ Status, Store, Reason string }
	json.Unmarshal([]byte(body), &ready)
	if code != 503 || ready.Status != "unavailable" || !strings.Contains(ready.Reason, "the database has not answered since") || d > time.Second {
		t.Fatalf("/readyz during the outage: %d in %s: %s", code, d, body)
	}
	t.Logf("/readyz: %s", body)
	if code, body, _ := timedGet(t, base, "/healthz", "", ""); code != 200 {
		t.Fatalf("/healthz during the outage: %d %s", code, body)
	}
	// A ballot posted now is refused the same way, not lost silently.
	if r := castBallot(&http.Client{Timeout: 5 * time.Second}, base, strings.Repeat("A", 24), "Yes"); r.code != 503 {
		t.Fatalf("ballot during the outage: %d %q", r.code, r.msg)
	}

	proxy.restore()
	t.Logf("ready again %s after the store came back", waitReady(t, p))
	if code, body, _ := timedGet(t, base, "/api/v1/votes", l.token, ""); code != 200 {
		t.Fatalf("votes after the outage: %d %s", code, body)
	}
	now := time.Now().UTC()
	var v loadVote
	if err := l.officer(ctx, "POST", "/api/v1/votes", map[string]any{"title": "After the outage", "question": "Ratify?",
		"opens_at": now.Add(time.Hour), "closes_at": now.Add(48 * time.Hour), "timezone": "America/Anchorage"}, &v, 201); err != nil {
		t.Fatalf("a write after the outage: %v", err)
	}

	// A store that goes silent (a network dropping packets: nothing
	// refused, nothing answered): requests waiting on it give up within
	// about 3 s too (the driver's heartbeat), then fail at once.
	proxy.freeze()
	at, slowest = waitOutage(t, base, l.token, 4*time.Second)
	t.Logf("store silent: requests fail at once %s into the outage; the slowest answer took %s", at, slowest)
	proxy.thaw()
	t.Logf("ready again %s after the store answered again", waitReady(t, p))
	if code, body, _ := timedGet(t, base, "/api/v1/votes", l.token, ""); code != 200 {
		t.Fatalf("votes after the silent outage: %d %s", code, body)
	}
	for _, want := range []string{"store: unreachable; answering 503 until it is back", "store: reachable again"} {
		if !strings.Contains(p.log(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if err := p.stop(t, syscall.SIGTERM); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("exit: %v", err)
	}
}

// mailSink is an SMTP server (github.com/emersion/go-smtp) in the test
// process that records what it receives.
type mailSink struct {
	mu   sync.Mutex
	msgs []sunkMail
}

type sunkMail struct {
	To   []string
	Data []byte
}

func (m *mailSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{m: m}, nil }

func (m *mailSink) received() []sunkMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]sunkMail(nil), m.msgs...)
}

type sinkSession struct {
	m  *mailSink
	to []string
}

func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	s.m.msgs = append(s.m.msgs, sunkMail{To: s.to, Data: b})
	s.m.mu.Unlock()
	return nil
}
func (s *sinkSession) Reset()        { s.to = nil }
func (s *sinkSession) Logout() error { return nil }

// TestFaultSMTPDownDuringInvitations: the real binary opens a vote for 20
// members while its SMTP server refuses connections; the invitations wait
// in the outbox; when the server is back they are delivered, each member
// getting exactly one, with a link that works.
func TestFaultSMTPDownDuringInvitations(t *testing.T) {
	const n = 20
	sink := &mailSink{}
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	proxy := newCutProxy(t, "tcp", ln.Addr().String())
	proxy.cut() // down from the start of the campaign
	_, port, _ := net.SplitHostPort(proxy.addr)

	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, append(faultEnv, "RATIFY_SMTP_HOST=127.0.0.1", "RATIFY_SMTP_PORT="+port, "RATIFY_SMTP_TLS=none")...)
	l := faultLoader(t, p)
	openFaultVote(t, l, n, time.Now().Add(48*time.Hour))
	time.Sleep(2 * time.Second)
	if got := len(sink.received()); got != 0 {
		t.Fatalf("%d messages arrived while the server was unreachable", got)
	}
	if !strings.Contains(p.log(), `"msg":"notify: retrying later"`) {
		t.Fatalf("no failed delivery attempt in the log:\n%s", p.log())
	}
	proxy.restore()
	t0 := time.Now()
	// The outbox retries 15 to 30 s after a failed attempt, 30 to 60 s
	// after a second (on a loaded machine a message's first retry can
	// still fall in the outage): allow two rounds and a margin.
	for deadline := time.Now().Add(150 * time.Second); len(sink.received()) < n; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			var notes []string
			for _, line := range strings.Split(p.log(), "\n") {
				if strings.Contains(line, `"msg":"notify`) {
					notes = append(notes, line)
				}
			}
			t.Fatalf("%d of %d invitations delivered 150 s after the server came back; the outbox's log:\n%s",
				len(sink.received()), n, strings.Join(notes, "\n"))
		}
	}
	t.Logf("all %d invitations delivered %s after the server came back", n, time.Since(t0).Round(time.Millisecond))
	time.Sleep(time.Second) // a duplicate would arrive now
	perRecipient := map[string]int{}
	var token string
	for _, m := range sink.received() {
		for _, to := range m.To {
			perRecipient[to]++
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if sm := loadLinkRE.FindSubmatch(body); sm != nil && token == "" {
			token = string(sm[1])
		}
	}
	for i := range n {
		if to := fmt.Sprintf("voter%d@load.example.org", i); perRecipient[to] != 1 {
			t.Errorf("%s received %d invitations, want 1", to, perRecipient[to])
		}
	}
	if len(perRecipient) != n {
		t.Errorf("%d recipients, want %d: %v", len(perRecipient), n, perRecipient)
	}
	if token == "" {
		t.Fatal("no voting link in the invitations")
	}
	if r := castBallot(&http.Client{Timeout: 10 * time.Second}, l.base, token, "Yes"); r.code != 201 {
		t.Fatalf("ballot with a delivered link: %d %q", r.code, r.msg)
	}
}
