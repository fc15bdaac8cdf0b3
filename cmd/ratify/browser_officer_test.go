package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserOfficerPages drives headless Chromium against the real binary
// through the officer pages only: the officer signs in, uploads the sample
// roster, sees the dry run and confirms it; creates a vote in the editor,
// previews its invitation email and ballot, and opens it from its page
// after the confirmation step; the invitations then reach the outbox.
func TestBrowserOfficerPages(t *testing.T) {
	bctx := browser(t)
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, "RATIFY_BOOTSTRAP_ADMIN_EMAIL=chair@example.org", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=correct-horse-battery")
	base := "http://" + p.addr
	roster, err := filepath.Abs("../../members/testdata/sample-roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string { return browserRun(t, bctx, chromedp.Text(chromedp.CSS(sel))) }

	// Sign in on the way to the roster page.
	browserDo(t, bctx, chromedp.EmulateViewport(1024, 900), chromedp.Navigate(base+"/officer/roster"), chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "chair@example.org"), chromedp.SendKeys(chromedp.CSS(`#password`), "correct-horse-battery"),
		chromedp.Submit(chromedp.CSS(`#password`)), chromedp.WaitVisible(chromedp.CSS(`input#roster`)))
	if got := text(`main`); !strings.Contains(got, "No members match.") {
		t.Fatalf("roster page before the import:\n%s", got)
	}

	// Upload -> dry run -> confirm.
	browserDo(t, bctx, chromedp.SetUploadFiles(chromedp.CSS(`input#roster`), []string{roster}),
		chromedp.Click(chromedp.CSS(`form[action="/officer/roster/preview"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/officer/roster/confirm"] button`)))
	if got := text(`main`); !strings.Contains(got, "Roster preview: sample-roster.csv") || !strings.Contains(got, "nothing has changed yet") ||
		text(`td[data-count=added]`) != "25" {
		t.Fatalf("roster preview:\n%s", got)
	}
	saveScreenshot(t, "officer-roster-preview.png", browserRun(t, bctx, chromedp.FullScreenshot(100)))
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`form[action="/officer/roster/confirm"] button`)), chromedp.WaitVisible(chromedp.CSS(`#roster-applied`)))
	if got := text(`main`); !strings.Contains(got, "Roster imported") || text(`td[data-count=added]`) != "25" {
		t.Fatalf("after the confirm:\n%s", got)
	}
	browserDo(t, bctx, chromedp.Navigate(base+"/officer/roster?q=aldana"), chromedp.WaitVisible(chromedp.CSS(`#members table`)))
	if got := text(`#members`); !strings.Contains(got, "Members 1–1 of 1") || !strings.Contains(got, "avery.aldana@example.org") {
		t.Fatalf("member search:\n%s", got)
	}

	// The editor: times typed in the union's zone (the default).
	ak, _ := time.LoadLocation("America/Anchorage")
	now := time.Now().In(ak)
	browserDo(t, bctx, chromedp.Navigate(base+"/officer/votes/new"), chromedp.WaitVisible(chromedp.CSS(`#title`)))
	if zone := browserRun(t, bctx, chromedp.Evaluate[string](`document.querySelector('#timezone').value`)); zone != "America/Anchorage" {
		t.Fatalf("the zone defaults to %q", zone)
	}
	browserDo(t, bctx, chromedp.SendKeys(chromedp.CSS(`#title`), "ACE 2021-2024 ratification (browser)"),
		chromedp.SetValue(chromedp.CSS(`#contract_id`), "ace-2021-2024"),
		chromedp.SetValue(chromedp.CSS(`#opens_at`), now.Add(time.Hour).Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.CSS(`#closes_at`), now.Add(-time.Hour).Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.CSS(`form[action="/officer/votes/new"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#closes_at-error`)))
	if got := text(`#closes_at-error`); !strings.Contains(got, "the vote must close after it opens") {
		t.Fatalf("closes_at error: %q", got)
	}
	browserDo(t, bctx, chromedp.SetValue(chromedp.CSS(`#closes_at`), now.Add(48*time.Hour).Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.CSS(`form[action="/officer/votes/new"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`dd[data-field=status]`)))
	if got := text(`main`); text(`dd[data-field=status]`) != "scheduled" || !strings.Contains(got, "The vote has been created.") ||
		!strings.Contains(got, now.Add(time.Hour).Format("January 2, 2006 at 3:04 PM MST")) {
		t.Fatalf("the new vote's page:\n%s", got)
	}
	votePage := browserRun(t, bctx, chromedp.Location())
	votePage = votePage[:strings.Index(votePage, "?")]

	// The invitation preview, then the ballot preview.
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`a[href$="/preview/invitation"]`)), chromedp.WaitVisible(chromedp.CSS(`.preview-banner`)))
	inv := text(`main`)
	if !strings.Contains(inv, "PREVIEW") || !strings.Contains(inv, "/v/preview-not-a-voting-token") || !strings.Contains(inv, "ACE 2021-2024 ratification (browser)") {
		t.Fatalf("invitation preview:\n%s", inv)
	}
	saveScreenshot(t, "officer-invitation-preview.png", browserRun(t, bctx, chromedp.FullScreenshot(100)))
	browserDo(t, bctx, chromedp.Navigate(votePage+"/preview/ballot"), chromedp.WaitVisible(chromedp.CSS(`input[name=choice]`)))
	if got := text(`main`); !strings.Contains(got, "PREVIEW") || !strings.Contains(got, "Do you ratify the tentative agreement?") {
		t.Fatalf("ballot preview:\n%s", got)
	}

	// Open the vote: the confirmation first, then the button.
	browserDo(t, bctx, chromedp.Navigate(votePage), chromedp.WaitVisible(chromedp.CSS(`#action-open summary`)),
		chromedp.Click(chromedp.CSS(`#action-open summary`)), chromedp.WaitVisible(chromedp.CSS(`#action-open button`)))
	if got := text(`#action-open`); !strings.Contains(got, "Open the vote now? Every eligible member") {
		t.Fatalf("open confirmation: %q", got)
	}
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`#action-open button`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	for deadline := time.Now().Add(30 * time.Second); text(`dd[data-field=status]`) != "open"; {
		if time.Now().After(deadline) {
			t.Fatalf("not open after 30 s: %s", text(`main`))
		}
		time.Sleep(250 * time.Millisecond)
		browserDo(t, bctx, chromedp.Navigate(votePage), chromedp.WaitVisible(chromedp.CSS(`dd[data-field=status]`)))
	}
	got := text(`main`)
	eligible := 0
	if i := strings.Index(got, "Who has not voted ("); i >= 0 {
		eligible, _ = strconv.Atoi(got[i+len("Who has not voted (") : i+strings.Index(got[i:], ")")])
	}
	if eligible == 0 || !strings.Contains(got, "Close the vote") {
		t.Fatalf("open vote's page:\n%s", got)
	}
	saveScreenshot(t, "officer-vote.png", browserRun(t, bctx, chromedp.FullScreenshot(100)))
	if links := waitForLinks(t, filepath.Join(data, "outbox"), eligible); len(links) != eligible {
		t.Fatalf("%d invitations for %d eligible", len(links), eligible)
	}
}
