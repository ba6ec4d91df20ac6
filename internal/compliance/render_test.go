package compliance

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// TestRender_English renders both notices for a member who reads English.
func TestRender_English(t *testing.T) {
	s := New(nil, nil, Options{BaseURL: "https://fan.example.com"})
	at := time.Date(2026, 3, 2, 15, 30, 0, 0, time.UTC) // 2026-03-03 00:30 KST: the law counts Korean days
	data, _ := json.Marshal(noticeData{Sender: "OZ Second", Items: []noticeItem{
		{Purpose: fanmail.PurposeMarketingEmail, Result: fanmail.ConsentWithdrawn, At: at},
		{Purpose: fanmail.PurposeNightSMS, Result: fanmail.ConsentWithdrawn, At: at},
	}})
	claim := &store.OutboxClaim{Message: fanmail.Message{ID: 1, Data: data}, Name: "Jimin Kim", Lang: fanmail.LangEnglish}
	rs := s.Renderers()
	c, err := rs[fanmail.MessageConsentNotice](context.Background(), claim)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Dear Jimin Kim", "processed on 2026-03-03", "- E-mail: consent withdrawn (2026-03-03)",
		"- Text messages at night (21:00–08:00): consent withdrawn", "sent by e-mail as well", "https://fan.example.com/portal/consents",
		"Sender: OZ Second"} {
		if !strings.Contains(c.Text, want) {
			t.Errorf("result notice lacks %q:\n%s", want, c.Text)
		}
	}
	if c.Subject != "[OZ Second] The result of your advertising consent" || !strings.Contains(c.HTML, "consent withdrawn") {
		t.Errorf("subject %q, html:\n%s", c.Subject, c.HTML)
	}
	c, err = rs[fanmail.MessageConsentReconfirm](context.Background(), claim)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Text, "- E-mail: consented on 2026-03-03") || !strings.Contains(c.Text, "withdraw your consent here") {
		t.Errorf("re-confirmation:\n%s", c.Text)
	}
	claim.Data = json.RawMessage(`{"items":[]}`)
	if _, err := rs[fanmail.MessageConsentNotice](context.Background(), claim); err == nil {
		t.Error("a notice without items rendered")
	}
}
