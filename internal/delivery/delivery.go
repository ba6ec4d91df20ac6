// Package delivery renders and sends fanmail's e-mails: templates in HTML and
// text per language, compliance checks, sending and recording.
package delivery

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"strings"
	texttemplate "text/template"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel"
)

// Mailer says whether mail is configured (a nil Sender: it is not). Every
// mail is sent by the Outbox; services ask the Mailer only whether their
// mails can leave, to tell users.
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
