package contracts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ratifyhq/ratify/errs"
)

// CalculatorInfo describes a calculator for listings and web forms.
type CalculatorInfo struct {
	Name        string       `json:"name"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Citations   []string     `json:"citations"`
	Inputs      []InputField `json:"inputs"`
}

// InputField describes one input of a calculator. Type is one of "string",
// "number", "integer", "boolean", "date" (YYYY-MM-DD) or "array"; for an
// array, Items is the element type and Length the required length.
type InputField struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Required    bool     `json:"required"`
	Enum        []string `json:"enum,omitempty"`
	Items       string   `json:"items,omitempty"`
	Length      int      `json:"length,omitempty"`
	Default     string   `json:"default,omitempty"`
	Description string   `json:"description"`
}

// calculator pairs a description with a function of JSON input.
type calculator struct {
	info CalculatorInfo
	run  func(input []byte) (any, error)
}

// calcData is what a calculator family reads from one document.
type calcData interface {
	calculators() []calculator
}

// families maps a front matter "calculators:" value to the function that
// reads the family's data from a document.
var families = map[string]func(*Document) (calcData, error){
	"ace": buildACE,
	"aea": buildAEA,
}

// familyNames returns the known calculator families, sorted.
func familyNames() []string {
	out := make([]string, 0, len(families))
	for k := range families {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// buildCalcData reads a document's calculator data, if it names a family.
func buildCalcData(d *Document) (calcData, error) {
	if d.Calculators == "" {
		return nil, nil
	}
	return families[d.Calculators](d)
}

// Calculators lists the calculators of an agreement with their inputs.
func (l *Library) Calculators(docID string) ([]CalculatorInfo, error) {
	e, err := l.get(docID)
	if err != nil {
		return nil, err
	}
	if e.calc == nil {
		return []CalculatorInfo{}, nil
	}
	cs := e.calc.calculators()
	out := make([]CalculatorInfo, len(cs))
	for i, c := range cs {
		out[i] = c.info
	}
	return out, nil
}

// Calculate runs the named calculator of an agreement on a JSON object of
// inputs. The result marshals to JSON and carries "working" and
// "citations". An unknown agreement or calculator is NotFound, malformed
// JSON is BadRequest, and an invalid value is Invalid naming the input.
func (l *Library) Calculate(docID, name string, input []byte) (any, error) {
	e, err := l.get(docID)
	if err != nil {
		return nil, err
	}
	if e.calc != nil {
		for _, c := range e.calc.calculators() {
			if c.info.Name == name {
				return c.run(input)
			}
		}
	}
	return nil, errs.New(errs.NotFound, "agreement %s has no calculator %q", docID, clip(name))
}

// decodeInput reads a JSON object into dst, which must be a pointer to a
// struct with json tags. Unknown inputs and type mismatches are errors
// naming the input.
func decodeInput(input []byte, dst any) error {
	if len(bytes.TrimSpace(input)) == 0 {
		return errs.New(errs.BadRequest, "the request body must be a JSON object of inputs")
	}
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.New(errs.BadRequest, "the request body must hold one JSON object")
	}
	return nil
}

// jsonError turns a decoding error into an *errs.Error.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return errs.New(errs.BadRequest, "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errs.New(errs.BadRequest, "the request body must be a JSON object of inputs")
		}
		// Inputs are flat objects; encoding/json prefixes a field of an
		// embedded struct with the struct's Go name ("SalaryInput.step").
		f := typ.Field
		if i := strings.LastIndexByte(f, '.'); i >= 0 {
			f = f[i+1:]
		}
		return errs.Field(f, "must be %s, not %s", typeWord(typ.Type.String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Field(f, "unknown input %q", clip(f))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.New(errs.BadRequest, "malformed JSON: the body ends early")
	}
	return errs.New(errs.BadRequest, "malformed JSON: %v", err)
}

// typeWord names a Go type in client terms.
func typeWord(t string) string {
	switch {
	case strings.Contains(t, "Number"), strings.Contains(t, "Money"), strings.HasPrefix(t, "int"), strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "a " + t
}

// result is embedded in every calculator output.
type result struct {
	Working   []string `json:"working"`
	Citations []string `json:"citations"`
}

// line appends a line of working.
func (r *result) line(format string, args ...any) {
	r.Working = append(r.Working, fmt.Sprintf(format, args...))
}

// cite adds citations, once each, in order.
func (r *result) cite(cs ...string) {
	for _, c := range cs {
		dup := false
		for _, x := range r.Citations {
			if x == c {
				dup = true
				break
			}
		}
		if !dup {
			r.Citations = append(r.Citations, c)
		}
	}
}
