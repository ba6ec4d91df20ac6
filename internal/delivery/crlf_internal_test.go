package delivery

import (
	"strings"
	"testing"
)

func TestCRLF(t *testing.T) {
	old := func(s string) string { // the two-pass version crlf replaced
		return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
	}
	for _, s := range []string{"", "a", "a\n", "a\r\n", "\n\n", "a\r\r\nb\nc\r", "안녕\n하세요\r\n끝", "\r"} {
		if got := string(crlf(s)); got != old(s) {
			t.Errorf("crlf(%q) = %q, want %q", s, got, old(s))
		}
	}
}
