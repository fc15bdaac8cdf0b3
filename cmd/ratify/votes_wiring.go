package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/ballot"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/members"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/store"
)

// newVotes builds the ballot service on the roster, the outbox, the audit
// log and the agreements, through the small interfaces it declares.
func newVotes(st *store.Store, c core, outbox *notify.Outbox, lib *contracts.Library, secret []byte, baseURL string, log *slog.Logger) *ballot.Service {
	return ballot.New(st.DB, ballot.Deps{
		Roster: roster{c.members}, Mail: mailer{outbox}, Audit: auditor{c.audit}, Contracts: lib,
		Secret: secret, BaseURL: baseURL, Logger: log, Scan: st.Scan,
	})
}

// roster adapts the members store to ballot.Roster.
type roster struct{ m *members.Store }

func voter(e members.Eligible) ballot.Voter {
	return ballot.Voter{EmployeeID: e.EmployeeID, Email: e.Email, Name: e.Name}
}

func (r roster) EligibleVoters(ctx context.Context) ([]ballot.Voter, error) {
	es, err := r.m.Eligible(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ballot.Voter, len(es))
	for i, e := range es {
		out[i] = voter(e)
	}
	return out, nil
}

func (r roster) EligibleVoter(ctx context.Context, id string) (ballot.Voter, bool, error) {
	e, ok, err := r.m.IsEligible(ctx, id)
	return voter(e), ok, err
}

func (r roster) VoterByEmail(ctx context.Context, email string) (ballot.Voter, bool, error) {
	m, err := r.m.FindByEmail(ctx, email)
	if errors.Is(err, members.ErrNotFound) {
		return ballot.Voter{}, false, nil
	}
	if err != nil {
		return ballot.Voter{}, false, err
	}
	return r.EligibleVoter(ctx, m.EmployeeID)
}

// mailer adapts the outbox to ballot.Mailer.
type mailer struct{ o *notify.Outbox }

func (m mailer) Enqueue(ctx context.Context, msgs ...ballot.Mail) error {
	out := make([]notify.Message, len(msgs))
	for i, msg := range msgs {
		out[i] = notify.Message(msg)
	}
	return m.o.Enqueue(ctx, out...)
}

// auditor adapts the audit log to ballot.Auditor.
type auditor struct{ l *audit.Log }

func (a auditor) Record(ctx context.Context, who ballot.Actor, action, object string, detail map[string]string) error {
	_, err := a.l.Append(ctx, audit.Actor{OfficerID: who.ID, Email: who.Email, Role: who.Role, IP: who.IP}, action, object, detail)
	return err
}
