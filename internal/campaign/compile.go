package campaign

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"html"
	htmltemplate "html/template"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/store"
)

// mode says what a compiled campaign is for.
type mode int

const (
	modePreview mode = iota // show it: no legal checks, links as written
	modeCheck               // schedule it: legal checks, links as written
	modeSend                // send it: legal checks, tracked links, open pixel
)

// compiled is a campaign rendered once, ready to be personalised per member
// by filling its slots.
type compiled struct {
	c          fanmail.Campaign
	sender     fanmail.Sender
	slots      []slot
	subject    []piece
	html       []piece
	text       []piece
	links      []int64 // link ids, indexed by slot.link
	usesBrands bool
	marketing  bool // unsubscribe header and consent check
	boundary   string
	head       []byte // From and Reply-To header lines
	audience   store.Audience
}

// audienceOf returns who campaign c goes to: its segment's members (every
// member without one) who are active and, for marketing, consent and are
// not suppressed. EINVALID when the segment is gone.
func (s *Service) audienceOf(ctx context.Context, c fanmail.Campaign) (store.Audience, error) {
	a := store.Audience{Marketing: c.IsMarketing()}
	if c.SegmentID != 0 {
		seg, err := s.db.SegmentByID(ctx, c.SegmentID)
		if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			return a, fanmail.FieldError("segment_id", "Segment not found.")
		}
		if err != nil {
			return a, err
		}
		a.Segment = &seg.Rules
	}
	return a, nil
}

// compile renders campaign c for m. Errors are EINVALID naming what is wrong.
func (s *Service) compile(ctx context.Context, c fanmail.Campaign, m mode) (*compiled, error) {
	cc := &compiled{c: c, marketing: c.IsMarketing(), boundary: "=_fm" + strings.ToLower(rand.Text()[:16])}
	if m != modePreview {
		// Content decides, not the box: checked when scheduling and again
		// when sending starts.
		if err := c.CheckAdRule(); err != nil {
			return nil, err
		}
	}
	var err error
	if cc.audience, err = s.audienceOf(ctx, c); err != nil {
		return nil, err
	}
	if c.SenderID != 0 {
		snd, err := s.db.SenderByID(ctx, c.SenderID)
		if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			return nil, fanmail.FieldError("sender_id", "Sender not found.")
		}
		if err != nil {
			return nil, err
		}
		cc.sender = snd
	} else if m != modePreview {
		return nil, fanmail.FieldError("sender_id", "Choose a sender.")
	}
	if m != modePreview && c.IsAd {
		for _, missing := range cc.sender.MissingAdDetails() {
			switch missing {
			case "address":
				return nil, fanmail.FieldError("sender_id", "The sender has no address; an advertisement must show it.")
			case "phone":
				return nil, fanmail.FieldError("sender_id", "The sender has no phone number; an advertisement must show it.")
			default:
				return nil, fanmail.FieldError("sender_id", "The sender has no name; an advertisement must show it.")
			}
		}
	}

	mk := newMarks()
	data := templateData{
		Member: memberFields{
			Name: mk.add(slot{kind: fName}), Code: mk.add(slot{kind: fCode}), Email: mk.add(slot{kind: fEmail}),
			Age: mk.add(slot{kind: fAge}), Gender: mk.add(slot{kind: fGender}), FavoriteBrands: mk.add(slot{kind: fBrands}),
		},
		UnsubscribeURL: mk.add(slot{kind: fUnsub}),
		Sender:         senderFields{Name: cc.sender.Name, FromName: cc.sender.FromName, Address: cc.sender.Address, Phone: cc.sender.Phone},
		Campaign:       campaignFields{Name: c.Name},
	}
	cat := &catalogue{s: s, ctx: ctx, cache: map[string][]productView{}}
	funcs := templateFuncs(&funcEnv{marks: mk, cat: cat, data: &data, marketing: cc.marketing})
	p, err := parseTemplates(c, funcs)
	if err != nil {
		return nil, err
	}
	var subject, body strings.Builder
	if err := p.subject.Execute(&subject, data); err != nil {
		return nil, templateError("subject", err)
	}
	if err := p.body.Execute(&body, data); err != nil {
		return nil, templateError("body", err)
	}
	subj := subject.String()
	if strings.ContainsAny(subj, "\r\n") {
		return nil, fanmail.FieldError("subject", "Subject must be one line.")
	}
	if c.IsAd {
		subj = fanmail.AdSubject(subj)
	}
	content := body.String()
	if m != modePreview {
		if err := checkCompliance(c, cc.sender, content, data.UnsubscribeURL); err != nil {
			return nil, err
		}
	}
	if m == modeSend && cc.marketing {
		content, err = s.trackLinks(ctx, c.ID, content, mk, cc)
		if err != nil {
			return nil, err
		}
	}
	text := htmlToText(content)
	doc := document(content, c.Preheader, "")
	if m == modeSend && cc.marketing {
		doc = document(content, c.Preheader, mk.add(slot{kind: fOpen}))
	}
	cc.slots = mk.slots
	cc.subject = mk.split(subj)
	cc.html = mk.split(crlf(doc))
	cc.text = mk.split(crlf(text))
	// Claims read only the member details the mail shows (the name also
	// goes into the To header).
	cc.audience.Details.Name = true
	for _, ps := range [][]piece{cc.subject, cc.html, cc.text} {
		for _, p := range ps {
			if p.slot < 0 {
				continue
			}
			switch cc.slots[p.slot].kind {
			case fBrands:
				cc.usesBrands = true
			case fCode:
				cc.audience.Details.Code = true
			case fAge:
				cc.audience.Details.BirthYear = true
			case fGender:
				cc.audience.Details.Gender = true
			}
		}
	}
	var b email.Builder
	b.Address("From", cc.sender.FromName, cc.sender.FromEmail)
	if cc.sender.ReplyTo != "" {
		b.Address("Reply-To", "", cc.sender.ReplyTo)
	}
	cc.head = bytes.Clone(b.Bytes())
	return cc, nil
}

// checkCompliance refuses marketing mail without an unsubscribe link, and
// advertising without the sender's name, address and phone in the mail.
func checkCompliance(c fanmail.Campaign, snd fanmail.Sender, content, unsubMark string) error {
	if !c.IsMarketing() {
		return nil
	}
	if !strings.Contains(content, unsubMark) {
		return fanmail.FieldError("body", "The mail has no unsubscribe link. Add {{footer}} to the template.")
	}
	if !c.IsAd {
		return nil
	}
	// Compare as text: entities decoded, white space collapsed.
	text := strings.Join(strings.Fields(htmlToText(content)), " ")
	for _, v := range []string{snd.Name, snd.Address, snd.Phone} {
		if !strings.Contains(text, strings.Join(strings.Fields(v), " ")) {
			return fanmail.FieldError("body", "An advertisement must show the sender's name, address and phone. Add {{footer}} to the template.")
		}
	}
	return nil
}

// trackLinks replaces every http(s) link of content by a click-tracking slot
// and stores the links of the campaign. Links holding a member field stay as
// they are.
func (s *Service) trackLinks(ctx context.Context, campaignID int64, content string, mk *marks, cc *compiled) (string, error) {
	type href struct {
		start, end int
		url        string
	}
	var found []href
	var urls []string
	lower := strings.ToLower(content)
	for i := 0; ; {
		j := strings.Index(lower[i:], "<a")
		if j < 0 {
			break
		}
		start := i + j
		end := strings.IndexByte(content[start:], '>')
		if end < 0 {
			break
		}
		end += start
		i = end
		if start+2 >= len(content) || !isSpace(rune(content[start+2])) {
			continue
		}
		tag := content[start+1 : end]
		_, v, ok := findAttr(tag, "href")
		if !ok {
			continue
		}
		raw := html.UnescapeString(tag[v[0]:v[1]])
		l := strings.ToLower(raw)
		if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") || strings.Contains(raw, mk.prefix) {
			continue
		}
		found = append(found, href{start + 1 + v[0], start + 1 + v[1], raw})
		urls = append(urls, raw)
	}
	if len(found) == 0 {
		return content, nil
	}
	ids, err := s.db.CampaignLinks(ctx, campaignID, urls)
	if err != nil {
		return "", err
	}
	index := map[int64]int{}
	var b strings.Builder
	last := 0
	for _, h := range found {
		id := ids[h.url]
		n, ok := index[id]
		if !ok {
			n = len(cc.links)
			cc.links = append(cc.links, id)
			index[id] = n
		}
		b.WriteString(content[last:h.start])
		b.WriteString(mk.add(slot{kind: fClick, link: n}))
		last = h.end
	}
	b.WriteString(content[last:])
	return b.String(), nil
}

// document wraps the body in an HTML page with the hidden preheader and, if
// pixel is set, the open-tracking image. A body that is a whole document
// keeps its own page.
func document(content, preheader, pixel string) string {
	pre := ""
	if preheader != "" {
		pre = `<div style="display:none;max-height:0;overflow:hidden">` + html.EscapeString(preheader) + "</div>\n"
	}
	img := ""
	if pixel != "" {
		img = `<img src="` + pixel + `" width="1" height="1" alt="">` + "\n"
	}
	lower := strings.ToLower(content)
	if i := strings.Index(lower, "<body"); i >= 0 {
		if j := strings.IndexByte(content[i:], '>'); j >= 0 {
			at := i + j + 1
			content = content[:at] + "\n" + pre + content[at:]
			if k := strings.LastIndex(strings.ToLower(content), "</body>"); k >= 0 {
				content = content[:k] + img + content[k:]
			}
			return content
		}
	}
	return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"></head>\n<body>\n" +
		pre + content + "\n" + img + "</body></html>\n"
}

// crlf turns every line end into CRLF, as MIME wants.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// funcEnv is what template functions need while compiling; nil while only
// parsing a draft.
type funcEnv struct {
	marks     *marks
	cat       *catalogue
	data      *templateData
	marketing bool
}

// templateFuncs returns the template functions bound to env.
func templateFuncs(env *funcEnv) map[string]any {
	return map[string]any{
		"default": func(def, v string) string {
			if env == nil {
				return v
			}
			if i, ok := env.marks.lookup(v); ok {
				return env.marks.add(slot{kind: env.marks.slots[i].kind, def: def})
			}
			if v == "" {
				return def
			}
			return v
		},
		"footer": func() htmltemplate.HTML {
			if env == nil {
				return ""
			}
			return footer(env.data, env.marketing)
		},
		"products": func(brand, shelf string, n int) (htmltemplate.HTML, error) {
			if env == nil {
				return "", nil
			}
			ps, err := env.cat.products(brand, shelf, n)
			if err != nil {
				return "", err
			}
			return productBlock(ps), nil
		},
		"productList": func(brand, shelf string, n int) ([]productView, error) {
			if env == nil {
				return nil, nil
			}
			return env.cat.products(brand, shelf, n)
		},
		"won": func(v any) (string, error) {
			switch n := v.(type) {
			case int:
				return won(int64(n)), nil
			case int64:
				return won(n), nil
			}
			return "", fmt.Errorf("won needs a whole number")
		},
	}
}

// footer is the legal footer of marketing mail: who sends it, where they
// are, how to reach them, and how to stop receiving it.
func footer(d *templateData, marketing bool) htmltemplate.HTML {
	e := html.EscapeString
	var who []string
	for _, v := range []string{d.Sender.Name, d.Sender.Address} {
		if v != "" {
			who = append(who, e(v))
		}
	}
	if d.Sender.Phone != "" {
		who = append(who, "연락처 "+e(d.Sender.Phone))
	}
	f := `<p style="margin-top:24px;font-size:12px;color:#666666">` + strings.Join(who, " · ")
	if marketing {
		f += "<br>\n수신을 원하지 않으시면 <a href=\"" + d.UnsubscribeURL + "\">수신거부(Unsubscribe)</a>를 눌러 주세요."
	}
	return htmltemplate.HTML(f + "</p>")
}

// productView is a product as templates see it.
type productView struct {
	ID            int64
	Name          string
	Code          string
	Brand         string
	Price         int64
	PriceText     string // "39,000원"
	URL           string // the product page
	ImageURL      string // "" when the product has no image
	ImageAlt      string
	StylingAdvice string
}

// catalogue loads products for the templates of one compile, each brand and
// shelf once.
type catalogue struct {
	s     *Service
	ctx   context.Context
	cache map[string][]productView
}

func (c *catalogue) products(brandSlug, shelf string, n int) ([]productView, error) {
	if shelf != "" && !fanmail.IsShelf(shelf) {
		return nil, fanmail.Msg("unknown shelf %q (use new, previous, sale or \"\")", shelf)
	}
	n = min(max(n, 1), 24)
	key := brandSlug + "\x00" + shelf + "\x00" + strconv.Itoa(n)
	if ps, ok := c.cache[key]; ok {
		return ps, nil
	}
	brand, err := c.s.db.BrandBySlug(c.ctx, brandSlug, true)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return nil, fanmail.Msg("unknown brand %q", brandSlug)
	}
	if err != nil {
		return nil, err
	}
	products, err := c.s.db.Products(c.ctx, store.ProductFilter{BrandID: brand.ID, Shelf: shelf, PublishedOnly: true, Limit: n})
	if err != nil {
		return nil, err
	}
	base := c.s.opts.BaseURL
	ps := make([]productView, 0, len(products))
	for _, p := range products {
		v := productView{ID: p.ID, Name: p.Name, Code: p.Code, Brand: brand.Name, Price: p.Price, PriceText: won(p.Price),
			URL: base + "/catalog/products/" + strconv.FormatInt(p.ID, 10), StylingAdvice: p.StylingAdvice, ImageAlt: p.Name}
		if len(p.Images) > 0 {
			v.ImageURL = base + "/media/" + p.Images[0].Path
			if p.Images[0].Alt != "" {
				v.ImageAlt = p.Images[0].Alt
			}
		}
		ps = append(ps, v)
	}
	c.cache[key] = ps
	return ps, nil
}

// productBlock renders products as a mail-safe table, three to a row.
func productBlock(ps []productView) htmltemplate.HTML {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse">` + "\n")
	for i, p := range ps {
		if i%3 == 0 {
			if i > 0 {
				b.WriteString("</tr>\n")
			}
			b.WriteString("<tr>\n")
		}
		b.WriteString(`<td width="33%" valign="top" style="padding:8px;text-align:center">`)
		if p.ImageURL != "" {
			b.WriteString(`<a href="` + e(p.URL) + `"><img src="` + e(p.ImageURL) + `" alt="` + e(p.ImageAlt) +
				`" width="180" style="display:block;margin:0 auto;width:100%;max-width:180px;border:0"></a>`)
		}
		b.WriteString(`<p style="margin:8px 0 0;font-size:14px"><a href="` + e(p.URL) + `" style="color:#222222;text-decoration:none">` +
			e(p.Name) + `</a></p><p style="margin:4px 0 0;font-size:14px;font-weight:bold">` + e(p.PriceText) + "</p></td>\n")
	}
	if len(ps) > 0 {
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>")
	return htmltemplate.HTML(b.String())
}

// won formats an amount in Korean won: 39000 → "39,000원".
func won(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String() + "원"
	if neg {
		out = "-" + out
	}
	return out
}
