package ballot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ratifyhq/ratify/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Participant is one member's participation in a vote, as officers see it:
// whether they voted and on which date, never how.
type Participant struct {
	EmployeeID string `json:"employee_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Voted      bool   `json:"voted"`
	VotedOn    string `json:"voted_on,omitempty"`
	Revoked    bool   `json:"revoked,omitempty"`
}

// participation reads every participation record of a vote (one scan of a
// collection; a cold path for officers and campaigns).
func (s *Service) participation(ctx context.Context, vote string) ([]voterDoc, error) {
	var out []voterDoc
	err := scanVote(ctx, s, s.voters.Name(), vote, func(d voterDoc) { out = append(out, d) })
	if !errors.Is(err, store.ErrNoScan) {
		if err != nil {
			return nil, fmt.Errorf("ballot: participation: %w", err)
		}
		return out, nil
	}
	cur, err := s.voters.Find(ctx, bson.D{{Key: "vote", Value: vote}})
	if err != nil {
		return nil, fmt.Errorf("ballot: participation: %w", err)
	}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("ballot: participation: %w", err)
	}
	return out, nil
}

// scanVote reads the documents of one vote in a collection through the
// embedded store's direct scan (Deps.Scan), about ten times faster than
// the driver: 100,000 participation records took about ten seconds through
// it. Each document is decoded with encoding/json: the stored JSON holds
// strings, booleans, integers and arrays of them as themselves (see
// store/scan.go). ErrNoScan when there is no direct path.
func scanVote[T any](ctx context.Context, s *Service, collection, vote string, keep func(T)) error {
	if s.d.Scan == nil {
		return store.ErrNoScan
	}
	return s.d.Scan(ctx, collection, func(raw []byte) error {
		v, err := jsonString(raw, "vote")
		if err != nil || v != vote {
			return err
		}
		var d T
		if err := json.Unmarshal(raw, &d); err != nil {
			return err
		}
		keep(d)
		return nil
	})
}

// Participants lists who was eligible in a vote and whether they voted.
func (s *Service) Participants(ctx context.Context, vote string) ([]Participant, error) {
	if _, err := s.Find(ctx, vote); err != nil {
		return nil, err
	}
	recs, err := s.participation(ctx, vote)
	if err != nil {
		return nil, err
	}
	marks, err := s.marks(ctx, vote)
	if err != nil {
		return nil, err
	}
	out := make([]Participant, len(recs))
	for i, r := range recs {
		m, voted := marks[r.Member]
		out[i] = Participant{EmployeeID: r.Member, Name: r.Name, Email: r.Email, Voted: voted, VotedOn: m.On, Revoked: r.Revoked}
	}
	return out, nil
}

// marks returns the participation marks of a vote by member (one scan).
func (s *Service) marks(ctx context.Context, vote string) (map[string]castDoc, error) {
	out := map[string]castDoc{}
	err := scanVote(ctx, s, s.casts.Name(), vote, func(d castDoc) { out[strings.TrimPrefix(d.ID, vote+":")] = d })
	if !errors.Is(err, store.ErrNoScan) {
		if err != nil {
			return nil, fmt.Errorf("ballot: marks: %w", err)
		}
		return out, nil
	}
	cur, err := s.casts.Find(ctx, bson.D{{Key: "vote", Value: vote}})
	if err != nil {
		return nil, fmt.Errorf("ballot: marks: %w", err)
	}
	var docs []castDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("ballot: marks: %w", err)
	}
	for _, d := range docs {
		out[strings.TrimPrefix(d.ID, vote+":")] = d
	}
	return out, nil
}

// takeTokens returns n tokens whose ballot slots exist: from the vote's
// spare pool while it lasts, else from a new batch whose slots are created
// together in random order.
func (s *Service) takeTokens(ctx context.Context, v *Vote, n int) ([]string, error) {
	var out []string
	// Each spare is claimed by inserting "{vote}:spare:{i}": the first
	// inserter owns it. Scanning upward from a hint keeps claims cheap.
	for i := v.SpareNext; len(out) < n && i < v.SpareTotal; i++ {
		_, err := s.transitions.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s:spare:%07d", v.ID, i)}})
		if mongo.IsDuplicateKeyError(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ballot: spare: %w", err)
		}
		id := fmt.Sprintf("%s:%07d", v.ID, i)
		var sp spareDoc
		if err := s.spares.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&sp); err != nil {
			return nil, fmt.Errorf("ballot: spare %d: %w", i, err)
		}
		t, err := s.keys.unseal(sp.Sealed)
		if err != nil {
			return nil, fmt.Errorf("ballot: spare %d: %w", i, err)
		}
		if _, err := s.spares.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			return nil, fmt.Errorf("ballot: spare %d: %w", i, err)
		}
		// A hint only: a lost update costs a few duplicate-key probes.
		s.votes.UpdateOne(ctx, bson.D{{Key: "_id", Value: v.ID}}, bson.D{{Key: "$max", Value: bson.D{{Key: "spare_next", Value: i + 1}}}})
		v.SpareNext = i + 1
		out = append(out, t)
	}
	if rest := n - len(out); rest > 0 {
		batch := make([]string, max(rest, 20))
		slots := make([]string, len(batch))
		for i := range batch {
			batch[i] = newToken()
			slots[i] = s.keys.slotID(batch[i])
		}
		if err := s.insertSlots(ctx, v.ID, slots); err != nil {
			return nil, err
		}
		out = append(out, batch[:rest]...)
	}
	return out, nil
}

// openVote returns the vote if it is open now.
func (s *Service) openVote(ctx context.Context, id string) (*Vote, error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if !v.Accepting(s.now()) {
		return nil, v.notOpenError(s.now())
	}
	return v, nil
}

// AddVoter adds a member who became eligible while the vote is open and
// sends them a link.
func (s *Service) AddVoter(ctx context.Context, a Actor, voteID, employeeID string) (*Participant, error) {
	v, err := s.openVote(ctx, voteID)
	if err != nil {
		return nil, err
	}
	var m Voter
	if v.Test {
		return nil, wrapCode(ErrBadTransition, "a test vote's roster is fixed when it is created")
	}
	m, ok, err := s.d.Roster.EligibleVoter(ctx, employeeID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fieldErr("employee_id", "member %q is not eligible to vote (status, separation or email)", employeeID)
	}
	var existing voterDoc
	if err := s.voters.FindOne(ctx, bson.D{{Key: "_id", Value: voterKey(voteID, employeeID)}}).Decode(&existing); err == nil {
		if !existing.Revoked {
			return nil, wrapCode(ErrBadTransition, fmt.Sprintf("member %s is already a voter in this vote", employeeID))
		}
		p, err := s.replaceToken(ctx, v, existing, "invitation", "invitations")
		if err == nil {
			_, err = s.voters.UpdateOne(ctx, bson.D{{Key: "_id", Value: existing.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: false}}}})
			s.audit(ctx, a, "vote.voter_restored", voteID, map[string]string{"employee_id": employeeID})
		}
		return p, err
	}
	toks, err := s.takeTokens(ctx, v, 1)
	if err != nil {
		return nil, err
	}
	if err := s.issue(ctx, v, []Voter{m}, toks, 0, "invitation", "invitations"); err != nil {
		return nil, err
	}
	if _, err := s.votes.UpdateOne(ctx, bson.D{{Key: "_id", Value: voteID}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "eligible", Value: 1}}}}); err != nil {
		return nil, fmt.Errorf("ballot: eligible count: %w", err)
	}
	s.audit(ctx, a, "vote.voter_added", voteID, map[string]string{"employee_id": employeeID})
	return &Participant{EmployeeID: m.EmployeeID, Name: m.Name, Email: m.Email}, nil
}

// RemoveVoter records an officer's decision about a member who stopped
// being eligible while the vote is open: keepLink leaves their link valid,
// otherwise it is withdrawn (if they have voted already, the ballot stays:
// it cannot be found, by design).
func (s *Service) RemoveVoter(ctx context.Context, a Actor, voteID, employeeID string, keepLink bool) error {
	if _, err := s.openVote(ctx, voteID); err != nil {
		return err
	}
	var rec voterDoc
	if err := s.voters.FindOne(ctx, bson.D{{Key: "_id", Value: voterKey(voteID, employeeID)}}).Decode(&rec); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return wrapCode(ErrNotFound, fmt.Sprintf("member %s is not a voter in vote %s", employeeID, voteID))
		}
		return fmt.Errorf("ballot: remove voter: %w", err)
	}
	if !keepLink {
		if _, err := s.voters.UpdateOne(ctx, bson.D{{Key: "_id", Value: rec.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}}); err != nil {
			return fmt.Errorf("ballot: remove voter: %w", err)
		}
		for _, t := range rec.TokenIDs {
			if _, err := s.tokens.DeleteOne(ctx, bson.D{{Key: "_id", Value: t}}); err != nil {
				return fmt.Errorf("ballot: remove voter: %w", err)
			}
		}
	}
	s.audit(ctx, a, "vote.voter_removed", voteID, map[string]string{"employee_id": employeeID, "keep_link": fmt.Sprint(keepLink)})
	return nil
}

// replaceToken gives a member a new link that replaces their old ones.
func (s *Service) replaceToken(ctx context.Context, v *Vote, rec voterDoc, template, campaign string) (*Participant, error) {
	toks, err := s.takeTokens(ctx, v, 1)
	if err != nil {
		return nil, err
	}
	if err := s.issue(ctx, v, []Voter{{EmployeeID: rec.Member, Email: rec.Email, Name: rec.Name}}, toks, rec.Gen+1, template, campaign); err != nil {
		return nil, err
	}
	for _, old := range rec.TokenIDs {
		if _, err := s.tokens.DeleteOne(ctx, bson.D{{Key: "_id", Value: old}}); err != nil {
			return nil, fmt.Errorf("ballot: replace link: %w", err)
		}
	}
	_, err = s.voters.UpdateOne(ctx, bson.D{{Key: "_id", Value: rec.ID}},
		bson.D{{Key: "$pullAll", Value: bson.D{{Key: "token_ids", Value: rec.TokenIDs}}}})
	if err != nil {
		return nil, fmt.Errorf("ballot: replace link: %w", err)
	}
	return &Participant{EmployeeID: rec.Member, Name: rec.Name, Email: rec.Email}, nil
}

// Resend replaces the link of the member with this email in every open
// vote where they have not voted, and queues a new invitation. It reports
// nothing about whether the email is known: the caller answers alike.
func (s *Service) Resend(ctx context.Context, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil
	}
	votes, err := s.List(ctx)
	if err != nil {
		return err
	}
	for _, v := range votes {
		if !v.Accepting(s.now()) {
			continue
		}
		member := ""
		if v.Test {
			var full Vote
			if err := s.votes.FindOne(ctx, bson.D{{Key: "_id", Value: v.ID}}).Decode(&full); err != nil {
				return err
			}
			for _, tv := range full.TestVoters {
				if tv.Email == email {
					member = tv.EmployeeID
				}
			}
		} else if m, ok, err := s.d.Roster.VoterByEmail(ctx, email); err != nil {
			return err
		} else if ok {
			member = m.EmployeeID
		}
		if member == "" {
			continue
		}
		var rec voterDoc
		if err := s.voters.FindOne(ctx, bson.D{{Key: "_id", Value: voterKey(v.ID, member)}}).Decode(&rec); err != nil {
			continue // not a voter in this vote
		}
		if rec.Revoked {
			continue
		}
		if err := s.casts.FindOne(ctx, bson.D{{Key: "_id", Value: rec.ID}}).Err(); err == nil {
			continue // voted already
		}
		if _, err := s.replaceToken(ctx, v, rec, "invitation", "resend"); err != nil {
			return err
		}
	}
	return nil
}
