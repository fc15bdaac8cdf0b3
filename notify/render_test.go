package notify_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/storetest"
)

// TestTemplatesRenderSampleData renders every template with the sample
// data officers preview: no template may leave a hole.
func TestTemplatesRenderSampleData(t *testing.T) {
	db := storetest.DB(t)
	cfg := testConfig(t, nil)
	cfg.Now = func() time.Time { return time.Date(2021, 6, 23, 21, 30, 0, 0, time.UTC) }
	o := newOutbox(t, db, cfg)
	want := map[string][]string{
		"invitation":    {"Your ballot", "SAMPLE-TOKEN", "Wednesday, June 30, 2021 at 1:00 PM AKDT", "SHA-256"},
		"reminder":      {"Reminder", "have not voted", "SAMPLE-TOKEN"},
		"results":       {"Result", "ratified", "Yes: 413 votes (92.6%)", "446 of 612", "Tally commitment"},
		"meeting":       {"Q&A meeting", "(60 minutes)", "meeting.ics"},
		"status_update": {"School Board approved the agreement", "voted unanimously"},
	}
	for _, name := range notify.TemplateNames() {
		t.Run(name, func(t *testing.T) {
			r, err := o.Preview(name)
			if err != nil {
				t.Fatal(err)
			}
			all := r.Subject + "\n" + r.Text
			for _, w := range want[name] {
				if !strings.Contains(all, w) {
					t.Errorf("lacks %q:\n%s", w, all)
				}
			}
			for _, bad := range []string{"<no value>", "%!", "map["} {
				if strings.Contains(all, bad) || strings.Contains(r.HTML, bad) {
					t.Errorf("rendered %q", bad)
				}
			}
			if !strings.Contains(r.HTML, "<!doctype html>") || !strings.Contains(r.HTML, "Pat Member") {
				t.Error("HTML body is not a full document addressed to the member")
			}
		})
	}
	if _, err := o.Preview("nope"); err != notify.ErrUnknownTemplate {
		t.Errorf("preview of an unknown template: %v", err)
	}
}

// TestMissingDataFailsTheMessage: a message whose data lacks a required key
// is recorded failed with the reason, not sent half-filled.
func TestMissingDataFailsTheMessage(t *testing.T) {
	db := storetest.DB(t)
	o := newOutbox(t, db, testConfig(t, nil))
	m := invitation(1)
	delete(m.Data, "closes_at")
	if err := o.Enqueue(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	run(t, o)
	s := waitStats(t, o, "vote:v1:invitations", 10*time.Second, func(s notify.CampaignStats) bool { return s.Failed == 1 })
	if !strings.Contains(s.Failures[0].Error, `"closes_at" is missing`) {
		t.Errorf("failure %q", s.Failures[0].Error)
	}
}

// TestDKIMSignature signs with a configured key; the signature verifies
// against the public key as a receiving server would look it up in DNS.
func TestDKIMSignature(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := startSMTP(t, nil)
	db := storetest.DB(t)
	cfg := testConfig(t, srv)
	cfg.DKIM = notify.DKIMConfig{KeyPEM: pemKey, Selector: "ratify2021"}
	if err := notify.CheckConfig(cfg); err != nil {
		t.Fatal(err)
	}
	o := newOutbox(t, db, cfg)
	if err := o.Enqueue(context.Background(), invitation(1)); err != nil {
		t.Fatal(err)
	}
	run(t, o)
	got := srv.waitFor(1, 10*time.Second)
	lookups := 0
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(got[0].Data), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			lookups++
			if domain != "ratify2021._domainkey.ace-union.example" {
				t.Errorf("looked up %s", domain)
			}
			return []string{"v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "ace-union.example" || lookups != 1 {
		t.Fatalf("verifications %+v", vs)
	}

	cfg.DKIM.Selector = ""
	if err := notify.CheckConfig(cfg); err == nil {
		t.Error("a DKIM key without a selector was accepted")
	}
	cfg.DKIM = notify.DKIMConfig{KeyPEM: []byte("not a key"), Selector: "s"}
	if err := notify.CheckConfig(cfg); err == nil {
		t.Error("an unreadable DKIM key was accepted")
	}
}
