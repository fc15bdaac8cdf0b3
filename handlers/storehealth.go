package handlers

// This file makes the service fail fast while its store is unreachable: a
// background pinger keeps a health flag; while it is down, every request
// that needs the store is answered at once with 503 "the database is
// unavailable; try again in a minute" (JSON or the HTML page) instead of
// waiting for the driver's server selection, /readyz names the reason, and
// the service recovers by itself on the first ping that answers.

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/errs"
	"github.com/valyala/fasthttp"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// StoreUnavailableMessage is what clients read while the store is down.
const StoreUnavailableMessage = "the database is unavailable; try again in a minute"

// NotDurableMessage is what a client reads when its request's writes
// could not be confirmed on the disk: they may or may not have been kept.
const NotDurableMessage = "the database could not confirm that this was saved; try again in a minute (a ballot already cast is refused as already voted)"

// StoreStoppedMessage is what clients read after a disk failure made the
// store refuse to save anything until the service is restarted.
const StoreStoppedMessage = "the database has stopped saving after a disk error; the service must be restarted; try again later"

// StoreHealth is the store's last known state, kept by Run.
type StoreHealth struct {
	ping     func(context.Context) error
	interval time.Duration
	timeout  time.Duration
	// failures is how many pings in a row must fail before the store is
	// reported down (one slow ping under load must not refuse ballots).
	failures int

	state atomic.Pointer[storeState]
}

type storeState struct {
	err   error     // nil: up
	since time.Time // when the state began
}

// NewStoreHealth pings with ping every interval, each ping bounded by
// timeout; the store is down after two failed pings in a row and up again
// after one that answers. It starts up.
func NewStoreHealth(ping func(context.Context) error, interval, timeout time.Duration) *StoreHealth {
	h := &StoreHealth{ping: ping, interval: interval, timeout: timeout, failures: 2}
	h.state.Store(&storeState{since: time.Now()})
	return h
}

// Run pings until ctx ends, calling changed (if not nil) on every change
// of state with the new error (nil: back up).
func (h *StoreHealth) Run(ctx context.Context, changed func(err error)) {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	failed, firstFailure := 0, time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, h.timeout)
		err := h.ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		cur := h.state.Load()
		switch {
		case err == nil:
			failed = 0
			if cur.err != nil {
				h.state.Store(&storeState{since: time.Now()})
				if changed != nil {
					changed(nil)
				}
			}
		default:
			failed++
			if failed == 1 {
				firstFailure = time.Now()
			}
			if failed >= h.failures {
				reason := storeErrorReason(err)
				if cur.err == nil || cur.err.Error() != reason.Error() {
					since := firstFailure
					if cur.err != nil {
						since = cur.since
					}
					h.state.Store(&storeState{err: reason, since: since})
					if changed != nil && cur.err == nil {
						changed(reason)
					}
				}
			}
		}
	}
}

// Err is nil while the store answers, else why it does not.
func (h *StoreHealth) Err() error {
	return h.state.Load().err
}

// Check is Err in the shape of handlers.Config.Ready: /readyz reports
// the reason without waiting on the store.
func (h *StoreHealth) Check(context.Context) error {
	s := h.state.Load()
	if s.err == nil {
		return nil
	}
	return &storeDownError{reason: s.err, since: s.since}
}

// storeDownError says since when and why the store is unreachable.
type storeDownError struct {
	reason error
	since  time.Time
}

func (e *storeDownError) Error() string {
	return "the database has not answered since " + e.since.UTC().Format(time.RFC3339) + ": " + e.reason.Error()
}

func (e *storeDownError) Unwrap() error { return e.reason }

// storeErrorReason turns a driver error into a short reason without
// addresses or the topology dump.
func storeErrorReason(err error) error {
	// A failed server selection carries each server's last error, which
	// says more than the selection's own deadline.
	var sse topology.ServerSelectionError
	if errors.As(err, &sse) {
		for _, srv := range sse.Desc.Servers {
			if srv.LastError != nil && !errors.As(srv.LastError, &sse) {
				return storeErrorReason(srv.LastError)
			}
		}
	}
	var ne *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("connection refused")
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return errors.New("connection reset")
	case errors.Is(err, context.DeadlineExceeded), mongo.IsTimeout(err):
		return errors.New("no answer within the ping timeout")
	case errors.As(err, &ne):
		return errors.New("network error: " + ne.Err.Error())
	case mongo.IsNetworkError(err):
		return errors.New("network error")
	}
	msg := err.Error()
	if i := strings.Index(msg, ", current topology"); i > 0 {
		msg = msg[:i]
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return errors.New(msg)
}

// GateOnStore makes s answer 503 at once while h reports the store down,
// for every request but /healthz, /readyz and /static/; and makes the
// error handler treat a request deadline hit while the store is down as
// the store's unavailability. Call it before serving.
func (s *Server) GateOnStore(h *StoreHealth) {
	s.store.Store(h)
	srv := s.app.Server()
	next := srv.Handler
	srv.Handler = func(fc *fasthttp.RequestCtx) {
		if h.Err() == nil || !needsStore(string(fc.Path())) {
			next(fc)
			return
		}
		c := s.app.AcquireCtx(fc)
		defer s.app.ReleaseCtx(c)
		c.Locals(localRequestID, newRequestID())
		c.Set("X-Request-ID", requestID(c))
		c.Set("Retry-After", "60")
		c.Set("Cache-Control", "no-store")
		c.Set("X-Content-Type-Options", "nosniff")
		c.Set("X-Frame-Options", "DENY")
		c.Set("Referrer-Policy", "no-referrer")
		c.SetUserContext(context.Background())
		if err := s.errorHandler(c, errs.New(errs.Unavailable, StoreUnavailableMessage)); err != nil {
			c.Status(fiber.StatusServiceUnavailable)
		}
	}
}

// needsStore is false for the paths served without the store.
func needsStore(path string) bool {
	return path != "/healthz" && path != "/readyz" && !strings.HasPrefix(path, "/static/")
}

// storeUnavailable returns the 503 error for err when err says the store
// could not be reached (the driver found no server, the connection broke,
// or the request ran out of time while the store was down), else nil.
func (s *Server) storeUnavailable(err error) *errs.Error {
	if err == nil {
		return nil
	}
	var sse topology.ServerSelectionError
	var ce topology.ConnectionError
	switch {
	case errors.As(err, &sse), errors.As(err, &ce),
		errors.Is(err, mongo.ErrClientDisconnected), mongo.IsNetworkError(err):
		return errs.Wrap(errs.Unavailable, err, StoreUnavailableMessage)
	}
	if errors.Is(err, context.DeadlineExceeded) || mongo.IsTimeout(err) {
		if h := s.store.Load(); h != nil && h.Err() != nil {
			return errs.Wrap(errs.Unavailable, err, StoreUnavailableMessage)
		}
	}
	return nil
}

// readyReason is /readyz's reason for err: the health flag's own sentence,
// or a direct ping's error made short.
func readyReason(err error) string {
	var down *storeDownError
	if errors.As(err, &down) {
		return down.Error()
	}
	return "the database does not answer: " + storeErrorReason(err).Error()
}
