package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// sendConn delivers messages one at a time; each sender owns one.
type sendConn interface {
	// send delivers m and returns the server's answer; on failure, temp
	// says whether a later attempt may succeed (4xx, network).
	send(ctx context.Context, id string, m *gomail.Msg) (response string, temp bool, err error)
	close()
}

type transport interface{ conn() sendConn }

func (o *Outbox) newTransport() (transport, error) {
	if o.cfg.mode() == "files" {
		if err := os.MkdirAll(o.cfg.Dir, 0o750); err != nil {
			return nil, fmt.Errorf("notify: mail directory: %w", err)
		}
		return fileTransport{dir: o.cfg.Dir}, nil
	}
	c, err := newSMTPClient(o.cfg)
	if err != nil {
		return nil, err
	}
	return &smtpTransport{client: c, cfg: o.cfg.SMTP}, nil
}

// newSMTPClient holds the server settings; each sender dials its own
// connection from it and reuses that connection for many messages.
func newSMTPClient(cfg Config) (*gomail.Client, error) {
	s := cfg.SMTP
	helo := s.HELO
	if helo == "" {
		helo = domainOf(cfg.From)
	}
	opts := []gomail.Option{
		gomail.WithPort(s.Port),
		gomail.WithTimeout(s.Timeout),
		gomail.WithHELO(helo),
		// No NOOP before and no RSET after each message: each costs a round
		// trip. A stale connection shows up at MAIL FROM, where nothing has
		// been sent yet, and is redialled.
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
	}
	switch s.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("notify: SMTP TLS %q: want none, starttls or tls", s.TLS)
	}
	if s.TLSConfig != nil {
		tc := s.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = s.Host
		}
		opts = append(opts, gomail.WithTLSConfig(tc))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP client: %w", err)
	}
	return c, nil
}

type smtpTransport struct {
	client *gomail.Client
	cfg    SMTPConfig
}

func (t *smtpTransport) conn() sendConn { return &smtpConn{client: t.client, cfg: t.cfg} }

// smtpConn is one sender's connection, dialled on first use, closed after
// MaxPerConn messages, after Idle without use, or on a network error.
type smtpConn struct {
	client *gomail.Client
	cfg    SMTPConfig
	c      *smtp.Client
	sent   int
	last   time.Time
}

func (s *smtpConn) send(ctx context.Context, _ string, m *gomail.Msg) (string, bool, error) {
	if s.c != nil && (s.sent >= s.cfg.MaxPerConn || time.Since(s.last) > s.cfg.Idle) {
		s.close()
	}
	for reused := s.c != nil; ; reused = false {
		if s.c == nil {
			c, err := s.client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				return "", true, fmt.Errorf("connecting to the SMTP server: %s", serverAnswer(err))
			}
			s.c, s.sent = c, 0
		}
		err := s.client.SendWithSMTPClient(s.c, m)
		s.last = time.Now()
		if err == nil {
			s.sent++
			return m.ServerResponse(), false, nil
		}
		if m.IsDelivered() { // accepted; only what followed failed
			s.drop()
			return m.ServerResponse(), false, nil
		}
		var se *gomail.SendError
		code := 0
		if errors.As(err, &se) {
			code = se.ErrorCode()
		}
		if code == 0 { // the connection failed, not the server's verdict
			s.drop()
			if reused && se != nil && (se.Reason == gomail.ErrSMTPMailFrom || se.Reason == gomail.ErrConnCheck) {
				continue // a connection the server had closed: nothing was sent
			}
			return "", true, errors.New(serverAnswer(err))
		}
		if se.Reason == gomail.ErrSMTPData || se.Reason == gomail.ErrSMTPDataClose || se.Reason == gomail.ErrWriteContent {
			s.drop() // the transaction state is unclear: start afresh
		}
		return "", code/100 == 4, errors.New(serverAnswer(err))
	}
}

// drop closes the connection without a goodbye.
func (s *smtpConn) drop() {
	if s.c != nil {
		s.c.Close()
		s.c = nil
	}
}

func (s *smtpConn) close() {
	if s.c != nil {
		s.client.CloseWithSMTPClient(s.c)
		s.c.Close()
		s.c = nil
	}
}

// serverAnswer shortens go-mail's error text to what the server said.
func serverAnswer(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ", affected message ID:"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// fileTransport writes one .eml file per message: the development mode.
type fileTransport struct{ dir string }

func (f fileTransport) conn() sendConn { return f }
func (f fileTransport) close()         {}

func (f fileTransport) send(_ context.Context, id string, m *gomail.Msg) (string, bool, error) {
	name := EMLName(id)
	tmp, err := os.CreateTemp(f.dir, ".tmp-*.eml")
	if err != nil {
		return "", true, err
	}
	defer os.Remove(tmp.Name())
	if _, err := m.WriteTo(tmp); err != nil {
		tmp.Close()
		return "", true, err
	}
	if err := tmp.Close(); err != nil {
		return "", true, err
	}
	// Rename is atomic: a reader never sees half a message, and a second
	// delivery of one message replaces the file.
	if err := os.Rename(tmp.Name(), filepath.Join(f.dir, name)); err != nil {
		return "", true, err
	}
	return "written to " + name, false, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// EMLName is the file name a message is written to in file mode: the
// message id made safe for a file name, with a hash to keep it unique.
func EMLName(id string) string {
	sum := sha256.Sum256([]byte(id))
	safe := unsafeName.ReplaceAllString(id, "_")
	if len(safe) > 80 {
		safe = safe[:80]
	}
	return safe + "-" + hex.EncodeToString(sum[:4]) + ".eml"
}

// domainOf returns the domain of an address ("localhost" if it has none).
func domainOf(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "localhost"
}

// limiter spaces sends evenly to at most a given rate, across the senders
// of one instance.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newLimiter(perSecond float64) *limiter {
	if perSecond <= 0 {
		return nil
	}
	return &limiter{interval: time.Duration(float64(time.Second) / perSecond)}
}

func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return ctx.Err()
}
