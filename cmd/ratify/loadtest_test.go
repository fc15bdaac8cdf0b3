package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// The load program against the real binary: 200 members, 8 voters; every
// ballot is acknowledged, re-submissions are refused, and the published
// tally equals what was cast. The binary's profiles are served on their
// own listener.
func TestLoadtestCastsEveryBallotAndChecksTheTally(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, "RATIFY_BOOTSTRAP_ADMIN_EMAIL=chair@example.org", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=correct-horse-battery",
		"RATIFY_MAIL_RATE=0", "RATIFY_PPROF_ADDR=127.0.0.1:0")
	var out strings.Builder
	err := run(context.Background(), []string{"loadtest", "--url", "http://" + p.addr, "--members", "200", "--concurrency", "8",
		"--admin-email", "chair@example.org", "--admin-password", "correct-horse-battery", "--data-dir", data, "--duration-limit", "2m"},
		func(string) string { return "" }, nil, &out, io.Discard)
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out.String())
	}
	for _, want := range []string{"cast 200 ballots", "votes/s", "p99", "errors: none", "published: 200 cast, Yes 140, No 60", "tally matches"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(p.log(), `"msg":"pprof listening"`) {
		t.Fatalf("no pprof listener in the log:\n%s", p.log())
	}
	if code, _ := p.get(t, "/debug/pprof/"); code == http.StatusOK {
		t.Fatal("pprof is served on the public listener")
	}
}

func TestLoadtestRefusesOtherHosts(t *testing.T) {
	for _, u := range []string{"http://example.org:8080", "http://10.0.0.1:8080", "https://127.0.0.1:8080"} {
		err := run(context.Background(), []string{"loadtest", "--url", u, "--members", "10", "--admin-email", "a@b.c", "--admin-password", "x"},
			func(string) string { return "" }, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--url") {
			t.Fatalf("%s: err = %v", u, err)
		}
	}
}
