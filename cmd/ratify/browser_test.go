package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds a Chromium binary: $RATIFY_CHROMIUM, /usr/bin/chromium
// or chromium on the PATH.
func chromiumPath() string {
	for _, p := range []string{os.Getenv("RATIFY_CHROMIUM"), "/usr/bin/chromium"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// browser starts headless Chromium for the test, or skips it, saying why.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("SKIPPED: no Chromium binary (/usr/bin/chromium); install it with `apt-get install -y chromium` to run the browser tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true))
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[int](`1`)); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	return bctx
}

// saveScreenshot writes a PNG into the test's temporary directory and, if
// RATIFY_SCREENSHOTS names a directory, there too.
func saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s is not a PNG (chromedp gives JPEG below quality 100)", name)
	}
	dirs := []string{t.TempDir()}
	if d := os.Getenv("RATIFY_SCREENSHOTS"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot %s saved in %v", name, dirs)
}

// TestBrowserVote drives headless Chromium against the real binary: a member
// opens the link from the invitation email on a 360 px wide screen (no
// horizontal scroll), chooses, confirms and gets a receipt; the link then
// shows "already voted"; once the officer closes and publishes, the results
// page shows the counts and finds the receipt; the officer signs in and
// sees the vote on the dashboard.
func TestBrowserVote(t *testing.T) {
	bctx := browser(t)
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, "RATIFY_BOOTSTRAP_ADMIN_EMAIL=chair@example.org", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=correct-horse-battery")
	base := "http://" + p.addr
	officer, id, eligible := openSampleVote(t, p)
	v := struct {
		ID, Status string
		Eligible   int
	}{ID: id, Status: "open", Eligible: eligible}
	link := waitForLinks(t, filepath.Join(data, "outbox"), 1)[0]
	ballotURL := base + link[strings.Index(link, "/v/"):]

	browserDo(t, bctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(ballotURL), chromedp.WaitVisible(chromedp.CSS(`input[name=choice]`)))
	if w := browserRun(t, bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
		t.Fatalf("the ballot page scrolls sideways at 360 px: scrollWidth %d", w)
	}
	saveScreenshot(t, "ballot-360.png", browserRun(t, bctx, chromedp.FullScreenshot(100)))
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`input[name=choice][value="Yes"]`)), chromedp.Click(chromedp.CSS(`form.ballot button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.confirm`)))
	if confirm := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`.confirm`))); !strings.Contains(confirm, "You are voting YES. Ballots are final.") {
		t.Fatalf("confirm step says %q", confirm)
	}
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`form button.primary`)), chromedp.WaitVisible(chromedp.CSS(`.receipt code`)))
	receipt := strings.TrimSpace(browserRun(t, bctx, chromedp.Text(chromedp.CSS(`.receipt code`))))
	if len(receipt) != 11 {
		t.Fatalf("receipt %q", receipt)
	}
	browserDo(t, bctx, chromedp.Navigate(ballotURL))
	if again := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(again, "You have already voted") {
		t.Fatalf("second visit shows:\n%s", again)
	}

	closeAndPublish(t, officer, v.ID)
	browserDo(t, bctx, chromedp.EmulateViewport(1024, 900), chromedp.Navigate(base+"/votes/"+v.ID+"/results"), chromedp.WaitVisible(chromedp.CSS(`#receipt`)))
	page := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`main`)))
	saveScreenshot(t, "results.png", browserRun(t, bctx, chromedp.FullScreenshot(100)))
	want := "1 of " + strconv.Itoa(v.Eligible) + " eligible members voted"
	if !strings.Contains(page, want) || !strings.Contains(page, "100.0%") {
		t.Fatalf("results page lacks %q:\n%s", want, page)
	}
	browserDo(t, bctx, chromedp.SendKeys(chromedp.CSS(`#receipt`), receipt), chromedp.Submit(chromedp.CSS(`#receipt`)), chromedp.WaitVisible(chromedp.CSS(`.found`)))
	found := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`.found`)))
	if location := browserRun(t, bctx, chromedp.Location()); !strings.Contains(found, receipt) || !strings.Contains(location, "receipt="+url.QueryEscape(receipt)) {
		t.Fatalf("receipt search: %q at %s", found, location)
	}

	// The officer signs in on the page and lands on the dashboard.
	browserDo(t, bctx, chromedp.Navigate(base+"/officer"), chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "chair@example.org"), chromedp.SendKeys(chromedp.CSS(`#password`), "correct-horse-battery"),
		chromedp.Submit(chromedp.CSS(`#password`)), chromedp.WaitVisible(chromedp.CSS(`#votes`)))
	dash := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`#votes`)))
	if !strings.Contains(dash, "ACE 2021-2024 ratification") || !strings.Contains(dash, "published") || !strings.Contains(dash, "1 of "+strconv.Itoa(v.Eligible)) {
		t.Fatalf("officer dashboard:\n%s", dash)
	}
	saveScreenshot(t, "officer-dashboard.png", browserRun(t, bctx, chromedp.FullScreenshot(100)))
	// officer.js refreshes the turnout from the API every 10 s (under the CSP, with the session cookie).
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		note := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`#refreshed`)))
		if strings.Contains(note, "Turnout updated at") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard did not refresh itself: %q", note)
		}
	}
}

// browserDo runs browser steps, failing the test on the first error.
func browserDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// browserRun runs one browser action and returns its value.
func browserRun[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}
