package notify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/store"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// TestTwoOutboxesNeverDeliverTwice runs two instances on one database, as
// two service instances would, and checks each message arrives once.
func TestTwoOutboxesNeverDeliverTwice(t *testing.T) {
	srv := startSMTP(t, nil)
	db := storetest.DB(t)
	cfg := testConfig(t, srv)
	cfg.BatchSize = 10
	a, b := newOutbox(t, db, cfg), newOutbox(t, db, cfg)
	msgs := invitations(300)
	if err := a.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	run(t, a)
	run(t, b)
	srv.waitFor(300, 60*time.Second)
	waitStats(t, a, "vote:v1:invitations", 30*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 300 })
	time.Sleep(100 * time.Millisecond) // a duplicate would arrive now
	assertExactlyOnce(t, srv.Received(), msgs)
}

// TestStopMidCampaignThenRestart stops an instance part-way (its context
// ends, as on shutdown) and starts another on the same database: the rest
// is delivered, each message once.
func TestStopMidCampaignThenRestart(t *testing.T) {
	srv := startSMTP(t, nil)
	db := storetest.DB(t)
	cfg := testConfig(t, srv)
	cfg.Rate = 400 // slow enough to stop part-way
	a := newOutbox(t, db, cfg)
	msgs := invitations(200)
	if err := a.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	stop := run(t, a)
	srv.waitFor(40, 20*time.Second)
	stop()
	if n := len(srv.Received()); n >= 200 {
		t.Fatalf("all %d messages went out before the stop; the test proves nothing", n)
	}
	b := newOutbox(t, db, testConfig(t, srv))
	run(t, b)
	srv.waitFor(200, 30*time.Second)
	waitStats(t, b, "vote:v1:invitations", 30*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 200 })
	time.Sleep(100 * time.Millisecond)
	assertExactlyOnce(t, srv.Received(), msgs)
}

// TestKilledMidCampaign runs the outbox in a child process, kills it with
// SIGKILL in the middle of a campaign, and finishes with a new instance
// once the dead one's lease has expired. The child has one sender and is
// killed when the server sees the MAIL FROM of a message, before it is
// accepted, so every message it had delivered was recorded: each arrives
// exactly once. (A kill between the server's acceptance and the outbox's
// record of it is the one case that sends a message twice; the deterministic
// Message-ID lets the receiving side drop it.)
func TestKilledMidCampaign(t *testing.T) {
	s := storetest.Open(t)
	if !s.Embedded {
		t.Fatal("want the embedded store")
	}
	var child *exec.Cmd
	var mu sync.Mutex
	mails := 0
	killed := make(chan struct{})
	srv := startSMTP(t, func(x *smtpServer) {
		x.OnMail = func(string) error {
			mu.Lock()
			defer mu.Unlock()
			mails++
			if mails == 57 && child != nil {
				child.Process.Signal(syscall.SIGKILL)
				close(killed)
				return smtpErr(421, [3]int{4, 3, 2}, "shutting down")
			}
			return nil
		}
	})
	cfg := testConfig(t, srv)
	parent := newOutbox(t, s.DB, cfg)
	msgs := invitations(150)
	if err := parent.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	child = exec.Command(os.Args[0], "-test.run=^TestHelperOutboxProcess$")
	child.Env = append(os.Environ(),
		"NOTIFY_HELPER_SOCKET="+embeddedSocket(s),
		"NOTIFY_HELPER_SMTP="+strconv.Itoa(srv.Port))
	child.Stdout, child.Stderr = os.Stderr, os.Stderr
	if err := child.Start(); err != nil {
		mu.Unlock()
		t.Fatal(err)
	}
	mu.Unlock()
	select {
	case <-killed:
	case <-time.After(60 * time.Second):
		child.Process.Kill()
		t.Fatal("the child did not reach the 57th message")
	}
	child.Wait()
	if n := len(srv.Received()); n != 56 {
		t.Fatalf("the child delivered %d messages before it was killed, want 56", n)
	}
	cfg.Lease = time.Second // the child's lease; wait it out
	time.Sleep(1500 * time.Millisecond)
	run(t, newOutbox(t, s.DB, cfg))
	srv.waitFor(150, 30*time.Second)
	waitStats(t, parent, "vote:v1:invitations", 30*time.Second, func(s notify.CampaignStats) bool { return s.Sent == 150 })
	time.Sleep(100 * time.Millisecond)
	assertExactlyOnce(t, srv.Received(), msgs)
}

// TestHelperOutboxProcess is the child of TestKilledMidCampaign: it runs an
// outbox with one sender and a one-second lease until it is killed.
func TestHelperOutboxProcess(t *testing.T) {
	sock := os.Getenv("NOTIFY_HELPER_SOCKET")
	if sock == "" {
		t.Skip("helper process for TestKilledMidCampaign")
	}
	port, _ := strconv.Atoi(os.Getenv("NOTIFY_HELPER_SMTP"))
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + url.PathEscape(sock)))
	if err != nil {
		t.Fatal(err)
	}
	o := notify.NewOutbox(client.Database("ratify_test"), notify.Config{
		From: "ACE Negotiations Team <vote@ace-union.example>", TimeZone: anchorage,
		SMTP:    notify.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: "none", Timeout: 500 * time.Millisecond},
		Senders: 1, BatchSize: 20, Lease: time.Second, Poll: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	o.Run(context.Background())
	t.Fatal("Run returned; it should have been killed")
}

// embeddedSocket is where store.Open put the embedded server's socket (the
// rule of store.socketPath).
func embeddedSocket(s *store.Store) string {
	dir := filepath.Dir(filepath.Dir(s.SQLitePath))
	p := filepath.Join(dir, "ferretdb.sock")
	if len(p) < 100 {
		return p
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "ratify-"+hex.EncodeToString(sum[:6])+".sock")
}
