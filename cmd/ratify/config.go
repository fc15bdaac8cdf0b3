package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the union's time zone without the system's zoneinfo

	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/store"
)

// config is the service's effective configuration.
type config struct {
	Addr      string
	BaseURL   string
	DataDir   string
	MongoURI  string
	DBName    string
	LogLevel  string
	LogFormat string
	Secret    string
	PprofAddr string
	StoreSync string
	// TrustedProxies as given; Proxies parsed (handlers.ParseTrustedProxies).
	TrustedProxies string
	Proxies        []netip.Prefix

	SMTPHost     string
	SMTPPort     string
	SMTPUsername string
	SMTPPassword string
	SMTPTLS      string
	MailFrom     string
	MailReplyTo  string
	MailRate     string
	TimeZone     string
	MailSenders  string
	DKIMKeyFile  string
	DKIMSelector string
	DKIMDomain   string

	BootstrapAdminEmail    string
	BootstrapAdminPassword string
}

// setting binds one configuration value to its flag and environment variable.
type setting struct {
	flag, env, def, usage string
	secret                bool
	dst                   func(*config) *string
}

var settings = []setting{
	{"addr", "RATIFY_ADDR", ":8080", "listen address", false, func(c *config) *string { return &c.Addr }},
	{"base-url", "RATIFY_BASE_URL", "", "public base URL used in emailed links (default derived from -addr)", false, func(c *config) *string { return &c.BaseURL }},
	{"data-dir", "RATIFY_DATA_DIR", "./data", "data directory (embedded store, secret, mail files)", false, func(c *config) *string { return &c.DataDir }},
	{"mongodb-uri", "MONGODB_URI", "", "MongoDB URI; empty runs the embedded store", true, func(c *config) *string { return &c.MongoURI }},
	{"db-name", "RATIFY_DB_NAME", "ratify", "database name", false, func(c *config) *string { return &c.DBName }},
	{"log-level", "RATIFY_LOG_LEVEL", "info", "debug, info, warn or error", false, func(c *config) *string { return &c.LogLevel }},
	{"log-format", "RATIFY_LOG_FORMAT", "", "text or json (default: text on a terminal, json otherwise)", false, func(c *config) *string { return &c.LogFormat }},
	{"secret", "RATIFY_SECRET", "", "signing secret (default: generated once into the data directory)", true, func(c *config) *string { return &c.Secret }},
	{"store-sync", "RATIFY_STORE_SYNC", "group", "embedded store: group (a request that wrote is answered, and mail leaves, once one disk sync shared by all waiting requests has covered it), full (every commit waits for its own disk sync) or normal (nothing waits for the disk: a power cut can lose acknowledged ballots)", false, func(c *config) *string { return &c.StoreSync }},
	{"trusted-proxies", "RATIFY_TRUSTED_PROXIES", "", "comma-separated addresses or CIDR prefixes of the reverse proxies or load balancers in front of the service, whose X-Forwarded-For names the client (rate limits, audit log); empty: the connection's peer is the client", false, func(c *config) *string { return &c.TrustedProxies }},
	{"pprof-addr", "RATIFY_PPROF_ADDR", "", "if set, serve /debug/pprof on this separate (admin-only) address", false, func(c *config) *string { return &c.PprofAddr }},
	{"smtp-host", "RATIFY_SMTP_HOST", "", "SMTP server; empty delivers mail to files in the data directory", false, func(c *config) *string { return &c.SMTPHost }},
	{"smtp-port", "RATIFY_SMTP_PORT", "587", "SMTP port", false, func(c *config) *string { return &c.SMTPPort }},
	{"smtp-username", "RATIFY_SMTP_USERNAME", "", "SMTP user name", false, func(c *config) *string { return &c.SMTPUsername }},
	{"smtp-password", "RATIFY_SMTP_PASSWORD", "", "SMTP password", true, func(c *config) *string { return &c.SMTPPassword }},
	{"smtp-tls", "RATIFY_SMTP_TLS", "starttls", "none, starttls or tls", false, func(c *config) *string { return &c.SMTPTLS }},
	{"mail-from", "RATIFY_MAIL_FROM", "Ratify <ratify@localhost>", "From address of member mail", false, func(c *config) *string { return &c.MailFrom }},
	{"mail-reply-to", "RATIFY_MAIL_REPLY_TO", "", "Reply-To address of member mail", false, func(c *config) *string { return &c.MailReplyTo }},
	{"mail-rate", "RATIFY_MAIL_RATE", "50", "messages per second at most", false, func(c *config) *string { return &c.MailRate }},
	{"mail-senders", "RATIFY_MAIL_SENDERS", "3", "concurrent SMTP connections", false, func(c *config) *string { return &c.MailSenders }},
	{"dkim-key-file", "RATIFY_DKIM_KEY_FILE", "", "PEM private key (RSA or Ed25519) to DKIM-sign member mail; empty: no DKIM", false, func(c *config) *string { return &c.DKIMKeyFile }},
	{"dkim-selector", "RATIFY_DKIM_SELECTOR", "", "DKIM selector (the s= tag; DNS name {selector}._domainkey.{domain})", false, func(c *config) *string { return &c.DKIMSelector }},
	{"dkim-domain", "RATIFY_DKIM_DOMAIN", "", "DKIM signing domain (default: the domain of -mail-from)", false, func(c *config) *string { return &c.DKIMDomain }},
	{"timezone", "RATIFY_TIMEZONE", "America/Anchorage", "the union's time zone (IANA name)", false, func(c *config) *string { return &c.TimeZone }},
	{"bootstrap-admin-email", "RATIFY_BOOTSTRAP_ADMIN_EMAIL", "", "create this administrator at start if no officer exists", false, func(c *config) *string { return &c.BootstrapAdminEmail }},
	{"bootstrap-admin-password", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD", "", "password of the bootstrap administrator", true, func(c *config) *string { return &c.BootstrapAdminPassword }},
}

// parseConfig reads the environment, then flags, which win.
func parseConfig(name string, args []string, getenv func(string) string, out io.Writer) (*config, []string, error) {
	c := &config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	for _, s := range settings {
		v := s.def
		if e := getenv(s.env); e != "" {
			v = e
		}
		fs.StringVar(s.dst(c), s.flag, v, s.usage+" ($"+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if c.BaseURL == "" {
		c.BaseURL = baseURLFor(c.Addr)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("base URL %q is not an http(s) URL", c.BaseURL)
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		return nil, nil, fmt.Errorf("log format %q: want text or json", c.LogFormat)
	}
	proxies, err := handlers.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (RATIFY_TRUSTED_PROXIES)", err)
	}
	c.Proxies = proxies
	switch c.StoreSync {
	case "group", "full", "normal":
	default:
		return nil, nil, fmt.Errorf("store sync %q (RATIFY_STORE_SYNC): want group, full or normal", c.StoreSync)
	}
	return c, fs.Args(), nil
}

// baseURLFor derives a base URL from a listen address.
func baseURLFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// effective lists the configuration as key=value pairs with secrets masked.
func (c *config) effective() []any {
	var kv []any
	for _, s := range settings {
		v := *s.dst(c)
		switch {
		case s.env == "MONGODB_URI" && v != "":
			v = store.RedactURI(v)
		case s.secret && v != "":
			v = "****"
		}
		kv = append(kv, s.flag, v)
	}
	return kv
}

// notifyConfig is the outbox's configuration: SMTP when a host is set,
// otherwise .eml files in mailDir.
func (c *config) notifyConfig(mailDir string, log *slog.Logger) (notify.Config, error) {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return notify.Config{}, fmt.Errorf("time zone %q: %w", c.TimeZone, err)
	}
	port, err := strconv.Atoi(c.SMTPPort)
	if err != nil || port < 1 || port > 65535 {
		return notify.Config{}, fmt.Errorf("SMTP port %q is not a port number", c.SMTPPort)
	}
	rate, err := strconv.ParseFloat(c.MailRate, 64)
	if err != nil || rate < 0 {
		return notify.Config{}, fmt.Errorf("mail rate %q is not a number of messages per second", c.MailRate)
	}
	senders, err := strconv.Atoi(c.MailSenders)
	if err != nil || senders < 1 || senders > 32 {
		return notify.Config{}, fmt.Errorf("mail senders %q: want 1 to 32", c.MailSenders)
	}
	nc := notify.Config{
		From: c.MailFrom, ReplyTo: c.MailReplyTo, TimeZone: loc, BaseURL: c.BaseURL,
		Rate: rate, Senders: senders, Logger: log,
		SMTP: notify.SMTPConfig{Host: c.SMTPHost, Port: port, Username: c.SMTPUsername, Password: c.SMTPPassword, TLS: c.SMTPTLS},
		DKIM: notify.DKIMConfig{Selector: c.DKIMSelector, Domain: c.DKIMDomain},
	}
	if c.SMTPHost == "" {
		nc.Dir = mailDir
	}
	if c.DKIMKeyFile != "" {
		if nc.DKIM.KeyPEM, err = os.ReadFile(c.DKIMKeyFile); err != nil {
			return notify.Config{}, fmt.Errorf("DKIM key: %w", err)
		}
	}
	if err := notify.CheckConfig(nc); err != nil {
		return notify.Config{}, err
	}
	return nc, nil
}

// unionLocation is the union's time zone; the configuration was checked at
// start (notify's config loads it), so an error here means UTC.
func unionLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}
