package loyalty_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/fanmail/fanmail/internal/i18n"
)

// Every message the ledger, the catalogue, redemptions and fan rules can
// show a member or staff member has a Korean translation.
func TestMessagesTranslated(t *testing.T) {
	files := []string{"../../loyalty.go", "../store/ledger.go", "../store/rewards.go", "../store/rewards_certificates.go",
		"../store/fans.go", "../link/link.go", "loyalty.go", "redeem.go", "ledger.go", "rewards.go", "fans.go"}
	msg := regexp.MustCompile(`(?:Errorf\((?:fanmail\.)?E[A-Z]+, |FieldError\("[a-z_]+", |Message:\s+)"([^"%]+)"`)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msg.FindAllStringSubmatch(string(b), -1) {
			n++
			if !i18n.Has(m[1]) {
				t.Errorf("%s: no Korean for %q", f, m[1])
			}
		}
	}
	if n < 50 {
		t.Errorf("found only %d messages; is the pattern still right?", n)
	}
}
