package tracking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestURLs(t *testing.T) {
	u := NewURLs("https://fan.example.com", []byte("k1"))
	derived := "6d1e1b5a0c3f4e2d9a8b7c6d5e4f3a2b" // a token of store/sendtoken.go's form
	for _, tok := range []string{NewSendToken(), derived} {
		click := u.Click(tok, 42)
		parts := strings.Split(strings.TrimPrefix(click, "https://fan.example.com/t/c/"), "/")
		if len(parts) != 3 || parts[0] != tok || parts[1] != "42" || len(parts[2]) != 16 {
			t.Fatalf("click URL %q", click)
		}
		if !u.Valid(parts[2], "c", tok, "42") {
			t.Errorf("%s: own signature refused", tok)
		}
		literal := URLs{Base: u.Base, Secret: u.Secret} // keys derived at each call
		if !literal.Valid(parts[2], "c", tok, "42") || literal.Click(tok, 42) != click {
			t.Errorf("%s: a URLs literal signs otherwise", tok)
		}
		for _, bad := range [][]string{{"c", tok, "43"}, {"c", tok, "042"}, {"o", tok}, {"u", tok}, {"c", tok}} {
			if u.Valid(parts[2], bad[0], bad[1], bad[2:]...) {
				t.Errorf("%s: signature accepted for %q", tok, bad)
			}
		}
		other := NewURLs(u.Base, []byte("k2"))
		if other.Valid(parts[2], "c", tok, "42") {
			t.Errorf("%s: signature accepted under another key", tok)
		}
		unsub := strings.TrimPrefix(u.Unsubscribe(tok), "https://fan.example.com/u/"+tok+"/")
		open := strings.TrimSuffix(strings.TrimPrefix(u.Open(tok), "https://fan.example.com/t/o/"+tok+"/"), ".gif")
		if !u.Valid(unsub, "u", tok) || !u.Valid(open, "o", tok) || unsub == open || u.Valid(open, "u", tok) {
			t.Errorf("%s: unsubscribe %s and open %s signatures", tok, unsub, open)
		}
	}
	// Links of mail sent with stored tokens stay valid: HMAC-SHA256 over
	// "c|token|link", its first 12 bytes.
	stored := "abcdefghijklmnopqrstuvwxyz"
	m := hmac.New(sha256.New, []byte("k1"))
	m.Write([]byte("c|" + stored + "|42"))
	want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
	if got := u.Click(stored, 42); got != "https://fan.example.com/t/c/"+stored+"/42/"+want {
		t.Errorf("stored-token click URL %s, want signature %s", got, want)
	}
	// An upper-case derived token is not one: it is refused or HMAC-signed,
	// never taken for its lower-case self.
	sig := func(url string) string { return url[strings.LastIndexByte(url, '/')+1:] }
	if up := strings.ToUpper(derived); sig(u.Click(up, 42)) == sig(u.Click(derived, 42)) {
		t.Error("upper-case token signed like its lower-case form")
	}

	if got := TokenFromVERP("<Bounce+" + stored + "@mail.example.com>"); got != stored {
		t.Errorf("TokenFromVERP = %q", got)
	}
	if got := TokenFromVERP("someone@example.com"); got != "" {
		t.Errorf("TokenFromVERP of a plain address = %q", got)
	}
}

// A Signer reused from mail to mail (the engine's) builds the same URLs as
// a fresh one, whatever it signed before.
func TestSigner(t *testing.T) {
	u := NewURLs("https://fan.example.com", []byte("k1"))
	s := u.Signer()
	tokens := []string{"6d1e1b5a0c3f4e2d9a8b7c6d5e4f3a2b", "00000000000000000000000000000001", NewSendToken(), "6d1e1b5a0c3f4e2d9a8b7c6d5e4f3a2b", "preview"}
	for _, tok := range tokens {
		for _, id := range []int64{42, 7} {
			if got, want := string(s.AppendClick([]byte("x"), tok, id)), "x"+u.Click(tok, id); got != want {
				t.Errorf("click = %s, want %s", got, want)
			}
		}
		if got, want := string(s.AppendUnsubscribe(nil, tok)), u.Unsubscribe(tok); got != want {
			t.Errorf("unsubscribe = %s, want %s", got, want)
		}
		if got, want := string(s.AppendOpen(nil, tok)), u.Open(tok); got != want {
			t.Errorf("open = %s, want %s", got, want)
		}
	}
}
