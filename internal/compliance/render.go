package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/store"
)

// Renderers returns the renderers of the notices, for the outbox.
func (s *Service) Renderers() map[string]delivery.Renderer {
	return map[string]delivery.Renderer{
		fanmail.MessageConsentNotice:    s.render("consent_notice"),
		fanmail.MessageConsentReconfirm: s.render("consent_reconfirm"),
	}
}

// noticeView fills the consent_notice and consent_reconfirm templates.
type noticeView struct {
	Name       string
	Sender     string
	Date       string // the decision's date (result notice)
	Items      []noticeLine
	SMS        bool // an SMS consent is reported, by e-mail
	ConsentURL string
}

type noticeLine struct{ Channel, Result, Date string }

// channelNames and resultNames are the words of the notices per language.
var channelNames = map[string]map[string]string{
	fanmail.LangKorean: {fanmail.PurposeMarketingEmail: "전자우편(이메일)", fanmail.PurposeMarketingSMS: "문자메시지(SMS)",
		fanmail.PurposeNightSMS: "야간(21시~08시) 문자메시지"},
	fanmail.LangEnglish: {fanmail.PurposeMarketingEmail: "E-mail", fanmail.PurposeMarketingSMS: "Text messages (SMS)",
		fanmail.PurposeNightSMS: "Text messages at night (21:00–08:00)"},
}

var resultNames = map[string]map[string]string{
	fanmail.LangKorean: {fanmail.ConsentGranted: "수신 동의", fanmail.ConsentDeclined: "수신 거부",
		fanmail.ConsentWithdrawn: "수신 동의 철회"},
	fanmail.LangEnglish: {fanmail.ConsentGranted: "consent given", fanmail.ConsentDeclined: "consent refused",
		fanmail.ConsentWithdrawn: "consent withdrawn"},
}

func (s *Service) render(template string) delivery.Renderer {
	return func(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
		var d noticeData
		if err := json.Unmarshal(c.Data, &d); err != nil {
			return delivery.Content{}, fmt.Errorf("%s message %d: %w", template, c.ID, err)
		}
		if len(d.Items) == 0 {
			return delivery.Content{}, fmt.Errorf("%s message %d: no consents to report", template, c.ID)
		}
		lang := c.Lang
		if lang != fanmail.LangEnglish {
			lang = fanmail.LangKorean
		}
		v := noticeView{Name: c.Name, Sender: d.Sender, Date: kstDate(d.Items[0].At), ConsentURL: s.opts.BaseURL + "/portal/consents"}
		for _, it := range d.Items {
			v.Items = append(v.Items, noticeLine{Channel: channelNames[lang][it.Purpose], Result: resultNames[lang][it.Result],
				Date: kstDate(it.At)})
			v.SMS = v.SMS || fanmail.ChannelOf(it.Purpose) == fanmail.ChannelSMS
		}
		return delivery.TemplateContent(template, lang, v)
	}
}

// kstDate writes the date of t in Korea, where the law counts days.
func kstDate(t time.Time) string { return t.In(fanmail.KST).Format("2006-01-02") }
