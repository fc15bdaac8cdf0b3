package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// benchMembers is the roster size of the vote open during BenchmarkPageTTFB
// (RATIFY_BENCH_MEMBERS overrides it).
const benchMembers = 3000

// startBenchBinary runs the service binary for a benchmark, as startBinary
// does for a test, and returns its base URL.
func startBenchBinary(b *testing.B, dataDir string, env ...string) string {
	b.Helper()
	bin, err := buildBinary()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "RATIFY_ADDR=127.0.0.1:0", "RATIFY_DATA_DIR="+dataDir, "RATIFY_LOG_FORMAT=json")
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addrc := make(chan string, 1)
	go func() { // reads the log to its end, so that the service never blocks on it
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
				addrc <- rec.Addr
			}
		}
	}()
	select {
	case addr := <-addrc:
		base := "http://" + addr
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if res, err := http.Get(base + "/readyz"); err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					return base
				}
			}
			if time.Now().After(deadline) {
				b.Fatal("/readyz not 200 within 10 s")
			}
		}
	case <-time.After(30 * time.Second):
		b.Fatal("the service did not listen within 30 s")
	}
	return ""
}

// ttfb sends one GET as a browser does (HTML, gzip) over a kept-alive
// connection and returns the time to the first byte of the response and
// the bytes on the wire.
func ttfb(hc *http.Client, url string) (time.Duration, int, int, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	req.Header.Set("Accept-Encoding", "gzip")
	var first time.Time
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotFirstResponseByte: func() { first = time.Now() }}))
	start := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return first.Sub(start), int(n), res.StatusCode, err
}

// BenchmarkPageTTFB measures the time to first byte of each public page
// over real HTTP against the binary on the embedded store, with a vote open
// for benchMembers members of whom half have voted; the results page is
// measured after the close and publication. It reports p50 and p99 in ms
// and the page's bytes on the wire (gzip where the page is compressed).
//
//	go test ./cmd/ratify -run '^$' -bench PageTTFB -benchtime 500x
func BenchmarkPageTTFB(b *testing.B) {
	n := benchMembers
	if s := os.Getenv("RATIFY_BENCH_MEMBERS"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			n = v
		}
	}
	data := filepath.Join(b.TempDir(), "data")
	base := startBenchBinary(b, data, "RATIFY_BOOTSTRAP_ADMIN_EMAIL=chair@example.org", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=correct-horse-battery")
	ctx := context.Background()
	l := &loader{base: base, out: io.Discard, hc: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	var login struct{ Token string }
	if err := l.officer(ctx, "POST", "/api/v1/auth/login", map[string]string{"email": "chair@example.org", "password": "correct-horse-battery"}, &login, 200); err != nil {
		b.Fatal(err)
	}
	l.token = login.Token
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("roster", "bench-roster.csv")
	writeLoadRoster(fw, n)
	mw.Close()
	if code, out, err := l.call(ctx, "POST", "/api/v1/members/import", mw.FormDataContentType(), &body, true); err != nil || code != 200 {
		b.Fatalf("import: %d %v %.300s", code, err, out)
	}
	started := time.Now().Add(-time.Second)
	now := time.Now().UTC()
	var v loadVote
	if err := l.officer(ctx, "POST", "/api/v1/votes", map[string]any{"title": "ACE 2021-2024 ratification", "contract_id": "ace-2021-2024",
		"opens_at": now.Add(time.Hour), "closes_at": now.Add(48 * time.Hour), "timezone": "America/Anchorage"}, &v, 201); err != nil {
		b.Fatal(err)
	}
	if err := l.officer(ctx, "POST", "/api/v1/votes/"+v.ID+"/open", nil, &v, 202); err != nil {
		b.Fatal(err)
	}
	for v.Status != "open" {
		time.Sleep(250 * time.Millisecond)
		if err := l.officer(ctx, "GET", "/api/v1/votes/"+v.ID, nil, &v, 200); err != nil {
			b.Fatal(err)
		}
	}
	// Every invitation written (the mail workers idle again), then half
	// the members vote.
	tokens, err := l.links(ctx, filepath.Join(data, "outbox"), started, n)
	if err != nil {
		b.Fatal(err)
	}
	if cast := l.cast(ctx, tokens[:n/2], 8); cast.errorCount() > 0 {
		b.Fatalf("casting: %s", cast.summary())
	}
	b.Logf("vote open for %d members, %d voted", n, n/2)

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true}}
	measure := func(name, path string) {
		b.Run(name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			size := 0
			for range b.N {
				d, n, status, err := ttfb(hc, base+path)
				if err != nil || status != 200 {
					b.Fatalf("GET %s: %d %v", name, status, err)
				}
				ds, size = append(ds, d), n
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(size), "bytes")
		})
	}
	measure("home", "/")
	measure("ballot", "/v/"+tokens[n-1])
	measure("resend", "/resend")
	measure("login", "/login")
	measure("contracts", "/contracts")
	measure("reader-contents", "/contracts/ace-2021-2024")
	measure("reader-article-807", "/contracts/ace-2021-2024?part=807")
	measure("reader-redline-515", "/contracts/ace-2021-2024?view=redline&part=515")
	measure("changes", "/contracts/ace-2021-2024/changes")
	measure("search", "/contracts/ace-2021-2024/search?q=sick+leave")
	measure("calculator", "/contracts/ace-2021-2024/calculators/salary?range=D&step=A&year=2021-22&days=230&fte=1")

	if err := l.officer(ctx, "POST", "/api/v1/votes/"+v.ID+"/close", nil, &v, 200); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(250 * time.Millisecond) {
		if code, _, _ := l.call(ctx, "GET", "/api/v1/votes/"+v.ID+"/results", "", nil, true); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("no results a minute after the close")
		}
	}
	if err := l.officer(ctx, "POST", "/api/v1/votes/"+v.ID+"/publish", nil, nil, 200); err != nil {
		b.Fatal(err)
	}
	measure(fmt.Sprintf("results-%d-receipts", n/2), "/votes/"+v.ID+"/results")
}
