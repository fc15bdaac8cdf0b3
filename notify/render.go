package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

//go:embed templates
var templateFS embed.FS

// templateNames lists the templates, each made of templates/{name}.txt
// (blocks "subject" and "text") and templates/{name}.html (block "content",
// wrapped by layout.html).
var templateNames = []string{TemplateInvitation, TemplateReminder, TemplateResults, TemplateMeeting, TemplateStatusUpdate}

func knownTemplate(name string) bool { return slices.Contains(templateNames, name) }

// TemplateNames returns the names of the message templates.
func TemplateNames() []string { return slices.Clone(templateNames) }

// dataKeys lists each template's required data keys; optional keys absent
// from a message's data are set to nil so templates can test them.
var dataKeys = map[string]struct{ required, optional []string }{
	TemplateInvitation: {
		[]string{"vote_title", "question", "choices", "closes_at", "link"},
		[]string{"vote_id", "contract_title", "contract_sha256", "summary_url", "opens_at", "meetings", "test"},
	},
	TemplateReminder: {
		[]string{"vote_title", "question", "choices", "closes_at", "link"},
		[]string{"vote_id", "contract_title", "contract_sha256", "summary_url", "opens_at", "meetings", "test"},
	},
	TemplateResults: {
		[]string{"vote_title", "outcome", "choices", "cast", "eligible", "turnout_percent"},
		[]string{"vote_id", "commitment", "results_url", "test"},
	},
	TemplateMeeting: {
		[]string{"title", "starts_at", "ends_at"},
		[]string{"meeting_id", "url", "vote_id", "vote_title", "description", "test"},
	},
	TemplateStatusUpdate: {
		[]string{"title", "body"},
		[]string{"notice_id", "posted_at", "vote_id", "test"},
	},
}

type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

var templates = mustParseTemplates()

var templateFuncs = map[string]any{
	// when: "Wednesday, June 30, 2021 at 5:00 PM AKDT" (times arrive in the union's zone).
	"when":  func(t time.Time) string { return t.Format("Monday, January 2, 2006 at 3:04 PM MST") },
	"day":   func(t time.Time) string { return t.Format("Monday, January 2, 2006") },
	"clock": func(t time.Time) string { return t.Format("3:04 PM MST") },
	"minutes": func(from, to time.Time) int {
		return int(to.Sub(from).Minutes())
	},
	"outcome": func(o any) string {
		switch o {
		case "ratified":
			return "The members ratified the agreement."
		case "rejected":
			return "The members did not ratify the agreement."
		case "quorum_not_met":
			return "Too few members voted for the result to count (quorum not met)."
		}
		return fmt.Sprintf("Outcome: %v.", o)
	},
	// pct shows a percentage given as a string ("92.6") or a number.
	"pct": func(v any) string {
		switch x := v.(type) {
		case float64:
			return strconv.FormatFloat(x, 'f', 1, 64)
		case float32:
			return strconv.FormatFloat(float64(x), 'f', 1, 64)
		}
		return fmt.Sprint(v)
	},
	"paragraphs": func(s string) []string {
		var out []string
		for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	},
}

func mustParseTemplates() map[string]templateSet {
	out := map[string]templateSet{}
	for _, n := range templateNames {
		tt := texttemplate.Must(texttemplate.New(n).Funcs(templateFuncs).Option("missingkey=error").
			ParseFS(templateFS, "templates/common.txt", "templates/"+n+".txt"))
		ht := htmltemplate.Must(htmltemplate.New(n).Funcs(templateFuncs).Option("missingkey=error").
			ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html"))
		out[n] = templateSet{text: tt, html: ht}
	}
	return out
}

// Rendered is a message's subject and bodies.
type Rendered struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// render fills the named template with the message's data, its secrets and
// the outbox's own values (union, base_url, to_name). Times are shown in the
// union's time zone.
func (o *Outbox) render(name string, data map[string]any, secret map[string]string, toName string) (Rendered, error) {
	set, ok := templates[name]
	if !ok {
		return Rendered{}, fmt.Errorf("notify: no template %q", name)
	}
	v := map[string]any{}
	for k, x := range data {
		v[k] = normalize(x, o.cfg.TimeZone)
	}
	for k, x := range secret {
		v[k] = x
	}
	v["union"], v["base_url"], v["to_name"] = o.cfg.Union, o.cfg.BaseURL, toName
	keys := dataKeys[name]
	for _, k := range keys.required {
		if v[k] == nil {
			return Rendered{}, fmt.Errorf("template %s: data %q is missing", name, k)
		}
	}
	for _, k := range keys.optional {
		if _, ok := v[k]; !ok {
			v[k] = nil
		}
	}
	var subj, text, html bytes.Buffer
	if err := set.text.ExecuteTemplate(&subj, "subject", v); err != nil {
		return Rendered{}, fmt.Errorf("template %s: %w", name, err)
	}
	if err := set.text.ExecuteTemplate(&text, "text", v); err != nil {
		return Rendered{}, fmt.Errorf("template %s: %w", name, err)
	}
	if err := set.html.ExecuteTemplate(&html, "layout", v); err != nil {
		return Rendered{}, fmt.Errorf("template %s: %w", name, err)
	}
	return Rendered{
		Subject: strings.Join(strings.Fields(subj.String()), " "),
		Text:    tidyText(text.String()),
		HTML:    html.String(),
	}, nil
}

// tidyText trims trailing spaces and collapses runs of blank lines.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	blank := true
	for _, l := range lines {
		if l != "-- " { // the signature separator keeps its space
			l = strings.TrimRight(l, " \t")
		}
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}

// normalize turns values read back from BSON into plain Go values for the
// templates (documents to maps, arrays to slices, dates to time.Time in
// loc) and moves times given directly to loc.
func normalize(x any, loc *time.Location) any {
	switch v := x.(type) {
	case time.Time:
		return v.In(loc)
	case bson.DateTime:
		return v.Time().In(loc)
	case bson.D:
		m := make(map[string]any, len(v))
		for _, e := range v {
			m[e.Key] = normalize(e.Value, loc)
		}
		return m
	case bson.M:
		return normalize(map[string]any(v), loc)
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = normalize(e, loc)
		}
		return m
	case bson.A:
		return normalize([]any(v), loc)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e, loc)
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e, loc)
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = e
		}
		return out
	}
	return x
}

// Preview renders a template with sample data, for officers.
func (o *Outbox) Preview(name string) (Rendered, error) {
	if !knownTemplate(name) {
		return Rendered{}, ErrUnknownTemplate
	}
	data, secret := SampleData(name, o.cfg.BaseURL, o.cfg.Now())
	return o.render(name, data, secret, "Pat Member")
}

// SampleData returns realistic data for a template, as its callers fill it,
// for previews and tests.
func SampleData(name, baseURL string, now time.Time) (map[string]any, map[string]string) {
	now = now.UTC().Truncate(time.Hour)
	closes := now.Add(7 * 24 * time.Hour)
	meetings := []map[string]any{
		{"title": "Q&A on the tentative agreement", "starts_at": now.Add(48 * time.Hour), "url": "https://meet.example.org/qa-1"},
		{"title": "Second Q&A", "starts_at": now.Add(96 * time.Hour), "url": "https://meet.example.org/qa-2"},
	}
	switch name {
	case TemplateInvitation, TemplateReminder:
		return map[string]any{
			"vote_id": "v-sample", "vote_title": "Ratification of the 2021-2024 ACE agreement",
			"question": "Do you ratify the 2021-2024 collective bargaining agreement?",
			"choices":  []string{"Yes", "No"}, "contract_title": "ACE collective bargaining agreement 2021-2024",
			"contract_sha256": "9f2c1a7e4b6d8c0f3a5e7b9d1c3f5a7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a",
			"summary_url":     baseURL + "/contracts/ace-2021-2024/changes",
			"opens_at":        now, "closes_at": closes, "meetings": meetings, "test": false,
		}, map[string]string{"link": baseURL + "/v/SAMPLE-TOKEN-NOT-VALID"}
	case TemplateResults:
		return map[string]any{
			"vote_id": "v-sample", "vote_title": "Ratification of the 2021-2024 ACE agreement", "outcome": "ratified",
			"choices": []map[string]any{
				{"choice": "Yes", "count": 413, "percent": "92.6"},
				{"choice": "No", "count": 33, "percent": "7.4"},
			},
			"cast": 446, "eligible": 612, "turnout_percent": "72.9",
			"commitment": "3c9a0e5d1b7f2a4c6e8b0d2f4a6c8e0b", "results_url": baseURL + "/votes/v-sample/results", "test": false,
		}, nil
	case TemplateMeeting:
		start := now.Add(48 * time.Hour)
		return map[string]any{
			"meeting_id": "m-sample", "title": "Q&A on the tentative agreement", "starts_at": start,
			"ends_at": start.Add(time.Hour), "url": "https://meet.example.org/qa-1",
			"vote_title":  "Ratification of the 2021-2024 ACE agreement",
			"description": "The negotiating team walks through the changes and answers your questions.",
		}, nil
	case TemplateStatusUpdate:
		return map[string]any{
			"notice_id": "n-sample", "title": "School Board approved the agreement", "posted_at": now,
			"body": "At its meeting the School Board voted unanimously to accept the 2021-2024 agreement.\n\n" +
				"The District is finalising the text; we will send the final copy when the team has reviewed it.",
		}, nil
	}
	return map[string]any{}, nil
}
