package delivery

import (
	"bytes"
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
	Batch  int // messages claimed at once (default 200)
	// Workers claim and send batches side by side, each over its own relay
	// connection (default 2), so one batch's database work overlaps
	// another's SMTP round trips.
	Workers int
	Lease   time.Duration // how long a claim holds (default one minute)
	Poll    time.Duration // how often to look for due messages unwoken (default one second)
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
	db     *store.DB
	logger *slog.Logger
	opts   OutboxOptions
	wake   chan struct{}
	lanes  []*lane

	fromName, fromAddr string // of opts.From

	mu        sync.RWMutex // guards renderers
	renderers map[string]Renderer
}

// lane is one worker's relay connection and MIME builder.
type lane struct {
	mu     sync.Mutex // one batch at a time
	pipe   *email.Pipe
	b      email.Builder
	footer *fanmail.Sender // the legal footer's sender, read once a batch
	// marketing says the last batch held marketing: the next takes the
	// withdrawal feed's position before it claims.
	marketing bool
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
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	o := &Outbox{db: db, logger: logger, opts: opts, renderers: map[string]Renderer{}, wake: make(chan struct{}, 1)}
	o.fromName, o.fromAddr = from(opts)
	for range opts.Workers {
		o.lanes = append(o.lanes, &lane{})
	}
	return o
}

// Register sets the renderer of message kind. Messages of a kind with no
// renderer wait and are tried again.
func (o *Outbox) Register(kind string, r Renderer) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.renderers[kind] = r
}

// RegisterAll sets the renderers of several kinds.
func (o *Outbox) RegisterAll(rs map[string]Renderer) {
	for kind, r := range rs {
		o.Register(kind, r)
	}
}

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

// Run sends due messages with Workers workers until ctx ends.
func (o *Outbox) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, l := range o.lanes {
		wg.Go(func() { o.runLane(ctx, l) })
	}
	wg.Wait()
}

// runLane is one worker: it sends batch after batch while there are due
// messages, waking another worker when its batch was full, then waits for
// a Notify or the next poll.
func (o *Outbox) runLane(ctx context.Context, l *lane) {
	t := time.NewTicker(o.opts.Poll)
	defer t.Stop()
	defer o.closePipe(l)
	for {
		n, err := o.sendDue(ctx, l)
		if err != nil && ctx.Err() == nil {
			o.logger.Warn("outbox", "err", err)
		}
		if n > 0 && err == nil {
			if n == o.opts.Batch {
				o.Notify() // more are due: another worker may take them
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-t.C:
		}
	}
}

// SendDue claims one batch of due messages and sends it on the first
// worker's connection. It returns how many messages it claimed.
func (o *Outbox) SendDue(ctx context.Context) (int, error) {
	return o.sendDue(ctx, o.lanes[0])
}

func (o *Outbox) sendDue(ctx context.Context, l *lane) (int, error) {
	if !o.Configured() {
		return 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.footer = nil
	// While marketing goes out, the withdrawal feed's position is taken
	// before the claim, which then reflects every withdrawal up to it;
	// otherwise only if the claim holds marketing, and its members are
	// read again after it.
	var pos int64
	early := l.marketing
	if early {
		var err error
		if pos, err = o.db.Withdrawals().Pos(ctx); err != nil {
			return 0, err
		}
	}
	now := o.db.Now()
	claims, err := o.db.ClaimMessages(ctx, now, o.opts.Lease, o.opts.Batch)
	if err != nil || len(claims) == 0 {
		return 0, err
	}
	l.marketing = slices.ContainsFunc(claims, func(c store.OutboxClaim) bool { return c.Purpose == fanmail.PurposeMarketing })
	if l.marketing && !early {
		if pos, err = o.feedPos(ctx, claims); err != nil {
			o.db.ReleaseMessages(context.WithoutCancel(ctx), ids(claims))
			return 0, err
		}
	}
	// Each message goes to the relay as soon as it is rendered, so the
	// first of a batch does not wait for the last to be rendered.
	t := o.newTransmission(ctx, l, claims, pos)
	for i := range claims {
		c := &claims[i]
		msg, out, ok := o.prepare(ctx, l, c, now)
		if !ok {
			t.settle(i, out)
			continue
		}
		t.send(i, msg)
	}
	outs := t.finish()
	if err := o.db.RecordMessages(context.WithoutCancel(ctx), outs); err != nil {
		return len(claims), err
	}
	for i, out := range outs {
		if out.Status == fanmail.MessageSent {
			o.logger.Debug("message sent", "kind", claims[i].Kind, "message_id", claims[i].ID, "member_id", claims[i].MemberID)
		}
	}
	return len(claims), nil
}

// feedPos opens the withdrawal feed for claims that hold marketing, and
// reads their members again after its position, from which on withdrawals
// are checked at the hand-off. Transactional messages alone leave the feed
// be.
func (o *Outbox) feedPos(ctx context.Context, claims []store.OutboxClaim) (int64, error) {
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
func (o *Outbox) prepare(ctx context.Context, l *lane, c *store.OutboxClaim, now time.Time) ([]byte, store.MessageOutcome, bool) {
	if reason, wait := fanmail.MayContact(c.Contact(), now); reason != "" {
		if reason == fanmail.SkipQuietHours {
			return nil, store.MessageOutcome{Status: fanmail.MessageQueued, RunAt: wait, Reason: reason}, false
		}
		return nil, store.MessageOutcome{Status: fanmail.MessageSkipped, Reason: reason}, false
	}
	o.mu.RLock()
	r, ok := o.renderers[c.Kind]
	o.mu.RUnlock()
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
	msg, err := o.frame(ctx, l, c, content, now)
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

// transmission hands one batch's messages to the relay, one by one, and
// collects their outcomes.
type transmission struct {
	o      *Outbox
	ctx    context.Context
	l      *lane
	claims []store.OutboxClaim
	mids   []string // the Message-IDs of the messages handed over
	outs   []store.MessageOutcome
	done   []bool
	now    time.Time
	down   error // the relay could not be reached: the rest wait
	pos    int64 // the withdrawal feed's position before the claims were read
}

func (o *Outbox) newTransmission(ctx context.Context, l *lane, claims []store.OutboxClaim, pos int64) *transmission {
	return &transmission{o: o, ctx: ctx, l: l, claims: claims, mids: make([]string, len(claims)),
		outs: make([]store.MessageOutcome, len(claims)), done: make([]bool, len(claims)), now: o.db.Now(), pos: pos}
}

// settle records message i's outcome.
func (t *transmission) settle(i int, out store.MessageOutcome) {
	out.ID = t.claims[i].ID
	t.outs[i], t.done[i] = out, true
}

// send hands message i to the relay (or the console). msg is only read
// during the call.
func (t *transmission) send(i int, msg []byte) {
	o, c := t.o, &t.claims[i]
	t.mids[i] = headerValue(msg, "Message-ID: <", ">")
	if o.opts.SMTP == nil {
		if err := o.opts.Console.SendEmail(t.ctx, consoleEmail(msg, c.Email)); err != nil {
			t.settle(i, o.retry(c, t.now, err.Error()))
		} else {
			t.settle(i, sentOutcome(t.mids[i]))
		}
		return
	}
	if t.down == nil {
		t.down = o.connect(t.ctx, t.l, func(tag int, err error) {
			t.settle(tag, o.outcome(&t.claims[tag], t.mids[tag], err, t.now))
		})
		if t.down != nil {
			o.logger.Warn("outbox relay unavailable", "err", t.down)
		}
	}
	if t.down != nil {
		t.settle(i, o.retry(c, t.now, "relay: "+t.down.Error()))
		return
	}
	token, _, _ := strings.Cut(t.mids[i], "@")
	from := tracking.VERP(token, o.opts.BounceDomain)
	reason, err := o.handOff(t.ctx, t.l, c, i, from, msg, t.pos)
	switch {
	case reason != "":
		t.settle(i, store.MessageOutcome{Status: fanmail.MessageSkipped, Reason: reason})
	case errors.Is(err, errFeed):
		t.settle(i, o.retry(c, t.now, err.Error()))
	case err != nil:
		t.l.pipe = nil // broken; earlier messages got their Done
		t.settle(i, o.retry(c, t.now, "relay: "+err.Error()))
	}
}

// finish collects the relay's last answers and returns every outcome; a
// message sent without an answer is tried again.
func (t *transmission) finish() []store.MessageOutcome {
	if t.l.pipe != nil {
		if err := t.l.pipe.Flush(); err != nil {
			t.l.pipe = nil
		}
	}
	for i := range t.claims {
		if !t.done[i] {
			t.settle(i, t.o.retry(&t.claims[i], t.now, "relay: no answer"))
		}
	}
	return t.outs
}

// errFeed says withdrawals could not be checked before a hand-off.
var errFeed = errors.New("withdrawal feed unavailable")

// handOff hands msg, the message of claim c (tag i), to the relay unless c
// is marketing and its member withdrew since pos: then it returns why not.
// No withdrawal commits between that check and the hand-off. Errors:
// errFeed, or the connection's.
func (o *Outbox) handOff(ctx context.Context, l *lane, c *store.OutboxClaim, i int, from string, msg []byte, pos int64) (string, error) {
	if c.Purpose != fanmail.PurposeMarketing {
		return "", l.pipe.Send(i, from, c.Email, msg)
	}
	// Read the replies due first: between Enter and Leave, Send only writes.
	if err := l.pipe.Ready(); err != nil {
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
	return "", l.pipe.Send(i, from, c.Email, msg)
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
func (o *Outbox) outcome(c *store.OutboxClaim, messageID string, err error, now time.Time) store.MessageOutcome {
	if err == nil {
		return sentOutcome(messageID)
	}
	if email.IsTemporary(err) {
		return o.retry(c, now, err.Error())
	}
	return store.MessageOutcome{Status: fanmail.MessageFailed, Error: err.Error(), Bounce: email.IsHardBounce(err)}
}

func sentOutcome(messageID string) store.MessageOutcome {
	return store.MessageOutcome{Status: fanmail.MessageSent, MessageID: messageID}
}

func (o *Outbox) connect(ctx context.Context, l *lane, done func(int, error)) error {
	if l.pipe != nil {
		l.pipe.Done = done
		return nil
	}
	p, err := email.DialPipe(ctx, *o.opts.SMTP, o.opts.HeloName)
	if err != nil {
		return err
	}
	p.Done = done
	l.pipe = p
	return nil
}

func (o *Outbox) closePipe(l *lane) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pipe != nil {
		l.pipe.Close()
		l.pipe = nil
	}
}

// frame assembles the whole MIME message of c: headers, layout, and for
// marketing the "(광고)" prefix, the legal footer and the RFC 8058
// unsubscribe headers; DKIM-signed when configured. The message is valid
// until the lane frames the next.
func (o *Outbox) frame(ctx context.Context, l *lane, c *store.OutboxClaim, ct Content, now time.Time) ([]byte, error) {
	token, err := o.db.MessageToken(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	marketing := c.Purpose == fanmail.PurposeMarketing
	subject, text, footer := ct.Subject, ct.Text, ""
	var unsub string
	if marketing {
		if l.footer == nil {
			snd, err := o.sender(ctx)
			if err != nil {
				return nil, err
			}
			l.footer = &snd
		}
		snd := *l.footer
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
	fromName, fromAddr := o.fromName, o.fromAddr
	b := &l.b
	b.Reset()
	b.EightBit = l.pipe != nil && l.pipe.EightBit()
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
	msg := b.Bytes() // the lane's buffer: handed over before the next frame
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

// from returns the name and address of opts.From.
func from(opts OutboxOptions) (name, addr string) {
	a, err := mail.ParseAddress(opts.From)
	if err != nil {
		return "", strings.TrimSpace(opts.From)
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

// wrap places an HTML fragment and footer in the mail layout. The layout
// is rendered once per language around markers and then only joined: the
// template's escaping ran for every mail before (8 % of the outbox's CPU).
func wrap(lang, subject, fragment, footer string) (string, error) {
	parts, err := layoutParts(lang)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(parts[0]) + len(parts[1]) + len(parts[2]) + len(parts[3]) + len(subject) + len(fragment) + len(footer) + 16)
	b.WriteString(parts[0])
	b.WriteString(htmltemplate.HTMLEscapeString(subject))
	b.WriteString(parts[1])
	b.WriteString(fragment)
	b.WriteString(parts[2])
	b.WriteString(footer)
	b.WriteString(parts[3])
	return b.String(), nil
}

// Markers stand for the subject, the content and the footer in the rendered
// layout; they cannot occur in it otherwise.
const (
	markSubject = "fanmail-marker-subject-9c1e"
	markContent = "fanmail-marker-content-9c1e"
	markFooter  = "fanmail-marker-footer-9c1e"
)

var layoutCache sync.Map // lang → [4]string

// layoutParts returns the layout of lang split around subject, content and
// footer.
func layoutParts(lang string) ([4]string, error) {
	if v, ok := layoutCache.Load(lang); ok {
		return v.([4]string), nil
	}
	var b strings.Builder
	data := struct{ HTML, Footer htmltemplate.HTML }{markContent, markFooter}
	if err := outboxLayout.ExecuteTemplate(&b, "layout", htmlView{Lang: lang, Subject: markSubject, Data: data}); err != nil {
		return [4]string{}, fmt.Errorf("mail layout: %w", err)
	}
	html := b.String()
	var parts [4]string
	rest := html
	for i, mark := range []string{markSubject, markContent, markFooter} {
		before, after, ok := strings.Cut(rest, mark)
		if !ok || strings.Contains(after, mark) {
			return parts, fmt.Errorf("mail layout: marker %d not found once", i)
		}
		parts[i], rest = before, after
	}
	parts[3] = rest
	layoutCache.Store(lang, parts)
	return parts, nil
}

// crlf turns bare LFs into CRLF, as SMTP wants, in one pass.
func crlf(s string) []byte {
	out := make([]byte, 0, len(s)+strings.Count(s, "\n"))
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return append(out, s...)
		}
		out = append(out, strings.TrimSuffix(s[:i], "\r")...)
		out = append(out, '\r', '\n')
		s = s[i+1:]
	}
}

// headerValue returns what follows prefix in msg up to end, or "".
func headerValue(msg []byte, prefix, end string) string {
	i := bytes.Index(msg, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := msg[i+len(prefix):]
	j := bytes.Index(rest, []byte(end))
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// consoleEmail wraps a framed message for the console sender.
func consoleEmail(msg []byte, to string) channel.Email {
	return channel.Email{To: to, Subject: headerValue(msg, "Subject: ", "\r\n"), Text: string(msg)}
}
