package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// pingSwitch is a ping whose answer the test sets. The real store's
// outage is shown end to end by TestFaultStoreUnreachable (cmd/ratify);
// here the flag's rules are checked without waiting on a driver.
type pingSwitch struct {
	mu     sync.Mutex
	err    error
	script []error // answered first, one per ping, before err
	calls  int
}

func (p *pingSwitch) ping(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if len(p.script) > 0 {
		err := p.script[0]
		p.script = p.script[1:]
		return err
	}
	return p.err
}

func (p *pingSwitch) set(err error) {
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
}

func (p *pingSwitch) waitCalls(t *testing.T, n int) {
	t.Helper()
	p.mu.Lock()
	target := p.calls + n
	p.mu.Unlock()
	for deadline := time.Now().Add(5 * time.Second); ; {
		p.mu.Lock()
		c := p.calls
		p.mu.Unlock()
		if c >= target {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pinger made %d pings, want %d", c, target)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestStoreHealthNeedsTwoFailuresAndOneSuccess(t *testing.T) {
	p := &pingSwitch{}
	h := NewStoreHealth(p.ping, 5*time.Millisecond, time.Second)
	var mu sync.Mutex
	var changes []string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		h.Run(ctx, func(err error) {
			mu.Lock()
			changes = append(changes, fmt.Sprint(err))
			mu.Unlock()
		})
		close(done)
	}()
	defer func() { cancel(); <-done }()

	p.waitCalls(t, 2)
	if h.Err() != nil {
		t.Fatalf("down while the store answers: %v", h.Err())
	}
	refused := fmt.Errorf("dial: %w", syscall.ECONNREFUSED)
	// One failure may be a slow moment: still up.
	p.mu.Lock()
	p.script = []error{refused}
	p.mu.Unlock()
	p.waitCalls(t, 3)
	if h.Err() != nil {
		t.Fatalf("down after a single failed ping: %v", h.Err())
	}
	p.set(refused)
	p.waitCalls(t, 3)
	if err := h.Err(); err == nil || err.Error() != "connection refused" {
		t.Fatalf("after failed pings: %v, want connection refused", err)
	}
	if err := h.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "the database has not answered since ") {
		t.Fatalf("Check: %v", err)
	}
	p.set(nil)
	p.waitCalls(t, 2)
	if h.Err() != nil {
		t.Fatalf("still down after a ping answered: %v", h.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(changes, "|") != "connection refused|<nil>" {
		t.Fatalf("changes %q, want down once then up once", changes)
	}
}

func TestGateOnStoreAnswers503AtOnce(t *testing.T) {
	s, err := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	p := &pingSwitch{}
	h := NewStoreHealth(p.ping, 5*time.Millisecond, time.Second)
	s.GateOnStore(h)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx, nil); close(done) }()
	defer func() { cancel(); <-done }()

	get := func(path, accept string) (int, string) {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := s.App().Test(req, 5000)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/api/v1/nothing-here", ""); code != 404 {
		t.Fatalf("up: %d, want the app's own 404", code)
	}
	p.set(errors.New("server selection error: context deadline exceeded, current topology: { Type: Unknown }"))
	p.waitCalls(t, 3)
	code, body := get("/api/v1/votes", "")
	if code != 503 || !strings.Contains(body, `"code":"unavailable"`) || !strings.Contains(body, `"message":"the database is unavailable; try again in a minute"`) {
		t.Fatalf("API while down: %d %s", code, body)
	}
	code, body = get("/officer", "text/html")
	if code != 503 || !strings.Contains(body, "<html") || !strings.Contains(body, "the database is unavailable; try again in a minute") {
		t.Fatalf("page while down: %d %s", code, body)
	}
	code, body = get("/readyz", "")
	if code != 503 || !strings.Contains(body, `"status":"unavailable"`) || !strings.Contains(body, "the database has not answered since") ||
		!strings.Contains(body, "server selection error: context deadline exceeded") || strings.Contains(body, "topology") {
		t.Fatalf("/readyz while down: %d %s", code, body)
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Fatalf("/healthz while down: %d", code)
	}
	p.set(nil)
	p.waitCalls(t, 2)
	if code, body := get("/readyz", ""); code != 200 {
		t.Fatalf("/readyz after recovery: %d %s", code, body)
	}
	if code, _ := get("/api/v1/nothing-here", ""); code != 404 {
		t.Fatalf("after recovery: %d, want the app's own 404", code)
	}
}

// The driver's errors when the store cannot be reached map to 503; a
// request deadline does only while the store is known to be down.
func TestStoreErrorsMapTo503(t *testing.T) {
	s, err := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	status := func(err error) (int, string) {
		t.Helper()
		fc := &fasthttp.RequestCtx{}
		fc.Request.SetRequestURI("/api/v1/votes")
		c := s.App().AcquireCtx(fc)
		defer s.App().ReleaseCtx(c)
		if err := s.errorHandler(c, err); err != nil {
			t.Fatal(err)
		}
		return fc.Response.StatusCode(), string(fc.Response.Body())
	}
	sel := topology.ServerSelectionError{Wrapped: context.DeadlineExceeded}
	for _, e := range []error{
		fmt.Errorf("ballot: token: %w", sel),
		fmt.Errorf("members: %w", topology.ConnectionError{Wrapped: syscall.ECONNREFUSED}),
	} {
		if code, body := status(e); code != 503 || !strings.Contains(body, "the database is unavailable; try again in a minute") {
			t.Errorf("%v: %d %s", e, code, body)
		}
	}
	deadline := fmt.Errorf("members: %w", context.DeadlineExceeded)
	if code, _ := status(deadline); code != 500 {
		t.Errorf("a deadline while the store is up: %d, want 500", code)
	}
	h := NewStoreHealth(nil, time.Hour, time.Second)
	h.state.Store(&storeState{err: errors.New("connection refused"), since: time.Now()})
	s.store.Store(h)
	if code, _ := status(deadline); code != 503 {
		t.Errorf("a deadline while the store is down: %d, want 503", code)
	}
	if code, _ := status(errors.New("something else")); code != 500 {
		t.Errorf("another error: %d, want 500", code)
	}
}
