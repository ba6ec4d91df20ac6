package store

import (
	"fmt"
	"testing"
	"time"
)

// Send tokens are 26 lower-case hex digits: the creation time in
// milliseconds, then 60 random bits, never the same twice.
func TestNewTokens(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	tokens := newTokens(now, 10000)
	prefix := fmt.Sprintf("%011x", now.UnixMilli())
	seen := map[string]bool{}
	zeros := 0
	for _, tok := range tokens {
		if len(tok) != tokenLen || tok[:11] != prefix {
			t.Fatalf("token %q: want %d characters starting %s", tok, tokenLen, prefix)
		}
		for _, c := range tok {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				t.Fatalf("token %q: not lower-case hex", tok)
			}
		}
		if seen[tok] {
			t.Fatalf("token %q made twice", tok)
		}
		seen[tok] = true
		if tok[11] == '0' {
			zeros++
		}
	}
	// The random part's first digit is as often 0 as any other (1/16).
	if zeros < 400 || zeros > 900 {
		t.Errorf("%d of 10,000 tokens have a random part starting with 0, want about 625", zeros)
	}
}
