package notify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is a real SMTP server (github.com/emersion/go-smtp) running in
// the test process, recording what it receives.
type smtpServer struct {
	t      testing.TB
	srv    *smtp.Server
	Host   string
	Port   int
	Client *tls.Config // trusts the server's self-signed certificate

	// Users, when set, requires AUTH PLAIN with one of these passwords.
	Users map[string]string
	// OnMail and OnRcpt may refuse a transaction (return an *smtp.SMTPError).
	OnMail func(from string) error
	OnRcpt func(to string) error
	// HeadersOnly keeps only each message's header (for benchmarks).
	HeadersOnly bool

	mu       sync.Mutex
	received []received
	conns    int
	authed   []string
}

type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

// header parses the message's header.
func (r received) header(t testing.TB) mail.Header {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("received message does not parse: %v", err)
	}
	return m.Header
}

// startSMTP starts a server on 127.0.0.1 with STARTTLS available.
func startSMTP(t testing.TB, setup func(*smtpServer)) *smtpServer {
	t.Helper()
	cert, pool := selfSigned(t)
	s := &smtpServer{t: t}
	if setup != nil {
		setup(s)
	}
	// go-smtp opens a new session after STARTTLS: count TCP connections
	// at the listener instead.
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s, c: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.srv.AllowInsecureAuth = false
	s.srv.MaxMessageBytes = 1 << 20
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.srv.Serve(countingListener{ln, s})
	t.Cleanup(func() { s.srv.Close() })
	s.Host = "127.0.0.1"
	s.Port = ln.Addr().(*net.TCPAddr).Port
	s.Client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	return s
}

// Received returns a copy of the messages received so far.
func (s *smtpServer) Received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

// Conns is the number of connections the server has accepted.
func (s *smtpServer) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// waitFor waits until n messages have arrived, failing the test after d.
func (s *smtpServer) waitFor(n int, d time.Duration) []received {
	s.t.Helper()
	deadline := time.After(d)
	for {
		s.mu.Lock()
		got := len(s.received)
		s.mu.Unlock()
		if got >= n {
			return s.Received()
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			s.t.Fatalf("received %d messages within %v, want %d", got, d, n)
		}
	}
}

type countingListener struct {
	net.Listener
	s *smtpServer
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.mu.Lock()
		l.s.conns++
		l.s.mu.Unlock()
	}
	return c, err
}

type smtpSession struct {
	s    *smtpServer
	c    *smtp.Conn
	user string
	from string
	to   []string
}

func (x *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if want, ok := x.s.Users[username]; !ok || want != password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		x.user = username
		x.s.mu.Lock()
		x.s.authed = append(x.s.authed, username)
		x.s.mu.Unlock()
		return nil
	}), nil
}

func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.Users != nil && x.user == "" {
		return smtp.ErrAuthRequired
	}
	if x.s.OnMail != nil {
		if err := x.s.OnMail(from); err != nil {
			return err
		}
	}
	x.from = from
	return nil
}

func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.OnRcpt != nil {
		if err := x.s.OnRcpt(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if x.s.HeadersOnly {
		if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
			b = append(b[:i:i], "\r\n\r\n"...)
		}
	}
	_, isTLS := x.c.TLSConnectionState()
	x.s.mu.Lock()
	x.s.received = append(x.s.received, received{From: x.from, To: x.to, Data: b, TLS: isTLS, User: x.user})
	x.s.mu.Unlock()
	return nil
}

func (x *smtpSession) Reset()        { x.from, x.to = "", nil }
func (x *smtpSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "ratify test SMTP"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, pool
}

// smtpErr is a server answer with a code.
func smtpErr(code int, enhanced [3]int, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode(enhanced), Message: msg}
}
