package fanmail

import (
	"strings"
	"unicode/utf8"
)

// ValidText reports whether s is valid UTF-8 without NUL characters: text
// that both databases store as it is (PostgreSQL refuses NUL in text, SQLite
// would keep it).
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
