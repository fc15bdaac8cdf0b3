package handlers

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/ratifyhq/ratify/contracts"
)

// calcResult is a calculator's result for people: its outputs, the tables
// it holds (tiers, years, days), its working and its citations as links.
type calcResult struct {
	Fields    []outField
	Tables    []outTable
	Working   []string
	Citations []contracts.Citation
}

// outField is one output, formatted ("$43,575.80").
type outField struct{ Label, Value string }

// outTable is an output that is a list of records.
type outTable struct {
	Caption string
	Head    []string
	Rows    [][]string
}

var (
	moneyType    = reflect.TypeOf(contracts.Money(0))
	stringerType = reflect.TypeOf((*fmt.Stringer)(nil)).Elem()
)

// resultView lays out a calculator's typed result. It reads the result's
// exported fields by their JSON names, so that the page shows what the API
// returns, with money as dollars.
func resultView(l Contracts, docID string, out any) *calcResult {
	v := reflect.Indirect(reflect.ValueOf(out))
	r := &calcResult{}
	if v.Kind() != reflect.Struct {
		return r
	}
	if w := v.FieldByName("Working"); w.IsValid() {
		r.Working, _ = w.Interface().([]string)
	}
	if c := v.FieldByName("Citations"); c.IsValid() {
		cites, _ := c.Interface().([]string)
		r.Citations = l.Citations(docID, cites)
	}
	for _, f := range outputFields(v.Type()) {
		fv := v.FieldByIndex(f.index)
		if f.omitEmpty && fv.IsZero() {
			continue
		}
		if fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct {
			r.Tables = append(r.Tables, recordsTable(labelOf(f.name), fv))
			continue
		}
		val := formatValue(fv)
		if strings.HasSuffix(f.name, "_rate") && fv.Type() != moneyType {
			val = "$" + val // an exact rate in dollars, e.g. an hourly rate
		}
		r.Fields = append(r.Fields, outField{Label: labelOf(f.name), Value: val})
	}
	return r
}

// outputField is an exported field of a result struct, by its JSON name.
type outputField struct {
	name      string
	index     []int
	omitEmpty bool
}

// outputFields lists t's own JSON fields, leaving out those of embedded
// structs (the working and citations every result carries).
func outputFields(t reflect.Type) []outputField {
	var out []outputField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous || !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, outputField{name: name, index: f.Index, omitEmpty: strings.Contains(opts, "omitempty")})
	}
	return out
}

// recordsTable lays out a slice of structs, one column per field.
func recordsTable(caption string, v reflect.Value) outTable {
	fields := outputFields(v.Type().Elem())
	t := outTable{Caption: caption}
	for _, f := range fields {
		t.Head = append(t.Head, labelOf(f.name))
	}
	for i := 0; i < v.Len(); i++ {
		row := make([]string, len(fields))
		for j, f := range fields {
			row[j] = formatValue(v.Index(i).FieldByIndex(f.index))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// formatValue formats an output value for people.
func formatValue(v reflect.Value) string {
	switch {
	case v.Type() == moneyType:
		return v.Interface().(contracts.Money).Display()
	case v.Type().Implements(stringerType):
		return v.Interface().(fmt.Stringer).String()
	case v.Kind() == reflect.Bool:
		if v.Bool() {
			return "Yes"
		}
		return "No"
	case v.Kind() == reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = formatValue(v.Index(i))
		}
		return strings.Join(parts, ", ")
	case v.Kind() == reflect.String && looksLikeDate(v.String()):
		return longDate(v.String())
	}
	return fmt.Sprint(v.Interface())
}

// looksLikeDate reports whether s is a civil date (YYYY-MM-DD).
func looksLikeDate(s string) bool {
	return len(s) == 10 && s[4] == '-' && s[7] == '-' && longDate(s) != s
}
