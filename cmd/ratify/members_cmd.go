package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/members"
)

const membersUsage = `usage: ratify members import [flags] FILE [--dry-run] [--partial]

Imports a roster (CSV or XLSX): prints what is added, updated, separated and
unchanged, or every row error, in which case nothing changes.
  --dry-run   show what the import would do; write nothing
  --partial   the file lists only some members: do not separate the others
Store flags (-data-dir, -mongodb-uri, -db-name) as for "ratify serve".`

// membersCmd runs "ratify members ...".
func membersCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		//lint:ignore ST1005 the usage text is printed as it is
		return errors.New(membersUsage)
	}
	flags, files, switches := splitArgs(args[1:], "dry-run", "partial")
	cfg, _, err := parseConfig("ratify members import", flags, getenv, stderr)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		//lint:ignore ST1005 the usage text is printed as it is
		return errors.New(membersUsage)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	c, closeStore, err := openCommandStores(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	opts := members.ImportOptions{DryRun: switches["dry-run"], Partial: switches["partial"], MaxListed: 20}
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		opts.Progress = progressBar(stderr)
	}
	report, err := c.members.ImportRoster(ctx, commandActor(getenv), data, opts)
	if report != nil {
		printReport(stdout, filepath.Base(files[0]), report)
	}
	return err
}

// splitArgs separates flags (with their values: every setting takes one)
// from positional arguments, wherever they are, and picks out the named
// boolean switches.
func splitArgs(args []string, switches ...string) (flags, positional []string, on map[string]bool) {
	on = map[string]bool{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		switch {
		case a == "--":
			positional = append(positional, args[i+1:]...)
			return flags, positional, on
		case !strings.HasPrefix(a, "-") || a == "-":
			positional = append(positional, a)
		case contains(switches, name):
			on[name] = true
		case strings.Contains(a, "=") || name == "h" || name == "help" || i+1 == len(args):
			flags = append(flags, a)
		default:
			flags = append(flags, a, args[i+1])
			i++
		}
	}
	return flags, positional, on
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// openCommandStores opens the store and the roster, accounts and audit log
// for a command, quietly: only warnings reach stderr.
func openCommandStores(ctx context.Context, cfg *config, stderr io.Writer) (core, func(), error) {
	level := "warn"
	if cfg.LogLevel == "debug" {
		level = "debug"
	}
	log, err := newLogger(stderr, level, cfg.LogFormat)
	if err != nil {
		return core{}, nil, err
	}
	st, closeStore, err := openStore(ctx, cfg, log)
	if err != nil {
		return core{}, nil, err
	}
	c, err := openCore(ctx, st.DB, nil, cfg.TimeZone)
	if err == nil {
		err = st.EnsureIDIndexes(ctx)
	}
	if err != nil {
		closeStore()
		return core{}, nil, err
	}
	return c, closeStore, nil
}

// commandActor is who runs a command, for the audit log.
func commandActor(getenv func(string) string) audit.Actor {
	user := getenv("USER")
	if user == "" {
		user = "unknown"
	}
	host, _ := os.Hostname()
	return audit.Actor{OfficerID: "cli:" + user, Role: "cli", IP: host}
}

// progressBar draws the import's progress on a terminal.
func progressBar(w io.Writer) func(members.Progress) {
	var last time.Time
	return func(p members.Progress) {
		if p.Stage != "writing" {
			if p.Stage == "done" {
				fmt.Fprint(w, "\r\033[K")
			} else {
				fmt.Fprintf(w, "\r\033[K%s…", p.Stage)
			}
			return
		}
		if time.Since(last) < 100*time.Millisecond && p.Done < p.Total {
			return
		}
		last = time.Now()
		const width = 30
		filled := width * p.Done / max(p.Total, 1)
		fmt.Fprintf(w, "\r\033[Kwriting [%s%s] %3d%% %d/%d members", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
			100*p.Done/max(p.Total, 1), p.Done, p.Total)
	}
}

// printReport writes an import report for people.
func printReport(w io.Writer, name string, r *members.ImportReport) {
	fmt.Fprintf(w, "%s (%s): %d rows\n", name, r.Format, r.Rows)
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "%d errors; nothing was imported:\n", r.Counts.Errors)
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  row %d, column %q, value %q: %s\n", e.Row, e.Column, e.Value, e.Message)
		}
		if r.Counts.Errors > len(r.Errors) {
			fmt.Fprintf(w, "  … and %d more\n", r.Counts.Errors-len(r.Errors))
		}
		return
	}
	fmt.Fprintf(w, "  added      %6d\n  updated    %6d\n  separated  %6d\n  unchanged  %6d\n",
		r.Counts.Added, r.Counts.Updated, r.Counts.Separated, r.Counts.Unchanged)
	list := func(title string, cs []members.Change, total int) {
		for _, c := range cs {
			line := fmt.Sprintf("  %s %s %s", title, c.EmployeeID, c.Name)
			for _, f := range c.Fields {
				line += fmt.Sprintf("; %s %q -> %q", f.Field, f.From, f.To)
			}
			if c.Reason != "" && len(c.Fields) == 0 {
				line += " (" + c.Reason + ")"
			}
			fmt.Fprintln(w, line)
		}
		if total > len(cs) {
			fmt.Fprintf(w, "  … and %d more %s\n", total-len(cs), title)
		}
	}
	list("added", r.Added, r.Counts.Added)
	list("updated", r.Updated, r.Counts.Updated)
	list("separated", r.Separated, r.Counts.Separated)
	if len(r.UnknownColumns) > 0 {
		fmt.Fprintf(w, "ignored columns: %s\n", strings.Join(r.UnknownColumns, ", "))
	}
	for _, warn := range r.Warnings {
		fmt.Fprintln(w, "warning:", warn)
	}
	if r.DryRun {
		fmt.Fprintln(w, "dry run: nothing was written")
	} else {
		fmt.Fprintln(w, "applied")
	}
}
