package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ratifyhq/ratify/ballot"
)

const votesUsage = `usage: ratify votes tally VOTE_ID [flags]

Recounts a vote from its ballots and compares the count with the stored
(published) results: counts per choice, ballots cast, outcome and
commitment. Exits 1 if they differ. Store flags as for "ratify serve".`

// votesCmd runs "ratify votes tally VOTE_ID".
func votesCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "tally" {
		//lint:ignore ST1005 the usage text is printed as it is
		return errors.New(votesUsage)
	}
	id := args[1]
	cfg, rest, err := parseConfig("ratify votes tally", args[2:], getenv, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		//lint:ignore ST1005 the usage text is printed as it is
		return errors.New(votesUsage)
	}
	log, err := newLogger(stderr, "warn", cfg.LogFormat)
	if err != nil {
		return err
	}
	st, closeStore, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeStore()
	// Counting needs no secret: it reads only the ballots.
	svc := ballot.New(st.DB, ballot.Deps{Logger: log})
	stored, recount, same, err := svc.Recount(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "vote %s: %d ballots recounted, %d in the stored results\n", id, recount.Cast, stored.Cast)
	for i, c := range recount.Choices {
		s := ballot.ChoiceCount{}
		if i < len(stored.Choices) {
			s = stored.Choices[i]
		}
		fmt.Fprintf(stdout, "  %-12s recount %6d (%5.1f%%)   stored %6d (%5.1f%%)\n", c.Choice, c.Count, c.Percent, s.Count, s.Percent)
	}
	fmt.Fprintf(stdout, "  outcome      recount %s   stored %s\n  commitment   recount %s\n               stored  %s\n",
		recount.Outcome, stored.Outcome, recount.Commitment, stored.Commitment)
	if !same {
		return fmt.Errorf("the recount of vote %s differs from its stored results", id)
	}
	fmt.Fprintln(stdout, "the recount matches the stored results")
	return nil
}
