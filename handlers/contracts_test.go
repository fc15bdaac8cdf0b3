package handlers_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/handlers"
)

// contractServer is a server with the embedded agreements and no store.
func contractServer(t *testing.T) *handlers.Server {
	t.Helper()
	s, err := handlers.New(handlers.Config{Contracts: contracts.MustLoad(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// contractResponse is a response with its body read (and unzipped).
type contractResponse struct {
	*http.Response
	Body string
	Wire int // bytes on the wire
}

// contractCall sends a request; page requests ask for HTML as browsers do.
func contractCall(t *testing.T, s *handlers.Server, method, target, contentType, body string, headers ...string) contractResponse {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if !strings.HasPrefix(target, "/api/") {
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := s.App().Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := contractResponse{Response: res, Body: string(raw), Wire: len(raw)}
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		out.Body = string(b)
	}
	return out
}

// contractWantError checks the one JSON error shape.
func contractWantError(t *testing.T, r contractResponse, status int, code, field string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", r.StatusCode, status, r.Body)
	}
	var e struct {
		Error struct{ Code, Message, Field string }
	}
	if err := json.Unmarshal([]byte(r.Body), &e); err != nil {
		t.Fatalf("not a JSON error: %s", r.Body)
	}
	if e.Error.Code != code || e.Error.Field != field || e.Error.Message == "" {
		t.Errorf("error %+v, want code %s field %q", e.Error, code, field)
	}
}

func contractWant(t *testing.T, body string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(body, f) {
			t.Errorf("body lacks %q", f)
		}
	}
}

func TestContractAPI(t *testing.T) {
	s := contractServer(t)
	tests := []struct {
		name, method, target, contentType, body string
		status                                  int
		fragments                               []string
	}{
		{"List", "GET", "/api/v1/contracts", "", "", 200, []string{`"id":"ace-2021-2024"`, `"id":"aea-2021-2024"`, `"status":{"status":"signed","date":"2021-09-13"`}},
		{"Contract", "GET", "/api/v1/contracts/ace-2021-2024", "", "", 200, []string{`"sha256":"`, `"anchor":"601-B"`, `"kind":"deleted"`}},
		{"Article", "GET", "/api/v1/contracts/ace-2021-2024/articles/601", "", "", 200, []string{`"title":"SICK LEAVE"`, `"anchor":"601-A"`}},
		{"Appendix", "GET", "/api/v1/contracts/ace-2021-2024/articles/appendix-I", "", "", 200, []string{`"kind":"appendix"`}},
		{"Search", "GET", "/api/v1/contracts/ace-2021-2024/search?q=sick+leave+bank", "", "", 200, []string{`"url":"/contracts/ace-2021-2024?at=602`, `"match":true`}},
		{"Changes", "GET", "/api/v1/contracts/ace-2021-2024/changes", "", "", 200, []string{`"old":"$1645"`, `"new":"$1695"`, `"article":"701"`}},
		{"Calculators", "GET", "/api/v1/contracts/aea-2021-2024/calculators", "", "", 200, []string{`"name":"teacher_salary"`, `"inputs":[`}},
		{"Calculate", "POST", "/api/v1/contracts/ace-2021-2024/calculators/salary", "application/json",
			`{"range":"D","step":"A","year":"2021-22","days":230,"fte":1}`, 200,
			[]string{`"annual_salary":43575.80`, `"monthly_payment":3631.32`, `"working":[`, `"citations":["`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := contractCall(t, s, tt.method, tt.target, tt.contentType, tt.body)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.300s", r.StatusCode, tt.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			contractWant(t, r.Body, tt.fragments...)
		})
	}
}

func TestContractAPIErrors(t *testing.T) {
	s := contractServer(t)
	tests := []struct {
		name, method, target, contentType, body string
		status                                  int
		code, field                             string
	}{
		{"ErrUnknownContract", "GET", "/api/v1/contracts/nope-2020", "", "", 404, "not_found", ""},
		{"ErrUnknownArticle", "GET", "/api/v1/contracts/ace-2021-2024/articles/999", "", "", 404, "not_found", ""},
		{"ErrEmptySearch", "GET", "/api/v1/contracts/ace-2021-2024/search?q=", "", "", 422, "invalid", "q"},
		{"ErrFTE", "POST", "/api/v1/contracts/ace-2021-2024/calculators/salary", "application/json",
			`{"range":"D","step":"A","year":"2021-22","days":230,"fte":1.5}`, 422, "invalid", "fte"},
		{"ErrStepBeyondRange", "POST", "/api/v1/contracts/ace-2021-2024/calculators/salary", "application/json",
			`{"range":"D","step":"W","year":"2021-22","days":230}`, 422, "invalid", "step"},
		{"ErrYearOutsideTerm", "POST", "/api/v1/contracts/ace-2021-2024/calculators/salary", "application/json",
			`{"range":"D","step":"A","year":"2024-25","days":230}`, 422, "invalid", "year"},
		{"ErrNegativeHours", "POST", "/api/v1/contracts/ace-2021-2024/calculators/overtime", "application/json",
			`{"range":"A","step":"A","year":"2021-22","hours":[8,-1,8,8,8,0,0]}`, 422, "invalid", "hours[1]"},
		{"ErrMalformedJSON", "POST", "/api/v1/contracts/ace-2021-2024/calculators/salary", "application/json", `{"range":`, 400, "bad_request", ""},
		{"ErrFormBody", "POST", "/api/v1/contracts/ace-2021-2024/calculators/salary", "application/x-www-form-urlencoded", `range=D`, 415, "unsupported", ""},
		{"ErrUnknownCalculator", "POST", "/api/v1/contracts/ace-2021-2024/calculators/horoscope", "application/json", `{}`, 404, "not_found", ""},
		{"ErrOfficerRoutesAbsent", "POST", "/api/v1/contracts", "text/markdown", "---", 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			contractWantError(t, contractCall(t, s, tt.method, tt.target, tt.contentType, tt.body), tt.status, tt.code, tt.field)
		})
	}
}

// contractNoInline checks that a page obeys the CSP: no inline script or style.
func contractNoInline(t *testing.T, r contractResponse) {
	t.Helper()
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("CSP %q", r.Header.Get("Content-Security-Policy"))
	}
	if regexp.MustCompile(`(?i)<style|\sstyle=|\son[a-z]+=`).MatchString(r.Body) {
		t.Error("the page has inline script or style")
	}
	for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(r.Body, -1) {
		if !strings.Contains(tag, ` src="/static/`) {
			t.Errorf("the page has an inline script: %s", tag)
		}
	}
}

func TestContractReaderPage(t *testing.T) {
	s := contractServer(t)
	// The contents page: every article and appendix, linked to its own page.
	toc := contractCall(t, s, "GET", "/contracts/ace-2021-2024", "", "", "Accept-Encoding", "gzip")
	if toc.StatusCode != 200 || !strings.HasPrefix(toc.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d %s", toc.StatusCode, toc.Header.Get("Content-Type"))
	}
	contractNoInline(t, toc)
	contractWant(t, toc.Body,
		`href="/contracts/ace-2021-2024?part=601"`, `href="/contracts/ace-2021-2024?part=801#801-G"`,
		`href="/contracts/ace-2021-2024?part=appendix-I"`,
		`were supplied by the editor`, // the editor's marks, explained
		`href="/contracts/ace-2021-2024?view=redline"`, `<code class="hash">`,
	)
	if strings.Contains(toc.Body, `<article`) {
		t.Error("the contents page holds the text of an article")
	}
	contractUniqueIDs(t, toc.Body)

	// An article's page: its sections, tables and the links around it.
	clean := contractCall(t, s, "GET", "/contracts/ace-2021-2024?part=601", "", "")
	if clean.StatusCode != 200 {
		t.Fatalf("status %d: %.300s", clean.StatusCode, clean.Body)
	}
	contractNoInline(t, clean)
	contractWant(t, clean.Body,
		`<section id="601-B">`, `href="#601-B"`, `<article id="601" class="agreement">`,
		`<h1><a class="label" href="#601">Article 601</a> SICK LEAVE</h1>`,
		`rel="prev" href="/contracts/ace-2021-2024?part=600"`, `rel="next" href="/contracts/ace-2021-2024?part=602"`,
		`href="/contracts/ace-2021-2024?view=redline&amp;part=601">Show the changes (redline)`,
		`action="/contracts/ace-2021-2024/search"`,
	)
	contractUniqueIDs(t, clean.Body)
	sched := contractCall(t, s, "GET", "/contracts/ace-2021-2024?part=salary-schedules", "", "")
	contractWant(t, sched.Body, `<caption id="salary-2021-22-a-k-cap">`, `<th scope="col">`, `<th scope="row">`)
	contractUniqueIDs(t, sched.Body)
	if !strings.Contains(sched.Body, `rel="prev"`) {
		t.Error("the salary schedules page links to no article before it")
	}
	art701 := contractCall(t, s, "GET", "/contracts/ace-2021-2024?part=701", "", "")
	contractWant(t, art701.Body, `$1695`)
	if strings.Contains(art701.Body, "<del") || strings.Contains(art701.Body, "$1645") {
		t.Error("the clean view shows deleted wording")
	}
	red := contractCall(t, s, "GET", "/contracts/ace-2021-2024?view=redline&part=701", "", "")
	contractUniqueIDs(t, red.Body)
	contractNoInline(t, red)
	contractWant(t, red.Body, `<del id="change-38">$1645 </del><ins>$1695</ins>`, `Redline view:`,
		`struck through`, `href="/contracts/ace-2021-2024?part=701">Show the clean text`, `class="agreement redline"`,
		`rel="next" href="/contracts/ace-2021-2024?view=redline&amp;part=`)

	// Every change has its id on exactly one page of the redline view, and
	// every page is small.
	redToc := contractCall(t, s, "GET", "/contracts/ace-2021-2024?view=redline", "", "")
	changes := 0
	parts := regexp.MustCompile(`href="(/contracts/ace-2021-2024\?view=redline&amp;part=[^"#]+)"`).FindAllStringSubmatch(redToc.Body, -1)
	if len(parts) < 50 {
		t.Fatalf("the redline contents links to %d pages", len(parts))
	}
	seen := map[string]bool{}
	for _, m := range parts {
		target := strings.ReplaceAll(m[1], "&amp;", "&")
		if seen[target] {
			continue
		}
		seen[target] = true
		r := contractCall(t, s, "GET", target, "", "", "Accept-Encoding", "gzip")
		if r.StatusCode != 200 {
			t.Fatalf("%s: status %d", target, r.StatusCode)
		}
		changes += strings.Count(r.Body, `id="change-`)
		if len(r.Body) > 100<<10 {
			t.Errorf("%s weighs %d bytes, over 100 KB", target, len(r.Body))
		}
	}
	if changes != 43 {
		t.Errorf("%d changes have an id, want 43", changes)
	}

	// ?at= finds the page of any anchor; an unknown part is a 404.
	for at, want := range map[string]string{
		"?at=601-B":                  "/contracts/ace-2021-2024?part=601#601-B",
		"?at=601":                    "/contracts/ace-2021-2024?part=601",
		"?at=salary-2021-22-a-k":     "/contracts/ace-2021-2024?part=salary-schedules#salary-2021-22-a-k",
		"?view=redline&at=change-38": "/contracts/ace-2021-2024?view=redline&part=701#change-38",
		"?at=change-38":              "/contracts/ace-2021-2024?part=701",
		"?at=no-such-anchor":         "/contracts/ace-2021-2024",
	} {
		r := contractCall(t, s, "GET", "/contracts/ace-2021-2024"+at, "", "")
		if r.StatusCode != 303 || r.Header.Get("Location") != want {
			t.Errorf("%s: %d to %q, want 303 to %q", at, r.StatusCode, r.Header.Get("Location"), want)
		}
	}
	if r := contractCall(t, s, "GET", "/contracts/ace-2021-2024?part=999", "", ""); r.StatusCode != 404 || !strings.Contains(r.Body, `has no article or appendix &#34;999&#34;`) {
		t.Errorf("unknown part: %d %.300s", r.StatusCode, r.Body)
	}
}

// contractUniqueIDs checks that no element id is used twice, so that every deep
// link has one target.
func contractUniqueIDs(t *testing.T, body string) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if seen[m[1]] {
			t.Errorf("id %q is used twice", m[1])
		}
		seen[m[1]] = true
	}
}

func TestContractPages(t *testing.T) {
	s := contractServer(t)
	tests := []struct {
		name, target string
		status       int
		fragments    []string
	}{
		{"List", "/contracts", 200, []string{`href="/contracts/ace-2021-2024"`, `Final signed`, `Tentative agreement`, `July 1, 2021 to June 30, 2024`}},
		{"Search", "/contracts/ace-2021-2024/search?q=jury+duty", 200, []string{`<mark>jury</mark>`, `href="/contracts/ace-2021-2024?part=607#607`, `>Article 607 A · JURY DUTY AND LEGAL PROCEEDINGS</a>`, `value="jury duty"`}},
		{"SearchForm", "/contracts/ace-2021-2024/search", 200, []string{`<form class="search"`}},
		{"SearchNothing", "/contracts/ace-2021-2024/search?q=xylophone", 200, []string{`Nothing found`}},
		{"ErrSearchTooLong", "/contracts/ace-2021-2024/search?q=" + strings.Repeat("a", 201), 422, []string{`class="error"`, `longer than 200`}},
		{"Changes", "/contracts/ace-2021-2024/changes", 200, []string{`43 changes`, `<h2 id="g-701"><a href="/contracts/ace-2021-2024?part=701">Article 701</a>`,
			`href="/contracts/ace-2021-2024?view=redline&amp;part=701#change-38">Article 701 A</a>`, `<del>$1645</del>`, `<ins>$1695</ins>`, `Letter of Agreement`}},
		{"Calculators", "/contracts/ace-2021-2024/calculators", 200, []string{`href="/contracts/ace-2021-2024/calculators/overtime"`, `Sick leave cash-out`}},
		{"ErrUnknownContract", "/contracts/nope-2020", 404, []string{`Reference:`}},
		{"ErrUnknownCalculatorPage", "/contracts/aea-2021-2024/calculators/overtime", 404, []string{`Reference:`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := contractCall(t, s, "GET", tt.target, "", "")
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.500s", r.StatusCode, tt.status, r.Body)
			}
			contractNoInline(t, r)
			contractWant(t, r.Body, tt.fragments...)
		})
	}
}

func TestCalculatorForm(t *testing.T) {
	s := contractServer(t)
	base := "/contracts/ace-2021-2024/calculators/"
	tests := []struct {
		name, target string
		status       int
		fragments    []string
		absent       []string
	}{
		{"Blank", base + "salary", 200, []string{`<form class="calc" method="get" action="/contracts/ace-2021-2024/calculators/salary">`, `<select id="in-step" name="step"`, `<label for="in-fte">FTE`},
			[]string{`Working`, `Please correct`}},
		{"Salary", base + "salary?range=D&step=A&year=2021-22&days=230&fte=1", 200,
			[]string{`<dt>Annual salary</dt><dd>$43,575.80</dd>`, `<dt>Monthly payment</dt><dd>$3,631.32</dd>`, `<ol class="working">`,
				`<a href="/contracts/ace-2021-2024?at=801-B">Article 801 B</a>`, `<option selected>D</option>`, `value="230"`,
				`<a href="/contracts/ace-2021-2024?at=salary-2021-22-a-k">Salary Schedules 2021-2024 (2021-22)</a>`}, nil},
		{"Overtime", base + "overtime?range=A&step=A&year=2021-22&hours=10&hours=10&hours=10&hours=10&hours=8&hours=&hours=13&seventh_day=true&call_backs=2:1", 200,
			[]string{`<dt>Total pay</dt><dd>$1,718.64</dd>`, `<caption>Days</caption>`, `<th scope="row">Sunday</th>`, `value="13"`, `checked`, `value="2:1"`}, nil},
		{"Deadline", base + "deadlines?rule=grievance_filing&date=2021-11-15", 200, []string{`<dt>Due date</dt><dd>December 15, 2021</dd>`, `type="date"`}, nil},
		{"ErrFTE", base + "salary?range=D&step=A&year=2021-22&days=230&fte=1.5", 422,
			[]string{`<p class="error" id="e-fte">`, `aria-invalid="true"`, `<a href="#in-fte">FTE:`, `value="1.5"`}, []string{`<ol class="working">`}},
		{"ErrNotANumber", base + "salary?range=D&step=A&year=2021-22&days=many", 422, []string{`<p class="error" id="e-days">`}, nil},
		{"ErrCallBacks", base + "overtime?range=A&step=A&year=2021-22&hours=8&call_backs=Tuesday", 422, []string{`<p class="error" id="e-call_backs">`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := contractCall(t, s, "GET", tt.target, "", "")
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, tt.status, r.Body)
			}
			contractNoInline(t, r)
			contractWant(t, r.Body, tt.fragments...)
			for _, a := range tt.absent {
				if strings.Contains(r.Body, a) {
					t.Errorf("body holds %q", a)
				}
			}
		})
	}
}

// BenchmarkContractPage times the reader's pages of the ACE agreement (its
// contents and its largest article page) and reports their size, raw and
// compressed.
func BenchmarkContractPage(b *testing.B) {
	for _, target := range []string{"/contracts/ace-2021-2024", "/contracts/ace-2021-2024?part=salary-schedules", "/contracts/ace-2021-2024?view=redline&part=701", "/contracts/aea-2021-2024", "/contracts/ace-2021-2024/changes", "/contracts/ace-2021-2024/calculators/salary?job_title=Accountant&step=C&year=2022-23"} {
		b.Run(strings.TrimPrefix(target, "/contracts/"), func(b *testing.B) {
			s, err := handlers.New(handlers.Config{Contracts: contracts.MustLoad(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			var raw, wire int
			ds := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest("GET", target, nil)
				req.Header.Set("Accept", "text/html")
				req.Header.Set("Accept-Encoding", "gzip")
				start := time.Now()
				res, err := s.App().Test(req, -1)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				ds = append(ds, time.Since(start))
				wire = len(body)
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				plain, _ := io.ReadAll(zr)
				raw = len(plain)
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(raw)/1024, "KB-raw")
			b.ReportMetric(float64(wire)/1024, "KB-gzip")
		})
	}
}

// BenchmarkContractAPI times a calculator call and a search through HTTP.
func BenchmarkContractAPI(b *testing.B) {
	s, err := handlers.New(handlers.Config{Contracts: contracts.MustLoad(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	calls := []struct{ name, method, target, body string }{
		{"Calculate/overtime", "POST", "/api/v1/contracts/ace-2021-2024/calculators/overtime",
			`{"range":"B","step":"C","year":"2022-23","hours":[10,10,14,8,8,4,6],"seventh_day":true,"call_backs":[{"day":2,"hours":1}]}`},
		{"Search/employee", "GET", "/api/v1/contracts/ace-2021-2024/search?q=employee", ""},
	}
	for _, call := range calls {
		b.Run(call.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(call.method, call.target, strings.NewReader(call.body))
				req.Header.Set("Content-Type", "application/json")
				start := time.Now()
				res, err := s.App().Test(req, -1)
				if err != nil || res.StatusCode != 200 {
					b.Fatal(res.StatusCode, err)
				}
				io.Copy(io.Discard, res.Body)
				ds = append(ds, time.Since(start))
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
