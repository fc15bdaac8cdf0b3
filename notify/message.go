package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/ratifyhq/ratify/errs"
)

// Message is one email to one member. ID is an idempotency key and becomes
// the outbox _id: enqueueing one ID twice stores one message.
type Message struct {
	ID       string         // e.g. "invite:{vote}:{employee}:{gen}"
	Campaign string         // e.g. "vote:{id}:invitations", "vote:{id}:reminder:2", "vote:{id}:results"
	To       string         // email address
	ToName   string         // display name, optional
	Template string         // "invitation", "reminder", "results", "meeting", "status_update"
	Data     map[string]any // non-secret template data (BSON-serialisable; times as time.Time, stored UTC)
	// Secret holds values such as {"link": "https://host/v/TOKEN"}: kept only
	// until the message is delivered, then removed from the stored message.
	// Never logged.
	Secret map[string]string
}

// Config configures an Outbox.
type Config struct {
	// From is the From header, "Display Name <address>".
	From string
	// ReplyTo is the Reply-To address, optional.
	ReplyTo string
	// TimeZone is the union's time zone, used to show times (default UTC).
	TimeZone *time.Location
	// BaseURL is the service's public URL, used in message footers.
	BaseURL string
	// Union names the sender in message bodies (default: From's display name).
	Union string

	// SMTP is the server to deliver to; with an empty Host, messages are
	// written as .eml files to Dir instead.
	SMTP SMTPConfig
	// Dir receives one .eml file per message when no SMTP host is set.
	Dir string
	// DKIM signs every message when its key is set.
	DKIM DKIMConfig

	// Rate is the most messages per second this instance sends (0: no limit).
	Rate float64
	// Senders is the number of concurrent deliveries, each with its own
	// reused SMTP connection (default 3).
	Senders int
	// BatchSize is how many messages one enqueued batch holds (default 200).
	BatchSize int
	// Lease is how long a claimed batch stays claimed without renewal
	// (default 2 minutes); a dead worker's batch is taken over after it.
	Lease time.Duration
	// MaxAttempts bounds delivery attempts of a temporarily failing message
	// before it is marked failed (default 8).
	MaxAttempts int
	// Backoff is the delay before the first retry, doubled on each further
	// attempt up to MaxBackoff, with jitter (defaults 30 s and 1 hour).
	Backoff, MaxBackoff time.Duration
	// Poll is how often an idle worker looks for queued batches (default 1 s).
	Poll time.Duration
	// MissingGrace is how long a worker waits for a message listed in a batch
	// to be stored before giving up on it (default 2 minutes).
	MissingGrace time.Duration

	// Durable, if set, is called before each message leaves and must
	// return once everything written so far is on the disk (the embedded
	// store's group commit, store.Store.Durable): a link in a message must
	// not point to a token a power cut could take back. (The message last
	// sent before a power cut may still go out again: its "sent" mark
	// follows the send, as with every store.)
	Durable func(context.Context) error

	Logger *slog.Logger
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// SMTPConfig says how to reach the SMTP server.
type SMTPConfig struct {
	Host     string
	Port     int // default 587 (465 with TLS "tls")
	Username string
	Password string
	// TLS is "none", "starttls" (default; required, not opportunistic) or "tls".
	TLS string
	// TLSConfig overrides the TLS settings (tests use it to trust a
	// self-signed certificate); nil uses the system roots.
	TLSConfig *tls.Config
	// Timeout bounds each connection step and message (default 30 s).
	Timeout time.Duration
	// MaxPerConn closes a connection after this many messages (default 500).
	MaxPerConn int
	// Idle closes a connection unused for this long (default 20 s).
	Idle time.Duration
	// HELO is the name given in EHLO (default: the From domain).
	HELO string
}

// DKIMConfig is an optional DKIM signing key.
type DKIMConfig struct {
	// KeyPEM is an RSA or Ed25519 private key in PEM; empty disables DKIM.
	KeyPEM []byte
	// Domain is the signing domain (default: the From domain).
	Domain string
	// Selector is the DNS selector ("s=" tag), required with a key.
	Selector string
}

// Templates the outbox can render.
const (
	TemplateInvitation   = "invitation"
	TemplateReminder     = "reminder"
	TemplateResults      = "results"
	TemplateMeeting      = "meeting"
	TemplateStatusUpdate = "status_update"
)

// Message states.
const (
	StateQueued = "queued"
	StateSent   = "sent"
	StateFailed = "failed"
)

var (
	// ErrNotFound reports an unknown message id.
	ErrNotFound = &errs.Error{Code: errs.NotFound, Message: "no such notification"}
	// ErrNotFailed reports a retry of a message that has not failed.
	ErrNotFailed = &errs.Error{Code: errs.Conflict, Message: "only a failed notification can be retried"}
	// ErrUnknownTemplate reports a template name that does not exist.
	ErrUnknownTemplate = &errs.Error{Code: errs.NotFound, Message: "no such template"}
)

// InvalidMessageError names the message and field that Enqueue refused.
type InvalidMessageError struct {
	Index int    // position in the Enqueue call
	ID    string // message id
	Field string
	Msg   string
}

func (e *InvalidMessageError) Error() string {
	return fmt.Sprintf("notify: message %d (%q): %s: %s", e.Index, e.ID, e.Field, e.Msg)
}

func validate(i int, m Message) error {
	bad := func(field, msg string) error {
		return &InvalidMessageError{Index: i, ID: m.ID, Field: field, Msg: msg}
	}
	switch {
	case strings.TrimSpace(m.ID) == "":
		return bad("id", "is empty")
	case len(m.ID) > 400:
		return bad("id", "is longer than 400 bytes")
	case strings.TrimSpace(m.Campaign) == "":
		return bad("campaign", "is empty")
	case !knownTemplate(m.Template):
		return bad("template", fmt.Sprintf("%q is not a template (want one of %s)", m.Template, strings.Join(templateNames, ", ")))
	}
	a, err := mail.ParseAddress(m.To)
	if err != nil || a.Name != "" || a.Address != strings.TrimSpace(m.To) {
		return bad("to", fmt.Sprintf("%q is not an email address", m.To))
	}
	if strings.ContainsAny(m.ToName, "\r\n") {
		return bad("to_name", "contains a line break")
	}
	return nil
}

func (c *Config) defaults() {
	if c.TimeZone == nil {
		c.TimeZone = time.UTC
	}
	if c.Senders <= 0 {
		c.Senders = 3
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 200
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.MissingGrace <= 0 {
		c.MissingGrace = 2 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.From == "" {
		c.From = "Ratify <ratify@localhost>"
	}
	s := &c.SMTP
	if s.TLS == "" {
		s.TLS = "starttls"
	}
	if s.Port == 0 {
		s.Port = 587
		if s.TLS == "tls" {
			s.Port = 465
		}
	}
	if s.Timeout <= 0 {
		s.Timeout = 30 * time.Second
	}
	if s.MaxPerConn <= 0 {
		s.MaxPerConn = 500
	}
	if s.Idle <= 0 {
		s.Idle = 20 * time.Second
	}
	if c.Union == "" {
		if a, err := mail.ParseAddress(c.From); err == nil && a.Name != "" {
			c.Union = a.Name
		} else {
			c.Union = "Your union"
		}
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
}

// CheckConfig reports a configuration the outbox cannot deliver with: a bad
// From or Reply-To address, an unknown TLS mode, or an unusable DKIM key.
func CheckConfig(c Config) error {
	c.defaults()
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("notify: mail from %q: %w", c.From, err)
	}
	if c.ReplyTo != "" {
		if _, err := mail.ParseAddress(c.ReplyTo); err != nil {
			return fmt.Errorf("notify: mail reply-to %q: %w", c.ReplyTo, err)
		}
	}
	switch c.SMTP.TLS {
	case "none", "starttls", "tls":
	default:
		return fmt.Errorf("notify: SMTP TLS %q: want none, starttls or tls", c.SMTP.TLS)
	}
	if c.SMTP.Host == "" && c.Dir == "" {
		return errors.New("notify: neither an SMTP host nor a mail directory is configured")
	}
	if len(c.DKIM.KeyPEM) > 0 {
		if _, err := newDKIMSigner(c); err != nil {
			return err
		}
	}
	return nil
}

// Mode says where messages go: "smtp" or "files".
func (c *Config) mode() string {
	if c.SMTP.Host != "" {
		return "smtp"
	}
	return "files"
}
