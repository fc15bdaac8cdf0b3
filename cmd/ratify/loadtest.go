package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ratifyhq/ratify/notify"
)

// loadLinkRE finds a personal voting link in an invitation's text.
var loadLinkRE = regexp.MustCompile(`https?://[^\s"<>]+/v/([A-Za-z0-9_-]{24})`)

// loadtest runs the load program: against a running service on this
// machine, it imports a synthetic roster, opens a vote, reads the personal
// links from the outbox's mail files, casts every ballot with concurrent
// voters, then closes, publishes and checks the published tally.
func loadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ratify loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://127.0.0.1:8080", "base URL of the running service (loopback only)")
	n := fs.Int("members", 1000, "synthetic members to import and ballots to cast (1 to 200000)")
	conc := fs.Int("concurrency", 64, "concurrent voters (1 to 1024)")
	email := fs.String("admin-email", "", "administrator's email")
	password := fs.String("admin-password", "", "administrator's password")
	dataDir := fs.String("data-dir", "./data", "the service's data directory (its outbox holds the links)")
	limit := fs.Duration("duration-limit", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*base)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("loadtest: --url %q: want http://127.0.0.1:PORT", *base)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("loadtest: --url host %q is not loopback; the load program only runs against this machine", u.Hostname())
	}
	if *n < 1 || *n > 200000 {
		return fmt.Errorf("loadtest: --members %d: want 1 to 200000", *n)
	}
	if *conc < 1 || *conc > 1024 {
		return fmt.Errorf("loadtest: --concurrency %d: want 1 to 1024", *conc)
	}
	if *email == "" || *password == "" {
		return errors.New("loadtest: --admin-email and --admin-password are required")
	}
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	l := &loader{base: strings.TrimRight(*base, "/"), out: stdout,
		hc: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *conc + 4, MaxIdleConns: *conc + 4}}}
	return l.run(ctx, *n, *conc, *email, *password, filepath.Join(*dataDir, "outbox"))
}

// loader holds the load program's client state.
type loader struct {
	base  string
	hc    *http.Client
	out   io.Writer
	token string // the officer's JWT
}

// call sends a JSON (or other) request and returns the status and body.
func (l *loader) call(ctx context.Context, method, path, ct string, body io.Reader, auth bool) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+l.token)
	}
	resp, err := l.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// officer sends an officer's JSON request, expects want, and decodes into out.
func (l *loader) officer(ctx context.Context, method, path string, in, out any, want int) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	code, b, err := l.call(ctx, method, path, "application/json", body, true)
	if err != nil {
		return fmt.Errorf("loadtest: %s %s: %w", method, path, err)
	}
	if code != want {
		return fmt.Errorf("loadtest: %s %s: status %d, want %d: %.300s", method, path, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("loadtest: %s %s: %w", method, path, err)
		}
	}
	return nil
}

// loadVote is the part of a vote the load program reads.
type loadVote struct {
	ID, Status string
	Eligible   int
}

func (l *loader) run(ctx context.Context, n, conc int, email, password, outbox string) error {
	var login struct{ Token string }
	if err := l.officer(ctx, "POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password}, &login, 200); err != nil {
		return err
	}
	l.token = login.Token

	t0 := time.Now()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("roster", "load-roster.csv")
	writeLoadRoster(fw, n)
	mw.Close()
	code, b, err := l.call(ctx, "POST", "/api/v1/members/import", mw.FormDataContentType(), &body, true)
	if err != nil || code != 200 {
		return fmt.Errorf("loadtest: roster import: status %d %v: %.300s", code, err, b)
	}
	fmt.Fprintf(l.out, "roster of %d members imported in %s\n", n, time.Since(t0).Round(time.Millisecond))

	started := time.Now().Add(-time.Second) // mail files older than this are not ours
	now := time.Now().UTC()
	title := fmt.Sprintf("Load test %s", now.Format(time.RFC3339))
	var v loadVote
	if err := l.officer(ctx, "POST", "/api/v1/votes", map[string]any{"title": title, "question": "Ratify the agreement?",
		"opens_at": now.Add(time.Hour), "closes_at": now.Add(48 * time.Hour), "timezone": "America/Anchorage"}, &v, 201); err != nil {
		return err
	}
	t0 = time.Now()
	if err := l.officer(ctx, "POST", "/api/v1/votes/"+v.ID+"/open", nil, &v, 202); err != nil {
		return err
	}
	for v.Status != "open" {
		if err := sleepCtx(ctx, 250*time.Millisecond); err != nil {
			return fmt.Errorf("loadtest: vote not open: %w", err)
		}
		if err := l.officer(ctx, "GET", "/api/v1/votes/"+v.ID, nil, &v, 200); err != nil {
			return err
		}
	}
	fmt.Fprintf(l.out, "vote %s open for %d eligible members in %s\n", v.ID, v.Eligible, time.Since(t0).Round(time.Millisecond))
	if v.Eligible != n {
		return fmt.Errorf("loadtest: %d eligible members, want %d (is the roster shared with other data?)", v.Eligible, n)
	}

	t0 = time.Now()
	tokens, err := l.links(ctx, outbox, started, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(l.out, "%d links read from %s in %s\n", len(tokens), outbox, time.Since(t0).Round(time.Millisecond))

	cast := l.cast(ctx, tokens, conc)
	fmt.Fprintln(l.out, cast.summary())

	if err := l.officer(ctx, "POST", "/api/v1/votes/"+v.ID+"/close", nil, &v, 200); err != nil {
		return err
	}
	t0 = time.Now()
	var res struct {
		Cast    int
		Choices []struct {
			Choice string
			Count  int
		}
	}
	for {
		code, b, err := l.call(ctx, "GET", "/api/v1/votes/"+v.ID+"/results", "", nil, true)
		if err == nil && code == 200 {
			break
		}
		if err := sleepCtx(ctx, 250*time.Millisecond); err != nil {
			return fmt.Errorf("loadtest: no results after the close (last %d %.200s): %w", code, b, err)
		}
	}
	fmt.Fprintf(l.out, "results ready %s after the close\n", time.Since(t0).Round(time.Millisecond))
	// A publish that fails after the vote became published (e.g. queueing
	// the results mail timed out) is reported, and the tally still checked.
	pubErr := l.officer(ctx, "POST", "/api/v1/votes/"+v.ID+"/publish", nil, nil, 200)
	if pubErr != nil {
		fmt.Fprintln(l.out, "publish:", pubErr)
		if err := l.officer(ctx, "GET", "/api/v1/votes/"+v.ID, nil, &v, 200); err != nil || v.Status != "published" {
			return pubErr
		}
	}
	if err := l.officer(ctx, "GET", "/api/v1/votes/"+v.ID+"/results", nil, &res, 200); err != nil {
		return err
	}
	got := map[string]int{}
	for _, c := range res.Choices {
		got[c.Choice] = c.Count
	}
	ok := res.Cast == cast.yes+cast.no && got["Yes"] == cast.yes && got["No"] == cast.no
	fmt.Fprintf(l.out, "published: %d cast, Yes %d, No %d; acknowledged by the load program: Yes %d, No %d\n",
		res.Cast, got["Yes"], got["No"], cast.yes, cast.no)
	if !ok {
		return errors.New("loadtest: the published tally differs from the ballots cast")
	}
	fmt.Fprintln(l.out, "tally matches the ballots cast, choice by choice")
	if len(cast.errors) > 0 {
		return fmt.Errorf("loadtest: %d errors while casting", cast.errorCount())
	}
	return pubErr
}

// writeLoadRoster writes a roster CSV of n active members with unique ids
// and emails.
func writeLoadRoster(w io.Writer, n int) {
	fmt.Fprintln(w, "Employee ID,Last Name,First Name,Mailing Address,City,State,Zip,Email Address,Phone Number,Range,Step,Work Location,Job Title,Number of Work Days,FTE,Date of Hire into Unit,Date of Separation,Reason for Separation,Membership Status")
	for i := range n {
		fmt.Fprintf(w, "%d,Loadtest,Voter%d,1 Test St,Anchorage,AK,99501,voter%d@load.example.org,907-555-0100,13,K,Central Office,Secretary I,190,1.0,9/28/2008,,,Member\n",
			700000+i, i, i)
	}
}

// links waits until the mail workers have written n invitations newer than
// since to dir and returns their tokens.
func (l *loader) links(ctx context.Context, dir string, since time.Time, n int) ([]string, error) {
	read := map[string]bool{}
	seen := map[string]bool{}
	var tokens []string
	last := time.Now()
	for {
		// os.ReadDir, not notify.ListMailFiles, which opens every file
		// for its headers on each poll.
		ents, err := os.ReadDir(dir)
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("loadtest: outbox: %w", err)
		}
		for _, e := range ents {
			if read[e.Name()] || e.IsDir() || !strings.HasSuffix(e.Name(), ".eml") {
				continue
			}
			if info, err := e.Info(); err != nil || info.ModTime().Before(since) {
				continue
			}
			m, err := notify.ReadMailFile(dir, e.Name())
			if err != nil {
				continue // being written; read it next time
			}
			read[e.Name()] = true
			if sm := loadLinkRE.FindStringSubmatch(m.Text); sm != nil && !seen[sm[1]] {
				seen[sm[1]] = true
				tokens = append(tokens, sm[1])
			}
		}
		if len(tokens) >= n {
			return tokens, nil
		}
		if time.Since(last) >= 5*time.Second {
			fmt.Fprintf(l.out, "waiting for invitations: %d of %d delivered\n", len(tokens), n)
			last = time.Now()
		}
		if err := sleepCtx(ctx, time.Second); err != nil {
			return nil, fmt.Errorf("loadtest: %d of %d invitation links in %s: %w", len(tokens), n, dir, err)
		}
	}
}

// castStats is what the voters saw.
type castStats struct {
	mu        sync.Mutex
	latencies []time.Duration
	errors    map[string]int
	yes, no   int
	elapsed   time.Duration
}

func (s *castStats) fail(kind string) {
	s.mu.Lock()
	s.errors[kind]++
	s.mu.Unlock()
}

func (s *castStats) errorCount() int {
	t := 0
	for _, c := range s.errors {
		t += c
	}
	return t
}

// summary is the one result line: rate, latency percentiles, errors.
func (s *castStats) summary() string {
	slices.Sort(s.latencies)
	pct := func(p float64) time.Duration {
		if len(s.latencies) == 0 {
			return 0
		}
		return s.latencies[min(len(s.latencies)-1, int(p*float64(len(s.latencies))))].Round(100 * time.Microsecond)
	}
	errs := "none"
	if len(s.errors) > 0 {
		var kinds []string
		for k, c := range s.errors {
			kinds = append(kinds, fmt.Sprintf("%s=%d", k, c))
		}
		slices.Sort(kinds)
		errs = strings.Join(kinds, " ")
	}
	rate := float64(s.yes+s.no) / s.elapsed.Seconds()
	return fmt.Sprintf("cast %d ballots in %s: %.1f votes/s, p50 %s, p95 %s, p99 %s, max %s; errors: %s",
		s.yes+s.no, s.elapsed.Round(time.Millisecond), rate, pct(0.50), pct(0.95), pct(0.99), pct(1), errs)
}

// cast casts one ballot per token with conc voters: 70% Yes; every tenth
// voter loads the ballot page first; every twentieth submits twice and
// must be refused with 409.
func (l *loader) cast(ctx context.Context, tokens []string, conc int) *castStats {
	s := &castStats{errors: map[string]int{}, latencies: make([]time.Duration, 0, len(tokens))}
	jobs := make(chan int)
	var done atomic.Int64
	start := time.Now()
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				d := done.Load()
				fmt.Fprintf(l.out, "progress: %d of %d cast, %.1f votes/s\n", d, len(tokens), float64(d)/time.Since(start).Seconds())
			}
		}
	}()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				l.castOne(ctx, s, i, tokens[i])
				done.Add(1)
			}
		}()
	}
	for i := range tokens {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(stop)
	s.elapsed = time.Since(start)
	return s
}

func (l *loader) castOne(ctx context.Context, s *castStats, i int, tok string) {
	if i%10 == 0 {
		code, _, err := l.call(ctx, "GET", "/v/"+tok, "", nil, false)
		if err != nil {
			s.fail("page-transport")
		} else if code != 200 {
			s.fail(fmt.Sprintf("page-%d", code))
		}
	}
	choice := "Yes"
	if i%10 >= 7 {
		choice = "No"
	}
	body, _ := json.Marshal(map[string]string{"token": tok, "choice": choice})
	t0 := time.Now()
	code, _, err := l.call(ctx, "POST", "/api/v1/ballots", "application/json", bytes.NewReader(body), false)
	d := time.Since(t0)
	switch {
	case err != nil:
		s.fail("cast-transport")
		return
	case code != 201:
		s.fail(fmt.Sprintf("cast-%d", code))
		return
	}
	s.mu.Lock()
	s.latencies = append(s.latencies, d)
	if choice == "Yes" {
		s.yes++
	} else {
		s.no++
	}
	s.mu.Unlock()
	if i%20 == 1 {
		code, _, err := l.call(ctx, "POST", "/api/v1/ballots", "application/json", bytes.NewReader(body), false)
		if err != nil {
			s.fail("resubmit-transport")
		} else if code != 409 {
			s.fail(fmt.Sprintf("resubmit-%d", code))
		}
	}
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
