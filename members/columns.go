package members

import (
	"strings"
	"unicode"
)

// attr is one roster attribute of a member that an import can set.
type attr int

const (
	aEmployeeID attr = iota
	aFirstName
	aLastName
	aEmail
	aPhone
	aAddress
	aCity
	aState
	aPostalCode
	aRange
	aStep
	aWorkLocation
	aTitle
	aWorkDays
	aFTE
	aHireDate
	aSeparatedOn
	aSeparationReason
	aStatus
	numAttrs
)

// attrNames are the attributes' names in reports and the API.
var attrNames = [numAttrs]string{
	"employee_id", "first_name", "last_name", "email", "phone", "address", "city", "state",
	"postal_code", "range", "step", "work_location", "title", "work_days", "fte", "hire_date",
	"separated_on", "separation_reason", "status",
}

// column is what a header in a roster file means: an attribute, or one of
// the combined columns below.
type column int

const (
	colFullName column = column(numAttrs) + iota // "Last, First" or "First Last"
	colAddress2                                  // second address line, appended to address
	colUnknown  column = -1
)

// headerVariants maps a normalised header (lower-case letters and digits
// only) to its column. Districts' exports and hand-made sheets name the
// same thing many ways.
var headerVariants = map[string]column{}

func init() {
	add := func(c column, names ...string) {
		for _, n := range names {
			headerVariants[normalizeHeader(n)] = c
		}
	}
	a := func(x attr) column { return column(x) }
	add(a(aEmployeeID), "Employee ID", "employee_id", "EmpID", "Emp ID", "Employee Number", "Employee No", "Emp No",
		"Employee #", "Emp #", "ID", "Staff ID", "Person ID", "Employee")
	add(a(aFirstName), "First Name", "first", "Given Name", "FName", "Legal First Name")
	add(a(aLastName), "Last Name", "last", "Surname", "Family Name", "LName", "Legal Last Name")
	add(colFullName, "Name", "Full Name", "Employee Name", "Member Name")
	add(a(aEmail), "Email", "E-mail", "Email Address", "E-mail Address", "Work Email", "District Email", "Mail")
	add(a(aPhone), "Phone", "Phone Number", "Telephone", "Tel", "Home Phone", "Cell", "Cell Phone", "Mobile", "Phone #")
	add(a(aAddress), "Address", "Mailing Address", "Street", "Street Address", "Address 1", "Address Line 1", "Mailing Address 1", "Home Address")
	add(colAddress2, "Address 2", "Address Line 2", "Mailing Address 2", "Apt", "Unit")
	add(a(aCity), "City", "Town")
	add(a(aState), "State", "ST", "Province")
	add(a(aPostalCode), "Zip", "Zip Code", "ZIP+4", "Postal Code", "Postcode")
	add(a(aRange), "Range", "Pay Range", "Salary Range", "Grade", "Pay Grade")
	add(a(aStep), "Step", "Pay Step", "Salary Step")
	add(a(aWorkLocation), "Work Location", "Location", "Site", "Work Site", "Worksite", "School", "Building", "Work Locations")
	add(a(aTitle), "Title", "Job Title", "Position", "Position Title", "Job")
	add(a(aWorkDays), "Work Days", "Number of Work Days", "No of Work Days", "Days", "Contract Days", "Work Days Per Year", "Days Per Year")
	add(a(aFTE), "FTE", "FTE %", "Full Time Equivalent")
	add(a(aHireDate), "Hire Date", "Date of Hire", "Date Hired", "Unit Hire Date", "Date of Hire into Unit",
		"Date of Hire into the Unit", "Date of Hire into Bargaining Unit", "Date of Hire into the Bargaining Unit", "Bargaining Unit Hire Date")
	add(a(aSeparatedOn), "Separation Date", "Date of Separation", "Separated On", "Separation", "Term Date", "Termination Date", "End Date")
	add(a(aSeparationReason), "Separation Reason", "Reason for Separation", "Reason", "Term Reason", "Termination Reason")
	add(a(aStatus), "Status", "Membership Status", "Membership", "Member Status", "Union Status", "Union Membership")
}

// normalizeHeader keeps only the lower-cased letters and digits of h, and
// "#" as "no", so that "Employee #", "employee_no" and "EmployeeNo" match.
func normalizeHeader(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == '#':
			b.WriteString("no")
		case r == '+':
			b.WriteString("plus")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// layout is where each attribute is in a file: the index of its column, or
// -1 when the file lacks it.
type layout struct {
	col      [numAttrs]int
	fullName int
	address2 int
	headers  []string
	unknown  []string
}

// has reports whether the file sets attribute a.
func (l *layout) has(a attr) bool {
	switch a {
	case aFirstName, aLastName:
		return l.col[a] >= 0 || l.fullName >= 0
	case aSeparationReason:
		return l.col[a] >= 0 || l.col[aSeparatedOn] >= 0
	}
	return l.col[a] >= 0
}

// mapHeader builds the layout of a header row; problems are returned as
// sentences.
func mapHeader(header []string) (*layout, []string) {
	l := &layout{fullName: -1, address2: -1, headers: header}
	for i := range l.col {
		l.col[i] = -1
	}
	var problems []string
	seen := map[column]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		c, ok := headerVariants[normalizeHeader(h)]
		if !ok {
			l.unknown = append(l.unknown, h)
			continue
		}
		if j, dup := seen[c]; dup {
			problems = append(problems, "columns \""+header[j]+"\" and \""+h+"\" both mean "+columnName(c)+": keep one")
			continue
		}
		seen[c] = i
		switch c {
		case colFullName:
			l.fullName = i
		case colAddress2:
			l.address2 = i
		default:
			l.col[attr(c)] = i
		}
	}
	if l.col[aEmployeeID] < 0 {
		problems = append(problems, "the roster has no employee id column (a header such as \"Employee ID\")")
	}
	if l.fullName < 0 && l.col[aFirstName] < 0 && l.col[aLastName] < 0 {
		problems = append(problems, "the roster has no name columns (\"First Name\" and \"Last Name\", or \"Name\")")
	}
	if l.fullName >= 0 && (l.col[aFirstName] >= 0 || l.col[aLastName] >= 0) {
		// Separate columns are the more precise: use them.
		l.fullName = -1
	}
	return l, problems
}

func columnName(c column) string {
	switch c {
	case colFullName:
		return "the full name"
	case colAddress2:
		return "the second address line"
	}
	return attrNames[c]
}
