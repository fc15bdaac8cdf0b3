package handlers_test

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/handlers"
)

// TestClientIPBehindTrustedProxies: the address the service attributes a
// request to (request log, and so the rate limits and the audit log, which
// read the same value) is the TCP peer, unless the peer is a trusted proxy;
// then it is the rightmost X-Forwarded-For entry that is not a trusted
// proxy, so what a client writes to the left of it is not believed. The
// requests come from different loopback addresses through a real listener
// (Linux routes all of 127.0.0.0/8 to lo).
func TestClientIPBehindTrustedProxies(t *testing.T) {
	proxies, err := handlers.ParseTrustedProxies(" 127.0.0.1 , 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handlers.ParseTrustedProxies("10.0.0.0/8, proxy.internal"); err == nil || !strings.Contains(err.Error(), `"proxy.internal"`) {
		t.Fatalf("a host name in the list: %v, want an error naming it", err)
	}
	cases := []struct {
		trusted      bool // the server trusts 127.0.0.1 and 10/8
		from, xff    string
		want, reason string
	}{
		{true, "127.0.0.1", "203.0.113.9", "203.0.113.9", "the proxy names the client"},
		{true, "127.0.0.1", "198.51.100.1, 203.0.113.9, 10.1.2.3", "203.0.113.9", "left of the first untrusted hop is the client's own claim"},
		{true, "127.0.0.2", "203.0.113.9", "127.0.0.2", "a peer that is not a trusted proxy is not believed"},
		{true, "127.0.0.1", "", "127.0.0.1", "no header: the proxy itself"},
		{true, "127.0.0.1", "not-an-address", "127.0.0.1", "garbage: the proxy itself"},
		{true, "127.0.0.1", "10.9.9.9", "10.9.9.9", "only trusted hops: the leftmost of them"},
		{false, "127.0.0.1", "203.0.113.9", "127.0.0.1", "no trusted proxies: the header is ignored"},
	}
	for _, trusted := range []bool{true, false} {
		logs := &syncBuffer{}
		cfg := handlers.Config{BaseURL: "http://localhost:8080", Logger: slog.New(slog.NewJSONHandler(logs, nil))}
		if trusted {
			cfg.TrustedProxies = proxies
		}
		srv, err := handlers.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.App().Listener(ln)
		for _, tc := range cases {
			if tc.trusted != trusted {
				continue
			}
			dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(tc.from)}, Timeout: 5 * time.Second}
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true}}
			req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/agreements-nowhere", nil)
			if tc.xff != "" {
				req.Header.Set("X-Forwarded-For", tc.xff)
			}
			id := "clientip-" + strings.NewReplacer(".", "", " ", "", ",", "").Replace(tc.from+tc.xff+tc.want)
			if len(id) > 60 {
				id = id[:60]
			}
			req.Header.Set("X-Request-ID", id)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("from %s: %v", tc.from, err)
			}
			resp.Body.Close()
			if got := loggedIP(t, logs.String(), id); got != tc.want {
				t.Errorf("%s (from %s, X-Forwarded-For %q): client %q, want %q", tc.reason, tc.from, tc.xff, got, tc.want)
			}
		}
		srv.App().Shutdown()
	}
}

// loggedIP is the ip of the request log line with request id id.
func loggedIP(t *testing.T, logs, id string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var rec struct {
			Msg       string
			RequestID string `json:"request_id"`
			IP        string
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "request" && rec.RequestID == id {
			return rec.IP
		}
	}
	t.Fatalf("no request log line for %s in:\n%s", id, logs)
	return ""
}
