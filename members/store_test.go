package members_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"github.com/ratifyhq/ratify/members"
)

func TestEligibleAt(t *testing.T) {
	anchorage, _ := time.LoadLocation("America/Anchorage")
	// 2026-11-24 23:30 in Anchorage is already the 25th in UTC.
	now := time.Date(2026, 11, 25, 8, 30, 0, 0, time.UTC)
	cases := []struct {
		name string
		m    members.Member
		want bool
	}{
		{"Member", members.Member{Status: members.StatusMember, Email: "a@example.org"}, true},
		{"FeePayer", members.Member{Status: members.StatusFeePayer, Email: "a@example.org"}, false},
		{"NonMember", members.Member{Status: members.StatusNonMember, Email: "a@example.org"}, false},
		{"NoEmail", members.Member{Status: members.StatusMember}, false},
		{"InvalidEmail", members.Member{Status: members.StatusMember, Email: "a@localhost"}, false},
		{"SeparatedBefore", members.Member{Status: members.StatusMember, Email: "a@example.org", Separated: true, SeparatedOn: "2026-11-01"}, false},
		{"SeparatedToday", members.Member{Status: members.StatusMember, Email: "a@example.org", Separated: true, SeparatedOn: "2026-11-24"}, false},
		{"SeparatingTomorrow", members.Member{Status: members.StatusMember, Email: "a@example.org", Separated: true, SeparatedOn: "2026-11-25"}, true},
		{"SeparatedWithoutDate", members.Member{Status: members.StatusMember, Email: "a@example.org", Separated: true}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.EligibleAt(now, anchorage); got != tc.want {
				t.Fatalf("EligibleAt = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEligibleFromRoster(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	importOK(t, e, sampleRoster(t), members.ImportOptions{})
	got, err := e.s.Eligible(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 17 members in the sample, less one without email (100278) and one
	// separated on 2026-10-31 (100334).
	if len(got) != 15 {
		t.Fatalf("eligible = %d, want 15", len(got))
	}
	for _, el := range got {
		if el.EmployeeID == "100278" || el.EmployeeID == "100334" || el.Email == "" || el.Name == "" {
			t.Fatalf("not eligible, or incomplete: %+v", el)
		}
	}
	if el, ok, err := e.s.IsEligible(ctx, "100201"); err != nil || !ok || el.Email != "avery.aldana@example.org" || el.Name != "Avery Aldana" {
		t.Fatalf("IsEligible(100201) = %+v %v %v", el, ok, err)
	}
	for _, id := range []string{"100208", "100278", "100334", "nobody"} { // fee payer, no email, separated, unknown
		if _, ok, err := e.s.IsEligible(ctx, id); ok || err != nil {
			t.Fatalf("IsEligible(%s) = %v %v", id, ok, err)
		}
	}
	// A manual status change takes effect at once.
	if _, err := e.s.UpdateMember(ctx, officer, "100208", members.Patch{Status: ptr("Member")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.Eligible(ctx); len(got) != 16 {
		t.Fatalf("after making a fee payer a member: %d eligible", len(got))
	}
}

func TestUpdateMember(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	importOK(t, e, sampleRoster(t), members.ImportOptions{})
	m, err := e.s.UpdateMember(ctx, officer, "100201", members.Patch{Email: ptr(" Avery@Example.org "), Status: ptr("fee_payer"), WorkDays: ptr(200)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Email != "avery@example.org" || m.Status != members.StatusFeePayer || m.WorkDays != 200 {
		t.Fatalf("%+v", m)
	}
	if got, err := e.s.FindByEmail(ctx, "avery@example.org"); err != nil || got.EmployeeID != "100201" || got.WorkDays != 200 {
		t.Fatalf("FindByEmail new: %v %+v", err, got)
	}
	if _, err := e.s.FindByEmail(ctx, "avery.aldana@example.org"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("FindByEmail old: %v", err)
	}
	entries, _ := e.log.List(ctx, audit.Filter{Object: "100201"})
	if len(entries) != 1 || entries[0].Action != "member.updated" || entries[0].Detail["fields"] != "email,work_days,status" ||
		entries[0].Detail["status"] != "member -> fee_payer" {
		t.Fatalf("audit: %+v", entries)
	}
	// Another member's address: 409 naming the field.
	_, err = e.s.UpdateMember(ctx, officer, "100208", members.Patch{Email: ptr("avery@example.org")})
	if ee, ok := errs.As(err); !ok || ee.Code != errs.Conflict || ee.Field != "email" || !errors.Is(err, members.ErrEmailTaken) {
		t.Fatalf("taken email: %v", err)
	}
	// Invalid values: 422 naming the field, nothing written.
	for _, p := range []members.Patch{{Email: ptr("nope")}, {Status: ptr("chair")}, {HireDate: ptr("yesterday")}, {FTE: ptr(3.0)}} {
		_, err := e.s.UpdateMember(ctx, officer, "100208", p)
		if ee, ok := errs.As(err); !ok || ee.Code != errs.Invalid || ee.Field == "" {
			t.Fatalf("patch %+v: %v", p, err)
		}
	}
	if m := find(t, e, "100208"); m.Email != "jordan.birchwood@example.org" {
		t.Fatalf("a refused patch wrote: %+v", m)
	}
	if _, err := e.s.UpdateMember(ctx, officer, "nobody", members.Patch{}); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("unknown member: %v", err)
	}
	// The next import restores the district's values.
	r := importOK(t, e, sampleRoster(t), members.ImportOptions{})
	if r.Counts.Updated != 1 || find(t, e, "100201").Email != "avery.aldana@example.org" {
		t.Fatalf("re-import after a manual edit: %+v", r.Counts)
	}
}

func TestList(t *testing.T) {
	e := newStore(t)
	ctx := context.Background()
	importOK(t, e, sampleRoster(t), members.ImportOptions{})
	cases := []struct {
		f     members.ListFilter
		total int
		first string
	}{
		{members.ListFilter{}, 25, "100201"},
		{members.ListFilter{Status: "fee_payer"}, 4, ""},
		{members.ListFilter{Status: "separated"}, 1, "100334"},
		{members.ListFilter{Query: "ALDANA"}, 1, "100201"},
		{members.ListFilter{Query: "jordan.birchwood@"}, 1, "100208"},
		{members.ListFilter{Query: "10020"}, 2, "100201"},
		{members.ListFilter{WorkLocation: "central office"}, -1, ""},
	}
	for _, tc := range cases {
		p, err := e.s.List(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if tc.total >= 0 && p.Total != tc.total {
			t.Fatalf("%+v: total %d, want %d", tc.f, p.Total, tc.total)
		}
		if tc.first != "" && p.Members[0].EmployeeID != tc.first {
			t.Fatalf("%+v: first %s, want %s", tc.f, p.Members[0].EmployeeID, tc.first)
		}
		for _, m := range p.Members {
			if tc.f.WorkLocation != "" && m.WorkLocation != "Central Office" {
				t.Fatalf("location filter let %+v through", m)
			}
			if m.CreatedAt.IsZero() {
				t.Fatalf("list returned a partial member: %+v", m)
			}
		}
	}
	p, _ := e.s.List(ctx, members.ListFilter{Limit: 10, Offset: 20})
	if len(p.Members) != 5 || p.Total != 25 || p.Members[4].LastName != "Zamorano" {
		t.Fatalf("last page: %d members, total %d", len(p.Members), p.Total)
	}
}
