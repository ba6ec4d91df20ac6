// Package i18n translates fanmail's user-facing text between Korean and
// English. Messages are keyed by their English text; a missing Korean
// translation falls back to English.
package i18n

import (
	"fmt"
	"strings"
	"sync"
)

// Supported languages, default first.
var Langs = []string{"ko", "en"}

var (
	mu sync.RWMutex
	ko = map[string]string{}
)

// Register adds Korean translations; each feature registers its own messages
// from an init function in a file of its own (ko_member.go, ko_catalog.go, …).
// A key shared by features is translated in one file only (a test checks):
// a later Register overwrites an earlier one.
func Register(messages map[string]string) {
	mu.Lock()
	defer mu.Unlock()
	for k, v := range messages {
		ko[k] = v
	}
}

// T returns msg in lang, formatted with args if any.
func T(lang, msg string, args ...any) string {
	if lang == "ko" {
		mu.RLock()
		if v, ok := ko[msg]; ok {
			msg = v
		}
		mu.RUnlock()
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Has reports whether msg has a Korean translation; tests use it to find
// untranslated text.
func Has(msg string) bool {
	mu.RLock()
	defer mu.RUnlock()
	_, ok := ko[msg]
	return ok
}

// Normalize returns a supported language for tag ("ko-KR" → "ko"), or "".
func Normalize(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	for _, l := range Langs {
		if tag == l || strings.HasPrefix(tag, l+"-") || strings.HasPrefix(tag, l+"_") {
			return l
		}
	}
	return ""
}

// FromAcceptLanguage picks the first supported language of an Accept-Language
// header in the order given (weights are honoured only by order, as browsers
// send them sorted), or "" if none.
func FromAcceptLanguage(header string) string {
	for _, part := range strings.Split(header, ",") {
		tag, _, _ := strings.Cut(part, ";")
		if l := Normalize(tag); l != "" {
			return l
		}
	}
	return ""
}
