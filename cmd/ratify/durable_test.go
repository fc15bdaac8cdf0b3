package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBallotIsOnDiskBeforeItsReceipt watches the real binary's system calls
// (strace, attached to the running service) while ballots are cast with the
// default group commit, and checks for each ballot the order that makes an
// acknowledged ballot survive a power cut: the write-ahead log frame that
// holds the ballot (found by its receipt, which the slot stores) is
// written, then an fdatasync of that log begins and ends, and only then is
// the 201 response carrying the receipt written to the socket. A power cut
// cannot be staged here; this is what one would need to find on the disk.
// With RATIFY_STORE_SYNC=normal (no barrier) the same check must fail, or
// it would prove nothing.
func TestBallotIsOnDiskBeforeItsReceipt(t *testing.T) {
	straceBin, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("SKIPPED: no strace; install it with `apt-get install -y strace` to check the group commit's order of system calls")
	}
	events, receipts := traceBallots(t, straceBin, "RATIFY_STORE_SYNC=group")
	if err := ballotsSyncedBeforeReceipts(events, receipts); err != nil {
		t.Fatalf("group commit (the default): %v", err)
	}
	events, receipts = traceBallots(t, straceBin, "RATIFY_STORE_SYNC=normal")
	err = ballotsSyncedBeforeReceipts(events, receipts)
	if err == nil || !strings.Contains(err.Error(), "was written before any fdatasync") {
		t.Fatalf("with RATIFY_STORE_SYNC=normal the check says %v; want a response written before any fdatasync", err)
	}
	t.Logf("RATIFY_STORE_SYNC=normal, as expected: %v", err)
}

// traceBallots starts the service with env, opens a vote for six members
// and casts their ballots one by one under strace; it returns the trace and
// the receipts.
func traceBallots(t *testing.T, straceBin string, env ...string) ([]traceEvent, []string) {
	t.Helper()
	data := t.TempDir()
	p := startBinary(t, data, append(env, faultEnv...)...)
	l := faultLoader(t, p)
	_, tokens := faultVote(t, l, data, 6, time.Now().Add(2*time.Hour))

	trace := filepath.Join(t.TempDir(), "strace.out")
	st := exec.Command(straceBin, "-f", "-qq", "-yy", "-x", "-s", "20000", "-o", trace,
		"-e", "trace=pwrite64,pwritev,write,writev,fdatasync,fsync", "-p", strconv.Itoa(p.cmd.Process.Pid))
	var stErr bytes.Buffer
	st.Stderr = &stErr
	if err := st.Start(); err != nil {
		t.Fatal(err)
	}
	// Attached once the trace shows a response to a probe.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		p.get(t, "/healthz")
		if b, _ := os.ReadFile(trace); bytes.Contains(b, []byte(`"HTTP/1.1 200 OK`)) {
			break
		}
		if time.Now().After(deadline) {
			st.Process.Kill()
			st.Wait()
			t.Skipf("SKIPPED: strace could not attach to the service (ptrace not permitted here?): %s", stErr.String())
		}
	}

	hc := &http.Client{Timeout: 30 * time.Second}
	var receipts []string
	for i, tok := range tokens {
		body, _ := json.Marshal(map[string]string{"token": tok, "choice": faultChoice(i)})
		resp, err := hc.Post("http://"+p.addr+"/api/v1/ballots", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var r struct{ Receipt string }
		json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if resp.StatusCode != 201 || r.Receipt == "" {
			t.Fatalf("ballot %d: %d, receipt %q", i, resp.StatusCode, r.Receipt)
		}
		receipts = append(receipts, r.Receipt)
	}
	st.Process.Signal(syscall.SIGINT) // detaches
	st.Wait()
	p.stop(t, syscall.SIGTERM)
	return readTrace(t, trace), receipts
}

// ballotsSyncedBeforeReceipts checks, for each receipt, that an fdatasync
// of the write-ahead log began after the transaction holding the ballot was
// wholly written (its commit frame: SQLite writes each frame as a 24-byte
// header, whose bytes 4-7 are non-zero on a commit frame, then the page)
// and ended before the response carrying the receipt was written.
func ballotsSyncedBeforeReceipts(events []traceEvent, receipts []string) error {
	for _, rc := range receipts {
		committed, fsync, reply := -1, -1, -1
		found, commitHeader := false, false // the receipt's frame seen; the last header written commits
		for _, e := range events {
			switch {
			case committed < 0 && e.wal && e.call == "pwrite64" && len(e.data) == 24:
				commitHeader = e.data[4]|e.data[5]|e.data[6]|e.data[7] != 0
			case committed < 0 && e.wal && e.call == "pwrite64":
				if !found {
					found = bytes.Contains(e.data, []byte(rc))
				}
				if found && commitHeader {
					committed = e.exit
				}
			case committed >= 0 && fsync < 0 && e.wal && e.call == "fdatasync" && e.entry > committed && e.result == "0":
				fsync = e.exit
			case committed >= 0 && e.socket && (e.call == "write" || e.call == "writev") &&
				bytes.HasPrefix(e.data, []byte("HTTP/1.1 201")) && bytes.Contains(e.data, []byte(rc)):
				reply = e.entry
			}
			if reply >= 0 {
				break
			}
		}
		switch {
		case !found:
			return fmt.Errorf("receipt %s: no pwrite64 of the write-ahead log holds it (trace of %d calls)", rc, len(events))
		case committed < 0:
			return fmt.Errorf("receipt %s: no commit frame follows the frame that holds it", rc)
		case reply < 0:
			return fmt.Errorf("receipt %s: no 201 response with it on a socket", rc)
		case fsync < 0 || fsync > reply:
			return fmt.Errorf("receipt %s: the response (line %d of the trace) was written before any fdatasync of the write-ahead log that began after the ballot's commit frame (line %d) had ended", rc, reply, committed)
		}
	}
	return nil
}

// straceString decodes the first string literal in an strace -x argument
// list: printable bytes as they are, the others as \xNN or C escapes.
func straceString(args string) []byte {
	i := strings.IndexByte(args, '"')
	if i < 0 {
		return nil
	}
	var out []byte
	for i++; i < len(args); i++ {
		c := args[i]
		if c == '"' {
			break
		}
		if c != '\\' || i+1 >= len(args) {
			out = append(out, c)
			continue
		}
		i++
		switch args[i] {
		case 'x':
			if v, err := strconv.ParseUint(args[i+1:min(i+3, len(args))], 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
			}
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case 'f':
			out = append(out, '\f')
		default:
			out = append(out, args[i]) // \" and \\
		}
	}
	return out
}

// traceEvent is one system call in an strace -f -y log; entry and exit are
// the positions (line numbers) at which strace printed its start and its
// result, so that entry < exit of another call means it began after that
// one ended.
type traceEvent struct {
	call, args, result string
	data               []byte // the first string argument, decoded
	entry, exit        int
	wal, socket        bool
}

var (
	traceLine    = regexp.MustCompile(`^(\d+) +(\w+)\((.*)$`)
	traceResumed = regexp.MustCompile(`^(\d+) +<\.\.\. (\w+) resumed>(.*)$`)
	traceResult  = regexp.MustCompile(`\) += (-?\d+)[^)]*$`)
)

func readTrace(t *testing.T, path string) []traceEvent {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var events []traceEvent
	open := map[string]int{} // pid -> index of its unfinished call
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 0; sc.Scan(); n++ {
		line := sc.Text()
		if m := traceResumed.FindStringSubmatch(line); m != nil {
			if i, ok := open[m[1]]; ok {
				e := &events[i]
				e.args += m[3]
				e.exit = n
				if r := traceResult.FindStringSubmatch(m[3]); r != nil {
					e.result = r[1]
				}
				delete(open, m[1])
			}
			continue
		}
		m := traceLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		e := traceEvent{call: m[2], args: m[3], entry: n, exit: n}
		first := m[3]
		if i := strings.IndexByte(first, ','); i >= 0 {
			first = first[:i]
		}
		e.data = straceString(m[3])
		e.wal = strings.Contains(first, ".sqlite-wal>")
		e.socket = strings.Contains(first, "<TCP")
		if strings.HasSuffix(line, "<unfinished ...>") {
			open[m[1]] = len(events)
		} else if r := traceResult.FindStringSubmatch(line); r != nil {
			e.result = r[1]
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return events
}
