package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// Claim is one send claimed by a worker, with what rendering and the
// send-time compliance check need to know about its member.
type Claim struct {
	SendID     int64
	MemberID   int64
	Token      string
	Attempts   int // including this one
	Email      string
	Name       string
	Code       string
	BirthYear  int
	Gender     string
	Lang       string
	Status     string // the member's status now
	Consent    bool   // marketing e-mail consent granted now
	Suppressed bool   // the address is on the suppression list now
}

// checkColumns are the member's status, consent and suppression as now, over
// "members m".
const checkColumns = `m.status,
	EXISTS (SELECT 1 FROM member_consents mc WHERE mc.purpose = 'marketing_email' AND mc.granted AND mc.member_id = m.id),
	EXISTS (SELECT 1 FROM suppressions x WHERE x.email_normalized = m.email_normalized)`

func scanClaims(rows *sql.Rows, claims []Claim) ([]Claim, error) {
	defer rows.Close()
	for rows.Next() {
		var c Claim
		if err := rows.Scan(&c.SendID, &c.MemberID, &c.Token, &c.Attempts, &c.Email, &c.Name, &c.Code, &c.BirthYear,
			&c.Gender, &c.Lang, &c.Status, &c.Consent, &c.Suppressed); err != nil {
			return claims, err
		}
		claims = append(claims, c)
	}
	return claims, rows.Err()
}

// ClaimSends claims up to limit sends of campaign id for a worker, locked
// until lockUntil, and returns them in send order with their members'
// current details: first sends stuck in sending past their lock, then queued
// sends due at now, then new sends for the next members of audience a (which
// must be the campaign's). Nothing is claimed unless the campaign is sending.
// Concurrent claimers never get the same send: on PostgreSQL they skip each
// other's rows (FOR UPDATE SKIP LOCKED) and take turns at the audience
// cursor; SQLite has a single writer.
func (db *DB) ClaimSends(ctx context.Context, campaignID int64, limit int, now, lockUntil time.Time, a Audience) ([]Claim, error) {
	tokens, err := db.sendTokens(ctx)
	if err != nil {
		return nil, err
	}
	expired, stuck, queued, err := db.due(ctx, campaignID, now)
	if err == nil && expired {
		stuck, err = true, db.expireSendClaims(ctx, campaignID, now)
	}
	// One statement per source keeps each on its partial index.
	var claims []Claim
	if err == nil && stuck {
		claims, err = db.claimExisting(ctx, campaignID, limit, now, lockUntil, a.Details, `state = 'sending' AND s.locked_until < $2`)
	}
	// (A whole batch is 150 kB of claims: copied only when sources mix.)
	if err == nil && queued && len(claims) < limit {
		var more []Claim
		more, err = db.claimExisting(ctx, campaignID, limit-len(claims), now, lockUntil, a.Details, `state = 'queued' AND s.next_attempt_at <= $2`)
		claims = appendClaims(claims, more)
	}
	if err == nil && len(claims) < limit {
		var more []Claim
		more, err = db.claimNew(ctx, campaignID, limit-len(claims), now, lockUntil, a)
		claims = appendClaims(claims, more)
	}
	if err != nil {
		return nil, fmt.Errorf("claim sends of campaign %d: %w", campaignID, err)
	}
	for i := range claims {
		if claims[i].Token == "" { // not one stored before migration 0020
			claims[i].Token = tokens.token(claims[i].SendID)
		}
	}
	return claims, nil
}

// appendClaims appends more to claims, taking more itself when claims is
// empty.
func appendClaims(claims, more []Claim) []Claim {
	if len(claims) == 0 {
		return more
	}
	return append(claims, more...)
}

// due tells what campaign id has to claim again at now besides new sends:
// send_claims rows whose lock expired, sends stuck in sending, queued sends
// due. Usually nothing: one look spares a statement or transaction for each.
func (db *DB) due(ctx context.Context, campaignID int64, now time.Time) (expired, stuck, queued bool, err error) {
	const q = `SELECT EXISTS (SELECT 1 FROM send_claims WHERE campaign_id = $1 AND locked_until < $2),
		EXISTS (SELECT 1 FROM sends WHERE campaign_id = $1 AND state = 'sending' AND locked_until < $2),
		EXISTS (SELECT 1 FROM sends WHERE campaign_id = $1 AND state = 'queued' AND next_attempt_at <= $2)`
	var row *sql.Row
	if st := db.prepared(ctx, q); st != nil {
		row = st.QueryRowContext(ctx, campaignID, now.UTC())
	} else {
		row = db.sql.QueryRowContext(ctx, q, campaignID, now.UTC())
	}
	err = row.Scan(&expired, &stuck, &queued)
	return expired, stuck, queued, err
}

// claimExisting claims existing sends matching due ("state = … AND …", over
// "sends s").
func (db *DB) claimExisting(ctx context.Context, campaignID int64, limit int, now, lockUntil time.Time, d MemberDetails, due string) ([]Claim, error) {
	claimColumns := d.columns(false) + `, ` + checkColumns
	pick := `FROM sends s WHERE s.campaign_id = $1 AND s.` + due + `
		AND EXISTS (SELECT 1 FROM campaigns WHERE id = $1 AND status = 'sending')
		ORDER BY s.next_attempt_at, s.id LIMIT $3`
	args := []any{campaignID, now.UTC(), limit, lockUntil.UTC(), db.lockedBy()}
	if db.engine == Postgres {
		rows, err := db.sql.QueryContext(ctx, `WITH c AS (SELECT s.id `+pick+` FOR UPDATE SKIP LOCKED),
			u AS (UPDATE sends s SET state = 'sending', locked_until = $4, locked_by = $5, attempts = s.attempts + 1
				FROM c WHERE s.id = c.id RETURNING s.id, s.member_id, s.token, s.attempts)
			SELECT u.id, u.member_id, u.token, u.attempts, `+claimColumns+`
			FROM u JOIN members m ON m.id = u.member_id`, args...)
		if err != nil {
			return nil, err
		}
		claims, err := scanClaims(rows, nil)
		slices.SortFunc(claims, func(a, b Claim) int { return cmp.Compare(a.SendID, b.SendID) })
		return claims, err
	}
	var claims []Claim
	err := db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT s.id, s.member_id, s.token, s.attempts + 1, `+claimColumns+`
			`+strings.Replace(pick, "FROM sends s", "FROM sends s JOIN members m ON m.id = s.member_id", 1), args[:3]...)
		if err != nil {
			return err
		}
		if claims, err = scanClaims(rows, claims); err != nil || len(claims) == 0 {
			return err
		}
		ids := make([]int64, len(claims))
		for i, c := range claims {
			ids[i] = c.SendID
		}
		in, arg := db.idsIn("id", 3, ids)
		_, err = tx.ExecContext(ctx, `UPDATE sends SET state = 'sending', locked_until = $1, locked_by = $2, attempts = attempts + 1
			WHERE `+in, args[3], args[4], arg)
		return err
	})
	return claims, err
}

// cursorLockClass is the first key of the PostgreSQL advisory locks on a
// campaign's audience cursor ("camp"); the second is the campaign id.
const cursorLockClass int32 = 0x63616d70

// claimNew creates the sends of the next members of the audience, claimed,
// and moves the campaign's cursor past them.
func (db *DB) claimNew(ctx context.Context, campaignID int64, limit int, now, lockUntil time.Time, a Audience) ([]Claim, error) {
	var claims []Claim
	err := db.InTx(ctx, func(tx *Tx) error {
		// lockCursor also keeps the reads below to index scans (indexScans).
		if db.d.lockCursor != "" {
			if _, err := tx.ExecContext(ctx, db.d.lockCursor, cursorLockClass, int32(campaignID)); err != nil {
				return err
			}
		}
		var sp idSpan
		var audience, total int64
		err := tx.queryRowCached(ctx, `SELECT p.queue_cursor, p.queue_end, p.audience, p.total FROM campaign_progress p
			JOIN campaigns c ON c.id = p.campaign_id WHERE p.campaign_id = $1 AND c.status = 'sending'`, campaignID).
			Scan(&sp.cursor, &sp.end, &audience, &total)
		if errors.Is(err, sql.ErrNoRows) || err == nil && sp.cursor >= sp.end {
			return nil
		}
		if err != nil {
			return err
		}
		sp.width = windowWidth(sp, limit, audience-total)
		// Members of the audience satisfy its consent and suppression tests.
		if claims, err = db.claimNewMembers(ctx, tx, campaignID, sp, limit, now, lockUntil, a); err != nil {
			return err
		}
		// The next claim starts after the last member taken; a short batch
		// means the audience is exhausted.
		next := sp.end
		if len(claims) == limit {
			next = claims[len(claims)-1].MemberID
		}
		_, err = tx.execCached(ctx, `UPDATE campaign_progress SET queue_cursor = $1, total = total + $2 WHERE campaign_id = $3`,
			next, len(claims), campaignID)
		return err
	})
	return claims, err
}

// idSpan is what is left of an audience to claim from: the member ids
// (cursor, end], and how many ids a window of a segment's claim spans.
type idSpan struct{ cursor, end, width int64 }

// windowWidth returns how many member ids of sp should hold limit of the
// remaining members of the audience, spread evenly, with a quarter to
// spare: a claim then mostly needs one window, and a selective segment's
// windows are wide from the first.
func windowWidth(sp idSpan, limit int, remaining int64) int64 {
	width := int64(limit)
	if remaining > 0 {
		width = max(width, (sp.end-sp.cursor)*int64(limit)/remaining*5/4+1)
	}
	return min(width, 1<<22)
}

// eachWindow walks the member ids of sp for a claim of up to limit members,
// calling claim for each window (lo, hi] with how many members it still
// wants; claim returns how many it took. Without a segment the one window
// is the whole rest of the audience; with one, windows start at sp.width
// ids and grow fourfold while they come up short.
func eachWindow(sp idSpan, limit int, segment bool, claim func(lo, hi int64, want int) (int, error)) error {
	width := sp.end - sp.cursor
	if segment {
		width = max(sp.width, int64(limit))
	}
	for lo, got := sp.cursor, 0; got < limit && lo < sp.end; {
		hi, want := min(lo+width, sp.end), limit-got
		n, err := claim(lo, hi, want)
		if err != nil {
			return err
		}
		got, lo = got+n, hi
		if n < want {
			width = min(width*4, 1<<22)
		}
	}
	return nil
}

// claimNewMembers reads the next members of audience a after sp's cursor (up
// to its end), then inserts their sends in member order, in state sent, and
// a send_claims row for them locked until lockUntil: a batch that all went
// out is then recorded without rewriting its sends.
func (db *DB) claimNewMembers(ctx context.Context, tx *Tx, campaignID int64, sp idSpan, limit int, now, lockUntil time.Time, a Audience) ([]Claim, error) {
	// $1 window start, $2 window end, $3 limit; audience from $4. Without a
	// segment, one window to the end, the consenting members read from
	// their consents in member order and merged with the members (the
	// range on both sides lets PostgreSQL merge two index ranges instead
	// of probing the consents member by member); with one, windows of
	// member ids, each id list the segment's rules read restricted to the
	// window (see segmentCompiler.where): a claim costs what its window
	// holds, not the whole audience.
	var q string
	var segArgs []any
	if a.Segment == nil {
		from, where, id, args, err := db.audienceFrom(a, now, 3)
		if err != nil {
			return nil, err
		}
		q, segArgs = `SELECT m.id, `+a.Details.readColumns()+` FROM `+from+`
			WHERE `+id+` > $1 AND `+id+` <= $2 AND m.id > $1 AND m.id <= $2 AND `+where+` ORDER BY `+id+` LIMIT $3`, args
	} else {
		where, args, err := db.audienceWhere(a, now, 3, "$1", "$2")
		if err != nil {
			return nil, err
		}
		q, segArgs = `SELECT m.id, `+a.Details.readColumns()+` FROM members m
			WHERE m.id > $1 AND m.id <= $2 AND `+where+` ORDER BY m.id LIMIT $3`, args
	}
	claims := make([]Claim, 0, limit)
	err := eachWindow(sp, limit, a.Segment != nil, func(lo, hi int64, want int) (int, error) {
		rows, err := tx.queryCached(ctx, q, slices.Concat([]any{lo, hi, want}, segArgs)...)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := len(claims)
		var dest []any
		for rows.Next() {
			claims = append(claims, Claim{Attempts: 1, Status: fanmail.MemberActive, Consent: true})
			c := &claims[len(claims)-1]
			dest = a.Details.scanInto(c, append(dest[:0], &c.MemberID)...)
			if err := rows.Scan(dest...); err != nil {
				return 0, err
			}
		}
		return len(claims) - n, rows.Err()
	})
	if err != nil || len(claims) == 0 {
		return nil, err
	}
	if err := db.insertNewSends(ctx, tx, campaignID, claims, now); err != nil {
		return nil, err
	}
	// Their tokens are derived from their ids (sendtoken.go).
	return claims, insertSendClaim(ctx, tx, campaignID, claims, now, lockUntil)
}

// insertNewSends inserts the sends of claims (in member order), in state
// sent at now, and sets their ids, which ascend with the members'.
func (db *DB) insertNewSends(ctx context.Context, tx *Tx, campaignID int64, claims []Claim, now time.Time) error {
	ids := make([]int64, len(claims))
	for i := range claims {
		ids[i] = claims[i].MemberID
	}
	if db.engine == SQLite {
		// One writer: the ids above the largest one are free.
		var base int64
		if err := tx.queryRowCached(ctx, `SELECT COALESCE(MAX(id), 0) FROM sends`).Scan(&base); err != nil {
			return err
		}
		for i := range claims {
			claims[i].SendID = base + int64(i) + 1
		}
		_, err := tx.execCached(ctx, db.d.insertSends, campaignID, now.UTC(), db.d.idList(ids), base)
		return err
	}
	for i := range claims {
		claims[i].SendID = pairID(campaignID, claims[i].MemberID)
	}
	_, err := tx.execCached(ctx, db.d.insertSends, campaignID, now.UTC(), db.d.idList(ids))
	return err
}
