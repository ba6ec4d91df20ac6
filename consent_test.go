package fanmail_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
)

// An optional consent left unticked was declined; only one granted before
// can be withdrawn, and each purpose has its own past.
func TestConsentDecisions(t *testing.T) {
	c := func(purpose string, granted bool) fanmail.Consent {
		return fanmail.Consent{Purpose: purpose, Granted: granted}
	}
	history := []fanmail.Consent{
		c(fanmail.PurposeTerms, true),
		c(fanmail.PurposeMarketingEmail, true),
		c(fanmail.PurposeMarketingSMS, false), // unticked at registration
		c(fanmail.PurposeMarketingEmail, false),
		c(fanmail.PurposeMarketingSMS, false), // still not given
		c(fanmail.PurposeMarketingEmail, false),
		c(fanmail.PurposeMarketingSMS, true),
		c(fanmail.PurposeMarketingSMS, false),
	}
	want := []string{fanmail.ConsentGranted, fanmail.ConsentGranted, fanmail.ConsentDeclined, fanmail.ConsentWithdrawn,
		fanmail.ConsentDeclined, fanmail.ConsentDeclined, fanmail.ConsentGranted, fanmail.ConsentWithdrawn}
	if diff := cmp.Diff(want, fanmail.ConsentDecisions(history)); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
}
