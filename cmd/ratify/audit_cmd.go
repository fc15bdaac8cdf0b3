package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

const auditUsage = `usage: ratify audit verify [flags]

Checks the audit log's hash chain: every entry present, unaltered and in
order. Exits 1 if it is broken. Store flags as for "ratify serve".`

// auditCmd runs "ratify audit verify".
func auditCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		//lint:ignore ST1005 the usage text is printed as it is
		return errors.New(auditUsage)
	}
	cfg, rest, err := parseConfig("ratify audit verify", args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		//lint:ignore ST1005 the usage text is printed as it is
		return errors.New(auditUsage)
	}
	c, closeStore, err := openCommandStores(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	r, err := c.audit.Verify(ctx)
	if err != nil {
		return err
	}
	if !r.OK {
		fmt.Fprintf(stdout, "audit log BROKEN at entry %d: %s\n", r.BrokenAt, r.Problem)
		return fmt.Errorf("the audit log is broken at entry %d", r.BrokenAt)
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", r.Entries)
	if r.HeadHash != "" {
		fmt.Fprintf(stdout, "hash of the last entry: %s (keep it elsewhere to detect a rewrite later)\n", r.HeadHash)
	}
	return nil
}
