package web

import (
	"crypto/rand"
	"html/template"
	"strings"

	"github.com/fanmail/fanmail"
)

// ledgerReasons names why a ledger entry was made, as English message keys
// the member portal and the staff pages translate.
var ledgerReasons = map[string]string{
	fanmail.ReasonBrandWelcome:   "Welcome chip for choosing the brand",
	fanmail.ReasonSurveyAnswered: "Brand survey answered",
	fanmail.ReasonFanReward:      "Fan reward",
	fanmail.ReasonRedemption:     "Redeemed",
	fanmail.ReasonManual:         "Added by staff",
	fanmail.ReasonExpiry:         "Expired",
	fanmail.ReasonReversal:       "Reversed by staff",
}

// LedgerReason returns the message key naming a ledger entry's reason.
func LedgerReason(reason string) string { return labelOf(ledgerReasons, reason) }

var certStates = map[string]string{
	fanmail.CertIssued:   "Valid",
	fanmail.CertRedeemed: "Used",
	fanmail.CertExpired:  "Expired",
	fanmail.CertVoid:     "Void",
}

// CertificateState returns the message key naming a gift certificate's
// state.
func CertificateState(state string) string { return labelOf(certStates, state) }

var ruleKinds = map[string]string{
	fanmail.FanShareAtLeast:    "Share of wardrobe at least",
	fanmail.FanScoreAtLeast:    "Score of chosen answers at least",
	fanmail.FanSurveysAnswered: "Brand surveys answered at least",
}

// FanRuleKind returns the message key naming a fan rule kind.
func FanRuleKind(kind string) string { return labelOf(ruleKinds, kind) }

// labelOf returns the label of key, or key itself when it has none.
func labelOf(labels map[string]string, key string) string {
	if l, ok := labels[key]; ok {
		return l
	}
	return key
}

// CertificateBarcode draws a gift certificate code as a Code 39 barcode of
// its characters without dashes (shorter, and read back the same); empty
// when the code cannot be drawn.
func CertificateBarcode(code string) template.HTML {
	svg, err := Code39(strings.ReplaceAll(code, "-", ""))
	if err != nil {
		return ""
	}
	return svg
}

// IdempotencyKey returns a fresh random key for a form that must act once
// however often it is posted: the key goes into the form as a hidden field,
// and a repeated post carries the same key.
func IdempotencyKey() string { return rand.Text() }
