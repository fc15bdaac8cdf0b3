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
	events, receipts := traceBallots(t, straceBin)
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
	st := exec.Command(straceBin, "-f", "-qq", "-yy", "-s", "20000", "-o", trace,
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
// of the write-ahead log began after the frame holding the ballot was
// written and ended before the response carrying the receipt was.
func ballotsSyncedBeforeReceipts(events []traceEvent, receipts []string) error {
	for _, rc := range receipts {
		frame, fsync, reply := -1, -1, -1
		for _, e := range events {
			switch {
			case frame < 0 && e.wal && e.call == "pwrite64" && strings.Contains(e.args, rc):
				frame = e.exit
			case frame >= 0 && e.wal && e.call == "fdatasync" && e.entry > frame && e.result == "0":
				if fsync < 0 {
					fsync = e.exit
				}
			case frame >= 0 && e.socket && (e.call == "write" || e.call == "writev") && strings.Contains(e.args, "HTTP/1.1 201") && strings.Contains(e.args, rc):
				reply = e.entry
			}
			if reply >= 0 {
				break
			}
		}
		switch {
		case frame < 0:
			return fmt.Errorf("receipt %s: no pwrite64 of the write-ahead log holds it (trace of %d calls)", rc, len(events))
		case reply < 0:
			return fmt.Errorf("receipt %s: no 201 response with it on a socket", rc)
		case fsync < 0 || fsync > reply:
			return fmt.Errorf("receipt %s: the response (line %d of the trace) was written before any fdatasync of the write-ahead log that began after the ballot's frame (line %d) had ended", rc, reply, frame)
		}
	}
	return nil
}

// traceEvent is one system call in an strace -f -y log; entry and exit are
// the positions (line numbers) at which strace printed its start and its
// result, so that entry < exit of another call means it began after that
// one ended.
type traceEvent struct {
	call, args, result string
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
