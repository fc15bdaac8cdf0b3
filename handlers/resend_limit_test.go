package handlers_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// newResendEnv is newVoteEnv (Ann and Bo members, Cy a fee payer) with an
// open vote whose two links mail holds, served on a loopback port. It
// returns the env, the mail and the base URL.
func newResendEnv(t *testing.T) (*authEnv, *mailRecorder, string) {
	t.Helper()
	e, mail, officer := newVoteEnv(t)
	now := time.Now().UTC()
	resp, out := e.call(t, "POST", "/api/v1/votes", "application/json",
		`{"title":"Ratify?","opens_at":"`+now.Format(time.RFC3339)+`","closes_at":"`+now.Add(time.Hour).Format(time.RFC3339)+`"}`, bearerOf(officer)...)
	wantStatus(t, resp, out, 201)
	var v struct{ ID string }
	json.Unmarshal([]byte(out), &v)
	resp, out = e.call(t, "POST", "/api/v1/votes/"+v.ID+"/open", "", "", bearerOf(officer)...)
	wantStatus(t, resp, out, 202)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, out = e.call(t, "GET", "/api/v1/votes/"+v.ID, "", "", bearerOf(officer)...)
		if links(mail) == 2 && strings.Contains(out, `"status":"open"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("vote not open with 2 links: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return e, mail, serveOnLoopback(t, e.srv)
}

func links(m *mailRecorder) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.links)
}

// resendAnswer is what a client sees of a resend request.
type resendAnswer struct {
	Status int
	Body   string
	Header http.Header // without Date, which changes by itself
}

// resendFrom asks for a new link for email from the loopback address ip,
// through the form ("/resend") or the API ("/api/v1/resend"); headers come
// as name, value pairs.
func resendFrom(t *testing.T, base, ip, path, email string, headers ...string) resendAnswer {
	t.Helper()
	ct, body := "application/x-www-form-urlencoded", url.Values{"email": {email}}.Encode()
	if strings.HasPrefix(path, "/api/") {
		b, _ := json.Marshal(map[string]string{"email": email})
		ct, body = "application/json", string(b)
	}
	req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "text/html")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("resend from %s (the test needs the loopback range 127.0.0.0/8, as Linux has): %v", ip, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header.Clone()
	h.Del("Date")
	return resendAnswer{Status: resp.StatusCode, Body: string(b), Header: h}
}

// sameAnswer fails unless two answers are the same, byte for byte, headers
// included (but the request id, which is new for every request).
func sameAnswer(t *testing.T, what string, a, b resendAnswer) {
	t.Helper()
	a.Header.Del("X-Request-Id")
	b.Header.Del("X-Request-Id")
	if a.Status != b.Status || a.Body != b.Body {
		t.Errorf("%s: the answers differ:\n%d %s\n---\n%d %s", what, a.Status, a.Body, b.Status, b.Body)
	}
	for k := range a.Header {
		if a.Header.Get(k) != b.Header.Get(k) {
			t.Errorf("%s: header %s differs: %q and %q", what, k, a.Header.Get(k), b.Header.Get(k))
		}
	}
	for k := range b.Header {
		if _, ok := a.Header[k]; !ok {
			t.Errorf("%s: header %s in one answer only", what, k)
		}
	}
}

// TestResendLimitsAndAnswer: asking for a new voting link is limited per
// address (3 an hour, from any number of IPs) and per IP (10 an hour), and
// the answer, before and at the limits, does not say whether the address
// belongs to a member: it is the same, headers included, for a member who
// gets a link, a fee payer on the roster, and an address nobody has.
//
// The client IP is the TCP peer (the app sets no ProxyHeader, so a
// client's X-Forwarded-For is not believed): the requests come from
// different loopback addresses through a real listener. It depends on
// handlers/ballots.go, resend: `s.limits.allow("resend-email:"+email, 3,
// time.Hour)` (without it the fourth request for one address from a fourth
// IP is answered 200 and mails a fourth link) and `s.limits.allow(
// "resend-ip:"+c.IP(), 10, time.Hour)` (without it the 11th request from
// one IP is answered 200); on resendSubmit and resendAPI answering one
// fixed page and message; and on ballot.Service.Resend returning nil for
// an address that is no voter's (ballot/voters.go, `if member == "" {
// continue }`: returning ErrNotFound there makes the answers differ).
func TestResendLimitsAndAnswer(t *testing.T) {
	_, mail, base := newResendEnv(t)

	t.Run("SameAnswerMemberOrNot", func(t *testing.T) {
		for _, path := range []string{"/resend", "/api/v1/resend"} {
			before := links(mail)
			member := resendFrom(t, base, "127.0.0.11", path, "ann@example.org")
			if member.Status != 200 && member.Status != 202 {
				t.Fatalf("%s for a member: status %d: %s", path, member.Status, member.Body)
			}
			if links(mail) != before+1 {
				t.Fatalf("%s for a member queued %d links, want 1", path, links(mail)-before)
			}
			feePayer := resendFrom(t, base, "127.0.0.12", path, "cy@example.org")
			nobody := resendFrom(t, base, "127.0.0.13", path, "nobody@example.org")
			if links(mail) != before+1 {
				t.Errorf("%s for a fee payer or an unknown address queued a link", path)
			}
			sameAnswer(t, path+" member and fee payer", member, feePayer)
			sameAnswer(t, path+" member and unknown address", member, nobody)
		}
	})

	t.Run("PerAddress", func(t *testing.T) {
		// Bo: three requests from three IPs, each under its own limit, are
		// answered and mailed; the fourth, from a fourth IP, and a fifth
		// spelled differently, are refused and mail nothing. An address
		// nobody has is limited the same way, so the refusal says nothing
		// either.
		for _, email := range []string{"bo@example.org", "nobody-else@example.org"} {
			before := links(mail)
			var first resendAnswer
			for i, ip := range []string{"127.0.0.21", "127.0.0.22", "127.0.0.23"} {
				a := resendFrom(t, base, ip, "/resend", email)
				if a.Status != 200 {
					t.Fatalf("%s request %d from %s: status %d, want 200", email, i+1, ip, a.Status)
				}
				if i == 0 {
					first = a
				}
			}
			sent := links(mail) - before
			for _, variant := range []string{email, "  " + strings.ToUpper(email) + " "} {
				a := resendFrom(t, base, "127.0.0.24", "/resend", variant)
				if a.Status != 429 || !strings.Contains(a.Body, "try again in an hour") {
					t.Errorf("%q from a fourth IP: status %d, want 429: %.300s", variant, a.Status, a.Body)
				}
			}
			if links(mail)-before != sent {
				t.Errorf("%s: a refused request queued a link", email)
			}
			if other := resendFrom(t, base, "127.0.0.24", "/resend", "someone-"+email); other.Status != 200 {
				t.Errorf("another address from the same IP: status %d, want 200 (the IP is under its limit)", other.Status)
			} else {
				sameAnswer(t, "answered requests", first, other)
			}
			if email == "bo@example.org" && sent != 3 {
				t.Errorf("Bo was sent %d links, want 3", sent)
			}
		}
		member := resendFrom(t, base, "127.0.0.25", "/api/v1/resend", "bo@example.org")
		nobody := resendFrom(t, base, "127.0.0.26", "/api/v1/resend", "nobody-else@example.org")
		if member.Status != 429 {
			t.Errorf("API, Bo over the limit: status %d, want 429", member.Status)
		}
		member.Body = strings.Split(member.Body, `"request_id"`)[0]
		nobody.Body = strings.Split(nobody.Body, `"request_id"`)[0]
		sameAnswer(t, "API over the limit, member and unknown address", member, nobody)
	})

	t.Run("PerIP", func(t *testing.T) {
		const ip = "127.0.0.31"
		for i := 1; i <= 10; i++ {
			if a := resendFrom(t, base, ip, "/resend", "ip-test-"+string(rune('a'+i))+"@example.org"); a.Status != 200 {
				t.Fatalf("request %d from one IP: status %d, want 200", i, a.Status)
			}
		}
		if a := resendFrom(t, base, ip, "/resend", "ip-test-new@example.org"); a.Status != 429 {
			t.Errorf("11th request from one IP: status %d, want 429", a.Status)
		}
		// A forged X-Forwarded-For does not make it another client.
		if a := resendFrom(t, base, ip, "/resend", "ip-test-xff@example.org", "X-Forwarded-For", "203.0.113.7"); a.Status != 429 {
			t.Errorf("11th request from one IP with X-Forwarded-For: status %d, want 429", a.Status)
		}
		if a := resendFrom(t, base, "127.0.0.32", "/resend", "ip-test-new@example.org"); a.Status != 200 {
			t.Errorf("another IP: status %d, want 200", a.Status)
		}
	})
}
