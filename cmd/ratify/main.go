// Command ratify runs the Ratify service and its administrative commands.
//
//	ratify [serve] [flags]        run the service (the default)
//	ratify members import FILE    import a roster (--dry-run to preview)
//	ratify officers add ...       create an officer account
//	ratify audit verify           check the audit log's hash chain
//
// Every flag has an environment variable of the same meaning; flags win.
// Run "ratify serve -h" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ratify:", err)
		}
		os.Exit(1)
	}
}

// run dispatches to a subcommand. It returns when the command is done or ctx
// is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args, getenv)
	case "members":
		return membersCmd(ctx, args, getenv, stdout, stderr)
	case "officers":
		return officersCmd(ctx, args, getenv, stdin, stdout, stderr)
	case "votes":
		return votesCmd(ctx, args, getenv, stdout, stderr)
	case "audit":
		return auditCmd(ctx, args, getenv, stdout, stderr)
	case "loadtest":
		return loadtest(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

const usage = `usage: ratify [command] [flags]

commands:
  serve        run the service (default)
  healthcheck  exit 0 if the local service answers /healthz (for Docker)
  members import FILE [--dry-run] [--partial]
               import a roster (CSV or XLSX)
  officers add --email E --role R
               create an officer account; the password is read from stdin
  audit verify check the audit log's hash chain
  votes tally VOTE_ID
               recount a vote from its ballots and compare with its results
  loadtest --url URL --members N --concurrency C --admin-email E --admin-password P [--data-dir DIR]
               cast N ballots against a running service on this machine and check the tally
  help         show this text`
