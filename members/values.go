package members

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The normalisers below turn a cell or a patched value into the stored
// string form of an attribute, or say in one sentence what is wrong. Import
// and manual edits share them, so one rule holds for both.

// normalizeAttr returns the stored form of value for attribute a.
func normalizeAttr(a attr, value string) (string, error) {
	v := strings.TrimSpace(value)
	switch a {
	case aEmployeeID:
		return normalizeEmployeeID(v)
	case aFirstName, aLastName, aAddress, aCity, aWorkLocation, aTitle, aSeparationReason, aPhone, aPostalCode:
		return collapseSpaces(v), nil
	case aState, aRange, aStep:
		return strings.ToUpper(collapseSpaces(v)), nil
	case aEmail:
		e := NormalizeEmail(v)
		if e != "" && !ValidEmail(e) {
			return "", fmt.Errorf("%q is not a valid email address", v)
		}
		return e, nil
	case aWorkDays:
		return normalizeWorkDays(v)
	case aFTE:
		return normalizeFTE(v)
	case aHireDate, aSeparatedOn:
		return normalizeDate(v)
	case aStatus:
		s, err := ParseStatus(v)
		return string(s), err
	}
	return v, nil
}

func normalizeEmployeeID(v string) (string, error) {
	// Excel shows a whole number stored as a float as "12345.0" at times.
	if strings.HasSuffix(v, ".0") && isDigits(strings.TrimSuffix(v, ".0")) {
		v = strings.TrimSuffix(v, ".0")
	}
	if v == "" {
		return "", fmt.Errorf("the employee id is empty")
	}
	if len(v) > 64 {
		return "", fmt.Errorf("the employee id is longer than 64 characters")
	}
	for _, r := range v {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.') {
			return "", fmt.Errorf("the employee id may hold letters, digits, '-', '_' and '.' only")
		}
	}
	return v, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

func normalizeWorkDays(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f > 366 {
		return "", fmt.Errorf("the number of work days must be a whole number from 0 to 366")
	}
	return strconv.Itoa(int(f)), nil
}

func normalizeFTE(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	percent := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v, "%")), 64)
	if err != nil {
		return "", fmt.Errorf("the FTE must be a number such as 1, 0.5 or 50%%")
	}
	if percent {
		f /= 100
	}
	if f < 0 || f > 2 {
		return "", fmt.Errorf("the FTE must be between 0 and 2 (write 0.8 or 80%% for four fifths)")
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// dateLayouts are the date formats rosters come in, US formats first.
var dateLayouts = []string{
	"2006-01-02", "1/2/2006", "1/2/06", "2006/1/2", "1-2-2006", "Jan 2, 2006", "January 2, 2006",
	"2-Jan-2006", "2-Jan-06", "02-Jan-06", "2 Jan 2006", "2006-01-02 15:04:05", "2006-01-02T15:04:05Z07:00",
	"1/2/2006 15:04", "1/2/06 15:04", "1/2/2006 3:04:05 PM",
}

// excelEpoch is day 0 of Excel's serial dates (1900 date system, with its
// leap-year bug already accounted for after 1900-03-01).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

func normalizeDate(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			if t.Year() < 1900 || t.Year() > 2200 {
				break
			}
			return t.Format(dateLayout), nil
		}
	}
	// A date cell without a date format reads as Excel's serial number.
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 && f < 120000 {
		return excelEpoch.AddDate(0, 0, int(f)).Format(dateLayout), nil
	}
	return "", fmt.Errorf("%q is not a date (write it as 2024-06-30 or 6/30/2024)", v)
}

// statusWords maps the ways people write a membership status, as letters
// only, to the status.
var statusWords = map[string]Status{
	"member": StatusMember, "m": StatusMember, "activemember": StatusMember, "fullmember": StatusMember, "yes": StatusMember, "y": StatusMember,
	"feepayer": StatusFeePayer, "fee": StatusFeePayer, "fp": StatusFeePayer, "agencyfee": StatusFeePayer,
	"agencyfeepayer": StatusFeePayer, "fairshare": StatusFeePayer, "servicefee": StatusFeePayer, "professionalservicefee": StatusFeePayer,
	"nonmember": StatusNonMember, "non": StatusNonMember, "nm": StatusNonMember, "no": StatusNonMember, "n": StatusNonMember,
	"none": StatusNonMember, "notamember": StatusNonMember,
}

// ParseStatus reads a membership status written in any of the usual ways
// ("Member", "fee payer", "Non-member", "fee_payer").
func ParseStatus(v string) (Status, error) {
	var b strings.Builder
	for _, r := range strings.ToLower(v) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	if s, ok := statusWords[b.String()]; ok {
		return s, nil
	}
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("the membership status is empty: write member, fee_payer or non_member")
	}
	return "", fmt.Errorf("%q is not a membership status: write member, fee_payer or non_member", v)
}

// splitFullName splits "Last, First" or "First Middle Last".
func splitFullName(v string) (first, last string) {
	v = collapseSpaces(v)
	if l, f, ok := strings.Cut(v, ","); ok {
		return strings.TrimSpace(f), strings.TrimSpace(l)
	}
	if i := strings.LastIndexByte(v, ' '); i > 0 {
		return v[:i], v[i+1:]
	}
	return "", v
}
