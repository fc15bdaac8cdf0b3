package contracts

import (
	"regexp"
	"strings"
)

// idPattern is what a document id must look like: lower-case letters,
// digits and dashes, e.g. "ace-2021-2024".
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$`)

// voteIDPattern limits vote ids to characters that are safe in URLs.
var voteIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// parseFrontMatter reads the lines between the opening and closing "---"
// into d. It returns the index of the first body line.
func (p *parser) parseFrontMatter(lines []string, d *Document) (int, error) {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return 0, lineErr(1, "front_matter", `the file must begin with a front matter block opened by a line "---"`)
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "---" {
			end = i
			break
		}
		if line == "" || strings.HasPrefix(line, "%%") {
			continue
		}
		if strings.HasPrefix(line, "#") {
			return 0, lineErr(i+1, "front_matter", `the front matter is not closed by a line "---" before this heading`)
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return 0, lineErr(i+1, "front_matter", `expected "key: value", got %q`, clip(line))
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if err := p.frontField(d, i+1, key, val); err != nil {
			return 0, err
		}
	}
	if end < 0 {
		return 0, lineErr(len(lines), "front_matter", `the front matter is not closed by a line "---"`)
	}
	switch {
	case d.ID == "":
		return 0, lineErr(1, "front_matter.id", "required")
	case d.Title == "":
		return 0, lineErr(1, "front_matter.title", "required")
	case len(d.Parties) == 0:
		return 0, lineErr(1, "front_matter.party", "at least one party is required")
	case d.Term.Start == "":
		return 0, lineErr(1, "front_matter.term", "required")
	}
	return end + 1, nil
}

// frontField sets one front matter field.
func (p *parser) frontField(d *Document, n int, key, val string) error {
	field := "front_matter." + key
	switch key {
	case "id":
		if d.ID != "" {
			return lineErr(n, field, "given twice")
		}
		if !idPattern.MatchString(val) {
			return lineErr(n, field, "%q is not a valid id: use 3-64 lower-case letters, digits and dashes", clip(val))
		}
		d.ID = val
	case "title":
		if d.Title != "" {
			return lineErr(n, field, "given twice")
		}
		if val == "" {
			return lineErr(n, field, "must not be empty")
		}
		d.Title = val
	case "party":
		if val == "" {
			return lineErr(n, field, "must not be empty")
		}
		d.Parties = append(d.Parties, val)
	case "term":
		if d.Term.Start != "" {
			return lineErr(n, field, "given twice")
		}
		start, end, ok := strings.Cut(val, " to ")
		if !ok {
			return lineErr(n, field, `expected "YYYY-MM-DD to YYYY-MM-DD", got %q`, clip(val))
		}
		start, end = strings.TrimSpace(start), strings.TrimSpace(end)
		s, err1 := ParseDate(start)
		e, err2 := ParseDate(end)
		if err1 != nil || err2 != nil {
			return lineErr(n, field, `expected "YYYY-MM-DD to YYYY-MM-DD", got %q`, clip(val))
		}
		if !s.Before(e) {
			return lineErr(n, field, "the term must start before it ends")
		}
		d.Term = Term{Start: start, End: end}
	case "status":
		ev, err := parseStatusLine(n, val)
		if err != nil {
			return err
		}
		if len(d.Status) > 0 {
			last := d.Status[len(d.Status)-1]
			if ev.Status.Rank() <= last.Status.Rank() {
				return lineErr(n, field, "%s cannot follow %s: a status only moves forward", ev.Status, last.Status)
			}
			if ev.Date != "" {
				for i := len(d.Status) - 1; i >= 0; i-- {
					if d.Status[i].Date != "" {
						if ev.Date < d.Status[i].Date {
							return lineErr(n, field, "date %s is before the %s date %s", ev.Date, d.Status[i].Status, d.Status[i].Date)
						}
						break
					}
				}
			}
		}
		d.Status = append(d.Status, ev)
	case "calculators":
		if _, ok := families[val]; !ok {
			return lineErr(n, field, "unknown calculator family %q (known: %s)", clip(val), strings.Join(familyNames(), ", "))
		}
		d.Calculators = val
	case "note":
		if val != "" {
			d.Notes = append(d.Notes, val)
		}
	default:
		return lineErr(n, "front_matter", "unknown field %q (fields: id, title, party, term, status, calculators, note)", clip(key))
	}
	return nil
}

// parseStatusLine parses "<status> [YYYY-MM-DD] [vote=<id>] [-- note]".
func parseStatusLine(n int, val string) (StatusEvent, error) {
	const field = "front_matter.status"
	var ev StatusEvent
	head, note, _ := strings.Cut(val, "--")
	ev.Note = strings.TrimSpace(note)
	words := strings.Fields(head)
	if len(words) == 0 {
		return ev, lineErr(n, field, "must name a status")
	}
	ev.Status = Status(words[0])
	if ev.Status.Rank() < 0 {
		names := make([]string, len(statusOrder))
		for i, s := range statusOrder {
			names[i] = string(s)
		}
		return ev, lineErr(n, field, "unknown status %q (statuses in order: %s)", clip(words[0]), strings.Join(names, ", "))
	}
	for _, w := range words[1:] {
		switch {
		case strings.HasPrefix(w, "vote="):
			ev.VoteID = strings.TrimPrefix(w, "vote=")
			if !voteIDPattern.MatchString(ev.VoteID) {
				return ev, lineErr(n, field, "vote id %q is not valid", clip(ev.VoteID))
			}
		case ev.Date == "":
			if _, err := ParseDate(w); err != nil {
				return ev, lineErr(n, field, "%q is not a date (YYYY-MM-DD)", clip(w))
			}
			ev.Date = w
		default:
			return ev, lineErr(n, field, "unexpected %q (write a note after \"--\")", clip(w))
		}
	}
	if ev.Status == StatusRatified && ev.VoteID == "" {
		return ev, lineErr(n, field, "a ratified status must name its vote: vote=<id>")
	}
	if ev.VoteID != "" && ev.Status != StatusRatified && ev.Status != StatusOutForVote {
		return ev, lineErr(n, field, "only out_for_vote and ratified take a vote id")
	}
	return ev, nil
}

// clip shortens text quoted back in an error message.
func clip(s string) string {
	const max = 60
	r := []rune(s)
	if len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
