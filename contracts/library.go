package contracts

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/ratifyhq/ratify/errs"
)

// sources holds the agreements shipped in the binary.
//
//go:embed *.md
var sources embed.FS

// Library holds the parsed agreements and what calculators need of them.
// It is safe for concurrent use.
type Library struct {
	mu    sync.RWMutex
	docs  map[string]*entry
	order []string // ids in the order added
}

// entry is a document and the calculator data read from it.
type entry struct {
	doc  *Document
	calc calcData // nil when the document has no calculator family
	// base is the status history the source states; officers' later
	// status changes are appended to it in doc.Status.
	base []StatusEvent

	citesOnce sync.Once
	cites     map[string]string // citation text -> anchor, built on first use
}

// NewLibrary returns an empty library; call Load to add the embedded
// agreements.
func NewLibrary() *Library {
	return &Library{docs: map[string]*entry{}}
}

// Load parses every embedded agreement (*.md files other than README.md and
// FORMAT.md) and adds it. A broken embedded agreement is an error: the
// program must not start with it.
func (l *Library) Load() error {
	names, err := fs.Glob(sources, "*.md")
	if err != nil {
		return fmt.Errorf("contracts: load: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "README.md" || name == "FORMAT.md" {
			continue
		}
		src, err := sources.ReadFile(name)
		if err != nil {
			return fmt.Errorf("contracts: load %s: %w", name, err)
		}
		if _, err := l.Add(name, src); err != nil {
			return fmt.Errorf("contracts: load %s: %w", name, err)
		}
	}
	return nil
}

// MustLoad returns a library with the embedded agreements loaded, and
// panics if one is broken. It is meant for tests and benchmarks.
func MustLoad() *Library {
	l := NewLibrary()
	if err := l.Load(); err != nil {
		panic(err)
	}
	return l
}

// ParseVersion validates an uploaded agreement version: it parses src and
// reads its calculator data, and returns the document without adding it.
// Errors are *errs.Error naming the line and field.
func ParseVersion(name string, src []byte) (*Document, error) {
	d, err := Parse(name, src)
	if err != nil {
		return nil, err
	}
	if _, err := buildCalcData(d); err != nil {
		return nil, err
	}
	return d, nil
}

// Add parses src and adds the document. Published versions are immutable:
// adding a different source under an id already held is a Conflict; adding
// the same source again returns the held document.
func (l *Library) Add(name string, src []byte) (*Document, error) {
	e, err := prepare(name, src)
	if err != nil {
		return nil, err
	}
	d, _, err := l.put(e)
	return d, err
}

// prepare parses src and reads its calculator data.
func prepare(name string, src []byte) (*entry, error) {
	d, err := Parse(name, src)
	if err != nil {
		return nil, err
	}
	cd, err := buildCalcData(d)
	if err != nil {
		return nil, err
	}
	return &entry{doc: d, calc: cd, base: d.Status}, nil
}

// put adds a prepared entry unless its id is held: the held document is
// returned (added false) when the text is the same, and a Conflict when it
// differs.
func (l *Library) put(e *entry) (doc *Document, added bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if prev, ok := l.docs[e.doc.ID]; ok {
		if prev.doc.SHA256 == e.doc.SHA256 {
			return prev.doc, false, nil
		}
		return nil, false, errConflict(e.doc.ID)
	}
	l.docs[e.doc.ID] = e
	l.order = append(l.order, e.doc.ID)
	return e.doc, true, nil
}

// errConflict is the error for a different text under a published id.
func errConflict(id string) error {
	return errs.New(errs.Conflict, "agreement %s is already published with different text; a published version cannot change (load it under a new id)", id)
}

// setAdded sets the status changes made after publication of a held
// document: its history becomes the source's history followed by added. The
// document is replaced by a copy carrying the new history, so that a
// *Document handed out before stays as it was.
func (l *Library) setAdded(id string, added []StatusEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.docs[id]
	if !ok {
		return
	}
	if len(added) < len(e.doc.Status)-len(e.base) {
		return // a later change is already applied
	}
	d := *e.doc
	d.Status = append(append([]StatusEvent(nil), e.base...), added...)
	// The key is the document's own id, not the caller's string, which may
	// share a buffer the caller reuses (Fiber's request parameters do).
	l.docs[d.ID] = &entry{doc: &d, calc: e.calc, base: e.base}
}

// baseHistory returns the status history the source of a held document
// states.
func (l *Library) baseHistory(id string) ([]StatusEvent, error) {
	e, err := l.get(id)
	if err != nil {
		return nil, err
	}
	return e.base, nil
}

// Summary is what a list of agreements shows of each.
type Summary struct {
	ID       string      `json:"id"`
	Title    string      `json:"title"`
	Parties  []string    `json:"parties"`
	Term     Term        `json:"term"`
	Status   StatusEvent `json:"status"` // the latest status
	Articles int         `json:"articles"`
	Changes  int         `json:"changes"`
	SHA256   string      `json:"sha256"`
}

// List returns a summary of every agreement, newest term first.
func (l *Library) List() []Summary {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]Summary, 0, len(l.order))
	for _, id := range l.order {
		out = append(out, summaryOf(l.docs[id].doc))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Term.Start != out[j].Term.Start {
			return out[i].Term.Start > out[j].Term.Start
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// get returns the entry for id or a NotFound error.
func (l *Library) get(id string) (*entry, error) {
	l.mu.RLock()
	e, ok := l.docs[id]
	l.mu.RUnlock()
	if !ok {
		return nil, errs.New(errs.NotFound, "no agreement %q", clip(id))
	}
	return e, nil
}

// Get returns the agreement with the id. The document must not be modified.
func (l *Library) Get(id string) (*Document, error) {
	e, err := l.get(id)
	if err != nil {
		return nil, err
	}
	return e.doc, nil
}

// Article returns an article by number ("601") or an appendix by anchor
// ("appendix-I").
func (l *Library) Article(id, number string) (*Article, error) {
	d, err := l.Get(id)
	if err != nil {
		return nil, err
	}
	if a := d.FindArticle(strings.TrimSpace(number)); a != nil {
		return a, nil
	}
	return nil, errs.New(errs.NotFound, "agreement %s has no article %q", id, clip(number))
}

// SHA256 returns the hex SHA-256 of the agreement's source bytes; a ballot
// binds this hash so that members vote on exactly this text.
func (l *Library) SHA256(id string) (string, error) {
	d, err := l.Get(id)
	if err != nil {
		return "", err
	}
	return d.SHA256, nil
}

// Changes returns every marked change in the agreement, in order, with the
// article and section holding it, for the summary of changes.
func (l *Library) Changes(id string) ([]Change, error) {
	d, err := l.Get(id)
	if err != nil {
		return nil, err
	}
	return append([]Change(nil), d.Changes...), nil
}

// MaxSearchResults caps the hits Search returns.
const MaxSearchResults = 100

// Search finds the paragraphs, titles and table rows of the agreement's
// clean text holding every word of q (a double-quoted part must match as a
// phrase), best first, at most limit of them (20 if limit <= 0).
func (l *Library) Search(id, q string, limit int) ([]Hit, error) {
	d, err := l.Get(id)
	if err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, errs.Field("q", "enter words to search for")
	}
	if len(q) > 200 {
		return nil, errs.Field("q", "the query is longer than 200 characters")
	}
	if limit <= 0 {
		limit = 20
	}
	if limit > MaxSearchResults {
		limit = MaxSearchResults
	}
	hits := d.search(q, limit)
	if hits == nil {
		hits = []Hit{}
	}
	return hits, nil
}
