package delivery

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	htmltemplate "html/template"

	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/tracking"
)

// OutboxOptions configure an Outbox. Zero values mean the defaults.
type OutboxOptions struct {
	// SMTP is the relay for every outbox message; nil when mail is not
	// configured: messages then wait, queued, until it is.
	SMTP *email.Config
	// Console receives the messages instead of a relay
	// (FANMAIL_SMTP_URL=console).
	Console channel.EmailSender
	From    string // "Name <address>" of every message
	// HeloName greets the relay; BounceDomain receives bounces at
	// bounce+TOKEN@BounceDomain (VERP) and names Message-IDs.
	HeloName     string
	BounceDomain string
	DKIM         *email.DKIM // signs every message when set
	URLs         tracking.URLs
	// Sender gives the legal footer of marketing messages: who sends them,
	// their postal address and phone (Network Act art. 50(4)).
	Sender func(ctx context.Context) (fanmail.Sender, error)
	Batch  int           // messages claimed at once (default 200)
	Lease  time.Duration // how long a claim holds (default one minute)
	Poll   time.Duration // how often to look for due messages unwoken (default one second)
	// MaxAttempts before a message fails for good (default 12).
	MaxAttempts int
}

// Outbox sends the messages of the messages table: it claims due ones in
// batches, checks fanmail.MayContact for each at send time, renders it with
// its kind's Renderer, frames it (layout; for marketing "(광고)", legal
// footer, RFC 8058 headers), signs it (DKIM) and hands it to the relay over
// one pipelined connection, then records every outcome. A marketing
// message is checked again against the withdrawals since its claim just
// before it is handed over (store.WithdrawalFeed). A message claimed
// by a node that died is claimed again when its lease lapses; a sent message
// is never sent again.
type Outbox struct {
	db        *store.DB
	logger    *slog.Logger
	opts      OutboxOptions
	renderers map[string]Renderer
	wake      chan struct{}

	mu   sync.Mutex // one pass at a time in this process
	pipe *email.Pipe
	b    email.Builder
}

// NewOutbox returns an Outbox over db.
func NewOutbox(db *store.DB, logger *slog.Logger, opts OutboxOptions) *Outbox {
	if opts.Batch <= 0 {
		opts.Batch = 200
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 12
	}
	if opts.BounceDomain == "" {
		opts.BounceDomain = "fanmail.localhost"
	}
	if opts.HeloName == "" {
		opts.HeloName = opts.BounceDomain
	}
	return &Outbox{db: db, logger: logger, opts: opts, renderers: map[string]Renderer{}, wake: make(chan struct{}, 1)}
}

// Register sets the renderer of message kind. Call it before Run.
func (o *Outbox) Register(kind string, r Renderer) { o.renderers[kind] = r }

// Configured reports whether messages can leave.
func (o *Outbox) Configured() bool { return o.opts.SMTP != nil || o.opts.Console != nil }

// Notify makes Run look for due messages now; call it after the transaction
// that wrote a message commits, so transactional mail does not wait for a
// poll.
func (o *Outbox) Notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run sends due messages until ctx ends.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(o.opts.Poll)
	defer t.Stop()
	defer o.closePipe()
	for {
		n, err := o.SendDue(ctx)
		if err != nil && ctx.Err() == nil {
			o.logger.Warn("outbox", "err", err)
		}
		if n > 0 && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-t.C:
		}
	}
}

// SendDue claims one batch of due messages and sends it. It returns how many
// messages it claimed.
func (o *Outbox) SendDue(ctx context.Context) (int, error) {
	if !o.Configured() {
		return 0, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.db.Now()
	claims, err := o.db.ClaimMessages(ctx, now, o.opts.Lease, o.opts.Batch)
	if err != nil || len(claims) == 0 {
		return 0, err
	}
	pos, err := o.feedPos(ctx, claims)
	if err != nil {
		o.db.ReleaseMessages(context.WithoutCancel(ctx), ids(claims))
		return 0, err
	}
	outs := make([]store.MessageOutcome, len(claims))
	var ready []int // claims rendered and waiting for the relay
	msgs := make([][]byte, len(claims))
	for i := range claims {
		c := &claims[i]
		outs[i] = store.MessageOutcome{ID: c.ID}
		msg, out, ok := o.prepare(ctx, c, now)
		if !ok {
			outs[i] = out
			outs[i].ID = c.ID
			continue
		}
		msgs[i] = msg
		ready = append(ready, i)
	}
	o.transmit(ctx, claims, msgs, ready, outs, pos)
	if err := o.db.RecordMessages(context.WithoutCancel(ctx), outs); err != nil {
		return len(claims), err
	}
	return len(claims), nil
}

// feedPos opens the withdrawal feed when claims hold marketing, and reads
// their members again after its position, from which on withdrawals are
// checked at the hand-off. Transactional messages alone leave the feed be.
func (o *Outbox) feedPos(ctx context.Context, claims []store.OutboxClaim) (int64, error) {
	if !slices.ContainsFunc(claims, func(c store.OutboxClaim) bool { return c.Purpose == fanmail.PurposeMarketing }) {
		return 0, nil
	}
	pos, err := o.db.Withdrawals().Pos(ctx)
	if err != nil {
		return 0, err
	}
	return pos, o.db.RefreshRecipients(ctx, claims)
}

func ids(claims []store.OutboxClaim) []int64 {
	out := make([]int64, len(claims))
	for i, c := range claims {
		out[i] = c.ID
	}
	return out
}

// prepare checks the contact rule and renders c. ok is false when c is not
// to be sent now; out then says what becomes of it.
func (o *Outbox) prepare(ctx context.Context, c *store.OutboxClaim, now time.Time) ([]byte, store.MessageOutcome, bool) {
	if reason, wait := fanmail.MayContact(c.Contact(), now); reason != "" {
		if reason == fanmail.SkipQuietHours {
			return nil, store.MessageOutcome{Status: fanmail.MessageQueued, RunAt: wait, Reason: reason}, false
		}
		return nil, store.MessageOutcome{Status: fanmail.MessageSkipped, Reason: reason}, false
	}
	r, ok := o.renderers[c.Kind]
	if !ok {
		return nil, o.retry(c, now, "no renderer for this kind on this node"), false
	}
	content, err := r(ctx, c)
	switch code := fanmail.ErrorCode(err); {
	case code == fanmail.ENOTFOUND:
		return nil, store.MessageOutcome{Status: fanmail.MessageSkipped, Reason: fanmail.SkipUnpublished}, false
	case code == fanmail.EEXPIRED:
		return nil, store.MessageOutcome{Status: fanmail.MessageSkipped, Reason: fanmail.SkipExpired}, false
	case err != nil:
		o.logger.Warn("outbox render failed", "kind", c.Kind, "message_id", c.ID, "err", err)
		return nil, o.retry(c, now, "render: "+err.Error()), false
	}
	msg, err := o.frame(ctx, c, content, now)
	if err != nil {
		return nil, o.retry(c, now, err.Error()), false
	}
	return msg, store.MessageOutcome{}, true
}

// retry is the outcome of a temporary failure: again after a backoff, or
// failed for good once the attempts are spent.
func (o *Outbox) retry(c *store.OutboxClaim, now time.Time, why string) store.MessageOutcome {
	if c.Attempts >= o.opts.MaxAttempts {
		return store.MessageOutcome{Status: fanmail.MessageFailed, Error: why}
	}
	backoff := time.Duration(c.Attempts*c.Attempts) * 10 * time.Second
	return store.MessageOutcome{Status: fanmail.MessageQueued, RunAt: now.Add(min(backoff, time.Hour)), Error: why}
}

// transmit hands the ready messages to the relay and fills their outcomes;
// pos is the withdrawal feed's position before the claims were read.
func (o *Outbox) transmit(ctx context.Context, claims []store.OutboxClaim, msgs [][]byte, ready []int, outs []store.MessageOutcome, pos int64) {
	now := o.db.Now()
	if o.opts.SMTP == nil {
		for _, i := range ready {
			if err := o.opts.Console.SendEmail(ctx, consoleEmail(msgs[i], claims[i].Email)); err != nil {
				outs[i] = o.retry(&claims[i], now, err.Error())
			} else {
				outs[i] = sentOutcome(msgs[i])
			}
			outs[i].ID = claims[i].ID
		}
		return
	}
	settled := map[int]bool{}
	done := func(tag int, err error) {
		settled[tag] = true
		outs[tag] = o.outcome(&claims[tag], msgs[tag], err, now)
		outs[tag].ID = claims[tag].ID
	}
	for k, i := range ready {
		if err := o.connect(ctx, done); err != nil {
			for _, j := range ready[k:] {
				outs[j] = o.retry(&claims[j], now, "relay: "+err.Error())
				outs[j].ID = claims[j].ID
			}
			o.logger.Warn("outbox relay unavailable", "err", err)
			return
		}
		from := tracking.VERP(tokenOf(msgs[i]), o.opts.BounceDomain)
		reason, err := o.handOff(ctx, &claims[i], i, from, msgs[i], pos)
		switch {
		case reason != "":
			outs[i] = store.MessageOutcome{ID: claims[i].ID, Status: fanmail.MessageSkipped, Reason: reason}
			settled[i] = true
		case errors.Is(err, errFeed):
			outs[i] = o.retry(&claims[i], now, err.Error())
			outs[i].ID = claims[i].ID
			settled[i] = true
		case err != nil:
			o.pipe = nil // broken; earlier messages got their Done
			outs[i] = o.retry(&claims[i], now, "relay: "+err.Error())
			outs[i].ID = claims[i].ID
			settled[i] = true
		}
	}
	if o.pipe != nil {
		if err := o.pipe.Flush(); err != nil {
			o.pipe = nil
		}
	}
	for _, i := range ready {
		if !settled[i] {
			outs[i] = o.retry(&claims[i], now, "relay: no answer")
			outs[i].ID = claims[i].ID
		}
	}
}

// errFeed says withdrawals could not be checked before a hand-off.
var errFeed = errors.New("withdrawal feed unavailable")

// handOff hands msg, the message of claim c (tag i), to the relay unless c
// is marketing and its member withdrew since pos: then it returns why not.
// No withdrawal commits between that check and the hand-off. Errors:
// errFeed, or the connection's.
func (o *Outbox) handOff(ctx context.Context, c *store.OutboxClaim, i int, from string, msg []byte, pos int64) (string, error) {
	if c.Purpose != fanmail.PurposeMarketing {
		return "", o.pipe.Send(i, from, c.Email, msg)
	}
	// Read the replies due first: between Enter and Leave, Send only writes.
	if err := o.pipe.Ready(); err != nil {
		return "", err
	}
	feed := o.db.Withdrawals()
	ws, err := feed.Enter(ctx, c.MemberID)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errFeed, err)
	}
	defer feed.Leave()
	if reason, _ := fanmail.MayContact(withdrawn(c.Contact(), ws, pos), o.db.Now()); reason != "" {
		return reason, nil
	}
	return "", o.pipe.Send(i, from, c.Email, msg)
}

// withdrawn returns contact c as the withdrawals ws after feed position pos
// left it.
func withdrawn(c fanmail.Contact, ws []store.Withdrawal, pos int64) fanmail.Contact {
	for _, w := range ws {
		if w.ID <= pos {
			continue
		}
		switch w.Kind {
		case store.WithdrawStatus:
			c.MemberStatus = w.Detail
		case store.WithdrawSuppression:
			c.Suppression = w.Detail
		case store.WithdrawConsent:
			switch w.Detail {
			case fanmail.PurposeMarketingEmail:
				c.ConsentEmail = false
			case fanmail.PurposeMarketingSMS:
				c.ConsentSMS = false
			case fanmail.PurposeNightSMS:
				c.ConsentNight = false
			}
		}
	}
	return c
}

// outcome turns the relay's answer to one message into its outcome: a 5xx
// fails the message for good (and a refused address is a hard bounce), a
// 4xx retries it.
func (o *Outbox) outcome(c *store.OutboxClaim, msg []byte, err error, now time.Time) store.MessageOutcome {
	if err == nil {
		return sentOutcome(msg)
	}
	if email.IsTemporary(err) {
		return o.retry(c, now, err.Error())
	}
	return store.MessageOutcome{Status: fanmail.MessageFailed, Error: err.Error(), Bounce: email.IsHardBounce(err)}
}

func sentOutcome(msg []byte) store.MessageOutcome {
	return store.MessageOutcome{Status: fanmail.MessageSent, MessageID: headerValue(msg, "Message-ID: <", ">")}
}

func (o *Outbox) connect(ctx context.Context, done func(int, error)) error {
	if o.pipe != nil {
		o.pipe.Done = done
		return nil
	}
	p, err := email.DialPipe(ctx, *o.opts.SMTP, o.opts.HeloName)
	if err != nil {
		return err
	}
	p.Done = done
	o.pipe = p
	return nil
}

func (o *Outbox) closePipe() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pipe != nil {
		o.pipe.Close()
		o.pipe = nil
	}
}

// frame assembles the whole MIME message of c: headers, layout, and for
// marketing the "(광고)" prefix, the legal footer and the RFC 8058
// unsubscribe headers; DKIM-signed when configured.
func (o *Outbox) frame(ctx context.Context, c *store.OutboxClaim, ct Content, now time.Time) ([]byte, error) {
	token, err := o.db.MessageToken(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	marketing := c.Purpose == fanmail.PurposeMarketing
	subject, text, footer := ct.Subject, ct.Text, ""
	var unsub string
	if marketing {
		snd, err := o.sender(ctx)
		if err != nil {
			return nil, err
		}
		unsub = string(o.opts.URLs.Signer().AppendUnsubscribe(nil, token))
		subject = fanmail.AdSubjectPrefix + " " + subject
		who := legalLine(snd)
		footer = htmlFooter(who, unsub, c.Lang)
		text = strings.TrimRight(text, "\n") + "\n\n--\n" + who + "\n" + textUnsubscribe(c.Lang) + " " + unsub + "\n"
	}
	html := ct.HTML
	if !ct.Document {
		html, err = wrap(c.Lang, subject, ct.HTML, footer)
		if err != nil {
			return nil, err
		}
	}
	fromName, fromAddr := o.from()
	b := &o.b
	b.Reset()
	b.EightBit = o.pipe != nil && o.pipe.EightBit()
	b.HeaderString("Date", now.Format(time.RFC1123Z))
	b.Address("From", fromName, fromAddr)
	b.Address("To", strings.TrimSpace(c.Name), c.Email)
	b.HeaderString("Subject", subject)
	b.HeaderString("Message-ID", "<"+token+"@"+o.opts.BounceDomain+">")
	if marketing {
		b.HeaderString("List-Unsubscribe", "<"+unsub+">")
		b.HeaderString("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	} else {
		b.HeaderString("Auto-Submitted", "auto-generated")
	}
	b.Alternative("=_fanmail_"+rand.Text(), crlf(text), crlf(html))
	msg := append([]byte(nil), b.Bytes()...)
	if o.opts.DKIM == nil {
		return msg, nil
	}
	sig, err := o.opts.DKIM.Sign(msg)
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	return append(sig, msg...), nil
}

func (o *Outbox) sender(ctx context.Context) (fanmail.Sender, error) {
	if o.opts.Sender == nil {
		return fanmail.Sender{}, errors.New("no sender for the legal footer")
	}
	return o.opts.Sender(ctx)
}

func (o *Outbox) from() (name, addr string) {
	a, err := mail.ParseAddress(o.opts.From)
	if err != nil {
		return "", strings.TrimSpace(o.opts.From)
	}
	return a.Name, a.Address
}

// legalLine is who sends an ad, where they are and how to reach them.
func legalLine(s fanmail.Sender) string {
	var who []string
	for _, v := range []string{s.Name, s.Address} {
		if v != "" {
			who = append(who, v)
		}
	}
	if s.Phone != "" {
		who = append(who, "연락처 "+s.Phone)
	}
	return strings.Join(who, " · ")
}

func textUnsubscribe(lang string) string {
	if lang == fanmail.LangEnglish {
		return "To stop receiving these mails (수신거부):"
	}
	return "수신을 원하지 않으시면 (Unsubscribe):"
}

func htmlFooter(who, unsub, lang string) string {
	e := htmltemplate.HTMLEscapeString
	label := "수신을 원하지 않으시면 <a href=\"" + e(unsub) + "\">수신거부(Unsubscribe)</a>를 눌러 주세요."
	if lang == fanmail.LangEnglish {
		label = "To stop receiving these mails, <a href=\"" + e(unsub) + "\">unsubscribe (수신거부)</a>."
	}
	return e(who) + "<br>\n" + label
}

var outboxLayout = htmltemplate.Must(htmltemplate.Must(htmltemplate.New("layout.html").ParseFS(templateFS, "templates/layout.html")).
	Parse(`{{define "content"}}{{.HTML}}{{end}}{{define "footer"}}{{.Footer}}{{end}}`))

// wrap places an HTML fragment and footer in the mail layout.
func wrap(lang, subject, fragment, footer string) (string, error) {
	var b strings.Builder
	data := struct{ HTML, Footer htmltemplate.HTML }{htmltemplate.HTML(fragment), htmltemplate.HTML(footer)}
	if err := outboxLayout.ExecuteTemplate(&b, "layout", htmlView{Lang: lang, Subject: subject, Data: data}); err != nil {
		return "", fmt.Errorf("mail layout: %w", err)
	}
	return b.String(), nil
}

// crlf turns bare LFs into CRLF, as SMTP wants.
func crlf(s string) []byte {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

// headerValue returns what follows prefix in msg up to end, or "".
func headerValue(msg []byte, prefix, end string) string {
	s := string(msg)
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	s = s[i+len(prefix):]
	j := strings.Index(s, end)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// tokenOf returns the message token from msg's Message-ID.
func tokenOf(msg []byte) string {
	id := headerValue(msg, "Message-ID: <", ">")
	token, _, _ := strings.Cut(id, "@")
	return token
}

// consoleEmail wraps a framed message for the console sender.
func consoleEmail(msg []byte, to string) channel.Email {
	return channel.Email{To: to, Subject: headerValue(msg, "Subject: ", "\r\n"), Text: string(msg)}
}
