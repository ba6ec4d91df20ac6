package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// SendOutcome is what became of a batch of claimed sends.
type SendOutcome struct {
	CampaignID int64
	// Sent were accepted by the SMTP server.
	Sent []int64
	// Skipped maps a reason (fanmail.SkipNoConsent, …) to the sends it stopped.
	Skipped map[string][]int64
	// Retry are queued again for a later attempt (4xx replies, lost connections).
	Retry []SendRetry
	// Failed were refused for good (5xx replies, or too many attempts).
	Failed []SendFailure
	// Released were claimed but not tried (the worker is stopping): queued
	// again at once, the claim not counted as an attempt.
	Released []int64
	// Deferred could not be tried (the relay is down or refuses the sender):
	// queued again for At, the claim not counted as an attempt.
	Deferred []SendRetry
	// RelayErrors counts the relay's failures while sending these (see
	// fanmail.SendCounts); RelayError is the last, never an address.
	RelayErrors int64
	RelayError  string
}

// idRange returns the smallest and the largest send id of o; ok is false
// when o names no send.
func (o SendOutcome) idRange() (lo, hi int64, ok bool) {
	see := func(id int64) {
		if !ok || id < lo {
			lo = id
		}
		if !ok || id > hi {
			hi = id
		}
		ok = true
	}
	for _, ids := range o.Skipped {
		for _, id := range ids {
			see(id)
		}
	}
	for _, ids := range [][]int64{o.Sent, o.Released} {
		for _, id := range ids {
			see(id)
		}
	}
	for _, r := range slices.Concat(o.Retry, o.Deferred) {
		see(r.SendID)
	}
	for _, f := range o.Failed {
		see(f.SendID)
	}
	return lo, hi, ok
}

// covered returns the rows of inflight that cover sends of o.
func (o SendOutcome) covered(inflight []sendClaim) []sendClaim {
	var out []sendClaim
	for _, c := range inflight {
		in := func(id int64) bool { return id >= c.first && id <= c.last }
		hit := slices.ContainsFunc(o.Sent, in) || slices.ContainsFunc(o.Released, in)
		for _, ids := range o.Skipped {
			hit = hit || slices.ContainsFunc(ids, in)
		}
		for _, r := range slices.Concat(o.Retry, o.Deferred) {
			hit = hit || in(r.SendID)
		}
		for _, f := range o.Failed {
			hit = hit || in(f.SendID)
		}
		if hit {
			out = append(out, c)
		}
	}
	return out
}

// SendRetry is a send to try again at At.
type SendRetry struct {
	SendID int64
	At     time.Time
	Error  string // never an address
}

// SendFailure is a send refused for good.
type SendFailure struct {
	SendID   int64
	MemberID int64  // for the event; 0 leaves it NULL
	Error    string // never an address
	// Bounce says the server refused the address for good: a hard bounce,
	// recorded as a bounce_hard event and suppressing the address as a
	// DSN's would (source "smtp").
	Bounce bool
}

// SentAtSlack is how far a fresh send's sent_at (its claim's time) may be
// ahead of when its mail went out: the sends of a batch recorded later than
// this after its claim get sent_at rewritten, a second write of each row,
// so that tracking's scanner window holds.
const SentAtSlack = time.Second

// RecordSends stores the outcomes of batches in one transaction. Only sends
// still in state sending change: a send whose lock expired and that another
// worker already finished keeps that outcome.
func (db *DB) RecordSends(ctx context.Context, outcomes ...SendOutcome) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for _, o := range outcomes {
			if err := db.recordSends(ctx, tx, o); err != nil {
				return err
			}
		}
		return nil
	})
}

func (db *DB) recordSends(ctx context.Context, tx *Tx, o SendOutcome) error {
	r := sendRecorder{db: db, tx: tx}
	// New sends a send_claims row covers are still in state sent (claimNew);
	// their outcome is recorded against that row.
	inflight, err := lockSendClaims(ctx, tx, o)
	if err != nil {
		return err
	}
	r.inflight = o.covered(inflight)
	r.named = make([][]int64, len(r.inflight))
	var sent, failed, skipped int64
	if len(o.Sent) > 0 {
		claimed, fresh := r.split(o.Sent)
		n, err := r.set(ctx, claimed, false, `state = 'sent', sent_at = $1, locked_until = NULL, error = ''`, tx.Now)
		if err != nil {
			return fmt.Errorf("record sent mail: %w", err)
		}
		// Fresh sends say sent since their claim; a batch that took long
		// (a rate-limited relay) gets the time it went out.
		var late []int64
		for _, id := range fresh {
			if c := r.inflight[r.covering(id)]; tx.Now.Sub(c.claimedAt) > SentAtSlack {
				late = append(late, id)
			}
		}
		if len(late) > 0 {
			in, arg := db.idsIn("id", 2, late)
			if _, err := tx.ExecContext(ctx, `UPDATE sends SET sent_at = $1 WHERE `+in, tx.Now, arg); err != nil {
				return fmt.Errorf("record sent mail: %w", err)
			}
		}
		sent = n + int64(len(fresh))
	}
	for reason, ids := range o.Skipped {
		n, err := r.setAll(ctx, ids, `state = 'skipped', error = $1, locked_until = NULL`, reason)
		if err != nil {
			return fmt.Errorf("record skipped mail: %w", err)
		}
		skipped += n
	}
	if _, err := r.setAll(ctx, o.Released, `state = 'queued', locked_until = NULL, attempts = attempts - 1,
		next_attempt_at = $1`, tx.Now); err != nil {
		return fmt.Errorf("release mail: %w", err)
	}
	for _, d := range o.Deferred {
		if _, err := r.setAll(ctx, []int64{d.SendID}, `state = 'queued', next_attempt_at = $1, error = $2,
			locked_until = NULL, attempts = attempts - 1`, d.At.UTC(), d.Error); err != nil {
			return fmt.Errorf("defer send %d: %w", d.SendID, err)
		}
	}
	for _, rt := range o.Retry {
		if _, err := r.setAll(ctx, []int64{rt.SendID}, `state = 'queued', next_attempt_at = $1, error = $2,
			locked_until = NULL`, rt.At.UTC(), rt.Error); err != nil {
			return fmt.Errorf("record retry of send %d: %w", rt.SendID, err)
		}
	}
	for _, f := range o.Failed {
		n, err := r.setAll(ctx, []int64{f.SendID}, `state = 'failed', error = $1, locked_until = NULL`, f.Error)
		if err != nil {
			return fmt.Errorf("record failure of send %d: %w", f.SendID, err)
		}
		failed += n
		if n == 0 || !f.Bounce {
			continue
		}
		if err := tx.AddEvent(ctx, Event{CampaignID: o.CampaignID, SendID: f.SendID, MemberID: f.MemberID,
			Kind: "bounce_hard", Detail: f.Error}); err != nil {
			return fmt.Errorf("record bounce of send %d: %w", f.SendID, err)
		}
		if err := tx.hardBounce(ctx, f.MemberID, f.SendID); err != nil {
			return fmt.Errorf("record bounce of send %d: %w", f.SendID, err)
		}
	}
	for k, c := range r.inflight {
		if len(r.named[k]) > 0 {
			if err := db.settleSendClaim(ctx, tx, c, r.named[k]); err != nil {
				return err
			}
		}
	}
	if o.RelayErrors > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE campaign_progress SET relay_errors = relay_errors + $1, relay_error = $2,
			relay_error_at = $3 WHERE campaign_id = $4`, o.RelayErrors, o.RelayError, tx.Now, o.CampaignID); err != nil {
			return fmt.Errorf("record relay errors of campaign %d: %w", o.CampaignID, err)
		}
	}
	if sent+failed+skipped == 0 {
		return nil
	}
	// Last, so the progress row (which every claim and record updates) is
	// held briefly.
	_, err = tx.execCached(ctx, `UPDATE campaign_progress SET sent = sent + $1, failed = failed + $2,
		skipped = skipped + $3 WHERE campaign_id = $4`, sent, failed, skipped, o.CampaignID)
	if err != nil {
		return fmt.Errorf("count sent mail of campaign %d: %w", o.CampaignID, err)
	}
	return nil
}

// sendRecorder records outcomes of one campaign's sends in a transaction:
// sends claimed as rows (state sending) and, on SQLite, fresh sends that a
// send_claims row in flight covers (state sent).
type sendRecorder struct {
	db       *DB
	tx       *Tx
	inflight []sendClaim
	named    [][]int64 // per inflight row, its sends recorded
}

// covering returns the index of the inflight row covering send id, or -1.
func (r *sendRecorder) covering(id int64) int {
	for k, c := range r.inflight {
		if id >= c.first && id <= c.last {
			return k
		}
	}
	return -1
}

// split parts ids into sends claimed as rows and fresh sends, noting the
// latter against their send_claims row.
func (r *sendRecorder) split(ids []int64) (claimed, fresh []int64) {
	if len(r.inflight) == 0 {
		return ids, nil
	}
	for _, id := range ids {
		if k := r.covering(id); k >= 0 {
			fresh = append(fresh, id)
			r.named[k] = append(r.named[k], id)
		} else {
			claimed = append(claimed, id)
		}
	}
	return claimed, fresh
}

// setAll applies set to the sends of ids still in flight, claimed or fresh,
// and returns how many changed.
func (r *sendRecorder) setAll(ctx context.Context, ids []int64, set string, args ...any) (int64, error) {
	claimed, fresh := r.split(ids)
	n, err := r.set(ctx, claimed, false, set, args...)
	if err != nil {
		return 0, err
	}
	m, err := r.set(ctx, fresh, true, set+`, sent_at = NULL`, args...)
	return n + m, err
}

// set applies set (assignments with parameters $1…, args) to the sends of
// ids in state sending, or in state sent if fresh: the sends a worker still
// holds. A send whose lock expired and that another worker already finished
// keeps that outcome.
func (r *sendRecorder) set(ctx context.Context, ids []int64, fresh bool, set string, args ...any) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	state := "sending"
	if fresh {
		state = "sent"
	}
	in, arg := r.db.idsIn("id", len(args)+1, ids)
	res, err := r.tx.execCached(ctx, `UPDATE sends SET `+set+` WHERE `+in+` AND state = '`+state+`'`, append(args, arg)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
