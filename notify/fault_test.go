package notify_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// cutProxy is a TCP proxy in front of the test's SMTP server that can be
// cut (new connections refused, open ones closed) and restored on the
// same port.
type cutProxy struct {
	t        testing.TB
	addr     string
	upstream string

	mu       sync.Mutex
	ln       net.Listener
	conns    map[net.Conn]bool
	accepted int
}

func newCutProxy(t testing.TB, upstream string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{t: t, addr: ln.Addr().String(), upstream: upstream, conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *cutProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.upstream)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.accepted++
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			pipe := func(dst, src net.Conn) {
				io.Copy(dst, src)
				dst.Close()
				src.Close()
				p.mu.Lock()
				delete(p.conns, dst)
				delete(p.conns, src)
				p.mu.Unlock()
			}
			go pipe(c, up)
			go pipe(up, c)
		}
	}()
}

// cut refuses new connections and closes the open ones.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

// restore listens again on the same address.
func (p *cutProxy) restore() {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Errorf("proxy: listen again on %s: %v", p.addr, err)
		return
	}
	p.serve(ln)
}

func (p *cutProxy) accepts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// TestFaultSMTPOutageMidCampaign: 80 invitations go out at 100 a second;
// after the 25th, the SMTP server answers 421 to every new transaction,
// then goes away entirely (connections refused, open ones closed) for a
// second, comes back still answering 421, then accepts again. Every
// invitation is delivered exactly once, counted per recipient, none is
// marked failed, and the outage was felt (421s answered, retries made,
// connections dialled again after it).
func TestFaultSMTPOutageMidCampaign(t *testing.T) {
	const n = 80
	var refusing atomic.Bool
	var refusals atomic.Int64
	srv := startSMTP(t, func(s *smtpServer) {
		s.OnMail = func(string) error {
			if refusing.Load() {
				refusals.Add(1)
				return smtpErr(421, [3]int{4, 3, 2}, "service not available, try again later")
			}
			return nil
		}
	})
	proxy := newCutProxy(t, net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port)))
	st := storetest.Open(t)
	db := st.DB
	cfg := testConfig(t, srv)
	_, port, err := net.SplitHostPort(proxy.addr)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP.Port, err = strconv.Atoi(port); err != nil {
		t.Fatal(err)
	}
	cfg.SMTP.Timeout = 2 * time.Second
	cfg.Rate = 100
	cfg.MaxAttempts = 1000 // an outage never makes a message fail here
	// Retries after 0.5 to 1 s (TestFaultRetryBatchTakenWhileMessagesMove
	// covers a retry batch due at once).
	cfg.Backoff, cfg.MaxBackoff = time.Second, time.Second
	o := newOutbox(t, db, cfg)
	storetest.FixIndexes(t, st) // as the service does at start
	msgs := invitations(n)
	if err := o.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	run(t, o)

	srv.waitFor(25, 20*time.Second)
	refusing.Store(true)
	// Transactions already past MAIL FROM finish; then the server goes.
	time.Sleep(300 * time.Millisecond)
	atCut := len(srv.Received())
	proxy.cut()
	time.Sleep(time.Second)
	mid, err := o.Campaign(context.Background(), "vote:v1:invitations")
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Received()) != atCut {
		t.Fatalf("messages arrived while the server was unreachable")
	}
	acceptsBefore := proxy.accepts()
	proxy.restore()
	time.Sleep(300 * time.Millisecond)
	refusing.Store(false)
	restored := time.Now()

	for deadline := time.Now().Add(20 * time.Second); len(srv.Received()) < n; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			dumpUndelivered(t, o, db, srv, msgs)
			t.Fatalf("%d of %d delivered 20 s after the outage", len(srv.Received()), n)
		}
	}
	s := waitStats(t, o, "vote:v1:invitations", 20*time.Second, func(s notify.CampaignStats) bool { return s.Sent == n })
	t.Logf("campaign of %d: %d delivered before the outage, %d queued or sending during it, all delivered %s after it (%s in all); %d answers 421",
		n, atCut, mid.Queued+mid.Sending, time.Since(restored).Round(time.Millisecond), time.Since(t0).Round(time.Millisecond), refusals.Load())
	if s.Failed != 0 || s.Queued != 0 {
		t.Errorf("stats %+v, want all %d sent", s, n)
	}
	// Unsent messages are "queued", or "sending" while a sender waits on
	// the unreachable server: either way, not yet delivered.
	if mid.Queued+mid.Sending == 0 || mid.Sent >= n {
		t.Errorf("stats during the outage %+v: the outage did not fall mid-campaign", mid)
	}
	if refusals.Load() == 0 {
		t.Error("the server never answered 421")
	}
	if proxy.accepts() == acceptsBefore {
		t.Error("no connection was dialled again after the outage")
	}
	// Give a duplicate the time to arrive, then count per recipient.
	time.Sleep(300 * time.Millisecond)
	got := srv.Received()
	perRecipient := map[string]int{}
	for _, r := range got {
		for _, to := range r.To {
			perRecipient[to]++
		}
	}
	for _, m := range msgs {
		if perRecipient[m.To] != 1 {
			t.Errorf("%s received %d invitations, want 1", m.To, perRecipient[m.To])
		}
	}
	assertExactlyOnce(t, got, msgs)
	retried := 0
	for _, m := range msgs {
		if a, _ := storedMessage(t, db, m.ID)["attempts"].(int32); a > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no message needed a second attempt")
	}
}

// dumpUndelivered logs the stored state of the messages not received.
func dumpUndelivered(t *testing.T, o *notify.Outbox, db *mongo.Database, srv *smtpServer, msgs []notify.Message) {
	t.Helper()
	s, _ := o.Campaign(context.Background(), "vote:v1:invitations")
	t.Logf("campaign stats: %+v", s)
	got := map[string]bool{}
	for _, r := range srv.Received() {
		for _, to := range r.To {
			got[to] = true
		}
	}
	for _, m := range msgs {
		if !got[m.To] {
			d := storedMessage(t, db, m.ID)
			delete(d, "secret")
			delete(d, "data")
			t.Logf("undelivered %s: %v", m.ID, d)
		}
	}
	for _, coll := range []string{"outbox_batches", "outbox_leases", "outbox_items", "outbox_stats"} {
		cur, err := db.Collection(coll).Find(context.Background(), bson.M{})
		if err == nil {
			var bs []bson.M
			cur.All(context.Background(), &bs)
			for _, b := range bs {
				t.Logf("%s %v", coll, b)
			}
		}
	}
}

// TestFaultRetryBatchTakenWhileMessagesMove guards against a loss found by
// TestFaultSMTPOutageMidCampaign under the race detector: messages that
// failed temporarily were left "queued" for ever, pointing to a retry batch
// that no longer existed.
//
// carryOver (worker.go) inserted the retry batch "{batch}~{gen}" first,
// due at the earliest retry time, then pointed each message to it, one
// UpdateOne each. When that time has already passed (a short backoff, or a
// slow server that made the attempts outlast it), another sender claimed the
// new batch at once, found its messages still naming the old batch
// ("moved elsewhere": d.Batch != l.batch.ID), sent nothing, recorded 0
// sent and removed it. The first sender then finished moving the messages
// to the removed batch: no batch listed them again. carryOver now writes
// the retry batch held until its messages point to it.
//
// The store here is the real embedded one; each update command is delayed
// by 10 ms (a driver command monitor) to stand for a store under load,
// which widens the window the race needs.
func TestFaultRetryBatchTakenWhileMessagesMove(t *testing.T) {
	const n = 60
	var refusing atomic.Bool
	refusing.Store(true)
	srv := startSMTP(t, func(s *smtpServer) {
		s.OnMail = func(string) error {
			if refusing.Load() {
				return smtpErr(421, [3]int{4, 3, 2}, "service not available, try again later")
			}
			return nil
		}
	})
	st := storetest.Open(t)
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		if e.CommandName == "update" {
			time.Sleep(10 * time.Millisecond)
		}
	}}
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + url.PathEscape(embeddedSocket(st))).SetMonitor(mon))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	db := client.Database(st.DB.Name())
	cfg := testConfig(t, srv)
	cfg.Senders = 4 // one more than the batches: one is free to take a retry batch
	cfg.MaxAttempts = 1000
	o := newOutbox(t, db, cfg)
	storetest.FixIndexes(t, st)
	msgs := invitations(n)
	if err := o.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	run(t, o)
	time.Sleep(time.Second)
	refusing.Store(false)
	for deadline := time.Now().Add(15 * time.Second); len(srv.Received()) < n; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			dumpUndelivered(t, o, db, srv, msgs)
			orphans := 0
			for _, m := range msgs {
				d := storedMessage(t, db, m.ID)
				if d["state"] != "queued" {
					continue
				}
				if err := db.Collection("outbox_batches").FindOne(context.Background(), bson.M{"_id": d["batch"]}).Err(); err == mongo.ErrNoDocuments {
					orphans++
				}
			}
			t.Fatalf("%d of %d delivered 14 s after the server accepted again; %d messages are queued in a retry batch that no longer exists",
				len(srv.Received()), n, orphans)
		}
	}
	assertExactlyOnce(t, srv.Received(), msgs)
}
