package campaign

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/tracking"
)

// The engine
//
// Run starts a dispatcher and Concurrency workers per relay. Only the
// dispatcher talks to the database: one goroutine claims batches of sends
// (creating the next members' sends already claimed, or taking queued and
// stuck ones) and hands them to the workers through a channel; another
// records each batch's outcome as soon as a worker returns it, merging
// outcomes that arrive together into one transaction. On PostgreSQL the two
// run at once; on SQLite they take turns, so the process never waits for
// its own write lock. A worker owns a few SMTP connections to one relay: it
// checks each claimed send against the member's status, consent and the
// suppression list as they were claimed, renders the mail, checks the
// withdrawals since the claim (store.WithdrawalFeed: no mail goes to the
// relay after its member's withdrawal commits) and sends it, pipelined,
// over its connections in turn. A process
// killed mid-campaign leaves at most two batches per worker sent but
// unrecorded: they are sent again when its node's lease lapses or the node
// starts again (store.Node), or else when their lock expires.

// batch is a set of claimed sends of one campaign on its way through the engine.
type batch struct {
	cc       *compiled
	claims   []store.Claim
	brands   map[int64][]string
	feedPos  int64 // the withdrawal feed's position before the claim
	out      store.SendOutcome
	deferred bool // the relay's refusal of the sender is logged
}

// Run sends the mail of every campaign in status sending until ctx is
// cancelled. Run it on every node: the nodes share each campaign through the
// database. When ctx ends, workers finish the mail in hand, unsent claims
// are released and every outcome is recorded before Run returns.
func (s *Service) Run(ctx context.Context) error {
	if len(s.opts.Relays) == 0 {
		return errNoRelays
	}
	urls, err := s.trackingURLs(ctx)
	if err != nil {
		return err
	}
	var ws []*worker
	for _, r := range s.opts.Relays {
		lim := newLimiter(r)
		for _, conns := range spread(r.Concurrency, s.connsPerWorker(r)) {
			ws = append(ws, s.newWorker(r, conns, lim, urls))
		}
	}
	// done is unbuffered: a worker hands over a finished batch before it
	// takes the next, so at most two batches per worker are sent but not
	// yet recorded (what a kill -9 may send twice).
	d := &dispatcher{s: s, todo: make(chan *batch, len(ws)), done: make(chan *batch), recorded: make(chan struct{}, 1),
		sqlite: s.db.Engine() == store.SQLite}
	var workers sync.WaitGroup
	for _, w := range ws {
		w.progress = func(o store.SendOutcome) { d.done <- &batch{out: o} }
		workers.Go(func() { w.run(ctx, d.todo, d.done) })
	}
	s.logger.Info("campaign engine running", "relays", len(s.opts.Relays), "workers", len(ws))
	stopped := make(chan struct{})
	go func() {
		workers.Wait()
		close(stopped)
	}()
	var recorder sync.WaitGroup
	recorder.Go(func() { d.recordLoop(ctx, stopped) })
	d.claimLoop(ctx)
	recorder.Wait()
	return nil
}

// dispatcher claims batches for the workers and records their outcomes, in
// two goroutines so that PostgreSQL does both at once. On SQLite they take
// turns (one writer per database), which spares them lock waits.
type dispatcher struct {
	s    *Service
	todo chan *batch // claimed, for the workers
	done chan *batch // sent, to record
	// recorded wakes the claim loop when outcomes were recorded: a
	// campaign whose last sends they were can be finished at once.
	recorded chan struct{}
	next     int // round robin over campaigns
	sqlite   bool
	dbMu     sync.Mutex
}

func (d *dispatcher) lock() {
	if d.sqlite {
		d.dbMu.Lock()
	}
}

func (d *dispatcher) unlock() {
	if d.sqlite {
		d.dbMu.Unlock()
	}
}

// claimLoop claims batches into todo until ctx ends, then releases what no
// worker took.
func (d *dispatcher) claimLoop(ctx context.Context) {
	s := d.s
	idle := time.NewTimer(s.opts.PollInterval)
	defer idle.Stop()
	for ctx.Err() == nil {
		wake := s.wakeCh()
		t0 := time.Now()
		d.lock()
		b, err := d.claim(ctx)
		d.unlock()
		if err != nil && ctx.Err() == nil {
			s.logger.Warn("campaign dispatcher", "err", err)
		}
		if b != nil {
			s.logger.Debug("batch claimed", "campaign_id", b.out.CampaignID, "sends", len(b.claims), "took", time.Since(t0))
			select {
			case d.todo <- b:
				continue
			case <-ctx.Done():
				d.release(ctx, b)
			}
			break
		}
		// Nothing due: wait for new work, recorded outcomes (which may
		// finish a campaign) or the next poll.
		if !idle.Stop() {
			select {
			case <-idle.C:
			default:
			}
		}
		idle.Reset(s.opts.PollInterval)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-d.recorded:
		case <-idle.C:
		}
	}
	close(d.todo)
	for b := range d.todo {
		d.release(ctx, b)
	}
}

// release hands a batch no worker took back.
func (d *dispatcher) release(ctx context.Context, b *batch) {
	for _, c := range b.claims {
		b.out.Released = append(b.out.Released, c.SendID)
	}
	d.record(ctx, b)
}

// recordLoop records the workers' batches until they have all stopped.
func (d *dispatcher) recordLoop(ctx context.Context, stopped <-chan struct{}) {
	for {
		select {
		case b := <-d.done:
			d.record(ctx, b)
		case <-stopped:
			return
		}
	}
}

// record stores the outcomes of b and of any other batch waiting, in one
// transaction. Outcomes are recorded even when ctx is cancelled: these mails
// have gone out.
func (d *dispatcher) record(ctx context.Context, b *batch) {
	bs := []*batch{b}
	for len(bs) < 64 {
		select {
		case b := <-d.done:
			bs = append(bs, b)
			continue
		default:
		}
		break
	}
	outs := make([]store.SendOutcome, len(bs))
	for i, b := range bs {
		outs[i] = b.out
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	t0 := time.Now()
	d.lock()
	err := d.s.db.RecordSends(rctx, outs...)
	d.unlock()
	d.s.logger.Debug("batches recorded", "batches", len(bs), "took", time.Since(t0))
	if err != nil {
		// The claims stay in sending and are sent again once their lock
		// expires: better twice than never.
		d.s.logger.Error("recording sent campaign mail failed", "batches", len(bs), "err", err)
		return
	}
	select {
	case d.recorded <- struct{}{}:
	default:
	}
}

// claim claims the next batch of due sends, from the sending campaigns in
// turn; nil when nothing is due.
func (d *dispatcher) claim(ctx context.Context) (*batch, error) {
	s := d.s
	ids, err := s.activeCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	for k := range ids {
		id := ids[(d.next+k)%len(ids)]
		b, err := s.claimBatch(ctx, id, &batch{})
		if err != nil || b != nil {
			d.next += k + 1
			return b, err
		}
	}
	return nil, nil
}

// claimBatch claims due sends of campaign id into b; nil when none is due
// (then the campaign is finished if nothing is left).
func (s *Service) claimBatch(ctx context.Context, id int64, b *batch) (*batch, error) {
	cc, err := s.compiledFor(ctx, id)
	if err != nil {
		if fanmail.ErrorCode(err) == fanmail.EINVALID {
			// The template no longer renders (a brand it shows was deleted):
			// stop, so staff can fix it, rather than fail every batch.
			s.logger.Error("campaign cannot be rendered, paused", "campaign_id", id, "err", fanmail.ErrorMessage(err))
			s.db.MoveCampaign(ctx, id, fanmail.CampaignPaused, nil, fanmail.CampaignSending)
			s.notify()
		}
		return nil, err
	}
	// Withdrawals after this position are checked as each mail is handed over.
	pos, err := s.db.Withdrawals().Pos(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// Not cancellable: a claim committed but not read would be stuck until
	// its lock expires.
	claims, err := s.db.ClaimSends(context.WithoutCancel(ctx), id, s.batchSize(), now, now.Add(s.opts.LockFor), cc.audience)
	if err != nil {
		return nil, err
	}
	if len(claims) == 0 {
		return nil, s.maybeFinish(ctx, id)
	}
	b.cc, b.claims, b.brands, b.feedPos = cc, claims, nil, pos
	out := &b.out
	*out = store.SendOutcome{CampaignID: id, Skipped: out.Skipped}
	if out.Skipped == nil {
		out.Skipped = map[string][]int64{}
	}
	clear(out.Skipped)
	if cc.usesBrands {
		ids := make([]int64, len(claims))
		for i, c := range claims {
			ids[i] = c.MemberID
		}
		if b.brands, err = s.db.FavoriteBrandNames(ctx, ids); err != nil {
			for _, c := range claims {
				out.Released = append(out.Released, c.SendID)
			}
			return nil, errors.Join(err, s.db.RecordSends(context.WithoutCancel(ctx), *out))
		}
	}
	return b, nil
}

// batchSize returns how many sends to claim at once: BatchSize, or fewer
// when a rate-limited relay could not send that many within half of
// LockFor. A batch still in hand when its lock expires would be claimed
// and sent again. A batch may go to any worker, and each of a relay's w
// workers gets at least 1/w of its rate.
//
// Where a relay's rate allows batches of slackBatch or more that go out
// within store.SentAtSlack of their claim, batches are cut to that: a
// later batch has every send written a second time (its sent_at), which
// cost PostgreSQL 14.3 µs a message at 2,000 msg/s against 5.4 unlimited.
// A claimed batch may wait behind two (one in the workers' queue, one
// being sent), so it is sized to go out in a quarter of the slack.
// Smaller batches than slackBatch would cost more round trips than the
// second write does.
func (s *Service) batchSize() int {
	n := s.opts.BatchSize
	for _, r := range s.opts.Relays {
		if r.Rate <= 0 {
			continue
		}
		workers := float64(len(spread(r.Concurrency, s.connsPerWorker(r))))
		perWorker := r.Rate / workers
		n = min(n, max(1, int(perWorker*s.opts.LockFor.Seconds()/2)))
		if fit := int(perWorker * store.SentAtSlack.Seconds() / 4); fit >= slackBatch {
			n = min(n, fit)
		}
	}
	return n
}

// slackBatch is the smallest batch cut to go out within store.SentAtSlack
// (see batchSize).
const slackBatch = 100

// connsPerWorker returns how many of relay r's connections one worker
// drives (see Options.ConnsPerWorker).
func (s *Service) connsPerWorker(r email.Relay) int {
	if s.opts.ConnsPerWorker > 0 {
		return s.opts.ConnsPerWorker
	}
	if s.opts.DKIM != nil {
		procs := runtime.GOMAXPROCS(0)
		return min(DefaultConnsPerWorker, max(1, (r.Concurrency+procs-1)/procs))
	}
	return DefaultConnsPerWorker
}

// spread splits n connections over as few workers as carry at most per
// each, as evenly as it goes: spread(6, 4) is [3 3].
func spread(n, per int) []int {
	n = max(n, 1)
	workers := (n + per - 1) / per
	out := make([]int, workers)
	for i := range out {
		out[i] = n / workers
		if i < n%workers {
			out[i]++
		}
	}
	return out
}

func newLimiter(r email.Relay) *rate.Limiter {
	if r.Rate <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return rate.NewLimiter(rate.Limit(r.Rate), max(1, int(r.Rate/20)))
}

// SendBatch claims one batch of due mail of any sending campaign, sends it
// over a connection to the first relay and records the outcome, all in the
// calling goroutine. It returns how many sends it claimed (0: nothing is
// due). The connection stays open for the next call until Close. Tests and
// the CLI's foreground sending use it; servers use Run.
func (s *Service) SendBatch(ctx context.Context) (int, error) {
	if len(s.opts.Relays) == 0 {
		return 0, errNoRelays
	}
	s.fgMu.Lock()
	defer s.fgMu.Unlock()
	if s.fg == nil {
		urls, err := s.trackingURLs(ctx)
		if err != nil {
			return 0, err
		}
		s.fg = s.newWorker(s.opts.Relays[0], 1, newLimiter(s.opts.Relays[0]), urls)
	}
	ids, err := s.activeCampaigns(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		b, err := s.claimBatch(ctx, id, &batch{})
		if err != nil {
			return 0, err
		}
		if b == nil {
			continue
		}
		s.fg.send(ctx, b)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		return len(b.claims), s.db.RecordSends(rctx, b.out)
	}
	return 0, nil
}

// SendDue calls SendBatch until nothing is due and returns how many sends it
// claimed.
func (s *Service) SendDue(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.SendBatch(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// Close closes the connection SendBatch keeps open.
func (s *Service) Close() error {
	s.fgMu.Lock()
	defer s.fgMu.Unlock()
	if s.fg != nil {
		s.fg.closeAll()
	}
	return nil
}

// worker owns a few SMTP connections to one relay, handing each the next
// mail in turn, and the buffers to render mail into.
type worker struct {
	s        *Service
	relay    email.Relay
	lim      *rate.Limiter
	pipes    []*email.Pipe // nil until dialled, or after the connection broke
	cur      int           // the connection the current mail goes over
	lastUsed time.Time

	rend renderer
	r    recipient
	b    *batch // the batch being sent, for done
	feed *store.WithdrawalFeed

	// progress records outcomes while a batch is still out, at least every
	// progressEvery, so a slow batch's counts move; nil records them when
	// the batch is done.
	progress func(store.SendOutcome)
	shownAt  time.Time
}

// progressEvery is how often the outcomes of a batch still being sent are
// recorded, for the progress staff see.
const progressEvery = time.Second

func (s *Service) newWorker(r email.Relay, conns int, lim *rate.Limiter, urls tracking.URLs) *worker {
	w := &worker{s: s, relay: r, lim: lim, pipes: make([]*email.Pipe, conns), feed: s.db.Withdrawals()}
	w.rend = renderer{sign: urls.Signer(), dkim: s.opts.DKIM, msgIDDom: "@" + s.opts.BounceDomain}
	return w
}

// run sends the batches of todo and hands them to done until todo is closed
// or ctx ends.
func (w *worker) run(ctx context.Context, todo <-chan *batch, done chan<- *batch) {
	idle := time.NewTicker(w.s.opts.IdleTimeout)
	defer idle.Stop()
	defer w.closeAll()
	for {
		select {
		case b, ok := <-todo:
			if !ok {
				return
			}
			w.send(ctx, b)
			done <- b
			if ctx.Err() != nil {
				return
			}
		case <-ctx.Done():
			return
		case <-idle.C:
			if time.Since(w.lastUsed) > w.s.opts.IdleTimeout {
				w.closeAll()
			}
		}
	}
}

// send checks, renders and sends the mails of b, filling b.out.
func (w *worker) send(ctx context.Context, b *batch) {
	s, cc, out := w.s, b.cc, &b.out
	w.b = b
	w.shownAt = time.Now()
	for i := range b.claims {
		c := &b.claims[i]
		// The compliance check at send time: consent may have been
		// withdrawn, or the address suppressed, since the campaign started.
		if reason := skipReason(cc, c); reason != "" {
			out.Skipped[reason] = append(out.Skipped[reason], c.SendID)
			continue
		}
		if ctx.Err() != nil || w.lim.Limit() != rate.Inf && w.lim.Wait(ctx) != nil {
			w.release(b, i)
			break
		}
		if err := w.connect(ctx); err != nil {
			if ctx.Err() != nil {
				w.release(b, i)
				break
			}
			// The relay is down or refuses us: try these again later,
			// without counting it against the members' mail.
			for j := i; j < len(b.claims); j++ {
				if reason := skipReason(cc, &b.claims[j]); reason != "" {
					out.Skipped[reason] = append(out.Skipped[reason], b.claims[j].SendID)
				} else {
					w.deferSend(&b.claims[j], err)
				}
			}
			w.relayError(err)
			s.logger.Warn("smtp relay unavailable", "relay", w.relay.Host, "err", err)
			break
		}
		brands := ""
		if b.brands != nil {
			brands = strings.Join(b.brands[c.MemberID], ", ")
		}
		w.r.reset(c, brands, s.now(), len(cc.links))
		pipe := w.pipes[w.cur]
		w.rend.b.EightBit = pipe.EightBit()
		msg, err := w.rend.message(cc, &w.r, "")
		if err != nil {
			w.retry(c, err)
			continue
		}
		from := tracking.VERP(c.Token, s.opts.BounceDomain)
		reason, err := w.handOff(ctx, i, from, msg)
		if err != nil && !errors.Is(err, errFeed) {
			// The connection broke before this mail went out: once more on
			// a fresh connection (rendered again if that one cannot take
			// 8-bit content).
			w.relayError(err)
			w.pipes[w.cur] = nil
			err = w.connect(ctx)
			if err == nil && w.pipes[w.cur].EightBit() != w.rend.b.EightBit {
				w.rend.b.EightBit = false
				msg, err = w.rend.message(cc, &w.r, "")
			}
			if err == nil {
				reason, err = w.handOff(ctx, i, from, msg)
			}
			if err != nil && !errors.Is(err, errFeed) {
				w.pipes[w.cur] = nil
				w.retry(c, err)
			}
		}
		if errors.Is(err, errFeed) {
			// Withdrawals cannot be checked: the rest waits for later.
			if ctx.Err() == nil {
				s.logger.Warn("campaign mail held back", "campaign_id", out.CampaignID, "err", err)
			}
			w.release(b, i)
			break
		}
		if reason != "" {
			out.Skipped[reason] = append(out.Skipped[reason], c.SendID)
		}
		w.cur = (w.cur + 1) % len(w.pipes)
		if w.progress != nil && time.Since(w.shownAt) >= progressEvery {
			w.showProgress()
		}
	}
	w.lastUsed = time.Now()
	for k, p := range w.pipes {
		if p != nil && p.Flush() != nil {
			w.pipes[k] = nil
		}
	}
	w.b = nil
}

// showProgress hands the outcomes of the current batch so far to the
// recorder, keeping the rest of the batch in hand.
func (w *worker) showProgress() {
	out := &w.b.out
	w.progress(*out)
	*out = store.SendOutcome{CampaignID: out.CampaignID, Skipped: map[string][]int64{}}
	w.shownAt = time.Now()
}

// relayError notes a failure of the relay itself for the campaign's
// progress (err's text never holds an address or a password).
func (w *worker) relayError(err error) {
	w.b.out.RelayErrors++
	w.b.out.RelayError = "relay " + w.relay.Host + ": " + err.Error()
}

// errFeed says withdrawals could not be checked before a hand-off.
var errFeed = errors.New("withdrawal feed unavailable")

// handOff hands mail msg of claim i of the current batch to the relay over
// the current connection, unless its member withdrew since the claim: then
// it returns why not. No withdrawal commits between the check and the
// hand-off (store.WithdrawalFeed). Errors: errFeed, or the connection's.
func (w *worker) handOff(ctx context.Context, i int, from string, msg []byte) (string, error) {
	pipe, c := w.pipes[w.cur], &w.b.claims[i]
	// Read the replies due first: between Enter and Leave, Send only writes.
	if err := pipe.Ready(); err != nil {
		return "", err
	}
	ws, err := w.feed.Enter(ctx, c.MemberID)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errFeed, err)
	}
	defer w.feed.Leave()
	if reason := withdrawnReason(w.b.cc, ws, w.b.feedPos); reason != "" {
		return reason, nil
	}
	return "", pipe.Send(i, from, c.Email, msg)
}

// withdrawnReason returns why a member whose withdrawals are ws must not get
// campaign cc's mail claimed at feed position pos, or "".
func withdrawnReason(cc *compiled, ws []store.Withdrawal, pos int64) string {
	for i := len(ws) - 1; i >= 0 && ws[i].ID > pos; i-- {
		switch w := ws[i]; {
		case w.Kind == store.WithdrawStatus:
			return fanmail.SkipInactive
		case !cc.marketing:
		case w.Kind == store.WithdrawSuppression:
			return fanmail.SkipSuppressed
		case w.Kind == store.WithdrawConsent && w.Detail == fanmail.PurposeMarketingEmail:
			return fanmail.SkipNoConsent
		}
	}
	return ""
}

// connect dials the worker's current connection if it is not open.
func (w *worker) connect(ctx context.Context) error {
	if w.pipes[w.cur] != nil {
		return nil
	}
	p, err := email.DialPipe(ctx, w.relay.Config, w.s.opts.HeloName)
	if err != nil {
		return err
	}
	p.Done = w.done
	w.pipes[w.cur] = p
	return nil
}

// closeAll closes the worker's connections, collecting what they owe.
func (w *worker) closeAll() {
	for k, p := range w.pipes {
		if p != nil {
			p.Close()
			w.pipes[k] = nil
		}
	}
}

// done records the SMTP outcome of claim tag of the current batch.
func (w *worker) done(tag int, err error) {
	c := &w.b.claims[tag]
	switch at := email.RefusedAt(err); {
	case err == nil:
		w.b.out.Sent = append(w.b.out.Sent, c.SendID)
	case at == "MAIL":
		// The relay refuses our sender address: nothing to do with the
		// member, and an operator has to act.
		if !w.b.deferred {
			w.s.logger.Error("smtp relay refuses the sender", "relay", w.relay.Host, "campaign_id", w.b.out.CampaignID, "err", err)
			w.relayError(err)
			w.b.deferred = true
		}
		w.deferSend(c, err)
	case email.IsTemporary(err):
		w.retry(c, err)
	default:
		// A refused address is a hard bounce, and suppressed; a refused
		// message (its content, a policy) is a failure but says nothing
		// about the address.
		w.b.out.Failed = append(w.b.out.Failed, store.SendFailure{SendID: c.SendID, MemberID: c.MemberID,
			Error: err.Error(), Bounce: email.IsHardBounce(err)})
	}
}

// deferSend queues c again after the first retry delay without counting an
// attempt: it was not the member's mail that failed.
func (w *worker) deferSend(c *store.Claim, err error) {
	w.b.out.Deferred = append(w.b.out.Deferred, store.SendRetry{SendID: c.SendID,
		At: w.s.now().Add(w.s.opts.RetryDelay(1)), Error: err.Error()})
}

// retry queues c again after a temporary failure, or gives up after
// MaxAttempts.
func (w *worker) retry(c *store.Claim, err error) {
	out := &w.b.out
	msg := "temporary failure"
	if err != nil {
		msg = err.Error()
	}
	if c.Attempts >= w.s.opts.MaxAttempts {
		out.Failed = append(out.Failed, store.SendFailure{SendID: c.SendID, MemberID: c.MemberID,
			Error: "gave up after repeated temporary failures: " + msg})
		return
	}
	at := w.s.now().Add(w.s.opts.RetryDelay(c.Attempts))
	out.Retry = append(out.Retry, store.SendRetry{SendID: c.SendID, At: at, Error: msg})
}

// release hands the claims of b from index i on back untried.
func (w *worker) release(b *batch, i int) {
	for _, c := range b.claims[i:] {
		b.out.Released = append(b.out.Released, c.SendID)
	}
}

// skipReason returns why c must not get campaign cc's mail now, or "".
func skipReason(cc *compiled, c *store.Claim) string {
	switch {
	case c.Status != fanmail.MemberActive:
		return fanmail.SkipInactive
	case !cc.marketing:
		return ""
	case !c.Consent:
		return fanmail.SkipNoConsent
	case c.Suppressed:
		return fanmail.SkipSuppressed
	}
	return ""
}

func (s *Service) wakeCh() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake
}

// activeCampaigns returns the campaigns in status sending, read at most
// every PollInterval (notify forces a fresh read).
func (s *Service) activeCampaigns(ctx context.Context) ([]int64, error) {
	s.mu.Lock()
	ids, at := s.active, s.activeAt
	s.mu.Unlock()
	if !at.IsZero() && time.Since(at) < s.opts.PollInterval {
		return ids, nil
	}
	ids, err := s.db.SendingCampaignIDs(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.active, s.activeAt = ids, time.Now()
	s.mu.Unlock()
	return ids, nil
}

// compiledFor returns campaign id compiled for sending, compiling it once
// per process.
func (s *Service) compiledFor(ctx context.Context, id int64) (*compiled, error) {
	s.mu.Lock()
	cc, ok := s.compiled[id]
	s.mu.Unlock()
	if ok {
		return cc, nil
	}
	s.compileMu.Lock()
	defer s.compileMu.Unlock()
	s.mu.Lock()
	cc, ok = s.compiled[id]
	s.mu.Unlock()
	if ok {
		return cc, nil
	}
	c, err := s.db.CampaignByID(ctx, id)
	if err != nil {
		return nil, err
	}
	cc, err = s.compile(ctx, c, modeSend)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.compiled[id] = cc
	s.mu.Unlock()
	return cc, nil
}

// forget drops the compiled form of campaign id.
func (s *Service) forget(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.compiled, id)
}
