package loyalty

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/loyalty -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from golden file (-want +got):\n%s", name, diff)
	}
}

// The receipt mail in both languages, for chips spent on a product at a
// shop or in the portal (to collect at a shop), chips spent on a gift certificate in the portal, and a gift
// certificate redeemed at a shop.
func TestRenderReceipt(t *testing.T) {
	at := time.Date(2026, 3, 14, 6, 4, 0, 0, time.UTC)
	exp := time.Date(2027, 3, 14, 6, 4, 0, 0, time.UTC)
	bal := int64(7)
	cert := fanmail.Certificate{ID: 3, Code: "FM-7K2Q-9XWD-R4TB-M3ZP", Value: 30000, ExpiresAt: &exp}
	for _, c := range []struct {
		name    string
		rc      Receipt
		balance *int64
	}{
		{"product", Receipt{Redemption: fanmail.Redemption{ID: 41, RewardID: 1, Cost: 5, ShopID: 2, CreatedAt: at},
			Reward: fanmail.Reward{Kind: fanmail.RewardProduct, Name: "에코백", NameEn: "Eco bag"}, Brand: "오즈세컨", Shop: "강남점"}, &bal},
		{"collect", Receipt{Redemption: fanmail.Redemption{ID: 44, RewardID: 1, Cost: 5, CreatedAt: at},
			Reward: fanmail.Reward{Kind: fanmail.RewardProduct, Name: "에코백", NameEn: "Eco bag"}, Brand: "오즈세컨"}, &bal},
		{"bought", Receipt{Redemption: fanmail.Redemption{ID: 42, RewardID: 2, Cost: 20, CertificateID: 3, CreatedAt: at},
			Reward:      fanmail.Reward{Kind: fanmail.RewardCertificate, Name: "3만원 상품권", NameEn: "₩30,000 gift certificate", Value: 30000},
			Certificate: cert, Brand: "오즈세컨"}, &bal},
		{"certificate", Receipt{Redemption: fanmail.Redemption{ID: 43, CertificateID: 3, ShopID: 2, CreatedAt: at},
			Certificate: cert, Brand: "오즈세컨", Shop: "강남점"}, nil},
	} {
		for _, lang := range []string{fanmail.LangKorean, fanmail.LangEnglish} {
			v := newReceiptView(lang, "김지민", c.rc, c.balance)
			v.PortalURL = "https://fan.example.com/portal/rewards"
			ct, err := renderReceipt(lang, v)
			if err != nil {
				t.Fatal(err)
			}
			// A receipt goes out whatever the member's marketing consent:
			// it must not carry what makes a mail an ad.
			for _, body := range []string{ct.Text, ct.HTML} {
				if s := fanmail.MessageAdSignals(fanmail.MessageReceipt, fanmail.AdContent{Subject: ct.Subject, Body: body}); len(s) > 0 {
					t.Errorf("receipt %s.%s carries ad signals: %v", c.name, lang, s)
				}
			}
			golden(t, "receipt_"+c.name+"."+lang+".txt", "Subject: "+ct.Subject+"\n\n"+ct.Text)
			golden(t, "receipt_"+c.name+"."+lang+".html", ct.HTML)
		}
	}
}
