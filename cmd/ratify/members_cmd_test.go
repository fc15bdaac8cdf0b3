package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// command runs "ratify args..." on the data directory and returns its
// standard output and error.
func command(t *testing.T, dataDir, stdin string, args ...string) (string, error) {
	t.Helper()
	env := map[string]string{"RATIFY_DATA_DIR": dataDir, "USER": "tester", "RATIFY_LOG_FORMAT": "text"}
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	if errb.Len() > 0 {
		t.Logf("stderr of %v:\n%s", args, errb.String())
	}
	return out.String(), err
}

func sampleRosterPath(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../members/testdata/sample-roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMembersImportCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	roster := sampleRosterPath(t)

	out, err := command(t, data, "", "members", "import", roster, "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sample-roster.csv (csv): 25 rows", "added          25", "added 100201 Avery Aldana", "dry run: nothing was written"} {
		if !strings.Contains(out, want) {
			t.Fatalf("dry run output lacks %q:\n%s", want, out)
		}
	}
	// Flags after the file, and store flags, in any order.
	out, err = command(t, data, "", "members", "import", "-db-name", "ratify", roster)
	if err != nil || !strings.Contains(out, "added          25") || !strings.Contains(out, "applied") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = command(t, data, "", "members", "import", roster)
	if err != nil || !strings.Contains(out, "unchanged      25") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	b, _ := os.ReadFile(roster)
	os.WriteFile(bad, bytes.Replace(b, []byte("avery.aldana@example.org"), []byte("avery.aldana@"), 1), 0o600)
	out, err = command(t, data, "", "members", "import", bad)
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") ||
		!strings.Contains(out, `row 2, column "Email Address", value "avery.aldana@"`) {
		t.Fatalf("bad roster: %v\n%s", err, out)
	}
	if _, err := command(t, data, "", "members", "import"); err == nil || !strings.Contains(err.Error(), "usage: ratify members import") {
		t.Fatalf("no file: %v", err)
	}
	if _, err := command(t, data, "", "members", "import", filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Fatal("a missing file was imported")
	}

	out, err = command(t, data, "", "audit", "verify")
	if err != nil || !strings.Contains(out, "audit log intact: 2 entries") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
}

func TestSplitArgs(t *testing.T) {
	flags, pos, on := splitArgs([]string{"-data-dir", "d", "f.csv", "--dry-run", "-db-name=x", "--", "-odd.csv"}, "dry-run", "partial")
	if strings.Join(flags, " ") != "-data-dir d -db-name=x" || strings.Join(pos, " ") != "f.csv -odd.csv" || !on["dry-run"] || on["partial"] {
		t.Fatalf("flags %q positional %q switches %v", flags, pos, on)
	}
}

// TestCommandsBesideTheService: a command on the embedded store of a
// running service refuses with one sentence; the service logs the setup
// link once, and the link works.
func TestCommandsBesideTheService(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data)
	_, err := command(t, data, "", "members", "import", sampleRosterPath(t))
	if err == nil || !strings.Contains(err.Error(), "the service is running on the data directory") {
		t.Fatalf("import beside the service: %v", err)
	}
	logs := p.log()
	urls := regexp.MustCompile(`"setup_url":"([^"]+)"`).FindAllStringSubmatch(logs, -1)
	if len(urls) != 1 {
		t.Fatalf("setup URL logged %d times:\n%s", len(urls), logs)
	}
	code := urls[0][1][strings.LastIndex(urls[0][1], "/")+1:]
	if c, body := p.get(t, "/setup/"+code); c != 200 || !strings.Contains(body, "first administrator") {
		t.Fatalf("setup page: %d %s", c, body)
	}
	if c, _ := p.get(t, "/setup/not-the-code"); c != 404 {
		t.Fatalf("wrong setup code: %d", c)
	}
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if strings.Count(p.log(), code) != 1 {
		t.Fatalf("the setup code appears more than once in the log:\n%s", p.log())
	}
	// Stopped: the command may open the store now.
	if out, err := command(t, data, "", "members", "import", sampleRosterPath(t)); err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("import after the service stopped: %v\n%s", err, out)
	}
}

// TestBootstrapAdministrator: with the bootstrap settings the service
// creates the administrator at start, who can sign in; no setup link.
func TestBootstrapAdministrator(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, "RATIFY_BOOTSTRAP_ADMIN_EMAIL=boot@example.org", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=bootstrap password")
	resp, err := http.Post("http://"+p.addr+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"email":"boot@example.org","password":"bootstrap password"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"token"`) {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	if strings.Contains(p.log(), "setup_url") || strings.Contains(p.log(), "bootstrap password") {
		t.Fatalf("log:\n%s", p.log())
	}
}
