package ballot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/ratifyhq/ratify/errs"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Receipt is what a member gets for a cast ballot.
type Receipt struct {
	VoteID  string `json:"vote_id"`
	Receipt string `json:"receipt"`
	Choice  string `json:"choice"`
}

// BallotState is what the ballot page shows for a token.
type BallotState string

// The states of a ballot page.
const (
	StateOpen         BallotState = "open"
	StateNotYetOpen   BallotState = "not_open"
	StateClosed       BallotState = "closed"
	StateAlreadyVoted BallotState = "already_voted"
)

// BallotView is what the ballot page needs. Viewing never consumes a token.
type BallotView struct {
	Vote  *Vote
	State BallotState
}

// lookupToken returns the token's document, refusing malformed tokens
// before any lookup.
func (s *Service) lookupToken(ctx context.Context, token string) (*tokenDoc, error) {
	if _, err := ParseToken(token); err != nil {
		return nil, wrapCode(ErrBadToken, "this voting link is not valid")
	}
	var t tokenDoc
	err := s.tokens.FindOne(ctx, bson.D{{Key: "_id", Value: s.keys.ownerID(token)}}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, wrapCode(ErrBadToken, "this voting link is not valid: it may have been replaced by a newer one")
	}
	if err != nil {
		return nil, fmt.Errorf("ballot: token: %w", err)
	}
	return &t, nil
}

// View returns the vote behind a token and whether it can be cast now.
func (s *Service) View(ctx context.Context, token string) (*BallotView, error) {
	t, err := s.lookupToken(ctx, token)
	if err != nil {
		return nil, err
	}
	v, err := s.Find(ctx, t.Vote)
	if err != nil {
		return nil, err
	}
	now := s.now()
	view := &BallotView{Vote: v, State: StateOpen}
	switch {
	case v.Status == Cancelled || (!v.Accepting(now) && !now.Before(v.ClosesAt)) || v.Status == Closed || v.Status == Published:
		view.State = StateClosed
	case !v.Accepting(now):
		view.State = StateNotYetOpen
	}
	var mark castDoc
	if err := s.casts.FindOne(ctx, bson.D{{Key: "_id", Value: voterKey(t.Vote, t.Member)}}).Decode(&mark); err == nil {
		if mark.Gen != t.Gen {
			view.State = StateAlreadyVoted
		} else if filled, err := s.slotFilled(ctx, token); err == nil && filled {
			view.State = StateAlreadyVoted
		}
	}
	return view, nil
}

// Cast records the choice of the member holding token, exactly once. See the
// package documentation for the steps and why they are safe.
func (s *Service) Cast(ctx context.Context, token, choice string) (*Receipt, error) {
	began := s.now()
	// Reads first, outside the bound on writers: the embedded store's
	// readers never wait for its writer.
	t, err := s.lookupToken(ctx, token)
	if err != nil {
		return nil, err
	}
	v, err := s.cachedVote(ctx, t.Vote)
	if err != nil {
		return nil, err
	}
	if !v.Accepting(began) {
		return nil, v.notOpenError(began)
	}
	canonical, ok := v.ChoiceIndex(choice)
	if !ok {
		return nil, errs.Field("choice", "%q is not a choice of this vote", choice)
	}
	mu := s.memberLock(voterKey(t.Vote, t.Member))
	mu.Lock()
	defer mu.Unlock()
	select {
	case s.castSlots <- struct{}{}:
		defer func() { <-s.castSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// The claim: one participation mark per member and vote, inserted with
	// a unique _id. It holds the generation of the link that won and the
	// date, nothing else.
	mark := castDoc{ID: voterKey(t.Vote, t.Member), Vote: t.Vote, Gen: t.Gen, On: began.In(v.Location()).Format("2006-01-02"), By: s.d.Instance}
	_, err = s.casts.InsertOne(ctx, mark)
	first := err == nil
	if err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return nil, fmt.Errorf("ballot: claim: %w", err)
		}
		var prior castDoc
		if err := s.casts.FindOne(ctx, bson.D{{Key: "_id", Value: mark.ID}}).Decode(&prior); err != nil {
			return nil, fmt.Errorf("ballot: claim: %w", err)
		}
		if prior.Gen != t.Gen {
			return nil, wrapCode(ErrAlreadyVoted, "already voted")
		}
		// The same link claimed before: a retry after a crash, or a
		// submission in flight in another instance (one in this instance
		// has finished: we hold the member's lock). Give another instance
		// the time a cast takes to fill the slot before taking it over.
		wait := time.Duration(0)
		if prior.By != s.d.Instance {
			wait = 2 * time.Second
		}
		filled, err := s.waitFilled(ctx, token, wait)
		if err != nil {
			return nil, err
		}
		if filled {
			return nil, wrapCode(ErrAlreadyVoted, "already voted")
		}
	}
	if s.afterClaim != nil {
		if err := s.afterClaim(); err != nil {
			return nil, err
		}
	}
	if s.now().After(v.ClosesAt.Add(s.d.Grace)) {
		return nil, v.notOpenError(s.now())
	}
	// The receipt is derived from the token, so that two instances racing
	// on one link write the same receipt into the same slot.
	r := &Receipt{VoteID: v.ID, Receipt: s.keys.receipt(token), Choice: canonical}
	res, err := s.ballots.UpdateOne(ctx, bson.D{{Key: "_id", Value: s.keys.slotID(token)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "choice", Value: canonical}, {Key: "receipt", Value: r.Receipt}}}})
	if err != nil {
		return nil, fmt.Errorf("ballot: fill: %w", err)
	}
	if res.MatchedCount != 1 {
		return nil, fmt.Errorf("ballot: no ballot slot for a valid token of vote %s", v.ID)
	}
	if first {
		s.turnout.add(v.ID, began)
	}
	return r, nil
}

// castDoc marks that a member voted: which of their links won, and the
// date. Its _id is "{vote}:{member}".
type castDoc struct {
	ID   string `bson:"_id" json:"_id"`
	Vote string `bson:"vote" json:"vote"`
	Gen  int    `bson:"gen" json:"gen"`
	On   string `bson:"on" json:"on"`
	By   string `bson:"by" json:"by"` // the instance that claimed (a random name per process)
}

// waitFilled reports whether the token's slot is filled, polling up to wait.
func (s *Service) waitFilled(ctx context.Context, token string, wait time.Duration) (bool, error) {
	deadline := time.Now().Add(wait)
	for {
		filled, err := s.slotFilled(ctx, token)
		if err != nil || filled || !time.Now().Before(deadline) {
			return filled, err
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Service) slotFilled(ctx context.Context, token string) (bool, error) {
	var slot slotDoc
	err := s.ballots.FindOne(ctx, bson.D{{Key: "_id", Value: s.keys.slotID(token)}}).Decode(&slot)
	if err != nil {
		return false, fmt.Errorf("ballot: slot: %w", err)
	}
	return slot.Choice != "", nil
}

// castLockStripes is how many locks the members' casts share: a fixed set,
// so that memory does not grow with every member who votes (a map of one
// lock per member kept 100,000 entries after a 100,000-ballot vote), and
// two members collide on one only rarely (64 casts in flight over 4,096).
const castLockStripes = 4096

// memberLock serialises one member's casts inside this process.
func (s *Service) memberLock(key string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(key))
	return &s.locks[h.Sum32()%castLockStripes]
}

// voteCacheFor is how long a cast may use a vote document read earlier. It
// must stay below closeLead: an officer's early close takes effect
// closeLead after the click, so every instance has seen it before then.
const voteCacheFor = 500 * time.Millisecond

type cachedVote struct {
	v  Vote
	at time.Time
}

// cachedVote returns the vote, read from the store at most voteCacheFor
// ago (on the service's clock). Transitions made by this instance drop it.
func (s *Service) cachedVote(ctx context.Context, id string) (*Vote, error) {
	now := s.now()
	if c, ok := s.voteCache.Load(id); ok {
		cv := c.(*cachedVote)
		if now.Sub(cv.at) < voteCacheFor && !now.Before(cv.at) {
			v := cv.v
			return &v, nil
		}
	}
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	s.voteCache.Store(id, &cachedVote{v: *v, at: now})
	return v, nil
}
