package member_test

import (
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/member"
)

// TestConsentItems_MatchWordings keeps the consent texts the forms show and
// the versioned wordings the privacy policy and the admin show equal: a text
// changed in one place only would make the records name a wording nobody
// read.
func TestConsentItems_MatchWordings(t *testing.T) {
	for _, it := range member.ConsentItems {
		w, ok := fanmail.ConsentWordingFor(fanmail.ConsentWordingVersion, it.Purpose)
		if !ok {
			t.Errorf("%s: no wording in version %s", it.Purpose, fanmail.ConsentWordingVersion)
			continue
		}
		if w.En != it.Label || w.Ko != i18n.T("ko", it.Label) {
			t.Errorf("%s: the form shows %q / %q, the wording of version %s is %q / %q; bump the version and add the new text",
				it.Purpose, it.Label, i18n.T("ko", it.Label), w.Version, w.En, w.Ko)
		}
	}
}
