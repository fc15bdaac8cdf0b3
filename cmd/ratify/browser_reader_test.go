package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ratifyhq/ratify/store"
)

// landedOn checks that the browser shows the reader page of part with the
// element id as the target of the fragment, scrolled into view.
func landedOn(t *testing.T, ctx context.Context, what, part, id string) {
	t.Helper()
	browserDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(`article`)))
	loc := browserRun(t, ctx, chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if u.Query().Get("part") != part || u.Fragment != id {
		t.Fatalf("%s landed on %s, want part=%s#%s", what, loc, part, id)
	}
	if id == "" {
		return
	}
	got := browserRun(t, ctx, chromedp.Evaluate[string](`(() => { const e = document.querySelector(":target"); if (!e) return "no target";
		const r = e.getBoundingClientRect(); return e.id + (r.bottom > 0 && r.top < innerHeight ? "" : " out of view at " + r.top); })()`))
	if got != id {
		t.Fatalf("%s: the passage %s is not shown: %s", what, id, got)
	}
}

// TestBrowserContractReader drives the paged contract reader in Chromium: a
// search from the contents page, a hit that opens its passage on the
// article's page, the clean/redline toggle on that page, the previous and
// next links, the summary of changes landing on a change in the redline
// view, and an address made for the whole agreement (#601-B) still landing
// on its passage.
func TestBrowserContractReader(t *testing.T) {
	bctx := browser(t)
	p := startBinary(t, filepath.Join(t.TempDir(), "data"))
	base := "http://" + p.addr
	reader := base + "/contracts/ace-2021-2024"

	browserDo(t, bctx, chromedp.EmulateViewport(1024, 800), chromedp.Navigate(reader), chromedp.WaitVisible(chromedp.CSS(`#q`)),
		chromedp.SendKeys(chromedp.CSS(`#q`), "jury duty"), chromedp.Submit(chromedp.CSS(`#q`)), chromedp.WaitVisible(chromedp.CSS(`.hits`)))
	if h := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`main [role=status] h2`))); !regexp.MustCompile(`^\d+ passages? found$`).MatchString(strings.TrimSpace(h)) {
		t.Fatalf("search heading %q", h)
	}
	hit := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`.hits li a`)))
	if !strings.Contains(hit, "Article 607") || browserRun(t, bctx, chromedp.Text(chromedp.CSS(`.hits li mark`))) == "" {
		t.Fatalf("first hit %q, or no highlighted word", hit)
	}
	// The hit links to its passage on the article's own page.
	href := browserRun(t, bctx, chromedp.Evaluate[string](`document.querySelector(".hits li a").href`))
	hu, err := url.Parse(href)
	if err != nil || hu.Query().Get("part") != "607" || (hu.Fragment != "" && !strings.HasPrefix(hu.Fragment, "607-")) {
		t.Fatalf("the first hit links to %s", href)
	}
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`.hits li a`)))
	landedOn(t, bctx, "the first search hit", "607", hu.Fragment)
	sel := "article"
	if hu.Fragment != "" {
		sel = ":target"
	}
	if text := browserRun(t, bctx, chromedp.Text(chromedp.CSS(sel))); !strings.Contains(strings.ToLower(text), "jury") {
		t.Fatalf("the hit's passage does not hold the words: %q", text)
	}
	// A hit deep in an article lands on its section.
	browserDo(t, bctx, chromedp.Navigate(reader+"/search?q=immediate+family+member"), chromedp.WaitVisible(chromedp.CSS(`.hits`)))
	href = browserRun(t, bctx, chromedp.Evaluate[string](`document.querySelector(".hits li a").href`))
	if hu, err = url.Parse(href); err != nil || hu.Fragment == "" {
		t.Fatalf("the hit for a section links to %s", href)
	}
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`.hits li a`)))
	landedOn(t, bctx, "a search hit in a section", hu.Query().Get("part"), hu.Fragment)

	// Clean, then redline, then clean again, on the same article.
	browserDo(t, bctx, chromedp.Navigate(reader+"?part=701"), chromedp.WaitVisible(chromedp.CSS(`article`)))
	if n := browserRun(t, bctx, chromedp.Evaluate[int](`document.querySelectorAll("article del").length`)); n != 0 {
		t.Fatalf("the clean view shows %d deletions", n)
	}
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`.reader-nav a[href*="view=redline"]`)), chromedp.WaitVisible(chromedp.CSS(`article.redline`)))
	if loc := browserRun(t, bctx, chromedp.Location()); !strings.Contains(loc, "view=redline") || !strings.Contains(loc, "part=701") {
		t.Fatalf("the redline toggle went to %s", loc)
	}
	if del := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`article del#change-38`))); !strings.Contains(del, "$1645") {
		t.Fatalf("the redline view shows the deletion as %q", del)
	}
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`.reader-nav a[href*="part=701"]`)), chromedp.WaitVisible(chromedp.CSS(`article:not(.redline)`)))
	if n := browserRun(t, bctx, chromedp.Evaluate[int](`document.querySelectorAll("article del").length`)); n != 0 {
		t.Fatalf("back to the clean view: %d deletions shown", n)
	}

	// Next and previous.
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`.pager a[rel=next]`)))
	landedOn(t, bctx, "the next link", "702", "")
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`.pager a[rel=prev]`)))
	landedOn(t, bctx, "the previous link", "701", "")

	// The summary of changes links each change to its place in the redline.
	browserDo(t, bctx, chromedp.Navigate(reader+"/changes"), chromedp.WaitVisible(chromedp.CSS(`.change-table`)),
		chromedp.Click(chromedp.CSS(`a[href$="#change-38"]`)))
	landedOn(t, bctx, "the summary's link to change 38", "701", "change-38")

	// Old addresses for the whole agreement still land on the passage.
	browserDo(t, bctx, chromedp.Navigate(reader+"#601-B"))
	landedOn(t, bctx, "the address /contracts/ace-2021-2024#601-B", "601", "601-B")
}

// TestBrowserCalculator fills a calculator form in Chromium: the result
// shows the working and the articles applied, the address carries the
// inputs, reopening that address shows the same result, and a citation
// opens its passage.
func TestBrowserCalculator(t *testing.T) {
	bctx := browser(t)
	p := startBinary(t, filepath.Join(t.TempDir(), "data"))
	base := "http://" + p.addr

	browserDo(t, bctx, chromedp.EmulateViewport(1024, 800), chromedp.Navigate(base+"/contracts/ace-2021-2024/calculators/salary"),
		chromedp.WaitVisible(chromedp.CSS(`form.calc`)),
		chromedp.SetValue(chromedp.CSS(`#in-range`), "D"), chromedp.SetValue(chromedp.CSS(`#in-step`), "A"),
		chromedp.SetValue(chromedp.CSS(`#in-year`), "2021-22"), chromedp.SendKeys(chromedp.CSS(`#in-days`), "230"),
		chromedp.SendKeys(chromedp.CSS(`#in-fte`), "1"), chromedp.Click(chromedp.CSS(`form.calc button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.working`)))
	result := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`.result`)))
	for _, want := range []string{"Annual salary", "$43,575.80", "$3,631.32", "$189.46 × 230 × 1", "Article 801 B"} {
		if !strings.Contains(result, want) {
			t.Errorf("the result lacks %q:\n%s", want, result)
		}
	}
	loc := browserRun(t, bctx, chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("range") != "D" || q.Get("step") != "A" || q.Get("year") != "2021-22" || q.Get("days") != "230" || q.Get("fte") != "1" {
		t.Fatalf("the address does not carry the inputs: %s", loc)
	}

	// The address alone gives the same result, in a fresh page.
	browserDo(t, bctx, chromedp.Navigate("about:blank"), chromedp.Navigate(loc), chromedp.WaitVisible(chromedp.CSS(`.working`)))
	if again := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`.result`))); again != result {
		t.Fatalf("reopening %s shows another result:\n%s\nfirst:\n%s", loc, again, result)
	}
	if v := browserRun(t, bctx, chromedp.Value(chromedp.CSS(`#in-days`))); v != "230" {
		t.Fatalf("the reopened form shows days %q", v)
	}

	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`.citations a[href$="at=801-B"]`)))
	landedOn(t, bctx, "the citation Article 801 B", "801", "801-B")
}

// TestBrowserErrorPages checks the friendly error pages: a missing page and
// a failure of the store (the service's MongoDB, here an embedded store run
// by the test, goes away) render HTML with a reference that the log holds
// against the request, and the JSON API still answers the one error shape.
func TestBrowserErrorPages(t *testing.T) {
	bctx := browser(t)
	dir := t.TempDir()
	st, err := store.Open(context.Background(), store.Config{Dir: filepath.Join(dir, "db"), DBName: "ratify"})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			st.Close(context.Background())
		}
	})
	uri := "mongodb://" + url.PathEscape(filepath.Join(dir, "db", "ferretdb.sock"))
	p := startBinary(t, filepath.Join(dir, "data"), "MONGODB_URI="+uri)
	base := "http://" + p.addr

	checkPage := func(path string, status int, title string) {
		t.Helper()
		browserDo(t, bctx, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		if h := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`main h1`))); h != title {
			t.Fatalf("%s: page titled %q, want %q", path, h, title)
		}
		ref := strings.TrimSpace(browserRun(t, bctx, chromedp.Text(chromedp.CSS(`main p.muted code`))))
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(ref) {
			t.Fatalf("%s: reference %q", path, ref)
		}
		// The log names the request by the same reference, with its status.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			found := false
			for _, line := range strings.Split(p.log(), "\n") {
				var rec struct {
					Msg    string `json:"msg"`
					ID     string `json:"request_id"`
					Status int    `json:"status"`
				}
				if json.Unmarshal([]byte(line), &rec) == nil && rec.ID == ref && rec.Msg == "request" && rec.Status == status {
					found = true
				}
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no request log line with request_id %s and status %d:\n%s", path, ref, status, p.log())
			}
		}
	}
	jsonError := func(path string, status int) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var e struct {
			Error struct{ Code, Message string }
		}
		if resp.StatusCode != status || json.Unmarshal(b, &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("GET %s: %d %s, want %d with {error:{code,message}}", path, resp.StatusCode, b, status)
		}
	}

	checkPage("/no-such-page", 404, "Page not found")
	checkPage("/contracts/ace-2021-2024?part=999", 404, "Page not found")
	jsonError("/api/v1/no-such-thing", 404)
	jsonError("/api/v1/contracts/nope-2020", 404)

	// The store goes away: pages that read it fail with a 500-class page.
	if err := st.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped = true
	browserDo(t, bctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	title := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`main h1`)))
	status := map[string]int{"Something went wrong": 500, "Temporarily unavailable": 503}[title]
	if status == 0 {
		t.Fatalf("with the store gone the home page shows %q", title)
	}
	t.Logf("with the store gone the home page is %d %q", status, title)
	checkPage("/", status, title)
	jsonError("/", status) // without Accept: text/html, the same failure in JSON
}
