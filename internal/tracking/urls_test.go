package tracking

import (
	"strings"
	"testing"
)

func TestURLs(t *testing.T) {
	u := URLs{Base: "https://fan.example.com", Secret: []byte("k1")}
	tok := NewSendToken()
	if len(tok) != 26 {
		t.Fatalf("token length %d", len(tok))
	}
	click := u.Click(tok, 42)
	parts := strings.Split(strings.TrimPrefix(click, "https://fan.example.com/t/c/"), "/")
	if len(parts) != 3 || parts[0] != tok || parts[1] != "42" {
		t.Fatalf("click URL %q", click)
	}
	if !u.Valid(parts[2], "c", tok, "42") {
		t.Error("own signature refused")
	}
	if u.Valid(parts[2], "c", tok, "43") {
		t.Error("signature accepted for another link")
	}
	other := URLs{Base: u.Base, Secret: []byte("k2")}
	if other.Valid(parts[2], "c", tok, "42") {
		t.Error("signature accepted under another key")
	}
	if got := TokenFromVERP("<Bounce+" + tok + "@mail.example.com>"); got != tok {
		t.Errorf("TokenFromVERP = %q", got)
	}
	if got := TokenFromVERP("someone@example.com"); got != "" {
		t.Errorf("TokenFromVERP of a plain address = %q", got)
	}
}
