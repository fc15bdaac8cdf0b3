package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserOfficerNoticesMeetingsAudit drives headless Chromium against
// the real binary: the officer signs in from /officer/notices, posts a
// status update through its preview and confirm, and finds it on the
// public home page's timeline; schedules a Q&A meeting in the union's time
// zone; and sees the audit log with its chain intact and both actions.
func TestBrowserOfficerNoticesMeetingsAudit(t *testing.T) {
	bctx := browser(t)
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, "RATIFY_BOOTSTRAP_ADMIN_EMAIL=chair@example.org", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=correct-horse-battery")
	base := "http://" + p.addr

	// Sign in: the page asked for comes back after the sign-in form.
	browserDo(t, bctx, chromedp.EmulateViewport(1024, 900), chromedp.Navigate(base+"/officer/notices"), chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "chair@example.org"), chromedp.SendKeys(chromedp.CSS(`#password`), "correct-horse-battery"),
		chromedp.Submit(chromedp.CSS(`#password`)), chromedp.WaitVisible(chromedp.CSS(`#body`)))
	if nav := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`nav.officer-nav`))); !strings.Contains(nav, "Audit log") {
		t.Fatalf("officer navigation: %q", nav)
	}
	axeCheck(t, bctx, "/officer/notices")

	// A status update: preview, then confirm.
	title := "UPDATE: August 19, 2021 — the School Board approved the agreement"
	browserDo(t, bctx, chromedp.SendKeys(chromedp.CSS(`#title`), title),
		chromedp.SendKeys(chromedp.CSS(`#body`), "The Board approved it unanimously; the final signature page follows."),
		chromedp.Click(chromedp.CSS(`form.officer-form button.primary`)), chromedp.WaitVisible(chromedp.CSS(`.confirm-box`)))
	if preview := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`.confirm-box`))); !strings.Contains(preview, title) || !strings.Contains(preview, "This emails 0 members.") {
		t.Fatalf("preview:\n%s", preview)
	}
	axeCheck(t, bctx, "/officer/notices preview")
	saveScreenshot(t, "officer-notice-preview.png", browserRun(t, bctx, chromedp.FullScreenshot(100)))
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`button[name=confirmed][value=yes]`)), chromedp.WaitVisible(chromedp.CSS(`p.done`)))
	if list := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`#notices`))); !strings.Contains(list, title) {
		t.Fatalf("posted notices:\n%s", list)
	}
	browserDo(t, bctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#timeline-h`)))
	if home := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(home, title) {
		t.Fatalf("the home page's timeline lacks the update:\n%s", home)
	}

	// A Q&A meeting at 5 PM in the union's time zone (America/Anchorage).
	browserDo(t, bctx, chromedp.Navigate(base+"/officer/meetings"), chromedp.WaitVisible(chromedp.CSS(`#date`)),
		chromedp.SendKeys(chromedp.CSS(`#title`), "Ratification Q&A"),
		chromedp.SetValue(chromedp.CSS(`#date`), "2031-06-21"), chromedp.SetValue(chromedp.CSS(`#time`), "17:00"),
		chromedp.SendKeys(chromedp.CSS(`#place`), "Union hall"), chromedp.SendKeys(chromedp.CSS(`#url`), "https://zoom.example/j/1"),
		chromedp.Click(chromedp.CSS(`form.officer-form button.primary`)), chromedp.WaitVisible(chromedp.CSS(`.confirm-box`)))
	if preview := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`.confirm-box`))); !strings.Contains(preview, "Sat, Jun 21, 2031, 5:00 PM AKDT") {
		t.Fatalf("meeting preview:\n%s", preview)
	}
	axeCheck(t, bctx, "/officer/meetings preview")
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`button[name=confirmed][value=yes]`)), chromedp.WaitVisible(chromedp.CSS(`p.done`)))
	if up := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`#upcoming`))); !strings.Contains(up, "Ratification Q&A") || !strings.Contains(up, "Union hall") {
		t.Fatalf("upcoming meetings:\n%s", up)
	}
	axeCheck(t, bctx, "/officer/meetings")
	saveScreenshot(t, "officer-meetings.png", browserRun(t, bctx, chromedp.FullScreenshot(100)))

	// The audit log: the chain check on top, both actions listed.
	browserDo(t, bctx, chromedp.Navigate(base+"/officer/audit"), chromedp.WaitVisible(chromedp.CSS(`#chain`)))
	if chain := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`#chain`))); !strings.Contains(chain, "Chain intact:") {
		t.Fatalf("chain check:\n%s", chain)
	}
	log := browserRun(t, bctx, chromedp.Text(chromedp.CSS(`#audit`)))
	for _, action := range []string{"notice.post", "meeting.post", "officer.login"} {
		if !strings.Contains(log, action) {
			t.Fatalf("audit log lacks %s:\n%s", action, log)
		}
	}
	axeCheck(t, bctx, "/officer/audit")
	saveScreenshot(t, "officer-audit.png", browserRun(t, bctx, chromedp.FullScreenshot(100)))

	// The other officer pages pass the accessibility check too (axeCheck
	// is in browser_a11y_test.go).
	for _, page := range []struct{ path, sel string }{
		{"/officer/contracts", `#c-ace-2021-2024`}, {"/officer/officers", `#officers`}, {"/officer/notifications", `main h1`},
	} {
		browserDo(t, bctx, chromedp.Navigate(base+page.path), chromedp.WaitVisible(chromedp.CSS(page.sel)))
		axeCheck(t, bctx, page.path)
		saveScreenshot(t, strings.ReplaceAll(strings.TrimPrefix(page.path, "/"), "/", "-")+".png", browserRun(t, bctx, chromedp.FullScreenshot(100)))
	}
}
