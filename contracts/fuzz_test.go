package contracts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ratifyhq/ratify/errs"
)

// Fuzz targets for what officers and the public send: agreement sources
// (uploaded by officers) and calculator inputs (anyone, as JSON or a form).
//
// Run: go test -run '^$' -fuzz '^FuzzParseSource$' -fuzztime 15s ./contracts
//      go test -run '^$' -fuzz '^FuzzCalculate$' -fuzztime 15s ./contracts

var lineField = regexp.MustCompile(`^line (\d+): \S`)

// FuzzParseSource extends FuzzParse: Parse recovers its own panics into an
// "internal error", so "only *errs.Error" is not enough. Here a refusal must
// be a validation error naming a line of the source and the field at fault
// (or TooLarge), never a recovered panic; an accepted source gives the same
// document twice, carries its own SHA-256, and marshals to JSON.
func FuzzParseSource(f *testing.F) {
	f.Add(minimal)
	f.Add("---\nid: x\n---\n# 1 A\n{--a--}{++b++}\n")
	for _, name := range []string{"ace-2021-2024.md", "aea-2021-2024.md"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		// The first few KiB of the real agreements: front matter, articles,
		// sections, a table or two.
		f.Add(string(b[:min(len(b), 2500)]))
	}
	f.Fuzz(func(t *testing.T, src string) {
		d, err := Parse("fuzz.md", []byte(src))
		if err != nil {
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("error %v is not an *errs.Error", err)
			}
			if strings.Contains(e.Message, "internal error") {
				t.Fatalf("Parse panicked (recovered): %v", e.Message)
			}
			if e.Code == errs.TooLarge {
				return
			}
			m := lineField.FindStringSubmatch(e.Field)
			if e.Code != errs.Invalid || m == nil {
				t.Fatalf("error %q (code %s, field %q) does not name a line and a field", e.Message, e.Code, e.Field)
			}
			n, _ := strconv.Atoi(m[1])
			lines := strings.Count(strings.ReplaceAll(strings.TrimPrefix(src, "\ufeff"), "\r\n", "\n"), "\n") + 1
			if n < 1 || n > lines {
				t.Fatalf("error names line %d of a %d-line source: %v", n, lines, e)
			}
			if strings.TrimSpace(e.Message) == "" {
				t.Fatalf("error without a message: %#v", e)
			}
			return
		}
		sum := sha256.Sum256([]byte(src))
		if d.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("SHA256 %s is not the source's", d.SHA256)
		}
		if len(d.Articles) == 0 {
			t.Fatal("accepted a document with no articles")
		}
		j1, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("the document does not marshal: %v", err)
		}
		d2, err := Parse("fuzz.md", []byte(src))
		if err != nil {
			t.Fatalf("second parse: %v", err)
		}
		j2, _ := json.Marshal(d2)
		if !bytes.Equal(j1, j2) {
			t.Fatal("two parses of one source differ")
		}
		for _, a := range d.Articles {
			if a == nil {
				t.Fatal("nil article")
			}
		}
	})
}

var (
	fuzzLibOnce sync.Once
	fuzzLib     *Library
	fuzzCalcs   []fuzzCalc
)

type fuzzCalc struct {
	doc  string
	info CalculatorInfo
}

func calcLibrary(t testing.TB) (*Library, []fuzzCalc) {
	fuzzLibOnce.Do(func() {
		l := NewLibrary()
		if err := l.Load(); err != nil {
			t.Fatal(err)
		}
		for _, s := range l.List() {
			cs, err := l.Calculators(s.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				fuzzCalcs = append(fuzzCalcs, fuzzCalc{s.ID, c})
			}
		}
		fuzzLib = l
	})
	if fuzzLib == nil {
		t.Fatal("library not loaded")
	}
	return fuzzLib, fuzzCalcs
}

// FuzzCalculate sends any bytes as the JSON input of any calculator (the
// POST body of /api/v1/contracts/{id}/calculators/{name}). A calculator
// never panics; it refuses with BadRequest (not JSON, not one object) or
// Invalid naming one of its inputs (the field's base name, before any
// "[i]" or ".x", is an input of the calculator); and what it accepts
// marshals to JSON with its working and citations, the same twice.
func FuzzCalculate(f *testing.F) {
	seeds := map[string]string{
		"salary":             `{"range":"D","step":"A","year":"2021-22","days":230,"fte":1}`,
		"sick_leave_cashout": `{"days":125,"per_diem":189.46}`,
		"service_credit":     `{"years_of_service":5,"gross_wages":43575.80}`,
		"annual_leave":       `{"work_days":240,"balance_days":35,"per_diem":200}`,
		"overtime":           `{"range":"A","step":"A","year":"2021-22","hours":[10,10,10,10,8,0,0],"seventh_day":false,"callbacks":[{"day":2,"hours":1.5}]}`,
		"deadlines":          `{"rule":"grievance_filing","date":"2021-11-15"}`,
		"teacher_salary":     `{"year":"2023-24","lane":"B90","step":20,"fte":0.5,"degree":"doctorate","nbpts":true}`,
		"classroom_coverage": `{"level":"secondary","periods":2}`,
	}
	_, calcs := calcLibrary(f)
	for i, c := range calcs {
		if s, ok := seeds[c.info.Name]; ok {
			f.Add(uint8(i), []byte(s))
		}
		f.Add(uint8(i), []byte(`{}`))
	}
	f.Add(uint8(0), []byte(`{"days":1e400}`))
	f.Add(uint8(0), []byte(`{"fte":"NaN","days":-0}`))
	f.Add(uint8(1), []byte(`[1,2]`))
	f.Add(uint8(2), []byte(`{"a":1}{"b":2}`))
	f.Add(uint8(3), []byte(`{"hours":[1,2,3,4,5,6,7,8]}`))
	f.Add(uint8(4), []byte(`{"date":"2021-02-30","rule":"\u0000"}`))
	f.Fuzz(func(t *testing.T, which uint8, input []byte) {
		l, calcs := calcLibrary(t)
		c := calcs[int(which)%len(calcs)]
		out, err := l.Calculate(c.doc, c.info.Name, input)
		if err != nil {
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("%s: error %v (%T) is not an *errs.Error", c.info.Name, err, err)
			}
			if strings.TrimSpace(e.Message) == "" {
				t.Fatalf("%s: error without a message: %#v", c.info.Name, e)
			}
			switch e.Code {
			case errs.BadRequest:
			case errs.Invalid:
				base := e.Field
				if i := strings.IndexAny(base, "[."); i >= 0 {
					base = base[:i]
				}
				if !isInput(c.info, base) && !strings.Contains(e.Message, "unknown input") {
					t.Fatalf("%s: Invalid error names %q, not an input of the calculator: %v", c.info.Name, e.Field, e.Message)
				}
			default:
				t.Fatalf("%s: error code %s: %v", c.info.Name, e.Code, e)
			}
			return
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatalf("%s: the result does not marshal: %v", c.info.Name, err)
		}
		if !bytes.Contains(b, []byte(`"working":[`)) || !bytes.Contains(b, []byte(`"citations":[`)) {
			t.Fatalf("%s: the result lacks its working or citations: %s", c.info.Name, b)
		}
		out2, err := l.Calculate(c.doc, c.info.Name, input)
		if err != nil {
			t.Fatalf("%s: second run: %v", c.info.Name, err)
		}
		if b2, _ := json.Marshal(out2); !bytes.Equal(b, b2) {
			t.Fatalf("%s: two runs differ:\n%s\n%s", c.info.Name, b, b2)
		}
	})
}

func isInput(c CalculatorInfo, name string) bool {
	for _, in := range c.Inputs {
		if in.Name == name {
			return true
		}
	}
	return false
}
