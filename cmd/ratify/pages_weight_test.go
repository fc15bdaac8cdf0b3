package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// maxPageWeight is the most a page may weigh before images: its HTML and
// the same-origin CSS and JavaScript it loads, uncompressed.
const maxPageWeight = 100 << 10

var (
	assetRE = regexp.MustCompile(`<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"`)
	hrefRE  = regexp.MustCompile(`href="(/contracts/[^"#]+)"`)
)

// shown is a path as tests may print it: a ballot's token is a secret.
func shown(path string) string {
	if strings.HasPrefix(path, "/v/") {
		return "/v/(token)"
	}
	return path
}

// weigher fetches pages and their assets from the running service.
type weigher struct {
	t      *testing.T
	base   string
	assets map[string]int // asset path -> bytes
}

// fetch GETs a page as a browser asks for it and returns its status and
// body (uncompressed: Go's client undoes the gzip it asked for).
func (w *weigher) fetch(path, accept string) (int, []byte) {
	w.t.Helper()
	req, err := http.NewRequest("GET", w.base+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return res.StatusCode, b
}

// weigh returns a page's body and its weight: the HTML plus each
// same-origin stylesheet and script it loads.
func (w *weigher) weigh(path string) (string, int, string) {
	w.t.Helper()
	status, html := w.fetch(path, "text/html,application/xhtml+xml")
	if status != 200 {
		w.t.Fatalf("GET %s: %d\n%.500s", shown(path), status, html)
	}
	total := len(html)
	parts := []string{fmt.Sprintf("HTML %d", len(html))}
	for _, m := range assetRE.FindAllStringSubmatch(string(html), -1) {
		src := strings.ReplaceAll(m[1], "&amp;", "&")
		u, err := url.Parse(src)
		if err != nil || u.Host != "" {
			continue // not same-origin: not ours to count (and there are none)
		}
		n, ok := w.assets[src]
		if !ok {
			status, b := w.fetch(src, "*/*")
			if status != 200 {
				w.t.Fatalf("%s loads %s: %d", shown(path), src, status)
			}
			n = len(b)
			w.assets[src] = n
		}
		total += n
		parts = append(parts, fmt.Sprintf("%s %d", u.Path, n))
	}
	return string(html), total, strings.Join(parts, " + ")
}

// TestPageWeight fetches every public page from the real binary, with a
// vote open and then published, and fails if any weighs over 100 KB before
// images: home, ballot, results, sign-in, resend, the agreements, every
// reader page of both agreements in both views, the summaries of changes,
// search, and every calculator.
func TestPageWeight(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, "RATIFY_BOOTSTRAP_ADMIN_EMAIL=chair@example.org", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=correct-horse-battery")
	w := &weigher{t: t, base: "http://" + p.addr, assets: map[string]int{}}
	officer, id, _ := openSampleVote(t, p)
	link := waitForLinks(t, filepath.Join(data, "outbox"), 1)[0]
	ballot := link[strings.Index(link, "/v/"):]

	weights := map[string]int{}
	detail := map[string]string{}
	add := func(path string) string {
		t.Helper()
		html, n, d := w.weigh(path)
		weights[path], detail[path] = n, d
		return html
	}
	for _, path := range []string{"/", ballot, "/login", "/officer", "/resend", "/contracts"} {
		add(path)
	}
	for _, doc := range []string{"ace-2021-2024", "aea-2021-2024"} {
		add("/contracts/" + doc + "/changes")
		add("/contracts/" + doc + "/search?q=leave")
		calcs := add("/contracts/" + doc + "/calculators")
		for _, m := range hrefRE.FindAllStringSubmatch(calcs, -1) {
			if strings.Contains(m[1], "/calculators/") {
				add(m[1])
			}
		}
		for _, view := range []string{"", "?view=redline"} {
			contents := add("/contracts/" + doc + view)
			pages := 0
			for _, m := range hrefRE.FindAllStringSubmatch(contents, -1) {
				path := strings.ReplaceAll(m[1], "&amp;", "&")
				if _, seen := weights[path]; !seen && strings.Contains(path, "part=") {
					add(path)
					pages++
				}
			}
			if pages < 10 {
				t.Errorf("/contracts/%s%s links to %d article pages", doc, view, pages)
			}
		}
	}

	// The results, once published.
	closeAndPublish(t, officer, id)
	add("/votes/" + id + "/results")

	paths := make([]string, 0, len(weights))
	for path := range weights {
		paths = append(paths, path)
	}
	sort.Slice(paths, func(i, j int) bool { return weights[paths[i]] > weights[paths[j]] })
	for _, path := range paths {
		if weights[path] > maxPageWeight {
			t.Errorf("%s weighs %d bytes before images, over %d: %s", shown(path), weights[path], maxPageWeight, detail[path])
		}
	}
	for _, path := range paths[:min(5, len(paths))] {
		t.Logf("heaviest: %6d bytes  %s (%s)", weights[path], shown(path), detail[path])
	}
	t.Logf("%d pages weighed", len(paths))
}
