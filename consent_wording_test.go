package fanmail

import "testing"

// TestConsentWordings checks every purpose has a text in the current version,
// so the join page's version always points at real wording.
func TestConsentWordings(t *testing.T) {
	for _, p := range Purposes {
		w, ok := ConsentWordingFor(ConsentWordingVersion, p)
		if !ok || w.Ko == "" || w.En == "" {
			t.Errorf("purpose %q has no wording in version %s", p, ConsentWordingVersion)
		}
	}
	if _, ok := ConsentWordingFor("1999-01", PurposeTerms); ok {
		t.Error("an unknown version has wording")
	}
}

func TestCheckExportReason(t *testing.T) {
	if err := CheckExportReason(1000, 1000, ""); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if err := CheckExportReason(1001, 1000, " "); ErrorCode(err) != EINVALID || ErrorField(err) != "reason" {
		t.Errorf("above the limit without a reason: %v", err)
	}
	if err := CheckExportReason(1001, 1000, "고객센터 이관"); err != nil {
		t.Errorf("with a reason: %v", err)
	}
	if err := CheckExportReason(5000, 0, ""); err != nil {
		t.Errorf("no limit: %v", err)
	}
}
