package handlers

import "testing"

func TestRedactPath(t *testing.T) {
	cases := map[string]string{
		"/v/AbCdEfGhIjKlMnOpQrStUvWx": "/v/…",
		"/setup/0123456789abcdef":     "/setup/…",
		"/api/v1/votes/x/results":     "/api/v1/votes/x/results",
	}
	for in, want := range cases {
		if got := redactPath(in); got != want {
			t.Errorf("redactPath(%q) = %q, want %q", in, got, want)
		}
	}
}
