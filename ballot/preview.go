package ballot

import (
	"context"
	"fmt"
)

// PreviewToken stands in for the voting token in previews' links. It is
// not a voting token: ParseToken refuses it (wrong length), so a preview
// link can never take or reveal a ballot.
const PreviewToken = "preview-not-a-voting-token"

// PreviewVote returns the vote as members will see it on the ballot page:
// when it is not open yet, with the agreement bound as opening binds it
// (title, fingerprint, summary link). It writes nothing.
func (s *Service) PreviewVote(ctx context.Context, id string) (*Vote, error) {
	v, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.bindContract(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// PreviewInvitation returns the invitation that opening the vote queues for
// to, built by the same code, with a link carrying PreviewToken instead of
// a voting token. It writes and queues nothing.
func (s *Service) PreviewInvitation(ctx context.Context, id string, to Voter) (Mail, error) {
	v, err := s.PreviewVote(ctx, id)
	if err != nil {
		return Mail{}, err
	}
	m := s.personalMail(v, to, PreviewToken, 0, "invitation", "invitations", s.mailData(v))
	m.ID += ":preview"
	return m, nil
}

// personalMail is the message carrying member m's personal link to vote v;
// issue queues these and the previews show one, so the two cannot drift.
func (s *Service) personalMail(v *Vote, m Voter, token string, gen int, template, campaign string, data map[string]any) Mail {
	return Mail{
		ID:       fmt.Sprintf("%s:%s:%s:%d", template, v.ID, m.EmployeeID, gen),
		Campaign: "vote:" + v.ID + ":" + campaign,
		To:       m.Email, ToName: m.Name, Template: template, Data: data,
		Secret: map[string]string{"link": s.d.BaseURL + "/v/" + token},
	}
}
