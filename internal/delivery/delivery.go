// Package delivery renders and sends fanmail's e-mails: templates in HTML and
// text per language, compliance checks, sending and recording.
package delivery

import (
	"context"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"net/mail"
	"strings"
	texttemplate "text/template"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel"
)

// Mailer renders transactional mails and hands them to the e-mail sender.
// A nil Sender means mail is not configured.
type Mailer struct {
	Sender channel.EmailSender
	From   string
	logger *slog.Logger
}

// NewMailer returns a Mailer; sender may be nil when mail is not configured.
// from is "Name <address>" or a bare address.
func NewMailer(sender channel.EmailSender, from string, logger *slog.Logger) *Mailer {
	return &Mailer{Sender: sender, From: from, logger: logger}
}

// Configured reports whether mail can be sent.
func (mr *Mailer) Configured() bool { return mr != nil && mr.Sender != nil }

// Mail is a transactional mail to render: which template, in which language,
// to whom, with what data (the template's own struct, e.g. ConfirmData).
type Mail struct {
	Template string // "confirm", "signin"
	Lang     string // "ko" or "en"; anything else falls back to Korean
	To       string
	Data     any
}

// ConfirmData fills the "confirm" template (double opt-in).
type ConfirmData struct {
	Name       string
	Link       string
	ValidHours int
}

// SignInData fills the "signin" template (magic sign-in link).
type SignInData struct {
	Name         string
	Link         string
	ValidMinutes int
}

//go:embed templates
var templateFS embed.FS

// mailTemplates holds each mail per language: text (which also defines
// "subject") and HTML (rendered inside layout.html).
type mailTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

var templates = mustParseTemplates()

func mustParseTemplates() map[string]mailTemplates {
	out := map[string]mailTemplates{}
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	for _, e := range names {
		base, ok := strings.CutSuffix(e.Name(), ".txt")
		if !ok {
			continue
		}
		text := texttemplate.Must(texttemplate.New(e.Name()).ParseFS(templateFS, "templates/"+e.Name()))
		html := htmltemplate.Must(htmltemplate.New("layout.html").ParseFS(templateFS, "templates/layout.html", "templates/"+base+".html"))
		out[base] = mailTemplates{text: text, html: html}
	}
	return out
}

// htmlView is what layout.html sees.
type htmlView struct {
	Lang    string
	Subject string
	Data    any
}

// Render returns the e-mail for m, without sending it. It fails for an unknown
// template or data that does not fit it.
func (mr *Mailer) Render(m Mail) (channel.Email, error) {
	ct, err := TemplateContent(m.Template, m.Lang, m.Data)
	if err != nil {
		return channel.Email{}, err
	}
	name, addr := mr.from()
	return channel.Email{
		FromName:    name,
		FromAddress: addr,
		To:          m.To,
		Subject:     ct.Subject,
		Text:        ct.Text,
		HTML:        ct.HTML,
	}, nil
}

// TemplateContent renders the transactional mail template ("confirm",
// "signin", "order_confirm") in lang with data, for an outbox Renderer: a
// whole HTML document with the template's own layout (Content.Document), so
// it must not be marketing. Anything but English falls back to Korean.
func TemplateContent(template, lang string, data any) (Content, error) {
	if lang != fanmail.LangEnglish {
		lang = fanmail.LangKorean
	}
	t, ok := templates[template+"."+lang]
	if !ok {
		return Content{}, fmt.Errorf("render mail: no template %s.%s", template, lang)
	}
	var subject, text, html strings.Builder
	if err := t.text.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Content{}, fmt.Errorf("render mail %s subject: %w", template, err)
	}
	if err := t.text.Execute(&text, data); err != nil {
		return Content{}, fmt.Errorf("render mail %s text: %w", template, err)
	}
	subj := strings.TrimSpace(subject.String())
	if err := t.html.ExecuteTemplate(&html, "layout", htmlView{Lang: lang, Subject: subj, Data: data}); err != nil {
		return Content{}, fmt.Errorf("render mail %s html: %w", template, err)
	}
	return Content{Subject: subj, Text: strings.TrimLeft(text.String(), "\n"), HTML: html.String(), Document: true}, nil
}

func (mr *Mailer) from() (name, addr string) {
	a, err := mail.ParseAddress(mr.From)
	if err != nil {
		return "", strings.TrimSpace(mr.From)
	}
	return a.Name, a.Address
}

// Send renders m and sends it. It returns EUNAVAILABLE when mail is not
// configured, and the sender's error (free of addresses) when sending fails.
func (mr *Mailer) Send(ctx context.Context, m Mail) error {
	if !mr.Configured() {
		return fanmail.Errorf(fanmail.EUNAVAILABLE, "Mail is not configured.")
	}
	e, err := mr.Render(m)
	if err != nil {
		return err
	}
	if err := mr.Sender.SendEmail(ctx, e); err != nil {
		return fmt.Errorf("send %s mail: %w", m.Template, err)
	}
	if mr.logger != nil {
		mr.logger.Debug("mail sent", "template", m.Template, "lang", m.Lang)
	}
	return nil
}
