package members

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/errs"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Patch is an officer's manual correction of a member: nil fields are left
// as they are. The next roster import sets the fields its file has again.
type Patch struct {
	FirstName        *string  `json:"first_name"`
	LastName         *string  `json:"last_name"`
	Email            *string  `json:"email"`
	Phone            *string  `json:"phone"`
	Address          *string  `json:"address"`
	City             *string  `json:"city"`
	State            *string  `json:"state"`
	PostalCode       *string  `json:"postal_code"`
	Range            *string  `json:"range"`
	Step             *string  `json:"step"`
	WorkLocation     *string  `json:"work_location"`
	Title            *string  `json:"title"`
	WorkDays         *int     `json:"work_days"`
	FTE              *float64 `json:"fte"`
	HireDate         *string  `json:"hire_date"`
	Status           *string  `json:"status"`
	SeparatedOn      *string  `json:"separated_on"`
	SeparationReason *string  `json:"separation_reason"`
}

// values returns the patched attributes as strings.
func (p Patch) values() map[attr]string {
	v := map[attr]string{}
	put := func(a attr, s *string) {
		if s != nil {
			v[a] = *s
		}
	}
	put(aFirstName, p.FirstName)
	put(aLastName, p.LastName)
	put(aEmail, p.Email)
	put(aPhone, p.Phone)
	put(aAddress, p.Address)
	put(aCity, p.City)
	put(aState, p.State)
	put(aPostalCode, p.PostalCode)
	put(aRange, p.Range)
	put(aStep, p.Step)
	put(aWorkLocation, p.WorkLocation)
	put(aTitle, p.Title)
	put(aHireDate, p.HireDate)
	put(aStatus, p.Status)
	put(aSeparatedOn, p.SeparatedOn)
	put(aSeparationReason, p.SeparationReason)
	if p.WorkDays != nil {
		v[aWorkDays] = strconv.Itoa(*p.WorkDays)
	}
	if p.FTE != nil {
		v[aFTE] = strconv.FormatFloat(*p.FTE, 'f', -1, 64)
	}
	return v
}

// UpdateMember applies an officer's correction to one member and records
// it in the audit log (field names, and the status change; not values that
// are personal data).
func (s *Store) UpdateMember(ctx context.Context, actor audit.Actor, employeeID string, p Patch) (Member, error) {
	m, err := s.FindByID(ctx, employeeID)
	if err != nil {
		return Member{}, err
	}
	old := attrsOf(m)
	a := old
	for x, raw := range p.values() {
		v, err := normalizeAttr(x, raw)
		if err != nil {
			return Member{}, errs.Field(attrNames[x], "%s", err.Error())
		}
		a[x] = v
	}
	if a[aFirstName] == "" && a[aLastName] == "" {
		return Member{}, errs.Field("last_name", "the name is empty")
	}
	if a[aSeparationReason] != "" && a[aSeparatedOn] == "" {
		return Member{}, errs.Field("separated_on", "a reason for separation needs a date of separation")
	}
	changes := a.changes(old)
	if a[aEmail] != old[aEmail] && a[aEmail] != "" {
		if err := s.claimEmail(ctx, a[aEmail], employeeID); err != nil {
			return Member{}, err
		}
	}
	// Mark the roster index entry dirty, write the member, release the old
	// email, then write the entry clean: a retry after a crash converges.
	dirty := digestOf(a)
	dirty.Dirty = true
	if _, err := s.digests.ReplaceOne(ctx, byID(employeeID), dirty, upsert()); err != nil {
		return Member{}, fmt.Errorf("members: update %s: %w", employeeID, err)
	}
	n := a.member()
	n.CreatedAt, n.UpdatedAt = m.CreatedAt, s.Now().UTC()
	if err := bulkWrite(ctx, s.members, []mongo.WriteModel{memberUpsert(n)}); err != nil {
		return Member{}, fmt.Errorf("members: update %s: %w", employeeID, err)
	}
	if a[aEmail] != old[aEmail] && old[aEmail] != "" {
		if err := s.releaseEmail(ctx, old[aEmail], employeeID); err != nil {
			return Member{}, fmt.Errorf("members: update %s: %w", employeeID, err)
		}
	}
	if _, err := s.digests.ReplaceOne(ctx, byID(employeeID), digestOf(a), upsert()); err != nil {
		return Member{}, fmt.Errorf("members: update %s: %w", employeeID, err)
	}
	if len(changes) > 0 {
		detail := map[string]string{"fields": fieldList(changes)}
		if a[aStatus] != old[aStatus] {
			detail["status"] = old[aStatus] + " -> " + a[aStatus]
		}
		if _, err := s.audit.Append(ctx, actor, "member.updated", employeeID, detail); err != nil {
			return Member{}, err
		}
	}
	return n, nil
}

func fieldList(cs []FieldChange) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Field
	}
	return strings.Join(names, ",")
}

// claimEmail points the email index entry of email at id, unless another
// member has that email now.
func (s *Store) claimEmail(ctx context.Context, email, id string) error {
	_, err := s.emails.InsertOne(ctx, emailDoc{ID: email, EmployeeID: id})
	if err == nil || !mongo.IsDuplicateKeyError(err) {
		return err
	}
	var d emailDoc
	if err := s.emails.FindOne(ctx, byID(email)).Decode(&d); err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("members: claim email: %w", err)
	}
	if d.EmployeeID != "" && d.EmployeeID != id {
		owner, err := s.FindByID(ctx, d.EmployeeID)
		if err == nil && owner.Email == email {
			return &errs.Error{Code: errs.Conflict, Field: "email", Err: ErrEmailTaken,
				Message: fmt.Sprintf("%s is the email of employee %s.", email, owner.EmployeeID)}
		}
	}
	_, err = s.emails.ReplaceOne(ctx, byID(email), emailDoc{ID: email, EmployeeID: id}, upsert())
	return err
}
