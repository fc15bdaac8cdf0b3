package ballot

import (
	"bytes"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// FuzzParseToken fuzzes what a voter's link carries. For any string:
//   - ParseToken accepts exactly the 24-character base64url strings (18
//     bytes), and refuses everything else with ErrBadToken, before any
//     lookup;
//   - an accepted token is canonical: decoding and encoding it gives it back,
//     so two spellings of one token cannot get two ballot slots;
//   - its two keyed hashes are hex of the right length, differ from each
//     other, and change when any character of the token changes;
//   - a sealed spare token unseals to itself, and any change to the sealed
//     form, or any other string, fails to unseal (never panics).
//
// Run: go test -run '^$' -fuzz '^FuzzParseToken$' -fuzztime 15s ./ballot
func FuzzParseToken(f *testing.F) {
	f.Add(newToken())
	f.Add(strings.Repeat("x", TokenLen))
	f.Add(strings.Repeat("A", TokenLen-1) + "=")
	f.Add("../../etc/passwd")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAA") // 23
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("AAAAAAAAAAAAAAAAAAAAAA+/") // standard, not URL, alphabet
	f.Add("AAAAAAAAAAAAAAAAAAAAAA\r\n")
	f.Add("%41AAAAAAAAAAAAAAAAAAAAA")
	f.Add("ÀAAAAAAAAAAAAAAAAAAAAA")
	k := deriveKeys([]byte("fuzz-secret-of-at-least-32-characters"))
	other := deriveKeys([]byte("another-secret-of-at-least-32-chars!"))
	hexID := regexp.MustCompile(`^[tb][0-9a-f]{64}$`)
	receiptRe := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$`)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseToken(s)
		wantOK := len(s) == TokenLen && urlAlphabet(s)
		if wantOK != (err == nil) {
			t.Fatalf("ParseToken(%q) = %q, %v; want ok=%v", s, got, err, wantOK)
		}
		if err != nil {
			if !errors.Is(err, ErrBadToken) {
				t.Fatalf("ParseToken(%q) error %v is not ErrBadToken", s, err)
			}
			if _, err := k.unseal(s); err == nil {
				t.Fatalf("unseal accepted a string that was never sealed: %q", s)
			}
			return
		}
		if got != s {
			t.Fatalf("ParseToken(%q) = %q", s, got)
		}
		raw, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(raw) != tokenBytes {
			t.Fatalf("accepted %q decodes to %d bytes, %v", s, len(raw), err)
		}
		if back := base64.RawURLEncoding.EncodeToString(raw); back != s {
			t.Fatalf("accepted %q is not canonical: it encodes back as %q", s, back)
		}
		h1, h2 := k.ownerID(s), k.slotID(s)
		if !hexID.MatchString(h1) || !hexID.MatchString(h2) || h1[1:] == h2[1:] {
			t.Fatalf("hashes of %q: %q %q", s, h1, h2)
		}
		if k.ownerID(s) != h1 || k.slotID(s) != h2 {
			t.Fatal("the hashes are not deterministic")
		}
		if other.ownerID(s) == h1 || other.slotID(s) == h2 {
			t.Fatal("the hashes do not depend on the secret")
		}
		// A tampered link (one character changed) is another token.
		for i := 0; i < len(s); i++ {
			c := byte('A')
			if s[i] == 'A' {
				c = 'B'
			}
			tampered := s[:i] + string(c) + s[i+1:]
			if k.ownerID(tampered) == h1 || k.slotID(tampered) == h2 {
				t.Fatalf("tampered %q has the hashes of %q", tampered, s)
			}
		}
		if r := k.receipt(s); !receiptRe.MatchString(r) {
			t.Fatalf("receipt %q", r)
		}
		sealed := k.seal(s)
		if back, err := k.unseal(sealed); err != nil || back != s {
			t.Fatalf("unseal(seal(%q)) = %q, %v", s, back, err)
		}
		if _, err := other.unseal(sealed); err == nil {
			t.Fatal("a token sealed under one secret unseals under another")
		}
		rawSealed, _ := base64.RawStdEncoding.DecodeString(sealed)
		for i := range rawSealed {
			b := bytes.Clone(rawSealed)
			b[i] ^= 0x01
			if _, err := k.unseal(base64.RawStdEncoding.EncodeToString(b)); err == nil {
				t.Fatalf("a sealed token with byte %d changed unseals", i)
			}
		}
	})
}

func urlAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
