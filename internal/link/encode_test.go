package link_test

import (
	"encoding/base64"
	"testing"
)

func encode(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decode(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
