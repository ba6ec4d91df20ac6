package survey

import (
	"context"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

// mailView fills the invitation mail.
type mailView struct {
	En       bool
	Name     string
	Brand    string // "" for a survey about no brand
	Title    string
	Intro    string
	Chips    int
	Expires  string // last day to answer, KST
	URL      string // the answer page
	Question string // the first question, answered from the mail
	Choices  []choice
	MinLabel string // a scale's ends
	MaxLabel string
}

// choice is a one-click answer: it opens the answer page with the answer
// picked, to be confirmed there by a press (a link scanner records nothing).
type choice struct {
	Label, URL string
}

// Token signs the answer link of invitation inv (its page is
// BaseURL/s/TOKEN). Nothing is stored: an invitation is answered once, so
// answering spends every link to it (Submit), and the link expires with
// the invitation.
func (s *Service) Token(ctx context.Context, inv fanmail.SurveyInvitation) (string, error) {
	return s.links.Sign(ctx, link.Survey, inv.MemberID, inv.ID, inv.ExpiresAt)
}

// Render is the outbox Renderer of fanmail.MessageSurveyInvitation: a short,
// phone-friendly mail naming the brand and the promised chips, with the
// first question's answers as one-click links to the answer page. An
// expired invitation or a closed survey is EEXPIRED and an unpublished
// brand ENOTFOUND, so the outbox skips the message.
func (s *Service) Render(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
	var d inviteData
	if err := json.Unmarshal(c.Data, &d); err != nil {
		return delivery.Content{}, fmt.Errorf("survey invitation %d: %w", c.ID, err)
	}
	if !s.db.Now().Before(d.Expires) {
		return delivery.Content{}, fanmail.Errorf(fanmail.EEXPIRED, "The invitation expired before it was sent.")
	}
	sv, err := s.surveyView(ctx, d.SurveyID)
	if err != nil {
		return delivery.Content{}, err
	}
	if !sv.Survey.Active {
		return delivery.Content{}, ErrClosed
	}
	token, err := s.Token(ctx, fanmail.SurveyInvitation{ID: d.InvitationID, MemberID: c.MemberID, ExpiresAt: d.Expires})
	if err != nil {
		return delivery.Content{}, err
	}
	expires := d.Expires.Add(-time.Second).In(fanmail.KST).Format("2006-01-02")
	// The mail is the same for every member of a mailing but for the name
	// and the link: it is rendered once with markers (the templates'
	// escaping was 30 % of the outbox's CPU per invitation) and the markers
	// replaced per member, the name HTML-escaped in the HTML part.
	key := renderKey{survey: d.SurveyID, en: c.Lang == fanmail.LangEnglish, brand: c.BrandID, expires: expires}
	tmpl, err := lookup(&s.cache.mu, &s.cache.mails, key, func() (invitationMail, error) {
		ct, err := s.renderInvitation(ctx, sv, key)
		return invitationMail{subject: splitMarkers(ct.Subject), text: splitMarkers(ct.Text), html: splitMarkers(ct.HTML)}, err
	})
	if err != nil {
		return delivery.Content{}, err
	}
	htmlName := htmltemplate.HTMLEscapeString(c.Name)
	return delivery.Content{Subject: tmpl.subject.fill(c.Name, token), Text: tmpl.text.fill(c.Name, token),
		HTML: tmpl.html.fill(htmlName, token), BrandID: c.BrandID}, nil
}

// invitationMail is an invitation as rendered once for a mailing, split
// around its markers: a member's copy only joins the parts with their name
// and token (a strings.Replacer per member was a third of Render's CPU).
type invitationMail struct {
	subject, text, html markedText
}

// markedText is a text split around nameMarker and tokenMarker: parts[i]
// is followed by the marker isName[i] says, but for the last part.
type markedText struct {
	parts  []string
	isName []bool
	size   int
}

// splitMarkers splits s around its markers.
func splitMarkers(s string) markedText {
	var m markedText
	for {
		n, t := strings.Index(s, nameMarker), strings.Index(s, tokenMarker)
		if n < 0 && t < 0 {
			break
		}
		name := n >= 0 && (t < 0 || n < t)
		i, mark := t, tokenMarker
		if name {
			i, mark = n, nameMarker
		}
		m.parts = append(m.parts, s[:i])
		m.isName = append(m.isName, name)
		m.size += i
		s = s[i+len(mark):]
	}
	m.parts = append(m.parts, s)
	m.size += len(s)
	return m
}

// fill joins m's parts with name and token in place of the markers.
func (m markedText) fill(name, token string) string {
	var b strings.Builder
	b.Grow(m.size + len(m.isName)*max(len(name), len(token)))
	for i, p := range m.parts {
		b.WriteString(p)
		if i < len(m.isName) {
			if m.isName[i] {
				b.WriteString(name)
			} else {
				b.WriteString(token)
			}
		}
	}
	return b.String()
}

// Markers stand for the member's name and link token in a rendered
// invitation; they are plain words, which the templates leave as they are.
const (
	nameMarker  = "fanmailNameMarker7d2"
	tokenMarker = "fanmailTokenMarker7d2"
)

// renderKey names an invitation mail as it is for every member of a
// mailing.
type renderKey struct {
	survey  int64
	en      bool
	brand   int64
	expires string
}

// renderInvitation renders the invitation of key with markers for the name
// and the link token.
func (s *Service) renderInvitation(ctx context.Context, sv surveyView, key renderKey) (delivery.Content, error) {
	en := key.en
	pick := func(ko, en2 string) string {
		if en && en2 != "" {
			return en2
		}
		return ko
	}
	page := s.opts.BaseURL + "/s/" + tokenMarker
	v := mailView{En: en, Name: nameMarker, Title: pick(sv.Survey.TitleKo, sv.Survey.TitleEn),
		Intro: pick(sv.Survey.IntroKo, sv.Survey.IntroEn), Chips: sv.Survey.ChipReward,
		Expires: key.expires, URL: page}
	if key.brand != 0 {
		var err error
		if v.Brand, err = s.brandName(ctx, key.brand); err != nil {
			return delivery.Content{}, err
		}
	}
	if q := sv.First; q != nil {
		v.Question = pick(q.LabelKo, q.LabelEn)
		for _, o := range q.Options {
			v.Choices = append(v.Choices, choice{Label: pick(o.LabelKo, o.LabelEn), URL: oneClick(page, q.ID, o.Value)})
		}
		for _, n := range q.Numbers() {
			v.Choices = append(v.Choices, choice{Label: strconv.Itoa(n), URL: oneClick(page, q.ID, strconv.Itoa(n))})
		}
		v.MinLabel, v.MaxLabel = pick(q.MinLabelKo, q.MinLabelEn), pick(q.MaxLabelKo, q.MaxLabelEn)
	}
	var subj, text, html strings.Builder
	if err := inviteSubject.Execute(&subj, v); err != nil {
		return delivery.Content{}, err
	}
	if err := inviteText.Execute(&text, v); err != nil {
		return delivery.Content{}, err
	}
	if err := inviteHTML.Execute(&html, v); err != nil {
		return delivery.Content{}, err
	}
	return delivery.Content{Subject: strings.TrimSpace(subj.String()), Text: text.String(), HTML: html.String()}, nil
}

// oneClick is the answer page with question qid answered by value.
func oneClick(page string, qid int64, value string) string {
	return page + "?" + url.Values{"q": {strconv.FormatInt(qid, 10)}, "a": {value}}.Encode()
}

// surveyView is a survey as its invitations show it: the survey and its
// first active question.
type surveyView struct {
	Survey fanmail.Survey
	First  *fanmail.Question
}

// viewCache keeps what every invitation of a mailing shares for a little
// while, so the outbox renders a large mailing without reading the same
// rows per message. Staff edits show in mails within cacheTTL.
type viewCache struct {
	mu      sync.Mutex
	surveys map[int64]cached[surveyView]
	brands  map[int64]cached[string]
	mails   map[renderKey]cached[invitationMail]
}

type cached[T any] struct {
	v  T
	at time.Time
}

const cacheTTL = 30 * time.Second

func (s *Service) surveyView(ctx context.Context, id int64) (surveyView, error) {
	return lookup(&s.cache.mu, &s.cache.surveys, id, func() (surveyView, error) {
		sv, err := s.db.SurveyByID(ctx, id)
		if err != nil {
			return surveyView{}, err
		}
		qs, err := s.db.Questions(ctx, sv.Key, true)
		if err != nil {
			return surveyView{}, err
		}
		v := surveyView{Survey: sv}
		if len(qs) > 0 {
			v.First = &qs[0]
		}
		return v, nil
	})
}

// brandName returns the name of published brand id; an unpublished one is
// ENOTFOUND.
func (s *Service) brandName(ctx context.Context, id int64) (string, error) {
	return lookup(&s.cache.mu, &s.cache.brands, id, func() (string, error) {
		b, err := s.db.BrandByID(ctx, id, true)
		return b.Name, err
	})
}

// lookup returns m[id] when it is fresh, else loads and keeps it. Errors are
// not kept.
func lookup[K comparable, T any](mu *sync.Mutex, m *map[K]cached[T], id K, load func() (T, error)) (T, error) {
	mu.Lock()
	c, ok := (*m)[id]
	mu.Unlock()
	if ok && time.Since(c.at) < cacheTTL {
		return c.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	mu.Lock()
	if *m == nil || len(*m) >= maxCached {
		*m = map[K]cached[T]{} // bounded: start over rather than grow
	}
	(*m)[id] = cached[T]{v: v, at: time.Now()}
	mu.Unlock()
	return v, nil
}

// maxCached bounds each cache of the view cache.
const maxCached = 1000

// inviteSubject says "chip", not "mania chip": the chip mail's subject names
// the mania chip, and mail filters tell the two apart by it.
var inviteSubject = texttemplate.Must(texttemplate.New("s").Parse(
	`{{if .En}}{{if .Brand}}{{.Brand}}: {{end}}{{.Title}}{{if .Chips}} – {{.Chips}} chip(s) for your answers{{end}}` +
		`{{else}}{{if .Brand}}{{.Brand}} {{end}}{{.Title}}{{if .Chips}} – 답해 주시면 칩 {{.Chips}}개를 드립니다{{end}}{{end}}`))

var inviteText = texttemplate.Must(texttemplate.New("t").Parse(`{{if .En}}Hello {{.Name}},{{else}}{{.Name}}님, 안녕하세요.{{end}}

{{if .Intro}}{{.Intro}}
{{end}}{{if .Chips}}{{if .En}}Answer the {{.Brand}} survey and you receive {{.Chips}} mania chip(s).{{else}}{{.Brand}} 설문에 답해 주시면 매니아칩 {{.Chips}}개를 보내 드립니다.{{end}}
{{end}}
{{with .Question}}{{.}}
{{end}}{{if .MinLabel}}({{.MinLabel}} … {{.MaxLabel}})
{{end}}{{range .Choices}}- {{.Label}}: {{.URL}}
{{end}}
{{if .En}}The whole survey:{{else}}설문 전체 보기:{{end}} {{.URL}}

{{if .En}}You can answer until {{.Expires}}. This link is yours alone: please do not share it.{{else}}{{.Expires}}까지 답하실 수 있습니다. 이 링크는 {{.Name}}님만을 위한 것이니 다른 분과 나누지 말아 주세요.{{end}}
`))

// inviteHTML stacks the answers as wide buttons that are easy to tap on a
// phone; mail clients ignore style sheets, so the styles are inline.
var inviteHTML = htmltemplate.Must(htmltemplate.New("h").Parse(`<p>{{if .En}}Hello {{.Name}},{{else}}{{.Name}}님, 안녕하세요.{{end}}</p>
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
{{if .Chips}}<p style="font-weight:bold;color:#1d4ed8">{{if .En}}Answer the {{.Brand}} survey and you receive {{.Chips}} mania chip(s).{{else}}{{.Brand}} 설문에 답해 주시면 매니아칩 {{.Chips}}개를 보내 드립니다.{{end}}</p>{{end}}
{{with .Question}}<p style="font-size:18px;font-weight:bold;margin:20px 0 8px">{{.}}</p>{{end}}
{{if .MinLabel}}<p style="font-size:13px;color:#555;margin:0 0 8px">{{.MinLabel}} … {{.MaxLabel}}</p>{{end}}
{{range .Choices}}<a href="{{.URL}}" style="display:block;margin:8px 0;padding:14px 16px;border:1px solid #1d4ed8;border-radius:8px;color:#1d4ed8;text-decoration:none;font-size:16px">{{.Label}}</a>
{{end}}
<p style="margin:20px 0"><a href="{{.URL}}" style="display:inline-block;padding:14px 20px;background:#1d4ed8;color:#fff;border-radius:8px;text-decoration:none;font-size:16px">{{if .En}}Open the whole survey{{else}}설문 전체 보기{{end}}</a></p>
<p style="font-size:13px;color:#555">{{if .En}}You can answer until {{.Expires}}. This link is yours alone: please do not share it.{{else}}{{.Expires}}까지 답하실 수 있습니다. 이 링크는 {{.Name}}님만을 위한 것이니 다른 분과 나누지 말아 주세요.{{end}}</p>`))
