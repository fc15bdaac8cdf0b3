package handlers

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/errs"
)

// The calculators as web forms: GET forms whose inputs are in the query
// string, so that a calculation is a shareable address.

func (s *Server) calculatorsPage(c *fiber.Ctx) error {
	d, err := s.cfg.Contracts.Get(c.Params("id"))
	if err != nil {
		return err
	}
	cs, err := s.cfg.Contracts.Calculators(d.ID)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "calculators", fiber.Map{"Doc": d, "Calculators": cs})
}

// calculatorData is what a calculator page shows.
type calculatorData struct {
	Doc       *contracts.Document
	Calc      contracts.CalculatorInfo
	Fields    []formField
	Error     string // an error not tied to one input
	HasErrors bool
	Result    *calcResult
}

// calculatorPage shows a calculator's form and, when the query string holds
// inputs, the result with its working and citations (or the errors, 422).
func (s *Server) calculatorPage(c *fiber.Ctx) error {
	d, err := s.cfg.Contracts.Get(c.Params("id"))
	if err != nil {
		return err
	}
	info, err := findCalculator(s.cfg.Contracts, d.ID, c.Params("name"))
	if err != nil {
		return err
	}
	data := calculatorData{Doc: d, Calc: info, Fields: formFields(info, c)}
	status := fiber.StatusOK
	if input, given, err := formInput(data.Fields); err != nil {
		status = data.fail(err)
	} else if given {
		out, err := s.cfg.Contracts.Calculate(d.ID, info.Name, input)
		if err != nil {
			if _, ok := errs.As(err); !ok {
				return err
			}
			status = data.fail(err)
		} else {
			data.Result = resultView(s.cfg.Contracts, d.ID, out)
		}
	}
	return s.render(c, status, "calculator", data)
}

// fail shows a calculator error on the form: next to the input it names,
// or above the form.
func (data *calculatorData) fail(err error) int {
	e, _ := errs.As(err)
	data.HasErrors = true
	base := e.Field
	if i := strings.IndexAny(base, "[."); i >= 0 {
		base = base[:i]
	}
	for i := range data.Fields {
		if data.Fields[i].Name == base && base != "" {
			data.Fields[i].Error = e.Message
			if base != e.Field {
				data.Fields[i].Error = e.Field + ": " + e.Message
			}
			return fiber.StatusUnprocessableEntity
		}
	}
	data.Error = e.Message
	if e.Code == errs.Invalid {
		return fiber.StatusUnprocessableEntity
	}
	return fiber.StatusBadRequest
}

func findCalculator(l Contracts, id, name string) (contracts.CalculatorInfo, error) {
	cs, err := l.Calculators(id)
	if err != nil {
		return contracts.CalculatorInfo{}, err
	}
	for _, ci := range cs {
		if ci.Name == name {
			return ci, nil
		}
	}
	return contracts.CalculatorInfo{}, errs.New(errs.NotFound, "agreement %s has no calculator %q", id, name)
}

// formField is an input of a calculator form with the value given.
type formField struct {
	contracts.InputField
	Label  string
	Value  string   // a scalar's value
	Values []string // an array's values (one per day for "hours")
	Parts  []string // labels of an array's inputs
	Error  string
}

// weekdays label the seven inputs of a week's hours.
var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// formFields reads the query string into the calculator's fields.
func formFields(info contracts.CalculatorInfo, c *fiber.Ctx) []formField {
	args := c.Context().QueryArgs()
	out := make([]formField, len(info.Inputs))
	for i, in := range info.Inputs {
		f := formField{InputField: in, Label: labelOf(in.Name)}
		if in.Type == "array" && in.Items != "object" && in.Length > 0 {
			f.Values = make([]string, in.Length)
			for j, v := range args.PeekMulti(in.Name) {
				if j < in.Length {
					f.Values[j] = strings.TrimSpace(string(v))
				}
			}
			f.Parts = weekdays
			if in.Length != 7 {
				f.Parts = nil
				for j := 1; j <= in.Length; j++ {
					f.Parts = append(f.Parts, strconv.Itoa(j))
				}
			}
		} else {
			f.Value = strings.TrimSpace(string(args.Peek(in.Name)))
		}
		out[i] = f
	}
	return out
}

var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// formInput turns the form's values into the calculator's JSON input;
// given is false when no input was filled in (the blank form).
func formInput(fields []formField) (input []byte, given bool, err error) {
	obj := map[string]json.RawMessage{}
	for _, f := range fields {
		var v any
		switch {
		case f.Type == "array" && f.Items == "object":
			if f.Value == "" {
				continue
			}
			if v, err = pairs(f.Name, f.Value); err != nil {
				return nil, true, err
			}
		case f.Type == "array":
			vals, any := make([]json.RawMessage, len(f.Values)), false
			for i, s := range f.Values {
				any = any || s != ""
				if s == "" {
					s = "0"
				}
				vals[i] = scalar("number", s)
			}
			if !any {
				continue
			}
			v = vals
		case f.Value == "":
			continue
		default:
			v = scalar(f.Type, f.Value)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, true, err
		}
		obj[f.Name] = b
	}
	if len(obj) == 0 {
		return nil, false, nil
	}
	b, err := json.Marshal(obj)
	return b, true, err
}

// scalar is a form value as JSON: a number stays a number, so that the
// calculator checks it; anything else is a string it will refuse by name.
func scalar(typ, s string) json.RawMessage {
	switch typ {
	case "number", "integer":
		if plainNumber.MatchString(s) {
			return json.RawMessage(s)
		}
	case "boolean":
		if s == "true" || s == "on" || s == "1" || s == "yes" {
			return json.RawMessage("true")
		}
		return json.RawMessage("false")
	}
	b, _ := json.Marshal(s)
	return b
}

// pairs reads call-backs written "day:hours, day:hours" (Monday = 1).
func pairs(name, s string) ([]map[string]json.RawMessage, error) {
	var out []map[string]json.RawMessage
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		day, hours, ok := strings.Cut(strings.TrimSpace(p), ":")
		day, hours = strings.TrimSpace(day), strings.TrimSpace(hours)
		if !ok || !plainNumber.MatchString(day) || !plainNumber.MatchString(hours) {
			return nil, errs.Field(name, "write each as day:hours, e.g. 2:1.5 for 1.5 hours on Tuesday (Monday = 1), separated by commas; %q is not", p)
		}
		out = append(out, map[string]json.RawMessage{"day": json.RawMessage(day), "hours": json.RawMessage(hours)})
	}
	return out, nil
}

// labelOf makes an input or output name readable: "per_diem" -> "Per diem".
func labelOf(name string) string {
	switch name {
	case "fte":
		return "FTE"
	case "nbpts":
		return "National Board (NBPTS) certificate"
	case "nbpts_supplement":
		return "NBPTS supplement"
	}
	s := strings.ReplaceAll(name, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
