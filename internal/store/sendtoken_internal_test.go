package store

import (
	"crypto/aes"
	"strings"
	"testing"
)

// A derived send token is 32 lower-case hex digits that give its send id
// back under the same key only; any altered digit, another key, a stored
// token or junk gives no id.
func TestSendTokens(t *testing.T) {
	codec := func(key string) *sendTokens {
		b, err := aes.NewCipher([]byte(key))
		if err != nil {
			t.Fatal(err)
		}
		return &sendTokens{block: b}
	}
	a, b := codec("0123456789abcdef"), codec("fedcba9876543210")
	seen := map[string]bool{}
	for _, id := range []int64{1, 2, 3, 255, 256, 1 << 31, 1<<53 + 7} {
		tok := a.token(id)
		if len(tok) != sendTokenLen || strings.Trim(tok, "0123456789abcdef") != "" {
			t.Fatalf("token(%d) = %q: want %d lower-case hex digits", id, tok, sendTokenLen)
		}
		if seen[tok] {
			t.Fatalf("token(%d) = %q made twice", id, tok)
		}
		seen[tok] = true
		if got, ok := a.id(tok); !ok || got != id {
			t.Errorf("id(token(%d)) = %d, %v", id, got, ok)
		}
		if got, ok := b.id(tok); ok {
			t.Errorf("another key reads token(%d) as %d", id, got)
		}
		for i := range tok {
			c := byte('0')
			if tok[i] == '0' {
				c = '1'
			}
			forged := tok[:i] + string(c) + tok[i+1:]
			if got, ok := a.id(forged); ok {
				t.Errorf("token(%d) with digit %d altered reads as %d", id, i, got)
			}
		}
		if up := strings.ToUpper(tok); up != tok {
			if _, ok := a.id(up); ok {
				t.Errorf("upper-case token(%d) accepted", id)
			}
		}
	}
	for _, junk := range []string{"", "nosuchtoken", strings.Repeat("0", 26), strings.Repeat("0", 32), strings.Repeat("z", 32), "0123456789abcdef0123456789abcde"} {
		if got, ok := a.id(junk); ok {
			t.Errorf("id(%q) = %d, want none", junk, got)
		}
	}
	// id 0 is no send: its token is refused too.
	if _, ok := a.id(a.token(0)); ok {
		t.Error("token of id 0 accepted")
	}
}
