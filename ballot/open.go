package ballot

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const (
	leaseFor  = 2 * time.Minute
	batchSize = 1000
)

// voterDoc is a member's record in one vote: who they are and which of
// their links are valid. Whether they voted is in castDoc.
type voterDoc struct {
	ID       string   `bson:"_id" json:"_id"` // "{vote}:{employee}"
	Vote     string   `bson:"vote" json:"vote"`
	Member   string   `bson:"member" json:"member"`
	Email    string   `bson:"email" json:"email"`
	Name     string   `bson:"name" json:"name"`
	Gen      int      `bson:"gen" json:"gen"`
	TokenIDs []string `bson:"token_ids" json:"token_ids"` // H1 of the member's valid tokens
	Revoked  bool     `bson:"revoked,omitempty" json:"revoked"`
	Rounds   []string `bson:"rounds,omitempty" json:"rounds"` // reminder rounds sent to the member
}

// tokenDoc names the member a token belongs to. Its _id is H1(token).
type tokenDoc struct {
	ID     string `bson:"_id"`
	Vote   string `bson:"vote"`
	Member string `bson:"member"`
	Gen    int    `bson:"gen"`
}

// slotDoc is a ballot. Its _id is H2(token); it holds nothing else that
// identifies anyone, no time and no sequence.
type slotDoc struct {
	ID      string `bson:"_id"`
	Vote    string `bson:"vote"`
	Choice  string `bson:"choice"`
	Receipt string `bson:"receipt"`
}

// spareDoc holds a sealed token made at opening for issue later.
type spareDoc struct {
	ID     string `bson:"_id"` // "{vote}:{n}"
	Sealed string `bson:"sealed"`
}

func voterKey(vote, member string) string { return vote + ":" + member }

// claimVote moves a vote from one of the statuses in from, once: the claim
// is the insert of a document with the unique _id "{vote}:{key}" (test-and-
// set that both stores make atomic; a conditional update is not atomic on
// the embedded store), then the vote's document is updated by _id. A claim
// whose update never happened (its instance died in between) is re-applied
// by a later caller once it is older than a minute.
func (s *Service) claimVote(ctx context.Context, id string, from []Status, key string, set bson.D) (bool, error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return false, err
	}
	if !slices.Contains(from, v.Status) {
		return false, nil
	}
	now := s.now()
	claim := bson.D{{Key: "_id", Value: id + ":" + key}, {Key: "at", Value: now}, {Key: "by", Value: s.d.Instance}}
	if _, err := s.transitions.InsertOne(ctx, claim); err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return false, fmt.Errorf("ballot: claim %s: %w", key, err)
		}
		var prior struct {
			At time.Time `bson:"at"`
		}
		if err := s.transitions.FindOne(ctx, bson.D{{Key: "_id", Value: id + ":" + key}}).Decode(&prior); err != nil || now.Sub(prior.At) < time.Minute {
			return false, nil
		}
		s.d.Logger.Warn("ballot: re-applying an unfinished transition", "vote", id, "transition", key)
	}
	if _, err := s.votes.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		return false, fmt.Errorf("ballot: %s: %w", key, err)
	}
	s.voteCache.Delete(id)
	return true, nil
}

// BeginOpen claims the opening of a vote (from draft or scheduled) for this
// instance. The snapshot and tokens are made by CompleteOpening.
func (s *Service) BeginOpen(ctx context.Context, a Actor, id string) (*Vote, error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	set := bson.D{{Key: "status", Value: Opening}, {Key: "lease_owner", Value: s.d.Instance}, {Key: "lease_until", Value: now.Add(leaseFor)}}
	if now.Before(v.OpensAt) {
		set = append(set, bson.E{Key: "opens_at", Value: now})
	}
	ok, err := s.claimVote(ctx, id, []Status{Draft, Scheduled}, "opening", set)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wrapCode(ErrBadTransition, fmt.Sprintf("vote %s is %s; only a draft or scheduled vote can be opened", id, v.Status))
	}
	s.audit(ctx, a, "vote.opening", id, map[string]string{"early": fmt.Sprint(now.Before(v.OpensAt))})
	return s.Find(ctx, id)
}

// Open opens a vote now and returns when every token is issued.
func (s *Service) Open(ctx context.Context, a Actor, id string) (*Vote, error) {
	if _, err := s.BeginOpen(ctx, a, id); err != nil {
		return nil, err
	}
	return s.CompleteOpening(ctx, a, id)
}

// CompleteOpening snapshots the eligible members, makes their tokens, ballot
// slots and participation records, queues their invitations, and opens the
// vote. It resumes an opening interrupted by a crash: members that already
// have a participation record are skipped.
func (s *Service) CompleteOpening(ctx context.Context, a Actor, id string) (*Vote, error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if v.Status != Opening || v.LeaseOwner != s.d.Instance {
		return nil, wrapCode(ErrBadTransition, fmt.Sprintf("vote %s is %s, not being opened by this instance", id, v.Status))
	}
	start := time.Now()
	if set, err := s.bindContract(ctx, v); err != nil {
		return nil, err
	} else if set != nil {
		if _, err := s.votes.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return nil, fmt.Errorf("ballot: bind contract: %w", err)
		}
	}

	all := v.TestVoters
	if !v.Test {
		if all, err = s.d.Roster.EligibleVoters(ctx); err != nil {
			return nil, fmt.Errorf("ballot: snapshot: %w", err)
		}
	}
	done, err := s.votersDone(ctx, id)
	if err != nil {
		return nil, err
	}
	todo := make([]Voter, 0, len(all))
	for _, m := range all {
		if !done[m.EmployeeID] {
			todo = append(todo, m)
		}
	}
	shuffle(todo)
	tokens := make([]string, len(todo))
	for i := range tokens {
		tokens[i] = newToken()
	}
	spares := 0
	if v.SpareTotal == 0 {
		spares = max(20, len(all)/20)
	}
	spareTokens := make([]string, spares)
	for i := range spareTokens {
		spareTokens[i] = newToken()
	}
	// Ballot slots first, all of them in one random order.
	slotIDs := make([]string, 0, len(tokens)+spares)
	for _, t := range tokens {
		slotIDs = append(slotIDs, s.keys.slotID(t))
	}
	for _, t := range spareTokens {
		slotIDs = append(slotIDs, s.keys.slotID(t))
	}
	if err := s.insertSlots(ctx, id, slotIDs); err != nil {
		return nil, err
	}
	if spares > 0 {
		docs := make([]any, spares)
		for i, t := range spareTokens {
			docs[i] = spareDoc{ID: fmt.Sprintf("%s:%07d", id, i), Sealed: s.keys.seal(t)}
		}
		if err := insertAll(ctx, s.spares, docs); err != nil {
			return nil, err
		}
		if _, err := s.votes.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "spare_total", Value: spares}}}}); err != nil {
			return nil, fmt.Errorf("ballot: spares: %w", err)
		}
	}
	// Then per batch: tokens, invitations, and last the participation
	// records, which mark the members done if the opening is resumed.
	for lo := 0; lo < len(todo); lo += batchSize {
		hi := min(lo+batchSize, len(todo))
		if err := s.issue(ctx, v, todo[lo:hi], tokens[lo:hi], 0, "invitation", "invitations"); err != nil {
			return nil, err
		}
		if _, err := s.votes.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "lease_until", Value: s.now().Add(leaseFor)}}}}); err != nil {
			return nil, fmt.Errorf("ballot: renew lease: %w", err)
		}
	}
	now := s.now()
	ok, err := s.claimVote(ctx, id, []Status{Opening}, "open", bson.D{
		{Key: "status", Value: Open}, {Key: "eligible", Value: len(all)}, {Key: "opened_at", Value: now},
		{Key: "lease_owner", Value: ""}, {Key: "lease_until", Value: time.Time{}},
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wrapCode(ErrBadTransition, fmt.Sprintf("vote %s changed while opening", id))
	}
	s.audit(ctx, a, "vote.opened", id, map[string]string{
		"eligible": fmt.Sprint(len(all)), "contract_sha256": v.ContractSHA256, "test": fmt.Sprint(v.Test),
	})
	s.d.Logger.Info("vote opened", "vote", id, "eligible", len(all), "duration", time.Since(start))
	return s.Find(ctx, id)
}

// bindContract fills in the agreement vote v ratifies, as opening binds it:
// its title, the SHA-256 of its source and, unless the officers gave one,
// its summary of changes (an absolute link: it goes out by email). It
// returns the fields to store, nil if there is nothing to bind.
func (s *Service) bindContract(ctx context.Context, v *Vote) (bson.D, error) {
	if v.ContractID == "" || s.d.Contracts == nil || v.ContractSHA256 != "" {
		return nil, nil
	}
	title, sum, summary, err := s.d.Contracts.ContractFor(ctx, v.ContractID)
	if err != nil {
		return nil, fmt.Errorf("ballot: contract %s: %w", v.ContractID, err)
	}
	if strings.HasPrefix(summary, "/") {
		summary = s.d.BaseURL + summary
	}
	v.ContractSHA256, v.ContractTitle = sum, title
	set := bson.D{{Key: "contract_sha256", Value: sum}, {Key: "contract_title", Value: title}}
	if v.Info.SummaryURL == "" && summary != "" {
		set = append(set, bson.E{Key: "info.summary_url", Value: summary})
		v.Info.SummaryURL = summary
	}
	return set, nil
}

// issue writes the token documents of voters (one token each, generation
// gen), queues their messages, and writes or updates their participation
// records. Slots for the tokens must exist already.
func (s *Service) issue(ctx context.Context, v *Vote, voters []Voter, tokens []string, gen int, template, campaign string) error {
	return s.issueRound(ctx, v, voters, tokens, gen, template, campaign, "")
}

// issueRound is issue that also records, when round is not empty, that
// each member had that reminder round.
func (s *Service) issueRound(ctx context.Context, v *Vote, voters []Voter, tokens []string, gen int, template, campaign, round string) error {
	toks := make([]any, len(voters))
	mails := make([]Mail, len(voters))
	recs := make([]any, len(voters))
	data := s.mailData(v)
	for i, m := range voters {
		oid := s.keys.ownerID(tokens[i])
		toks[i] = tokenDoc{ID: oid, Vote: v.ID, Member: m.EmployeeID, Gen: gen}
		mails[i] = s.personalMail(v, m, tokens[i], gen, template, campaign, data)
		recs[i] = voterDoc{ID: voterKey(v.ID, m.EmployeeID), Vote: v.ID, Member: m.EmployeeID,
			Email: m.Email, Name: m.Name, Gen: gen, TokenIDs: []string{oid}}
	}
	if err := insertAll(ctx, s.tokens, toks); err != nil {
		return err
	}
	if s.d.Mail != nil {
		if err := s.d.Mail.Enqueue(ctx, mails...); err != nil {
			return fmt.Errorf("ballot: queue %s: %w", template, err)
		}
	}
	if gen == 0 {
		return insertAll(ctx, s.voters, recs)
	}
	for i, m := range voters {
		add := bson.D{{Key: "token_ids", Value: s.keys.ownerID(tokens[i])}}
		if round != "" {
			add = append(add, bson.E{Key: "rounds", Value: round})
		}
		_, err := s.voters.UpdateOne(ctx, bson.D{{Key: "_id", Value: voterKey(v.ID, m.EmployeeID)}}, bson.D{
			{Key: "$max", Value: bson.D{{Key: "gen", Value: gen}}},
			{Key: "$addToSet", Value: add},
		})
		if err != nil {
			return fmt.Errorf("ballot: participation: %w", err)
		}
	}
	return nil
}

// mailData is the template data of invitations and reminders.
func (s *Service) mailData(v *Vote) map[string]any {
	meetings := make([]map[string]any, len(v.Info.Meetings))
	for i, m := range v.Info.Meetings {
		meetings[i] = map[string]any{"title": m.Title, "starts_at": m.StartsAt, "url": m.URL}
	}
	return map[string]any{
		"vote_id": v.ID, "vote_title": v.Title, "question": v.Question, "choices": v.Choices,
		"contract_title": v.ContractTitle, "contract_sha256": v.ContractSHA256,
		"summary_url": v.Info.SummaryURL, "opens_at": v.OpensAt, "closes_at": v.ClosesAt,
		"meetings": meetings, "test": v.Test,
	}
}

// insertSlots creates empty ballot slots in a fresh random order.
func (s *Service) insertSlots(ctx context.Context, vote string, ids []string) error {
	shuffle(ids)
	docs := make([]any, len(ids))
	for i, id := range ids {
		docs[i] = slotDoc{ID: id, Vote: vote}
	}
	return insertAll(ctx, s.ballots, docs)
}

// votersDone returns the members that already have a participation record
// (a resumed opening). One scan: a cold path.
func (s *Service) votersDone(ctx context.Context, vote string) (map[string]bool, error) {
	cur, err := s.voters.Find(ctx, bson.D{{Key: "vote", Value: vote}}, options.Find().SetProjection(bson.D{{Key: "member", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("ballot: voters: %w", err)
	}
	defer cur.Close(ctx)
	done := map[string]bool{}
	for cur.Next(ctx) {
		var d struct{ Member string }
		if err := cur.Decode(&d); err != nil {
			return nil, err
		}
		done[d.Member] = true
	}
	return done, cur.Err()
}

// insertAll inserts docs in batches, unordered, ignoring duplicates: what
// exists already was written by an earlier, interrupted run.
func insertAll(ctx context.Context, c *mongo.Collection, docs []any) error {
	for lo := 0; lo < len(docs); lo += batchSize {
		hi := min(lo+batchSize, len(docs))
		_, err := c.InsertMany(ctx, docs[lo:hi], options.InsertMany().SetOrdered(false))
		if err != nil && !onlyDuplicates(err) {
			return fmt.Errorf("ballot: insert into %s: %w", c.Name(), err)
		}
	}
	return nil
}

func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return true
}

// shuffle permutes xs with crypto/rand (Fisher-Yates).
func shuffle[T any](xs []T) {
	for i := len(xs) - 1; i > 0; i-- {
		j, _ := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		k := int(j.Int64())
		xs[i], xs[k] = xs[k], xs[i]
	}
}
