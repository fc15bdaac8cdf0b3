package members

import (
	"context"
	"sort"
	"strings"
)

// ListFilter selects members for List. Empty fields match everyone.
type ListFilter struct {
	// Status is a membership status, or "separated" for separated members
	// and "current" for those who are not.
	Status       string
	WorkLocation string // exact, case-insensitive
	Range        string // exact, case-insensitive
	// Query matches a substring of the name, email or employee id.
	Query         string
	Limit, Offset int
}

// Page is one page of a member list.
type Page struct {
	Members []Member `json:"members"`
	Total   int      `json:"total"`
	Limit   int      `json:"limit"`
	Offset  int      `json:"offset"`
}

// List returns the members matching f, ordered by last name, first name
// and employee id, one page at a time (at most 200 per page).
func (s *Store) List(ctx context.Context, f ListFilter) (Page, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	f.Offset = max(f.Offset, 0)
	q := strings.ToLower(strings.TrimSpace(f.Query))
	var hits []attrs
	err := s.eachMember(ctx, func(a attrs) {
		if matches(a, f, q) {
			hits = append(hits, a)
		}
	})
	if err != nil {
		return Page{}, err
	}
	sort.Slice(hits, func(i, j int) bool {
		x, y := hits[i], hits[j]
		if lx, ly := strings.ToLower(x[aLastName]), strings.ToLower(y[aLastName]); lx != ly {
			return lx < ly
		}
		if fx, fy := strings.ToLower(x[aFirstName]), strings.ToLower(y[aFirstName]); fx != fy {
			return fx < fy
		}
		return x[aEmployeeID] < y[aEmployeeID]
	})
	p := Page{Members: []Member{}, Total: len(hits), Limit: f.Limit, Offset: f.Offset}
	for i := f.Offset; i < len(hits) && i < f.Offset+f.Limit; i++ {
		m, err := s.FindByID(ctx, hits[i][aEmployeeID])
		if err != nil {
			m = hits[i].member() // the index is ahead of a document being written
		}
		p.Members = append(p.Members, m)
	}
	return p, nil
}

func matches(a attrs, f ListFilter, q string) bool {
	switch f.Status {
	case "":
	case "separated":
		if a[aSeparatedOn] == "" {
			return false
		}
	case "current":
		if a[aSeparatedOn] != "" {
			return false
		}
	default:
		if a[aStatus] != f.Status {
			return false
		}
	}
	if f.WorkLocation != "" && !strings.EqualFold(a[aWorkLocation], f.WorkLocation) {
		return false
	}
	if f.Range != "" && !strings.EqualFold(a[aRange], f.Range) {
		return false
	}
	if q == "" {
		return true
	}
	return strings.Contains(strings.ToLower(a[aFirstName]+" "+a[aLastName]), q) ||
		strings.Contains(strings.ToLower(a[aLastName]+", "+a[aFirstName]), q) ||
		strings.Contains(a[aEmail], q) || strings.Contains(strings.ToLower(a[aEmployeeID]), q)
}
