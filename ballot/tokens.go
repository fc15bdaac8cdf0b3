package ballot

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// tokenBytes is the randomness of a voting token: 144 bits.
const tokenBytes = 18

// TokenLen is the length of a voting token in its link (base64url).
const TokenLen = 24

// keys are derived from the service secret, one per purpose, so that H1 and
// H2 of one token share nothing.
type keys struct {
	h1, h2, sealKey, receiptKey []byte
}

func deriveKeys(secret []byte) keys {
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("ratify/ballot/" + purpose))
		return m.Sum(nil)
	}
	return keys{h1: derive("token-owner"), h2: derive("ballot-slot"), sealKey: derive("spare-seal"), receiptKey: derive("receipt")}
}

// newToken returns a fresh random voting token.
func newToken() string {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic("ballot: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseToken checks that s has the shape of a voting token, so that junk is
// refused before any lookup.
func ParseToken(s string) (string, error) {
	if len(s) != TokenLen {
		return "", ErrBadToken
	}
	// Only the base64url alphabet: the decoder alone would skip CR and LF.
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return "", ErrBadToken
		}
	}
	if _, err := base64.RawURLEncoding.DecodeString(s); err != nil {
		return "", ErrBadToken
	}
	return s, nil
}

func mac(key []byte, token string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// ownerID is H1(token): the _id of the token document naming the member.
func (k keys) ownerID(token string) string { return "t" + mac(k.h1, token) }

// slotID is H2(token): the _id of the ballot slot; the nullifier.
func (k keys) slotID(token string) string { return "b" + mac(k.h2, token) }

// seal encrypts a spare token for storage until it is issued.
func (k keys) seal(token string) string {
	block, _ := aes.NewCipher(k.sealKey)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(token), nil))
}

func (k keys) unseal(s string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return "", err
	}
	block, _ := aes.NewCipher(k.sealKey)
	gcm, _ := cipher.NewGCM(block)
	if len(raw) < gcm.NonceSize() {
		return "", errors.New("ballot: sealed token too short")
	}
	pt, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], nil)
	return string(pt), err
}

// receipt returns the receipt code of a token, like "K7M2Q-9XWPA": 50 bits
// of a keyed hash in Crockford's base32, without look-alike letters.
func (k keys) receipt(token string) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	m := hmac.New(sha256.New, k.receiptKey)
	m.Write([]byte(token))
	b := m.Sum(nil)
	var sb strings.Builder
	for i := 0; i < 10; i++ {
		if i == 5 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(b[i])%32])
	}
	return sb.String()
}
