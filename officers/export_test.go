package officers

// TokenKey exposes the derived signing key to tests that forge tokens.
func TokenKey(secret []byte) []byte { return derive(secret, "ratify officer session tokens v1") }
