package contracts

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/ratifyhq/ratify/errs"
)

// Money is an amount in cents. It marshals to JSON as a number of dollars
// with two decimals (43575.80).
type Money int64

// String returns m as a decimal string of dollars with two decimals
// ("43575.80").
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Display returns m for people: "$43,575.80".
func (m Money) Display() string {
	s := m.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + "$" + b.String() + "." + frac
}

// MarshalJSON writes m as a JSON number with two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON reads a JSON number (or numeric string) of dollars with at
// most two decimals.
func (m *Money) UnmarshalJSON(b []byte) error {
	var n Number
	if err := n.UnmarshalJSON(b); err != nil {
		return err
	}
	v, err := parseScaled(n.raw, 2)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "number " + n.raw, Type: reflect.TypeOf(m).Elem()}
	}
	*m = Money(v)
	return nil
}

// Number is a numeric input kept as its decimal literal, so that amounts and
// fractions are read exactly rather than through float64. It accepts a JSON
// number or a string holding one.
type Number struct {
	raw string
	set bool
}

// Num returns a Number holding the literal s (for callers building inputs in
// Go).
func Num(s string) Number { return Number{raw: s, set: true} }

// IsSet reports whether the input was given.
func (n Number) IsSet() bool { return n.set }

// String returns the literal.
func (n Number) String() string { return n.raw }

// MarshalJSON writes the literal back as a JSON number.
func (n Number) MarshalJSON() ([]byte, error) {
	if !n.set {
		return []byte("null"), nil
	}
	return []byte(n.raw), nil
}

// UnmarshalJSON accepts a number, a string or null.
func (n *Number) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		*n = Number{}
		return nil
	case strings.HasPrefix(s, `"`):
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*n = Number{raw: strings.TrimSpace(str), set: true}
		return nil
	case s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9'):
		*n = Number{raw: s, set: true}
		return nil
	}
	return &json.UnmarshalTypeError{Value: jsonKind(s), Type: reflect.TypeOf(n).Elem()}
}

// jsonKind names the JSON type of a literal for error messages.
func jsonKind(s string) string {
	switch {
	case strings.HasPrefix(s, "{"):
		return "object"
	case strings.HasPrefix(s, "["):
		return "array"
	case s == "true" || s == "false":
		return "bool"
	}
	return "value"
}

// scaled reads the number as an integer scaled by 10^places, refusing more
// decimals than places. The error names the field.
func (n Number) scaled(field string, places int) (int64, error) {
	v, err := parseScaled(n.raw, places)
	if err != nil {
		return 0, errs.Field(field, "%q is not a number with at most %d decimals", clip(n.raw), places)
	}
	return v, nil
}

// parseScaled parses a plain decimal ("-12.5") into an integer scaled by
// 10^places.
func parseScaled(s string, places int) (int64, error) {
	bad := fmt.Errorf("not a decimal: %q", s)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || (hasDot && frac == "") {
		return 0, bad
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > places {
		return 0, bad
	}
	w, err := strconv.ParseUint(whole, 10, 63)
	if err != nil {
		return 0, bad
	}
	v := int64(w)
	for i := 0; i < places; i++ {
		v *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return 0, bad
			}
			v += int64(c - '0')
		}
	}
	if neg {
		v = -v
	}
	return v, nil
}

// divRound divides num by den (den > 0), rounding half away from zero.
func divRound(num, den int64) int64 {
	if num < 0 {
		return -divRound(-num, den)
	}
	return (num + den/2) / den
}

// fmtScaled formats v scaled by 10^places, dropping trailing zeros
// ("0.5", "1", "9.3333").
func fmtScaled(v int64, places int) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	p := int64(1)
	for i := 0; i < places; i++ {
		p *= 10
	}
	s := strconv.FormatInt(v/p, 10)
	if f := v % p; f != 0 {
		fs := fmt.Sprintf("%0*d", places, f)
		s += "." + strings.TrimRight(fs, "0")
	}
	return sign + s
}

// Decimal is an exact decimal output (days, hours, percentages) scaled by
// 10^Places. It marshals to a JSON number without trailing zeros.
type Decimal struct {
	Value  int64
	Places int
}

// String returns the decimal as text ("9.3333").
func (d Decimal) String() string { return fmtScaled(d.Value, d.Places) }

// MarshalJSON writes the decimal as a JSON number.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }
