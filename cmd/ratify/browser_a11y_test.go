package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored from the npm registry (see
// testdata/axe/README.md). It is injected into each page through the
// DevTools protocol (Runtime.evaluate), which the pages' Content-Security-
// Policy does not govern: the pages themselves allow no inline script.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeTags are the rule sets run: WCAG 2.0, 2.1 and 2.2, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}

// axeViolation is one failed axe rule with the elements that fail it.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	HelpURL string   `json:"helpUrl"`
	Targets []string `json:"targets"`
}

func (v axeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s\n    on %s\n    see %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, " | "), v.HelpURL)
}

// axeResult is what one axe run found.
type axeResult struct {
	Violations []axeViolation `json:"violations"`
	Passes     int            `json:"passes"` // rules passed: proves the run happened
}

// axeRun injects axe into the current page (once per document) and runs it
// with axeTags.
func axeRun(ctx context.Context) (axeResult, error) {
	var res axeResult
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return res, err
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource+"\n;undefined")); err != nil {
			return res, fmt.Errorf("inject axe: %w", err)
		}
	}
	tags, _ := json.Marshal(axeTags)
	script := `axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations"]}).then(r => JSON.stringify({
		passes: r.passes.length,
		violations: r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
			targets: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : String(t)).join(" "))}))}))`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		return res, fmt.Errorf("run axe: %w", err)
	}
	err = json.Unmarshal([]byte(out), &res)
	return res, err
}

// axeCheck fails the test on every serious or critical axe violation on the
// current page, naming the rule, the elements and the help page; it logs the
// minor and moderate ones.
func axeCheck(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	res, err := axeRun(ctx)
	if err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	if res.Passes == 0 {
		t.Fatalf("%s: axe passed no rule: it did not run", page)
	}
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: accessibility violation %s", page, v)
		} else {
			t.Logf("%s: minor accessibility issue %s", page, v)
		}
	}
}

// focusRingContrast moves the keyboard focus (Tab) to the page's first
// control and checks that its focus ring contrasts at least 3:1 with the
// white page (WCAG 1.4.11, which axe does not check).
func focusRingContrast(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	for range 6 {
		browserDo(t, ctx, chromedp.KeyEvent("\t"))
		if browserRun(t, ctx, chromedp.Evaluate[bool](`document.activeElement.matches("input, button")`)) {
			break
		}
	}
	got := browserRun(t, ctx, chromedp.Evaluate[string](`(() => {
		const e = document.activeElement, s = getComputedStyle(e);
		if (!e.matches(":focus-visible")) return "no visible focus on " + e.tagName;
		if (s.outlineStyle === "none" || parseFloat(s.outlineWidth) < 2) return "no focus outline on " + e.tagName;
		const lum = c => { const v = c.match(/[\d.]+/g).slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
			return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
		const ratio = 1.05 / (lum(s.outlineColor) + 0.05);
		return ratio >= 3 ? "ok" : "focus outline " + s.outlineColor + " contrasts " + ratio.toFixed(2) + ":1 with white";
	})()`))
	if got != "ok" {
		t.Errorf("%s: %s", page, got)
	}
}

// noSideScroll fails the test when the current page is wider than the
// viewport's width in CSS pixels.
func noSideScroll(t *testing.T, ctx context.Context, page string, width int) {
	t.Helper()
	if w := browserRun(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > width {
		t.Errorf("%s scrolls sideways at %d CSS px: scrollWidth %d", page, width, w)
	}
}

// zoomViewports are a 360 px phone and a 1280 px window at 200% zoom (640
// CSS px on a device scale of 2).
var zoomViewports = []struct {
	name          string
	width, height int64
	scale         float64
}{
	{"360 px phone", 360, 740, 1},
	{"200% zoom of 1280 px", 640, 400, 2},
}

// TestBrowserAccessibility runs axe-core (WCAG 2.0/2.1/2.2 A and AA) in
// headless Chromium on the members' and public pages of the real binary:
// home, officer sign-in, resend, the ballot's three steps and its "already
// voted" page, the results, the contract reader (contents, an article in
// redline, tables), the summary of changes, search, a calculator with its
// result and with an error, and the error page. Any serious or critical
// violation fails it. The ballot, results and reader pages must also show
// without sideways scrolling on a 360 px phone and at 200% zoom.
func TestBrowserAccessibility(t *testing.T) {
	bctx := browser(t)
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, "RATIFY_BOOTSTRAP_ADMIN_EMAIL=chair@example.org", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=correct-horse-battery")
	base := "http://" + p.addr
	officer, id, _ := openSampleVote(t, p)
	links := waitForLinks(t, filepath.Join(data, "outbox"), 2)
	ballotURL := base + links[0][strings.Index(links[0], "/v/"):]
	otherBallotURL := base + links[1][strings.Index(links[1], "/v/"):]
	browserDo(t, bctx, chromedp.EmulateViewport(1024, 900))

	// The check itself: axe runs under the pages' CSP and finds a planted
	// violation (an image without a text alternative is critical).
	browserDo(t, bctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	browserDo(t, bctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="/static/none.png">')`))
	res, err := axeRun(bctx)
	if err != nil {
		t.Fatalf("axe under the CSP: %v", err)
	}
	planted := false
	for _, v := range res.Violations {
		planted = planted || (v.ID == "image-alt" && v.Impact == "critical")
	}
	if !planted {
		t.Fatalf("axe did not find the planted image without alt: %+v", res.Violations)
	}

	pages := []struct{ name, path, wait string }{
		{"home", "/", `main h1`},
		{"officer sign-in", "/login", `#password`},
		{"officer sign-in from /officer", "/officer", `#password`},
		{"resend", "/resend", `#email`},
		{"contracts", "/contracts", `main h1`},
		{"reader contents", "/contracts/ace-2021-2024", `.toc`},
		{"reader article, redline", "/contracts/ace-2021-2024?view=redline&part=701", `article`},
		{"reader tables", "/contracts/ace-2021-2024?part=salary-schedules", `table`},
		{"reader appendix", "/contracts/aea-2021-2024?part=105", `article`},
		{"summary of changes", "/contracts/ace-2021-2024/changes", `.change-table`},
		{"search", "/contracts/ace-2021-2024/search?q=sick+leave", `.hits`},
		{"calculators", "/contracts/ace-2021-2024/calculators", `main h1`},
		{"calculator result", "/contracts/ace-2021-2024/calculators/salary?range=D&step=A&year=2021-22&days=230&fte=1", `.working`},
		{"calculator error", "/contracts/ace-2021-2024/calculators/salary?range=D&step=A&year=2021-22&days=230&fte=1.5", `.error-summary`},
		{"not found", "/no-such-page", `main h1`},
	}
	for _, pg := range pages {
		browserDo(t, bctx, chromedp.Navigate(base+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.wait)))
		axeCheck(t, bctx, pg.name)
	}

	// The ballot, step by step.
	browserDo(t, bctx, chromedp.Navigate(ballotURL), chromedp.WaitVisible(chromedp.CSS(`input[name=choice]`)))
	axeCheck(t, bctx, "ballot")
	focusRingContrast(t, bctx, "ballot")
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`input[name=choice][value="Yes"]`)), chromedp.Click(chromedp.CSS(`form.ballot button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.confirm`)))
	axeCheck(t, bctx, "ballot confirm step")
	browserDo(t, bctx, chromedp.Click(chromedp.CSS(`form button.primary`)), chromedp.WaitVisible(chromedp.CSS(`.receipt code`)))
	axeCheck(t, bctx, "ballot receipt")
	receipt := strings.TrimSpace(browserRun(t, bctx, chromedp.Text(chromedp.CSS(`.receipt code`))))
	browserDo(t, bctx, chromedp.Navigate(ballotURL), chromedp.WaitVisible(chromedp.CSS(`main h2`)))
	axeCheck(t, bctx, "ballot already voted")
	// An unchosen ballot, seen on a phone and at 200% zoom.
	for _, vp := range zoomViewports {
		browserDo(t, bctx, chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateScale(vp.scale)),
			chromedp.Navigate(otherBallotURL), chromedp.WaitVisible(chromedp.CSS(`input[name=choice]`)))
		noSideScroll(t, bctx, "the ballot on a "+vp.name, int(vp.width))
		browserDo(t, bctx, chromedp.Click(chromedp.CSS(`input[name=choice][value="No"]`)), chromedp.Click(chromedp.CSS(`form.ballot button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.confirm`)))
		noSideScroll(t, bctx, "the ballot's confirm step on a "+vp.name, int(vp.width))
	}
	browserDo(t, bctx, chromedp.EmulateViewport(1024, 900))

	// The results, once published.
	closeAndPublish(t, officer, id)
	resultsURL := base + "/votes/" + id + "/results?receipt=" + url.QueryEscape(receipt)
	browserDo(t, bctx, chromedp.Navigate(resultsURL), chromedp.WaitVisible(chromedp.CSS(`.found`)))
	axeCheck(t, bctx, "results")

	// No sideways scrolling on a phone or at 200% zoom.
	for _, vp := range zoomViewports {
		browserDo(t, bctx, chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateScale(vp.scale)))
		for _, pg := range []struct{ name, url, wait string }{
			{"the ballot's receipt page (already voted)", ballotURL, `main h2`},
			{"the results", resultsURL, `.found`},
			{"the reader's contents", base + "/contracts/ace-2021-2024", `.toc`},
			{"the reader's salary tables", base + "/contracts/ace-2021-2024?part=salary-schedules", `table`},
			{"the reader's redline", base + "/contracts/ace-2021-2024?view=redline&part=515", `article`},
			{"the summary of changes", base + "/contracts/ace-2021-2024/changes", `.change-table`},
			{"a calculator", base + "/contracts/ace-2021-2024/calculators/overtime", `form.calc`},
		} {
			browserDo(t, bctx, chromedp.Navigate(pg.url), chromedp.WaitVisible(chromedp.CSS(pg.wait)))
			noSideScroll(t, bctx, pg.name+" on a "+vp.name, int(vp.width))
		}
	}
}
