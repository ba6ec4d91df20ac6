package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// Sending a campaign
//
// A campaign's sends (one row per member, queued → sending → sent | failed |
// skipped) are mostly created by the claims that send them: ClaimSends walks
// the audience in member-id order from campaigns.queue_cursor and inserts the
// next batch's sends with the member's details and current consent read in
// the same pass, so the audience is evaluated when the mail goes out; a
// segment's rules too, window by window of member ids (claimNewPostgres,
// claimNewSQLite). PostgreSQL inserts them in state sending, locked for
// the claiming worker, and records each outcome on its row. SQLite inserts
// them already in state sent with one send_claims row saying the batch is
// in flight: a batch that all went out is recorded by deleting that row,
// each send written once (claimNewSQLite, recordSends). Campaigns sent in
// each member's time zone queue every send when they start
// (Audience.Upfront), each due at its zone's time; consent and
// suppression are checked again when each is claimed. Queued sends (those,
// retries, and sends a stopping worker released) and sends stuck in flight
// past their lock (a dead worker's) are claimed before new ones.

// Audience says which members a campaign goes to, and when.
type Audience struct {
	// Segment restricts the audience to the members its rules match; nil
	// means every member.
	Segment *fanmail.SegmentRules
	// Marketing restricts it to members who consent to marketing e-mail
	// now and whose address is not suppressed. Members must be active either way.
	Marketing bool
	// Upfront queues every send when the campaign starts, due at
	// ZoneDue[member's time zone], or at Due for members of other zones.
	Upfront bool
	Due     time.Time
	ZoneDue map[string]time.Time
	// Details says which member details claims read besides the address.
	Details MemberDetails
}

// MemberDetails names member columns a claim reads; reading only those a
// template prints saves work on every send.
type MemberDetails struct {
	Name, Code, BirthYear, Gender bool
}

// AllDetails reads every member detail.
var AllDetails = MemberDetails{Name: true, Code: true, BirthYear: true, Gender: true}

// columns returns the member columns of a Claim over "members m", unread ones
// as constants so the positions stay put: email, name, code, birth year,
// gender, language. With as, they are named c1…c6.
func (d MemberDetails) columns(as bool) string {
	cols := []string{`m.email`, `''`, `''`, `0`, `''`, `''`}
	if d.Name {
		cols[1] = `m.name`
	}
	if d.Code {
		cols[2] = `COALESCE(m.code, '')`
	}
	if d.BirthYear {
		cols[3] = `m.birth_year`
	}
	if d.Gender {
		cols[4], cols[5] = `m.gender`, `m.lang`
	}
	if as {
		for i := range cols {
			cols[i] += ` AS c` + strconv.Itoa(i+1)
		}
	}
	return strings.Join(cols, ", ")
}

// readColumns returns only the member columns d reads, over "members m":
// email, then name, code, birth year, gender and language as d asks.
// scanInto gives the fields of a Claim they are scanned into.
func (d MemberDetails) readColumns() string {
	cols := `m.email`
	if d.Name {
		cols += `, m.name`
	}
	if d.Code {
		cols += `, COALESCE(m.code, '')`
	}
	if d.BirthYear {
		cols += `, m.birth_year`
	}
	if d.Gender {
		cols += `, m.gender, m.lang`
	}
	return cols
}

// scanInto returns the fields of c that the columns of readColumns fill,
// in order, after dest.
func (d MemberDetails) scanInto(c *Claim, dest ...any) []any {
	dest = append(dest, &c.Email)
	if d.Name {
		dest = append(dest, &c.Name)
	}
	if d.Code {
		dest = append(dest, &c.Code)
	}
	if d.BirthYear {
		dest = append(dest, &c.BirthYear)
	}
	if d.Gender {
		dest = append(dest, &c.Gender, &c.Lang)
	}
	return dest
}

// audienceWhere returns the audience as a condition over "members m" with
// ids in (lo, hi] (placeholders of the caller's) evaluated at now, its
// arguments numbered from $offset+1: the consent and suppression tests are
// looked up member by member, and a segment's id lists read for the range
// only, for claims, which read a few hundred members of a range.
func (db *DB) audienceWhere(a Audience, now time.Time, offset int, lo, hi string) (string, []any, error) {
	where := `m.status = 'active'`
	if a.Marketing {
		// OFFSET 0 keeps PostgreSQL from flattening the subqueries into
		// joins, which would read the consents from the first member on
		// for every batch.
		off := ""
		if db.engine == Postgres {
			off = " OFFSET 0"
		}
		where += ` AND EXISTS (SELECT 1 FROM member_consents mc
			WHERE mc.purpose = 'marketing_email' AND mc.granted AND mc.member_id = m.id` + off + `)
		AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_normalized = m.email_normalized` + off + `)`
	}
	return db.withSegment(a, where, now, offset, lo, hi)
}

// audienceFrom returns the audience as a FROM clause naming "members m" and
// a condition, for statements that go through the whole audience (counting
// it, queueing it, and on SQLite claiming it): the consents of the purpose
// are read in member order and joined, several times faster than a look-up
// per member. The members' ids, in the order they are read, are id.
func (db *DB) audienceFrom(a Audience, now time.Time, offset int) (from, where, id string, args []any, err error) {
	if !a.Marketing {
		where, args, err = db.withSegment(a, `m.status = 'active'`, now, offset, "", "")
		return `members m`, where, `m.id`, args, err
	}
	// SQLite's CROSS JOIN keeps the consents outside, so they are read
	// from their index in member order.
	from = `member_consents mc JOIN members m ON m.id = mc.member_id`
	join := ``
	if db.engine == SQLite {
		from, join = `member_consents mc CROSS JOIN members m`, `m.id = mc.member_id AND `
	}
	where, args, err = db.withSegment(a, join+`mc.purpose = 'marketing_email' AND mc.granted = TRUE AND m.status = 'active'
		AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_normalized = m.email_normalized)`, now, offset, "", "")
	return from, where, `mc.member_id`, args, err
}

func (db *DB) withSegment(a Audience, where string, now time.Time, offset int, lo, hi string) (string, []any, error) {
	if a.Segment == nil {
		return where, nil, nil
	}
	seg, args, err := db.segmentMemberSQL(*a.Segment, now, offset, lo, hi)
	if err != nil {
		return "", nil, err
	}
	return where + ` AND (` + seg + `)`, args, nil
}

// AudienceExists reports whether audience a has any member at now.
func (db *DB) AudienceExists(ctx context.Context, a Audience, now time.Time) (bool, error) {
	from, where, _, args, err := db.audienceFrom(a, now, 0)
	if err != nil {
		return false, err
	}
	var ok bool
	if err := db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+from+` WHERE `+where+`)`, args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("audience: %w", err)
	}
	return ok, nil
}

// StartCampaign moves scheduled campaign id to sending and records its
// audience at now: how many members it has and the largest member id, up to
// which claims will create sends. With a.Upfront every send is queued now
// instead. It returns the campaign and the audience size; ECONFLICT if the
// campaign is not scheduled (another node started it).
func (db *DB) StartCampaign(ctx context.Context, id int64, a Audience, now time.Time) (fanmail.Campaign, int64, error) {
	var c fanmail.Campaign
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		c, err = moveCampaign(ctx, tx, id, fanmail.CampaignSending, nil, []string{fanmail.CampaignScheduled})
		if err != nil {
			return err
		}
		from, where, _, args, err := db.audienceFrom(a, now, 0)
		if err != nil {
			return err
		}
		var end int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(m.id), 0) FROM `+from+` WHERE `+where,
			args...).Scan(&n, &end); err != nil {
			return fmt.Errorf("audience of campaign %d: %w", id, err)
		}
		var total int64
		if a.Upfront {
			if total, err = db.queueAll(ctx, tx, id, a, now); err != nil {
				return err
			}
			end = 0
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET started_at = $1 WHERE id = $2`, tx.Now, id); err != nil {
			return fmt.Errorf("start campaign %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_progress (campaign_id, audience, queue_end, total)
			VALUES ($1, $2, $3, $4)`, id, n, end, total); err != nil {
			return fmt.Errorf("start campaign %d: %w", id, mapError(err))
		}
		c.StartedAt = &tx.Now
		return nil
	})
	return c, n, err
}

// queueAll inserts a queued send for every member of a, due at the time of
// the member's zone.
func (db *DB) queueAll(ctx context.Context, tx *Tx, id int64, a Audience, now time.Time) (int64, error) {
	args := []any{id, a.Due.UTC()}
	from, where, _, segArgs, err := db.audienceFrom(a, now, 2)
	if err != nil {
		return 0, err
	}
	args = append(args, segArgs...)
	cast := func(mark string) string {
		if db.engine == Postgres {
			return `CAST(` + mark + ` AS TIMESTAMPTZ)`
		}
		return mark
	}
	due := cast("$2")
	if len(a.ZoneDue) > 0 {
		var b strings.Builder
		b.WriteString(`CASE m.timezone`)
		for tz, t := range a.ZoneDue {
			args = append(args, tz, t.UTC())
			fmt.Fprintf(&b, ` WHEN $%d THEN %s`, len(args)-1, cast("$"+strconv.Itoa(len(args))))
		}
		b.WriteString(` ELSE ` + due + ` END`)
		due = b.String()
	}
	members := `SELECT m.id AS mid, ` + due + ` AS due FROM ` + from + ` WHERE ` + where
	var q string
	if db.engine == Postgres {
		q = `INSERT INTO sends (id, campaign_id, member_id, state, token, next_attempt_at)
		SELECT y.id, $1, y.mid, 'queued', '', y.due
		FROM (SELECT nextval(pg_get_serial_sequence('sends', 'id')) AS id, x.mid, x.due
			FROM (` + members + ` ORDER BY m.id) x) y
		ON CONFLICT (campaign_id, member_id) DO NOTHING`
	} else {
		// One writer: the ids above the largest one are free, and member
		// ids ascend, so base + member id ascends too (gaps are harmless).
		q = `INSERT INTO sends (id, campaign_id, member_id, state, token, next_attempt_at)
		SELECT b.base + x.mid, $1, x.mid, 'queued', '', x.due
		FROM (` + members + `) x, (SELECT COALESCE(MAX(id), 0) AS base FROM sends) b
		WHERE true
		ON CONFLICT (campaign_id, member_id) DO NOTHING`
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("queue sends of campaign %d: %w", id, err)
	}
	return res.RowsAffected()
}

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

// idsIn returns a condition "col is one of the ids passed as parameter $n"
// and the parameter's value: an array on PostgreSQL, a JSON array on SQLite.
// Either way the statement text stays the same for any number of ids.
func (db *DB) idsIn(col string, n int, ids []int64) (string, any) {
	mark := "$" + strconv.Itoa(n)
	if db.engine == Postgres {
		return col + ` = ANY(` + mark + `)`, ids
	}
	return col + ` IN (SELECT value FROM json_each(` + mark + `))`, jsonIDs(ids)
}

func jsonIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*8+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
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
	stuck, queued := true, true
	if db.engine == SQLite {
		var expired bool
		if expired, stuck, queued, err = db.dueSQLite(ctx, campaignID, now); expired && err == nil {
			stuck, err = true, db.expireSendClaims(ctx, campaignID, now)
		}
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

// dueSQLite tells what campaign id has to claim again at now besides new
// sends: send_claims rows whose lock expired, sends stuck in sending, queued
// sends due. Usually nothing: one look spares a transaction for each.
func (db *DB) dueSQLite(ctx context.Context, campaignID int64, now time.Time) (expired, stuck, queued bool, err error) {
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
		if db.engine == Postgres {
			// Claimers of all nodes take turns at the cursor. An advisory
			// lock rather than FOR UPDATE on the campaign row, which would
			// make the workers' outcome counts wait for whole claims.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, cursorLockClass, int32(campaignID)); err != nil {
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
		if db.engine == Postgres {
			if claims, err = db.claimNewPostgres(ctx, tx, campaignID, sp, limit, now, lockUntil, a); err != nil {
				return err
			}
		} else if claims, err = db.claimNewSQLite(ctx, tx, campaignID, sp, limit, now, lockUntil, a); err != nil {
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

// claimNewPostgres creates the sends of the next members of audience a after
// cursor (up to end), claimed. A segment's rules are evaluated in windows of
// member ids, each id list the rules read restricted to the window (see
// segmentCompiler.where): a claim costs what its window holds, not the whole
// audience. A window that yields too few members makes the next one wider.
func (db *DB) claimNewPostgres(ctx context.Context, tx *Tx, campaignID int64, sp idSpan, limit int, now, lockUntil time.Time, a Audience) ([]Claim, error) {
	cols := `m.id, ` + a.Details.columns(true)
	// $1 campaign, $2 window start (cursor), $3 window end, $4 limit, $5 lock,
	// $6 node; audience from $7.
	where, segArgs, err := db.audienceWhere(a, now, 6, "$2", "$3")
	if err != nil {
		return nil, err
	}
	q := `WITH m AS (SELECT ` + cols + ` FROM members m
			WHERE m.id > $2 AND m.id <= $3 AND ` + where + ` ORDER BY m.id LIMIT $4),
		ins AS (INSERT INTO sends (campaign_id, member_id, state, attempts, locked_until, locked_by, token)
			SELECT $1, m.id, 'sending', 1, $5, $6, '' FROM m ORDER BY m.id
			RETURNING id, member_id)
		SELECT ins.id, ins.member_id, '', 1, m.c1, m.c2, m.c3, m.c4, m.c5, m.c6, 'active', TRUE, FALSE
		FROM ins JOIN m ON m.id = ins.member_id ORDER BY ins.id`
	var claims []Claim
	err = eachWindow(sp, limit, a.Segment != nil, func(lo, hi int64, want int) (int, error) {
		rows, err := tx.QueryContext(ctx, q, slices.Concat([]any{campaignID, lo, hi, want, lockUntil.UTC(), db.lockedBy()}, segArgs)...)
		if err != nil {
			return 0, err
		}
		n := len(claims)
		claims, err = scanClaims(rows, claims)
		return len(claims) - n, err
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

// claimNewSQLite reads the next members, then inserts their sends with ids
// following the largest one (SQLite has one writer) in member order, in
// state sent, and a send_claims row for them locked until lockUntil.
func (db *DB) claimNewSQLite(ctx context.Context, tx *Tx, campaignID int64, sp idSpan, limit int, now, lockUntil time.Time, a Audience) ([]Claim, error) {
	// $1 window start, $2 window end, $3 limit; audience from $4. Without a
	// segment, one window to the end, the consenting members read from
	// their consents in member order; with one, windows of member ids as
	// on PostgreSQL (claimNewPostgres): SQLite pushes the range into each
	// arm of the segment's merged lists.
	var q string
	var segArgs []any
	if a.Segment == nil {
		from, where, id, args, err := db.audienceFrom(a, now, 3)
		if err != nil {
			return nil, err
		}
		q, segArgs = `SELECT m.id, `+a.Details.readColumns()+` FROM `+from+`
			WHERE `+id+` > $1 AND `+id+` <= $2 AND `+where+` ORDER BY `+id+` LIMIT $3`, args
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
	if err != nil {
		return nil, err
	}
	if len(claims) == 0 {
		return nil, nil
	}
	var base int64
	if err := tx.queryRowCached(ctx, `SELECT COALESCE(MAX(id), 0) FROM sends`).Scan(&base); err != nil {
		return nil, err
	}
	ids := make([]int64, len(claims))
	for i := range claims {
		claims[i].SendID, ids[i] = base+int64(i)+1, claims[i].MemberID
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	// The sends go in already in state sent, and one send_claims row says
	// they are in flight: recording a batch that all went out then deletes
	// that row instead of rewriting each send (recordSends). Their tokens
	// are derived from their ids (sendtoken.go).
	if _, err = tx.execCached(ctx, `INSERT INTO sends (id, campaign_id, member_id, state, attempts, sent_at, token)
		SELECT $2 + j.key + 1, $1, j.value, 'sent', 1, $3, '' FROM json_each($4) j WHERE true`,
		campaignID, base, now.UTC(), string(list)); err != nil {
		return nil, err
	}
	_, err = tx.execCached(ctx, `INSERT INTO send_claims (campaign_id, first_send, last_send, claimed_at, locked_until, locked_by)
		VALUES ($1, $2, $3, $4, $5, $6)`, campaignID, base+1, base+int64(len(claims)), now.UTC(), lockUntil.UTC(), db.lockedBy())
	return claims, err
}

// sendClaim is a send_claims row: the sends first…last, created by one claim
// on SQLite in state sent and in flight until their outcome is recorded.
type sendClaim struct {
	id, first, last        int64
	claimedAt, lockedUntil time.Time
	lockedBy               sql.NullInt64
}

func (c sendClaim) size() int { return int(c.last - c.first + 1) }

// sendClaims returns the send_claims rows of campaign id, only those whose
// lock expired before now unless now is zero.
func sendClaims(ctx context.Context, tx *Tx, campaignID int64, now time.Time) ([]sendClaim, error) {
	query := `SELECT id, first_send, last_send, claimed_at, locked_until, locked_by FROM send_claims WHERE campaign_id = $1`
	args := []any{campaignID}
	if !now.IsZero() {
		query += ` AND locked_until < $2`
		args = append(args, now.UTC())
	}
	rows, err := tx.queryCached(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sends in flight: %w", err)
	}
	defer rows.Close()
	var out []sendClaim
	for rows.Next() {
		var c sendClaim
		if err := rows.Scan(&c.id, &c.first, &c.last, &c.claimedAt, &c.lockedUntil, &c.lockedBy); err != nil {
			return nil, fmt.Errorf("sends in flight: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// settleSendClaim deletes send_claims row c as the outcomes of its sends
// named are recorded. Sends of c not named become ordinary claims, in state sending locked as c was,
// so a lock that has expired (the worker died) makes them due again.
func (db *DB) settleSendClaim(ctx context.Context, tx *Tx, c sendClaim, named []int64) error {
	if len(named) < c.size() {
		in, arg := db.idsIn("id", 5, named)
		if _, err := tx.ExecContext(ctx, `UPDATE sends SET state = 'sending', locked_until = $1, locked_by = $2, sent_at = NULL
			WHERE id >= $3 AND id <= $4 AND state = 'sent' AND NOT (`+in+`)`, c.lockedUntil.UTC(), c.lockedBy, c.first, c.last, arg); err != nil {
			return fmt.Errorf("settle claimed sends: %w", err)
		}
	}
	if _, err := tx.execCached(ctx, `DELETE FROM send_claims WHERE id = $1`, c.id); err != nil {
		return fmt.Errorf("settle claimed sends: %w", err)
	}
	return nil
}

// expireSendClaims settles the send_claims of campaign id whose lock expired
// before now: their sends become claims stuck in sending, claimed again
// like any other.
func (db *DB) expireSendClaims(ctx context.Context, campaignID int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		expired, err := sendClaims(ctx, tx, campaignID, now)
		for _, c := range expired {
			if err == nil {
				err = db.settleSendClaim(ctx, tx, c, nil)
			}
		}
		return err
	})
}

// FavoriteBrandNames returns the names of the favourite brands of each of
// memberIDs, in catalogue order.
func (db *DB) FavoriteBrandNames(ctx context.Context, memberIDs []int64) (map[int64][]string, error) {
	in, arg := db.idsIn("p.member_id", 1, memberIDs)
	rows, err := db.sql.QueryContext(ctx, `SELECT p.member_id, b.name FROM brand_preferences p
		JOIN brands b ON b.id = p.brand_id JOIN brand_groups g ON g.id = b.group_id
		WHERE `+in+` ORDER BY p.member_id, g.position, g.id, b.position, b.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("favourite brands: %w", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("favourite brands: %w", err)
		}
		out[id] = append(out[id], name)
	}
	return out, rows.Err()
}

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
	if db.engine == SQLite {
		// Sends a send_claims row covers are still in state sent
		// (claimNewSQLite); their outcome is recorded against it.
		var err error
		if r.inflight, err = sendClaims(ctx, tx, o.CampaignID, time.Time{}); err != nil {
			return err
		}
		r.named = make([][]int64, len(r.inflight))
	}
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
			if c := r.inflight[r.covering(id)]; tx.Now.Sub(c.claimedAt) > time.Second {
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
	_, err := tx.execCached(ctx, `UPDATE campaign_progress SET sent = sent + $1, failed = failed + $2,
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

// CancelCampaign moves campaign id to cancelled from scheduled, sending or
// paused: its queued sends are skipped and no new ones are created.
// ECONFLICT if it was in another status.
func (db *DB) CancelCampaign(ctx context.Context, id int64) (fanmail.Campaign, error) {
	var c fanmail.Campaign
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		c, err = moveCampaign(ctx, tx, id, fanmail.CampaignCancelled, nil,
			[]string{fanmail.CampaignScheduled, fanmail.CampaignSending, fanmail.CampaignPaused})
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE sends SET state = 'skipped', error = $1
			WHERE campaign_id = $2 AND state = 'queued'`, fanmail.SkipCancelled, id)
		if err != nil {
			return fmt.Errorf("cancel campaign %d: %w", id, err)
		}
		n, _ := res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `UPDATE campaign_progress SET skipped = skipped + $1, queue_cursor = queue_end
			WHERE campaign_id = $2`, n, id); err != nil {
			return fmt.Errorf("cancel campaign %d: %w", id, err)
		}
		return nil
	})
	return c, err
}

// FinishCampaign moves campaign id from sending to finished if its audience
// has been worked through and none of its sends is queued or being sent,
// and reports whether it did. (One NOT EXISTS per state, each answered by
// its partial index.)
func (db *DB) FinishCampaign(ctx context.Context, id int64) (bool, error) {
	done := false
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = 'finished', finished_at = $1, updated_at = $1
			WHERE id = $2 AND status = 'sending'
			AND NOT EXISTS (SELECT 1 FROM campaign_progress WHERE campaign_id = $2 AND queue_cursor < queue_end)
			AND NOT EXISTS (SELECT 1 FROM send_claims WHERE campaign_id = $2)
			AND NOT EXISTS (SELECT 1 FROM sends WHERE campaign_id = $2 AND state = 'queued')
			AND NOT EXISTS (SELECT 1 FROM sends WHERE campaign_id = $2 AND state = 'sending')`, tx.Now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		done = true
		// The total becomes what was done (sends whose members were deleted
		// meanwhile are gone).
		_, err = tx.ExecContext(ctx, `UPDATE campaign_progress SET total = sent + failed + skipped WHERE campaign_id = $1`, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("finish campaign %d: %w", id, err)
	}
	return done, nil
}

// CampaignSendCounts counts the sends of campaign id by state, from the
// campaign's running counts and the sends in flight: fast for any size.
// While the audience is being worked through, Total is the audience counted
// when the campaign started and Queued includes members not reached yet.
func (db *DB) CampaignSendCounts(ctx context.Context, id int64) (fanmail.SendCounts, error) {
	var c fanmail.SendCounts
	var audience, cursor, end sql.NullInt64
	var total, sent, failed, skipped, relayErrors sql.NullInt64
	var relayError sql.NullString
	var relayErrorAt sql.NullTime
	err := db.sql.QueryRowContext(ctx, `SELECT p.audience, p.queue_cursor, p.queue_end, p.total, p.sent, p.failed, p.skipped,
		(SELECT COUNT(*) FROM sends WHERE campaign_id = $1 AND state = 'sending')
			+ (SELECT CAST(COALESCE(SUM(last_send - first_send + 1), 0) AS BIGINT) FROM send_claims WHERE campaign_id = $1),
		p.relay_errors, p.relay_error, p.relay_error_at
		FROM campaigns c LEFT JOIN campaign_progress p ON p.campaign_id = c.id WHERE c.id = $1`, id).
		Scan(&audience, &cursor, &end, &total, &sent, &failed, &skipped, &c.Sending, &relayErrors, &relayError, &relayErrorAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fanmail.Errorf(fanmail.ENOTFOUND, "Campaign not found.")
	}
	if err != nil {
		return c, fmt.Errorf("send counts of campaign %d: %w", id, err)
	}
	c.Total, c.Sent, c.Failed, c.Skipped = total.Int64, sent.Int64, failed.Int64, skipped.Int64
	c.RelayErrors, c.RelayError = relayErrors.Int64, relayError.String
	if relayErrorAt.Valid {
		t := relayErrorAt.Time.UTC()
		c.RelayErrorAt = &t
	}
	if cursor.Int64 < end.Int64 {
		c.Total = max(c.Total, audience.Int64)
	}
	c.Queued = max(c.Total-c.Sent-c.Failed-c.Skipped-c.Sending, 0)
	return c, nil
}
