package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// loadSecret returns the configured secret, or the one kept in file,
// generating it (32 random bytes, mode 0600) the first time.
func loadSecret(configured, file string) ([]byte, error) {
	if configured != "" {
		if len(configured) < 32 {
			return nil, errors.New("RATIFY_SECRET must be at least 32 characters")
		}
		return []byte(configured), nil
	}
	b, err := os.ReadFile(file)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return nil, fmt.Errorf("secret file %s is shorter than 32 characters", file)
		}
		return []byte(s), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	s := hex.EncodeToString(raw[:])
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(s+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	return []byte(s), nil
}
