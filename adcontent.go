package fanmail

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Kinds of ad signal: what in a message's content makes it an advertisement
// under the Korean Information and Communications Network Act art. 50,
// whatever box was ticked.
const (
	AdSignalCatalogue = "catalogue" // a product block of the campaign composer
	AdSignalPrice     = "price"     // an amount of money: 39,000원, ₩39000, KRW 39000
	AdSignalSale      = "sale"      // sale or event wording: 세일, 할인, 이벤트, % off
	AdSignalCoupon    = "coupon"    // a coupon or promotion code
	AdSignalChip      = "chip"      // an offer of mania chips (매니아칩)
)

// AdContent is what a message says, as written: a campaign's template
// source, or a rendered message.
type AdContent struct {
	Subject   string
	Preheader string
	Body      string
}

// AdSignal is one thing in a message's content that makes it an ad. Field
// is "subject", "preheader" or "body"; Line counts from 1 within that field;
// Block is the number of the template block ({{…}}) it is in, counted from 1
// within the field, or 0 for plain text; Text is the matched text, as
// written.
type AdSignal struct {
	Kind  string
	Field string
	Line  int
	Block int
	Text  string
}

// Message says where the signal is and what it is, as a translatable
// message: "Body, line 3, block 2 (product block): {{products "oz" "sale" 3}}".
func (s AdSignal) Message() *Error {
	field := adFieldLabels[s.Field]
	kind := AdSignalKindLabel(s.Kind)
	switch {
	case s.Block > 0:
		return Msg("%s, line %d, block %d (%s): %s", field, s.Line, s.Block, kind, s.Text)
	case s.Field == "body":
		return Msg("%s, line %d (%s): %s", field, s.Line, kind, s.Text)
	}
	return Msg("%s (%s): %s", field, kind, s.Text)
}

// Describe is Message in English.
func (s AdSignal) Describe() string { return s.Message().English() }

var adFieldLabels = map[string]string{"subject": "Subject", "preheader": "Preheader", "body": "Body"}

// AdSignalKindLabel names a signal kind in English (an i18n key).
func AdSignalKindLabel(kind string) string {
	switch kind {
	case AdSignalCatalogue:
		return "product block"
	case AdSignalPrice:
		return "price"
	case AdSignalSale:
		return "sale or event wording"
	case AdSignalCoupon:
		return "coupon"
	case AdSignalChip:
		return "chip offer"
	}
	return kind
}

// adPatterns find ad signals in text. Korean has no word boundaries, so the
// Korean words match anywhere; English words match whole words only
// ("sale", not "wholesale"). Prices need digits: 원 alone is part of
// 회원 (member) and 원하다 (to want).
var adPatterns = []struct {
	kind string
	re   *regexp.Regexp
}{
	{AdSignalCatalogue, regexp.MustCompile(`\b(?:products|productList|won)\b`)},
	{AdSignalPrice, regexp.MustCompile(`(?i)[₩￦]\s*\d(?:[\d,.]*\d)?|\bKRW\s*\d(?:[\d,.]*\d)?|\d(?:[\d,.]*\d)?\s*(?:KRW\b|(?:만\s*)?원)`)},
	{AdSignalCoupon, regexp.MustCompile(`(?i)쿠폰|프로모션\s*코드|할인\s*코드|\bcoupons?\b|\bpromo(?:tion(?:al)?)?\s+codes?\b|\bvouchers?\b`)},
	{AdSignalChip, regexp.MustCompile(`(?i)(?:매니아|마니아)\s*칩[^.。!\n]{0,20}?(?:증정|지급|적립|드립|드려|선물|받으|받아|받기)|(?:\b(?:earn|get|bonus|free|extra)\s+(?:\d+\s+)?(?:mania\s+)?chips?\b)`)},
	{AdSignalSale, regexp.MustCompile(`(?i)세일|할인|이벤트|특가|프로모션|사은품|증정|기획전|\bsales?\b|\bdiscounts?\b|\bpromotions?\b|\d+\s*%\s*off\b|\bfree\s+gifts?\b|\bspecial\s+offers?\b|\bclearance\b`)},
}

// templateAction matches one template block {{…}}.
var templateAction = regexp.MustCompile(`\{\{.*?\}\}`)

// AdSignals returns every ad signal in c, in field order (subject,
// preheader, body) and then by position; nil when c is not an ad by its
// content. Template blocks ({{products …}}, {{won …}}) count as catalogue
// signals; other template blocks are not read for words.
func AdSignals(c AdContent) []AdSignal {
	var out []AdSignal
	for _, f := range []struct{ name, text string }{{"subject", c.Subject}, {"preheader", c.Preheader}, {"body", c.Body}} {
		out = append(out, fieldSignals(f.name, f.text)...)
	}
	return out
}

// fieldSignals returns the signals of one field in the order they appear.
func fieldSignals(field, text string) []AdSignal {
	type found struct {
		at int
		s  AdSignal
	}
	var all []found
	add := func(at int, s AdSignal) { all = append(all, found{at, s}) }
	// Template blocks: a catalogue function makes the block an ad; the rest
	// (member fields, footer) is blanked out, so that words inside them
	// ({{.Member.Name}}) do not count.
	blocks := templateAction.FindAllStringIndex(text, -1)
	plain := []byte(text)
	for i, b := range blocks {
		action := text[b[0]:b[1]]
		if adPatterns[0].re.MatchString(strings.Trim(action, "{}")) {
			add(b[0], AdSignal{Kind: AdSignalCatalogue, Field: field, Line: lineAt(text, b[0]), Block: i + 1, Text: action})
		}
		for j := b[0]; j < b[1]; j++ {
			if plain[j] != '\n' {
				plain[j] = ' '
			}
		}
	}
	// HTML tags are not content either (a class named "sale-banner" is
	// still an ad through its text, which is read).
	for _, b := range htmlTag.FindAllIndex(plain, -1) {
		for j := b[0]; j < b[1]; j++ {
			if plain[j] != '\n' {
				plain[j] = ' '
			}
		}
	}
	s := string(plain)
	var taken [][]int // coupon and chip matches: a sale word inside one is not counted again
	for _, p := range adPatterns[1:] {
		for _, m := range p.re.FindAllStringIndex(s, -1) {
			if p.kind == AdSignalSale && inside(taken, m[0]) {
				continue
			}
			if p.kind == AdSignalCoupon || p.kind == AdSignalChip {
				taken = append(taken, m)
			}
			add(m[0], AdSignal{Kind: p.kind, Field: field, Line: lineAt(text, m[0]), Text: strings.TrimSpace(text[m[0]:m[1]])})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at < all[j].at })
	var out []AdSignal
	for _, f := range all {
		out = append(out, f.s)
	}
	return out
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// inside reports whether offset i lies within one of spans.
func inside(spans [][]int, i int) bool {
	for _, sp := range spans {
		if i >= sp[0] && i < sp[1] {
			return true
		}
	}
	return false
}

func lineAt(s string, i int) int { return strings.Count(s[:i], "\n") + 1 }

// AdRuleError refuses to schedule or send content with ad signals as
// non-advertising mail. It wraps an EINVALID *Error (field "is_ad"), so
// ErrorCode and ErrorMessage work on it; Signals say why.
type AdRuleError struct {
	Signals []AdSignal
	err     *Error
}

// NewAdRuleError returns the error for content with signals sent as kind
// (CampaignMarketing without the ad mark, or CampaignTransactional).
func NewAdRuleError(kind string, signals []AdSignal) *AdRuleError {
	msg := "This mail is an advertisement by its content (%s), so it cannot go out unmarked: tick \"advertisement\", or ask an administrator for an override."
	if kind == CampaignTransactional {
		msg = "This mail is an advertisement by its content (%s), so it cannot go out as transactional mail: make it a marketing campaign marked as advertisement, or ask an administrator for an override."
	}
	first := Msg("")
	if len(signals) > 0 {
		first = signals[0].Message()
	}
	return &AdRuleError{Signals: signals, err: FieldErrorf("is_ad", msg, first)}
}

func (e *AdRuleError) Error() string { return e.err.Error() }

// Unwrap returns the EINVALID *Error the message comes from.
func (e *AdRuleError) Unwrap() error { return e.err }

// AdOverride records that a staff user allowed content with ad signals to
// go out as non-advertising mail: who, when, why, and for which content
// (Content is the AdContent fingerprint; other content voids it).
type AdOverride struct {
	UserID  int64
	At      time.Time
	Reason  string
	Content string
}

// Fingerprint returns a digest of the content and the kind it goes out
// as; an override is valid only for the fingerprint it was given for.
func (c AdContent) Fingerprint(kind string, isAd bool) string {
	h := sha256.New()
	for _, s := range []string{kind, fmt.Sprint(isAd), c.Subject, c.Preheader, c.Body} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AdContent returns the campaign's content as written, for AdSignals.
func (c Campaign) AdContent() AdContent {
	return AdContent{Subject: c.Subject, Preheader: c.Preheader, Body: c.Body}
}

// CheckAdRule returns nil if campaign c may go out as it is marked: an ad
// marked as one, content without ad signals, or an override given for
// exactly this content. Otherwise an *AdRuleError (EINVALID) listing the
// signals.
func (c Campaign) CheckAdRule() error {
	if c.IsAd && c.IsMarketing() {
		return nil
	}
	signals := AdSignals(c.AdContent())
	if len(signals) == 0 {
		return nil
	}
	if c.AdOverride != nil && c.AdOverride.Content == c.AdContent().Fingerprint(c.Kind, c.IsAd) {
		return nil
	}
	return NewAdRuleError(c.Kind, signals)
}

// ValidateAdOverrideReason returns EINVALID unless reason says something.
func ValidateAdOverrideReason(reason string) error {
	switch r := strings.TrimSpace(reason); {
	case r == "":
		return FieldError("reason", "Give the reason why this mail is not an advertisement.")
	case len(r) > 1000:
		return FieldError("reason", "The reason is too long.")
	}
	return nil
}

// MessageAdSignals returns the ad signals of a rendered message of kind
// (MessageOptIn, …): as AdSignals, except that the amounts in an order
// confirmation or a receipt are what the member bought, not an offer.
func MessageAdSignals(kind string, c AdContent) []AdSignal {
	signals := AdSignals(c)
	if kind != MessageOrderConfirmation && kind != MessageReceipt {
		return signals
	}
	var out []AdSignal
	for _, s := range signals {
		if s.Kind != AdSignalPrice {
			out = append(out, s)
		}
	}
	return out
}
