package loyalty

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/store"
)

//go:embed templates
var templateFS embed.FS

// receiptTemplates are the receipt mail per language: the text (which
// defines "subject") and the HTML fragment the outbox puts in its layout.
var receiptTemplates = map[string]struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}{
	fanmail.LangKorean:  {parseText("receipt.ko.txt"), parseHTML("receipt.ko.html")},
	fanmail.LangEnglish: {parseText("receipt.en.txt"), parseHTML("receipt.en.html")},
}

func parseText(name string) *texttemplate.Template {
	return texttemplate.Must(texttemplate.New(name).ParseFS(templateFS, "templates/"+name))
}

func parseHTML(name string) *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New(name).ParseFS(templateFS, "templates/"+name))
}

// Renderers returns the renderers of the message kinds this package
// writes, for the outbox.
func (s *Service) Renderers() map[string]delivery.Renderer {
	return map[string]delivery.Renderer{fanmail.MessageReceipt: s.renderReceipt}
}

// receiptView fills the receipt mail; every value is formatted for its
// language.
type receiptView struct {
	Name        string
	Number      string
	When        string
	Shop        string
	Brand       string
	Reward      string // the reward's name; "" for a certificate redemption
	Cost        int64
	Balance     string // chips left; "" when unknown
	Certificate string // the code redeemed or bought
	Value       string
	Expires     string
	Bought      bool // the redemption bought the certificate
	Collect     bool // a product to collect at a shop (redeemed elsewhere)
	PortalURL   string
}

func (s *Service) renderReceipt(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
	var d receiptData
	if err := json.Unmarshal(c.Data, &d); err != nil {
		return delivery.Content{}, fmt.Errorf("receipt message %d: %w", c.ID, err)
	}
	rc, err := s.Receipt(ctx, d.RedemptionID)
	if err != nil {
		return delivery.Content{}, err
	}
	lang := c.Lang
	if lang != fanmail.LangEnglish {
		lang = fanmail.LangKorean
	}
	v := newReceiptView(lang, c.Name, rc, d.Balance)
	v.PortalURL = s.opts.BaseURL + "/portal/rewards"
	return renderReceipt(lang, v)
}

// newReceiptView formats receipt rc for member name in lang.
func newReceiptView(lang, name string, rc Receipt, balance *int64) receiptView {
	v := receiptView{Name: name, Number: strconv.FormatInt(rc.ID, 10),
		When: rc.CreatedAt.In(fanmail.KST).Format("2006-01-02 15:04") + " KST", Shop: rc.Shop, Brand: rc.Brand}
	if rc.RewardID != 0 {
		v.Reward, v.Cost = rc.Reward.Name, rc.Cost
		if lang == fanmail.LangEnglish && rc.Reward.NameEn != "" {
			v.Reward = rc.Reward.NameEn
		}
		v.Bought = rc.Certificate.ID != 0
		v.Collect = rc.Reward.Kind == fanmail.RewardProduct && rc.ShopID == 0
	}
	if balance != nil {
		v.Balance = strconv.FormatInt(*balance, 10)
	}
	if rc.Certificate.ID != 0 {
		v.Certificate, v.Value = rc.Certificate.Code, delivery.FormatWon(lang, rc.Certificate.Value)
		if rc.Certificate.ExpiresAt != nil {
			v.Expires = rc.Certificate.ExpiresAt.In(fanmail.KST).Format("2006-01-02")
		}
	}
	return v
}

func renderReceipt(lang string, v receiptView) (delivery.Content, error) {
	t := receiptTemplates[lang]
	var subj, text, html strings.Builder
	if err := t.text.ExecuteTemplate(&subj, "subject", v); err != nil {
		return delivery.Content{}, fmt.Errorf("receipt subject: %w", err)
	}
	if err := t.text.Execute(&text, v); err != nil {
		return delivery.Content{}, fmt.Errorf("receipt text: %w", err)
	}
	if err := t.html.Execute(&html, v); err != nil {
		return delivery.Content{}, fmt.Errorf("receipt html: %w", err)
	}
	return delivery.Content{Subject: strings.TrimSpace(subj.String()), Text: text.String(), HTML: html.String()}, nil
}
