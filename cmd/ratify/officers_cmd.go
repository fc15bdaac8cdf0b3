package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ratifyhq/ratify/officers"
	"golang.org/x/term"
)

const officersUsage = `usage: ratify officers add --email E --role R [--name N] [flags]

Creates an officer account (role admin, officer or observer). The password
is read from standard input: typed without echo on a terminal, or the first
line of a pipe. Store flags (-data-dir, -mongodb-uri, -db-name) as for
"ratify serve".`

// officersCmd runs "ratify officers ...".
func officersCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		//lint:ignore ST1005 the usage text is printed as it is
		return errors.New(officersUsage)
	}
	// The account's own flags first; the rest are the store settings.
	var email, role, name string
	own := flag.NewFlagSet("ratify officers add", flag.ContinueOnError)
	own.SetOutput(io.Discard)
	own.StringVar(&email, "email", "", "")
	own.StringVar(&role, "role", "", "")
	own.StringVar(&name, "name", "", "")
	var rest []string
	flags, positional, _ := splitArgs(args[1:])
	for i := 0; i < len(flags); i++ {
		n := strings.SplitN(strings.TrimLeft(flags[i], "-"), "=", 2)[0]
		if own.Lookup(n) == nil {
			rest = append(rest, flags[i])
			if !strings.Contains(flags[i], "=") && i+1 < len(flags) && !strings.HasPrefix(flags[i+1], "-") {
				rest = append(rest, flags[i+1])
				i++
			}
			continue
		}
		pair := []string{flags[i]}
		if !strings.Contains(flags[i], "=") && i+1 < len(flags) {
			pair = append(pair, flags[i+1])
			i++
		}
		if err := own.Parse(pair); err != nil {
			return fmt.Errorf("%v\n%s", err, officersUsage)
		}
	}
	if email == "" || role == "" || len(positional) > 0 {
		//lint:ignore ST1005 the usage text is printed as it is
		return errors.New(officersUsage)
	}
	cfg, _, err := parseConfig("ratify officers add", rest, getenv, stderr)
	if err != nil {
		return err
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	c, closeStore, err := openCommandStores(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	o, err := c.officers.Create(ctx, commandActor(getenv), officers.NewOfficer{Email: email, Name: name, Role: officers.Role(role), Password: password})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s (%s), id %s\n", o.Email, o.Role, o.ID)
	return nil
}

// readPassword reads a password: without echo, twice, on a terminal; the
// first line otherwise.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprint(stderr, "\nAgain: ")
		if err != nil {
			return "", err
		}
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the two passwords differ")
		}
		return string(p1), nil
	}
	if stdin == nil {
		return "", errors.New("no password on standard input")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}
