package campaign

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/tracking"
)

// recipient is one member as a mail is being rendered for them. Its buffers
// are reused from mail to mail.
type recipient struct {
	c      *store.Claim
	brands string
	now    time.Time
	// msgID is the local part of the Message-ID when it is not the send's
	// token (test mails, which have no send).
	msgID string

	age      []byte
	unsub    []byte
	open     []byte
	clicks   [][]byte
	clickSet []bool
}

// reset prepares r for claim c.
func (r *recipient) reset(c *store.Claim, brands string, now time.Time, links int) {
	r.c, r.brands, r.now, r.msgID = c, brands, now, ""
	r.age, r.unsub, r.open = r.age[:0], r.unsub[:0], r.open[:0]
	for len(r.clicks) < links {
		r.clicks = append(r.clicks, nil)
		r.clickSet = append(r.clickSet, false)
	}
	clear(r.clickSet)
}

// renderer fills a compiled campaign for one recipient after another and
// assembles the MIME message. Not safe for concurrent use.
type renderer struct {
	sign     *tracking.Signer
	dkim     *email.DKIM
	msgIDDom string
	subject  []byte
	html     []byte
	text     []byte
	b        email.Builder
	signed   []byte
	date     []byte
	dateSec  int64
}

// value returns the filling of slot sl for r: a string, or bytes when b is
// not nil.
func (w *renderer) value(cc *compiled, sl *slot, r *recipient) (v string, b []byte) {
	switch sl.kind {
	case fName:
		return r.c.Name, nil
	case fCode:
		return r.c.Code, nil
	case fEmail:
		return r.c.Email, nil
	case fAge:
		if len(r.age) == 0 && r.c.BirthYear > 0 {
			r.age = strconv.AppendInt(r.age, int64(fanmail.Age(r.c.BirthYear, r.now)), 10)
		}
		return "", r.age
	case fGender:
		return genderLabel(r.c.Gender, r.c.Lang), nil
	case fBrands:
		return r.brands, nil
	case fUnsub:
		if len(r.unsub) == 0 {
			r.unsub = w.sign.AppendUnsubscribe(r.unsub, r.c.Token)
		}
		return "", r.unsub
	case fOpen:
		if len(r.open) == 0 {
			r.open = w.sign.AppendOpen(r.open, r.c.Token)
		}
		return "", r.open
	case fClick:
		if !r.clickSet[sl.link] {
			r.clicks[sl.link] = w.sign.AppendClick(r.clicks[sl.link][:0], r.c.Token, cc.links[sl.link])
			r.clickSet[sl.link] = true
		}
		return "", r.clicks[sl.link]
	}
	return "", nil
}

// fill appends pieces ps with the slots filled for r, HTML-escaped if esc.
func (w *renderer) fill(dst []byte, cc *compiled, ps []piece, r *recipient, esc bool) []byte {
	for i := range ps {
		p := &ps[i]
		if p.slot < 0 {
			dst = append(dst, p.lit...)
			continue
		}
		sl := &cc.slots[p.slot]
		v, b := w.value(cc, sl, r)
		if b != nil {
			v = "" // b is set; v stays unused
		}
		if len(b) == 0 && v == "" {
			v = sl.def
		}
		switch {
		case len(b) > 0:
			dst = append(dst, b...) // URLs and numbers: nothing to escape
		case esc:
			dst = appendEscaped(dst, v)
		default:
			dst = append(dst, v...)
		}
	}
	return dst
}

// appendEscaped appends v escaped for HTML text and quoted attributes.
func appendEscaped(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		case '"':
			dst = append(dst, "&#34;"...)
		case '\'':
			dst = append(dst, "&#39;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// genderLabel is the merge field of gender g: its one label in the member's
// language (Korean unless English), nothing when not given.
func genderLabel(g, lang string) string {
	if !slices.Contains(fanmail.Genders, g) {
		return ""
	}
	if lang != fanmail.LangEnglish {
		lang = fanmail.LangKorean
	}
	return i18n.T(lang, fanmail.GenderLabel(g))
}

// render fills the subject and both bodies of cc for r.
func (w *renderer) render(cc *compiled, r *recipient) {
	w.subject = w.fill(w.subject[:0], cc, cc.subject, r, false)
	w.html = w.fill(w.html[:0], cc, cc.html, r, true)
	w.text = w.fill(w.text[:0], cc, cc.text, r, false)
}

// message renders the whole MIME message of cc for r, DKIM-signed when
// configured. The result is valid until the next call.
func (w *renderer) message(cc *compiled, r *recipient, subjectPrefix string) ([]byte, error) {
	w.render(cc, r)
	b := &w.b
	b.Reset()
	if sec := r.now.Unix(); sec != w.dateSec || len(w.date) == 0 {
		w.date = r.now.AppendFormat(append(w.date[:0], "Date: "...), time.RFC1123Z)
		w.date = append(w.date, '\r', '\n')
		w.dateSec = sec
	}
	b.Raw(w.date)
	b.Raw(cc.head)
	b.Address("To", strings.TrimSpace(r.c.Name), r.c.Email)
	if subjectPrefix != "" {
		w.subject = append([]byte(subjectPrefix), w.subject...)
	}
	b.Header("Subject", w.subject)
	id := r.c.Token
	if r.msgID != "" {
		id = r.msgID
	}
	w.signed = append(append(append(append(w.signed[:0], "Message-ID: <"...), id...), w.msgIDDom...), ">\r\n"...)
	b.Raw(w.signed)
	if cc.marketing {
		if len(r.unsub) == 0 {
			r.unsub = w.sign.AppendUnsubscribe(r.unsub, r.c.Token)
		}
		w.signed = append(append(append(w.signed[:0], "List-Unsubscribe: <"...), r.unsub...),
			">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"...)
		b.Raw(w.signed)
	}
	b.Alternative(cc.boundary, w.text, w.html)
	if w.dkim == nil {
		return b.Bytes(), nil
	}
	sig, err := w.dkim.Sign(b.Bytes())
	if err != nil {
		return nil, err
	}
	w.signed = append(append(w.signed[:0], sig...), b.Bytes()...)
	return w.signed, nil
}
