package fan

import (
	"context"
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

// Renderers returns the renderers of the program's message kinds, for the
// outbox.
func (s *Service) Renderers() map[string]delivery.Renderer {
	return map[string]delivery.Renderer{
		fanmail.MessageChip:      s.renderChip,
		fanmail.MessageFanNotice: s.renderFanNotice,
	}
}

// productView is a product as the mails show it.
type productView struct {
	Name, Price, URL, ImageURL, Styling, Accessories, Age string
}

// chipView fills the chip mail.
type chipView struct {
	En          bool
	Name        string
	Code        string // member id
	Email       string
	Brand       string
	Number      string // "No:12345" or a range
	Count       int64
	Survey      bool // earned by answering a survey
	Products    []productView
	PortalURL   string
	Certificate string // fan notice: the certificate code
	Value       string // fan notice: its value
	Expires     string
	Subject     string // staff's own subject for this brand's step, if any
	Intro       string // staff's own opening paragraph, if any
}

func (s *Service) renderChip(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
	var d chipData
	if err := json.Unmarshal(c.Data, &d); err != nil {
		return delivery.Content{}, fmt.Errorf("chip message %d: %w", c.ID, err)
	}
	e, err := s.db.LedgerEntryByID(ctx, d.EntryID)
	if err != nil {
		return delivery.Content{}, err
	}
	v, err := s.view(ctx, c, e.BrandID)
	if err != nil {
		return delivery.Content{}, err
	}
	v.Count, v.Survey = e.Amount, e.Reason == fanmail.ReasonSurveyAnswered
	if e.Reason == fanmail.ReasonBrandWelcome {
		if err := s.ownWording(ctx, &v, e.BrandID, fanmail.StepWelcomeChip, c.Lang); err != nil {
			return delivery.Content{}, err
		}
	}
	v.Number = "No:" + strconv.FormatInt(e.ChipNumber, 10)
	if e.Amount > 1 {
		v.Number += "–" + strconv.FormatInt(e.ChipNumber+e.Amount-1, 10)
	}
	return render(chipTemplates, v, e.BrandID)
}

func (s *Service) renderFanNotice(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
	var d fanData
	if err := json.Unmarshal(c.Data, &d); err != nil {
		return delivery.Content{}, fmt.Errorf("fan notice %d: %w", c.ID, err)
	}
	cert, err := s.db.CertificateByID(ctx, d.CertificateID)
	if err != nil {
		return delivery.Content{}, err
	}
	v, err := s.view(ctx, c, cert.BrandID)
	if err != nil {
		return delivery.Content{}, err
	}
	if err := s.ownWording(ctx, &v, cert.BrandID, fanmail.StepFanReward, c.Lang); err != nil {
		return delivery.Content{}, err
	}
	v.Certificate, v.Value = cert.Code, won(cert.Value)
	if cert.ExpiresAt != nil {
		v.Expires = cert.ExpiresAt.In(fanmail.KST).Format("2006-01-02")
	}
	return render(fanTemplates, v, cert.BrandID)
}

// ownWording puts staff's subject and opening paragraph for the brand's
// step, if they wrote any, into v.
func (s *Service) ownWording(ctx context.Context, v *chipView, brandID int64, step, lang string) error {
	st, err := s.db.BrandStep(ctx, brandID, step)
	if err != nil {
		return err
	}
	v.Subject, v.Intro = st.Subject(lang, ""), st.Intro(lang, "")
	return nil
}

// view gathers what both mails show: the member, the brand and its new
// products. An unpublished brand is ENOTFOUND, so the outbox skips the mail.
func (s *Service) view(ctx context.Context, c *store.OutboxClaim, brandID int64) (chipView, error) {
	b, err := s.db.BrandByID(ctx, brandID, true)
	if err != nil {
		return chipView{}, err
	}
	ps, err := s.db.Products(ctx, store.ProductFilter{BrandID: brandID, Shelf: fanmail.ShelfNew, PublishedOnly: true, Limit: 4})
	if err != nil {
		return chipView{}, err
	}
	v := chipView{En: c.Lang == fanmail.LangEnglish, Name: c.Name, Code: c.Code, Email: c.Email, Brand: b.Name,
		PortalURL: s.opts.BaseURL + "/portal/rewards"}
	if v.Code == "" {
		v.Code = strconv.FormatInt(c.MemberID, 10)
	}
	for _, p := range ps {
		pv := productView{Name: p.Name, Price: won(p.Price), Styling: p.StylingAdvice, Accessories: p.Accessories,
			URL: s.opts.BaseURL + "/catalog/products/" + strconv.FormatInt(p.ID, 10)}
		if len(p.Images) > 0 {
			pv.ImageURL = s.opts.BaseURL + "/media/" + p.Images[0].Path
		}
		if p.AgeMin > 0 || p.AgeMax > 0 {
			pv.Age = fmt.Sprintf("%d–%d", p.AgeMin, p.AgeMax)
		}
		v.Products = append(v.Products, pv)
	}
	return v, nil
}

// won formats an amount of won: "10,000원".
func won(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "원"
}

type mailTemplates struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template
}

func render(t mailTemplates, v chipView, brandID int64) (delivery.Content, error) {
	var subj, text, html strings.Builder
	if v.Subject != "" {
		subj.WriteString(v.Subject)
	} else if err := t.subject.Execute(&subj, v); err != nil {
		return delivery.Content{}, err
	}
	if err := t.text.Execute(&text, v); err != nil {
		return delivery.Content{}, err
	}
	if err := t.html.Execute(&html, v); err != nil {
		return delivery.Content{}, err
	}
	return delivery.Content{Subject: strings.TrimSpace(subj.String()), Text: text.String(), HTML: html.String(), BrandID: brandID}, nil
}

func parse(subject, text, html string) mailTemplates {
	return mailTemplates{
		subject: texttemplate.Must(texttemplate.New("s").Parse(subject)),
		text:    texttemplate.Must(texttemplate.New("t").Parse(introText + text + productsText)),
		html:    htmltemplate.Must(htmltemplate.New("h").Parse(introHTML + html + productsHTML)),
	}
}

// introText and introHTML open a mail with staff's own paragraph.
const (
	introText = `{{with .Intro}}{{.}}

{{end}}`
	introHTML = `{{with .Intro}}<p style="white-space:pre-line">{{.}}</p>{{end}}`
)

const productsText = `
{{range .Products}}- {{.Name}} {{.Price}}{{if .Styling}} / {{.Styling}}{{end}}
  {{.URL}}
{{end}}
{{if .En}}Your chips and rewards: {{else}}받으신 칩과 혜택 보기: {{end}}{{.PortalURL}}
`

const productsHTML = `
{{if .Products}}<h3 style="margin:24px 0 8px">{{if .En}}New from {{.Brand}}{{else}}{{.Brand}} 신상품{{end}}</h3>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0">{{range .Products}}
<tr><td style="padding:8px 0;border-top:1px solid #eee">
{{if .ImageURL}}<img src="{{.ImageURL}}" alt="{{.Name}}" width="120" style="float:left;margin-right:12px;border-radius:4px">{{end}}
<a href="{{.URL}}" style="font-weight:bold;color:#111">{{.Name}}</a> <span>{{.Price}}</span>
{{if .Age}}<br><small>{{if $.En}}For ages{{else}}추천 연령{{end}} {{.Age}}</small>{{end}}
{{if .Styling}}<br><small>{{if $.En}}Styling:{{else}}코디 제안:{{end}} {{.Styling}}</small>{{end}}
{{if .Accessories}}<br><small>{{if $.En}}Goes with:{{else}}어울리는 액세서리:{{end}} {{.Accessories}}</small>{{end}}
</td></tr>{{end}}
</table>{{end}}
<p style="margin-top:20px"><a href="{{.PortalURL}}">{{if .En}}See your chips and rewards{{else}}받으신 칩과 혜택 보기{{end}}</a></p>`

// chipTemplates draw the mania chip as a card (seed 000, fig. 5).
var chipTemplates = parse(
	`{{if .En}}Your {{.Brand}} mania chip {{.Number}}{{else}}{{.Brand}} 매니아칩 {{.Number}}을 보내 드립니다{{end}}`,
	`To: {{.Code}}, {{.Email}}
{{.Number}}
{{if .En}}As a fan of {{.Brand}} who answered our survey sincerely, you receive {{.Count}} mania chip(s).{{else}}{{.Brand}}의 팬으로서 설문에 성실히 답해 주셔서 매니아칩을 보내 드립니다.{{end}}
From {{.Brand}}
`,
	`<div style="border:2px solid #1d4ed8;border-radius:12px;padding:20px;margin:8px 0;background:#eff6ff">
<div style="font-size:13px;color:#555">To: {{.Code}}, {{.Email}}</div>
<div style="font-size:28px;font-weight:bold;margin:8px 0;color:#1d4ed8">{{.Number}}</div>
<div>{{if .En}}As a fan of {{.Brand}} who answered our survey sincerely, you receive {{.Count}} mania chip(s).{{else}}{{.Brand}}의 팬으로서 설문에 성실히 답해 주셔서 매니아칩을 보내 드립니다.{{end}}</div>
<div style="text-align:right;font-weight:bold;margin-top:8px">From {{.Brand}}</div>
</div>`)

// fanTemplates are the fan-registration notice with its gift certificate.
var fanTemplates = parse(
	`{{if .En}}Welcome to the {{.Brand}} mania membership{{else}}{{.Brand}} 매니아 회원이 되신 것을 축하드립니다{{end}}`,
	`{{if .En}}{{.Name}}, your answers make you a {{.Brand}} mania member. Your gift certificate:{{else}}{{.Name}}님, 설문에 답해 주신 내용으로 {{.Brand}} 매니아 회원으로 등록되었습니다. 상품권을 보내 드립니다:{{end}}
{{.Certificate}} ({{.Value}}, {{if .En}}valid until{{else}}유효기간{{end}} {{.Expires}})
`,
	`<p>{{if .En}}{{.Name}}, your answers make you a <b>{{.Brand}}</b> mania member.{{else}}{{.Name}}님, 설문에 답해 주신 내용으로 <b>{{.Brand}}</b> 매니아 회원으로 등록되었습니다.{{end}}</p>
<div style="border:2px dashed #b45309;border-radius:12px;padding:20px;margin:8px 0;background:#fffbeb;text-align:center">
<div>{{if .En}}Gift certificate{{else}}상품권{{end}} · {{.Value}}</div>
<div style="font-size:24px;font-weight:bold;letter-spacing:2px;margin:8px 0">{{.Certificate}}</div>
<div style="font-size:13px;color:#555">{{if .En}}Valid until{{else}}유효기간{{end}} {{.Expires}} · {{if .En}}show this code at a shop{{else}}매장에서 이 코드를 보여 주세요{{end}}</div>
</div>`)
