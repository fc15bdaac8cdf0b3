package members

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// attrs is a member's roster attributes in their stored string forms,
// indexed by attr. Imports compare and write members in this form.
type attrs [numAttrs]string

// attrsOf returns m's attributes.
func attrsOf(m Member) attrs {
	var a attrs
	a[aEmployeeID], a[aFirstName], a[aLastName], a[aEmail] = m.EmployeeID, m.FirstName, m.LastName, m.Email
	a[aPhone], a[aAddress], a[aCity], a[aState], a[aPostalCode] = m.Phone, m.Address, m.City, m.State, m.PostalCode
	a[aRange], a[aStep], a[aWorkLocation], a[aTitle] = m.Range, m.Step, m.WorkLocation, m.Title
	if m.WorkDays != 0 {
		a[aWorkDays] = strconv.Itoa(m.WorkDays)
	}
	if m.FTE != 0 {
		a[aFTE] = strconv.FormatFloat(m.FTE, 'f', -1, 64)
	}
	a[aHireDate], a[aSeparatedOn], a[aSeparationReason] = m.HireDate, m.SeparatedOn, m.SeparationReason
	a[aStatus] = string(m.Status)
	return a
}

// member returns the Member with attributes a (no timestamps).
func (a attrs) member() Member {
	m := Member{
		EmployeeID: a[aEmployeeID], FirstName: a[aFirstName], LastName: a[aLastName], Email: a[aEmail],
		Phone: a[aPhone], Address: a[aAddress], City: a[aCity], State: a[aState], PostalCode: a[aPostalCode],
		Range: a[aRange], Step: a[aStep], WorkLocation: a[aWorkLocation], Title: a[aTitle],
		HireDate: a[aHireDate], SeparatedOn: a[aSeparatedOn], SeparationReason: a[aSeparationReason],
		Status: Status(a[aStatus]), Separated: a[aSeparatedOn] != "",
	}
	m.WorkDays, _ = strconv.Atoi(a[aWorkDays])
	m.FTE, _ = strconv.ParseFloat(a[aFTE], 64)
	return m
}

// changes lists the attributes that differ from old to a.
func (a attrs) changes(old attrs) []FieldChange {
	var out []FieldChange
	for i := range a {
		if a[i] != old[i] {
			out = append(out, FieldChange{Field: attrNames[i], From: old[i], To: a[i]})
		}
	}
	return out
}

// memberDoc is a member as stored in the members collection.
type memberDoc struct {
	ID               string    `bson:"_id"`
	FirstName        string    `bson:"first_name"`
	LastName         string    `bson:"last_name"`
	Email            string    `bson:"email"`
	Phone            string    `bson:"phone,omitempty"`
	Address          string    `bson:"address,omitempty"`
	City             string    `bson:"city,omitempty"`
	State            string    `bson:"state,omitempty"`
	PostalCode       string    `bson:"postal_code,omitempty"`
	Range            string    `bson:"range,omitempty"`
	Step             string    `bson:"step,omitempty"`
	WorkLocation     string    `bson:"work_location,omitempty"`
	Title            string    `bson:"title,omitempty"`
	WorkDays         int       `bson:"work_days,omitempty"`
	FTE              float64   `bson:"fte,omitempty"`
	HireDate         string    `bson:"hire_date,omitempty"`
	Status           string    `bson:"status"`
	Separated        bool      `bson:"separated"`
	SeparatedOn      string    `bson:"separated_on,omitempty"`
	SeparationReason string    `bson:"separation_reason,omitempty"`
	CreatedAt        time.Time `bson:"created_at"`
	UpdatedAt        time.Time `bson:"updated_at"`
}

func docOf(m Member) memberDoc {
	return memberDoc{
		ID: m.EmployeeID, FirstName: m.FirstName, LastName: m.LastName, Email: m.Email,
		Phone: m.Phone, Address: m.Address, City: m.City, State: m.State, PostalCode: m.PostalCode,
		Range: m.Range, Step: m.Step, WorkLocation: m.WorkLocation, Title: m.Title,
		WorkDays: m.WorkDays, FTE: m.FTE, HireDate: m.HireDate, Status: string(m.Status),
		Separated: m.SeparatedOn != "", SeparatedOn: m.SeparatedOn, SeparationReason: m.SeparationReason,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
}

func (d memberDoc) member() Member {
	return Member{
		EmployeeID: d.ID, FirstName: d.FirstName, LastName: d.LastName, Email: d.Email,
		Phone: d.Phone, Address: d.Address, City: d.City, State: d.State, PostalCode: d.PostalCode,
		Range: d.Range, Step: d.Step, WorkLocation: d.WorkLocation, Title: d.Title,
		WorkDays: d.WorkDays, FTE: d.FTE, HireDate: d.HireDate, Status: Status(d.Status),
		Separated: d.Separated, SeparatedOn: d.SeparatedOn, SeparationReason: d.SeparationReason,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
}

// emailDoc maps a lower-cased email (its _id) to the member who has it.
type emailDoc struct {
	ID         string `bson:"_id"`
	EmployeeID string `bson:"employee_id"`
}

// digestDoc is the roster index entry of one member: all roster
// attributes packed in one string (a JSON array in attr order), so that
// reading the whole roster decodes one field per member rather than twenty
// (on the embedded store, decoding dominates a scan). It is written after
// the member document; Dirty marks one being rewritten by a manual edit,
// whose member document is then the one to trust.
type digestDoc struct {
	ID    string `bson:"_id"`
	R     string `bson:"r"`
	Dirty bool   `bson:"dirty,omitempty"`
}

func digestOf(a attrs) digestDoc {
	b, _ := json.Marshal(a[:]) // strings only: cannot fail
	return digestDoc{ID: a[aEmployeeID], R: string(b)}
}

func (d digestDoc) attrs() (attrs, error) {
	var vals []string
	if err := json.Unmarshal([]byte(d.R), &vals); err != nil {
		return attrs{}, fmt.Errorf("members: roster index entry %s: %w", d.ID, err)
	}
	var a attrs
	copy(a[:], vals) // an older, shorter entry leaves new attributes empty
	a[aEmployeeID] = d.ID
	return a, nil
}
