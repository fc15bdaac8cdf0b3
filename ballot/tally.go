package ballot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ratifyhq/ratify/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Outcomes of a vote.
const (
	Ratified     = "ratified"
	Rejected     = "rejected"
	QuorumNotMet = "quorum_not_met"
)

// ChoiceCount is one line of the results.
type ChoiceCount struct {
	Choice  string  `json:"choice" bson:"choice"`
	Count   int     `json:"count" bson:"count"`
	Percent float64 `json:"percent" bson:"percent"` // of votes cast, one decimal
}

// Results are a closed vote's tally. The first choice is the affirmative
// one: the agreement is ratified when it meets the pass rule.
type Results struct {
	Eligible       int           `json:"eligible" bson:"eligible"`
	Cast           int           `json:"cast" bson:"cast"`
	TurnoutPercent float64       `json:"turnout_percent" bson:"turnout_percent"`
	Choices        []ChoiceCount `json:"choices" bson:"choices"`
	PassRule       string        `json:"pass_rule" bson:"pass_rule"`
	QuorumPercent  float64       `json:"quorum_percent,omitempty" bson:"quorum_percent,omitempty"`
	Outcome        string        `json:"outcome" bson:"outcome"`
	Commitment     string        `json:"commitment" bson:"commitment"`
	// Receipts are kept apart from the vote document (vote_receipts), which
	// every page and cast reads; Results and Tally return them.
	Receipts       []string  `json:"receipts" bson:"receipts,omitempty"`
	ContractSHA256 string    `json:"contract_sha256,omitempty" bson:"contract_sha256,omitempty"`
	Test           bool      `json:"test" bson:"test"`
	TalliedAt      time.Time `json:"tallied_at" bson:"tallied_at"`
}

// percent returns part/whole as a percentage rounded half up to one decimal,
// computed in integers so that 92.55 never drifts to 92.5.
func percent(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	tenths := (int64(part)*2000 + int64(whole)) / (2 * int64(whole))
	return float64(tenths) / 10
}

// outcome applies the pass rule to the counts.
func outcome(rule string, quorumPercent float64, eligible, cast, yes int) string {
	if quorumPercent > 0 && float64(cast)*100 < quorumPercent*float64(eligible) {
		return QuorumNotMet
	}
	var pass bool
	switch rule {
	case TwoThirds:
		pass = cast > 0 && yes*3 >= cast*2
	default:
		pass = yes*2 > cast
	}
	if pass {
		return Ratified
	}
	return Rejected
}

// commitment is the SHA-256 over the sorted "receipt,choice" lines, so that
// anyone with the published list can recompute it.
func commitment(lines []string) string {
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte("\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Count reads every filled ballot of a vote and computes its results. On
// the embedded store it reads the ballots straight from the SQLite file
// (Deps.Scan, about 14 times faster than the driver); Recount always reads
// through the driver, so `ratify votes tally` checks one path against the
// other.
func (s *Service) Count(ctx context.Context, v *Vote) (*Results, error) {
	if s.d.Scan != nil {
		r, err := s.count(ctx, v, s.scanBallots)
		if !errors.Is(err, store.ErrNoScan) {
			return r, err
		}
	}
	return s.count(ctx, v, s.findBallots)
}

// ballotFunc reads every ballot slot of a vote, filled or not.
type ballotFunc func(ctx context.Context, vote string, fn func(choice, receipt string)) error

func (s *Service) findBallots(ctx context.Context, vote string, fn func(choice, receipt string)) error {
	cur, err := s.ballots.Find(ctx, bson.D{{Key: "vote", Value: vote}},
		options.Find().SetProjection(bson.D{{Key: "choice", Value: 1}, {Key: "receipt", Value: 1}, {Key: "_id", Value: 0}}).SetBatchSize(10000))
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var b struct {
			Choice  string `bson:"choice"`
			Receipt string `bson:"receipt"`
		}
		if err := cur.Decode(&b); err != nil {
			return err
		}
		fn(b.Choice, b.Receipt)
	}
	return cur.Err()
}

func (s *Service) scanBallots(ctx context.Context, vote string, fn func(choice, receipt string)) error {
	return s.d.Scan(ctx, s.ballots.Name(), func(raw []byte) error {
		v, err := jsonString(raw, "vote")
		if err != nil || v != vote {
			return err
		}
		choice, err := jsonString(raw, "choice")
		if err != nil {
			return err
		}
		receipt, err := jsonString(raw, "receipt")
		if err != nil {
			return err
		}
		fn(choice, receipt)
		return nil
	})
}

// jsonString returns the string value of key in a flat JSON object (a
// ballot slot as the embedded store keeps it), "" if it is absent. Decoding
// whole documents with encoding/json cost 4-5 µs each, most of the tally;
// this looks for `"key":"`, which can only be that key with a string value:
// inside a JSON string every quote is escaped, and the store's type schema
// ("$s") gives each key an object, not a string.
func jsonString(raw []byte, key string) (string, error) {
	pat := `"` + key + `":"`
	i := bytes.Index(raw, []byte(pat))
	if i < 0 {
		return "", nil
	}
	start := i + len(pat)
	for j := start; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			// Escapes: let encoding/json decode the whole string.
			var v string
			err := json.NewDecoder(bytes.NewReader(raw[start-1:])).Decode(&v)
			return v, err
		case '"':
			return string(raw[start:j]), nil
		}
	}
	return "", fmt.Errorf("ballot: tally: unterminated %s in a stored ballot", key)
}

func (s *Service) count(ctx context.Context, v *Vote, read ballotFunc) (*Results, error) {
	counts := map[string]int{}
	var lines, receipts []string
	err := read(ctx, v.ID, func(choice, receipt string) {
		if choice == "" {
			return
		}
		counts[choice]++
		lines = append(lines, receipt+","+choice)
		receipts = append(receipts, receipt)
	})
	if err != nil {
		return nil, fmt.Errorf("ballot: tally: %w", err)
	}
	slices.Sort(lines)
	slices.Sort(receipts)
	r := &Results{Eligible: v.Eligible, Cast: len(lines), PassRule: v.PassRule, QuorumPercent: v.QuorumPercent,
		Commitment: commitment(lines), Receipts: receipts, ContractSHA256: v.ContractSHA256, Test: v.Test, TalliedAt: s.now()}
	r.TurnoutPercent = percent(r.Cast, r.Eligible)
	for _, c := range v.Choices {
		r.Choices = append(r.Choices, ChoiceCount{Choice: c, Count: counts[c], Percent: percent(counts[c], r.Cast)})
	}
	r.Outcome = outcome(v.PassRule, v.QuorumPercent, r.Eligible, r.Cast, counts[v.Choices[0]])
	return r, nil
}

// Tally stores the results of a closed vote once its grace period is over.
// It does nothing if the vote is tallied already.
func (s *Service) Tally(ctx context.Context, id string) (*Results, error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if v.Results != nil {
		return s.withReceipts(ctx, v)
	}
	if v.Status != Closed {
		return nil, wrapCode(ErrNotTallied, fmt.Sprintf("vote %s is %s; results come after it closes", id, v.Status))
	}
	if wait := v.ClosesAt.Add(s.d.Grace).Sub(s.now()); wait > 0 {
		return nil, wrapCode(ErrNotTallied, fmt.Sprintf("results are counted %s after the close", s.d.Grace))
	}
	r, err := s.Count(ctx, v)
	if err != nil {
		return nil, err
	}
	// The receipts first: once the results are on the vote, they must be
	// there. Instances tallying at once count the same ballots.
	if _, err := s.receipts.InsertOne(ctx, receiptsDoc{ID: id, Receipts: r.Receipts}); err != nil && !mongo.IsDuplicateKeyError(err) {
		return nil, fmt.Errorf("ballot: store receipts: %w", err)
	}
	stored := *r
	stored.Receipts = nil
	ok, err := s.claimVote(ctx, id, []Status{Closed}, "tallied", bson.D{{Key: "results", Value: &stored}})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wrapCode(ErrNotTallied, "the results are being counted; try again in a moment")
	}
	s.audit(ctx, System, "vote.tallied", id, map[string]string{"cast": fmt.Sprint(r.Cast), "commitment": r.Commitment})
	return r, nil
}

// Results returns a closed vote's results (409 before).
func (s *Service) Results(ctx context.Context, id string) (*Vote, *Results, error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if v.Results == nil {
		if v.Status == Closed {
			r, err := s.Tally(ctx, id)
			return v, r, err
		}
		return nil, nil, wrapCode(ErrNotTallied, fmt.Sprintf("vote %s is %s: results are available after it closes", id, v.Status))
	}
	r, err := s.withReceipts(ctx, v)
	return v, r, err
}

// receiptsDoc holds a tallied vote's receipts, sorted; _id is the vote.
type receiptsDoc struct {
	ID       string   `bson:"_id"`
	Receipts []string `bson:"receipts"`
}

// withReceipts returns a copy of the vote's stored results with its
// receipts, read once per instance (they never change after the tally).
func (s *Service) withReceipts(ctx context.Context, v *Vote) (*Results, error) {
	r := *v.Results
	if len(r.Receipts) > 0 || r.Cast == 0 {
		return &r, nil
	}
	if c, ok := s.receiptCache.Load(v.ID); ok {
		r.Receipts = c.([]string)
		return &r, nil
	}
	var d receiptsDoc
	if err := s.receipts.FindOne(ctx, bson.D{{Key: "_id", Value: v.ID}}).Decode(&d); err != nil {
		return nil, fmt.Errorf("ballot: receipts of vote %s: %w", v.ID, err)
	}
	s.receiptCache.Store(v.ID, d.Receipts)
	r.Receipts = d.Receipts
	return &r, nil
}

// Recount recomputes a vote's tally from its ballots and reports whether it
// equals the stored one.
func (s *Service) Recount(ctx context.Context, id string) (stored, recount *Results, same bool, err error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, nil, false, err
	}
	if v.Results == nil {
		return nil, nil, false, wrapCode(ErrNotTallied, fmt.Sprintf("vote %s has no stored results", id))
	}
	r, err := s.count(ctx, v, s.findBallots)
	if err != nil {
		return nil, nil, false, err
	}
	stored, err = s.withReceipts(ctx, v)
	if err != nil {
		return nil, nil, false, err
	}
	same = r.Cast == stored.Cast && r.Commitment == stored.Commitment && r.Outcome == stored.Outcome &&
		slices.Equal(r.Choices, stored.Choices) && slices.Equal(r.Receipts, stored.Receipts)
	return stored, r, same, nil
}
