package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// TrackedSend is what the tracking endpoints need to know about a send.
type TrackedSend struct {
	ID          int64
	CampaignID  int64
	MemberID    int64
	SentAt      time.Time // zero while not sent
	TrackPeople bool      // the campaign's privacy switch
}

var errSendNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Page not found.")

// TrackedSendByToken returns the send holding token, or ENOTFOUND.
func (db *DB) TrackedSendByToken(ctx context.Context, token string) (TrackedSend, error) {
	tokens, err := db.sendTokens(ctx)
	if err != nil {
		return TrackedSend{}, err
	}
	where, arg := tokens.where(token)
	var s TrackedSend
	var sent sql.NullTime
	err = db.sql.QueryRowContext(ctx, `
		SELECT s.id, s.campaign_id, s.member_id, s.sent_at, c.track_people
		FROM sends s JOIN campaigns c ON c.id = s.campaign_id WHERE `+where, arg).
		Scan(&s.ID, &s.CampaignID, &s.MemberID, &sent, &s.TrackPeople)
	if errors.Is(err, sql.ErrNoRows) {
		return s, errSendNotFound
	}
	if err != nil {
		return s, fmt.Errorf("send by token: %w", err)
	}
	if sent.Valid {
		s.SentAt = sent.Time.UTC()
	}
	return s, nil
}

// clickTargetQueries find the send by each condition of sendTokens.where
// ($1) and link $2.
var clickTargetQueries = map[string]string{}

func init() {
	for _, where := range []string{sendByID, sendByStoredToken} {
		clickTargetQueries[where] = `
		SELECT s.id, s.campaign_id, s.member_id, s.sent_at, c.track_people, l.url
		FROM sends s
		JOIN campaigns c ON c.id = s.campaign_id
		JOIN links l ON l.campaign_id = s.campaign_id AND l.id = $2
		WHERE ` + where
	}
}

// ClickTarget returns the send holding token and the URL of link linkID, in
// one query, prepared once (DB.prepared: on SQLite preparing the join costs
// about as much as running it). It returns ENOTFOUND when there is no such
// send or the link does not belong to the send's campaign.
func (db *DB) ClickTarget(ctx context.Context, token string, linkID int64) (TrackedSend, string, error) {
	tokens, err := db.sendTokens(ctx)
	if err != nil {
		return TrackedSend{}, "", err
	}
	where, arg := tokens.where(token)
	q := clickTargetQueries[where]
	if st := db.prepared(ctx, q); st != nil {
		return scanClickTarget(st.QueryRowContext(ctx, arg, linkID))
	}
	return scanClickTarget(db.sql.QueryRowContext(ctx, q, arg, linkID))
}

func scanClickTarget(row *sql.Row) (TrackedSend, string, error) {
	var s TrackedSend
	var sent sql.NullTime
	var url string
	err := row.Scan(&s.ID, &s.CampaignID, &s.MemberID, &sent, &s.TrackPeople, &url)
	if errors.Is(err, sql.ErrNoRows) {
		return s, "", errSendNotFound
	}
	if err != nil {
		return s, "", fmt.Errorf("click target: %w", err)
	}
	if sent.Valid {
		s.SentAt = sent.Time.UTC()
	}
	return s, url, nil
}

// Recipient is the member a send went to, as unsubscribe and bounce handling
// need it.
type Recipient struct {
	SendID     int64
	CampaignID int64
	MemberID   int64
	Email      string // normalized
	Lang       string
	Sender     string // the From name of the campaign's sender: what the mail said it came from
	MessageID  int64  // the outbox message, when the token is a message's (SendID and CampaignID are 0)
}

// RecipientByToken returns the recipient of the send holding token, or ENOTFOUND.
func (db *DB) RecipientByToken(ctx context.Context, token string) (Recipient, error) {
	return recipientByToken(ctx, db, db.sql, token)
}

// RecipientByToken is RecipientByToken inside the transaction.
func (tx *Tx) RecipientByToken(ctx context.Context, token string) (Recipient, error) {
	return recipientByToken(ctx, tx.db, tx, token)
}

func recipientByToken(ctx context.Context, db *DB, q querier, token string) (Recipient, error) {
	var r Recipient
	tokens, err := db.sendTokensIn(ctx, q)
	if err != nil {
		return r, err
	}
	if id, ok := tokens.messageID(token); ok {
		// An outbox message: no send and no campaign.
		err = q.QueryRowContext(ctx, `
			SELECT m.id, m.email_normalized, m.lang FROM messages g JOIN members m ON m.id = g.member_id
			WHERE g.id = $1`, id).Scan(&r.MemberID, &r.Email, &r.Lang)
		if errors.Is(err, sql.ErrNoRows) {
			return r, errSendNotFound
		}
		if err != nil {
			return r, fmt.Errorf("recipient by message token: %w", err)
		}
		r.MessageID = id
		return r, nil
	}
	where, arg := tokens.where(token)
	err = q.QueryRowContext(ctx, `
		SELECT s.id, s.campaign_id, s.member_id, m.email_normalized, m.lang, COALESCE(sn.from_name, '')
		FROM sends s JOIN members m ON m.id = s.member_id JOIN campaigns c ON c.id = s.campaign_id
		LEFT JOIN senders sn ON sn.id = c.sender_id
		WHERE `+where, arg).Scan(&r.SendID, &r.CampaignID, &r.MemberID, &r.Email, &r.Lang, &r.Sender)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errSendNotFound
	}
	if err != nil {
		return r, fmt.Errorf("recipient by token: %w", err)
	}
	return r, nil
}

// MemberIDByEmail returns the id of the member with the normalized address,
// or ENOTFOUND.
func (tx *Tx) MemberIDByEmail(ctx context.Context, email string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM members WHERE email_normalized = $1`,
		fanmail.NormalizeEmail(email)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fanmail.Errorf(fanmail.ENOTFOUND, "Member not found.")
	}
	if err != nil {
		return 0, fmt.Errorf("member id by email: %w", err)
	}
	return id, nil
}

// Event is one row of the events table: something that happened to a sent
// campaign mail. SendID and MemberID are 0 (NULL) when the campaign counts
// opens and clicks without recording who.
type Event struct {
	CampaignID int64
	SendID     int64
	MemberID   int64
	Kind       string // delivered, open, click, bounce_hard, bounce_soft, complaint, unsubscribe, reply
	LinkID     int64
	IsBot      bool
	Detail     string // never an address
	CreatedAt  time.Time
}

const eventColumns = 8

// eventChunk bounds the rows of one INSERT: 8 parameters each stays far below
// SQLite's and PostgreSQL's parameter limits.
const eventChunk = 500

// InsertEvents stores events in one transaction with multi-row INSERTs.
func (db *DB) InsertEvents(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	return db.InTx(ctx, func(tx *Tx) error {
		for len(events) > 0 {
			n := min(len(events), eventChunk)
			if err := insertEvents(ctx, tx, db.engine, events[:n]); err != nil {
				return err
			}
			events = events[n:]
		}
		return nil
	})
}

// AddEvent stores one event inside the transaction; a zero CreatedAt is the
// transaction's time.
func (tx *Tx) AddEvent(ctx context.Context, e Event) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = tx.Now
	}
	return insertEvents(ctx, tx, tx.db.engine, []Event{e})
}

// insertEvents writes events with one multi-row INSERT. On SQLite it numbers
// parameters with bare "?": SQLite looks "$N" names up in a list, which makes
// parsing and binding a statement quadratic in its parameter count (a 500-row
// insert took 300 ms instead of 3 ms).
func insertEvents(ctx context.Context, q querier, engine string, events []Event) error {
	var b strings.Builder
	b.Grow(100 + len(events)*48)
	b.WriteString(`INSERT INTO events (campaign_id, send_id, member_id, kind, link_id, is_bot, detail, created_at) VALUES `)
	args := make([]any, 0, len(events)*eventColumns)
	for i, e := range events {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range eventColumns {
			if j > 0 {
				b.WriteByte(',')
			}
			if engine == SQLite {
				b.WriteByte('?')
			} else {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(i*eventColumns + j + 1))
			}
		}
		b.WriteByte(')')
		args = append(args, nullInt64(e.CampaignID), nullInt64(e.SendID), nullInt64(e.MemberID), e.Kind,
			nullInt64(e.LinkID), e.IsBot, e.Detail, e.CreatedAt.UTC())
	}
	if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("insert %d events: %w", len(events), mapError(err))
	}
	return nil
}

// TokenEvent is an open or click known only by its send's token: the batch
// insert resolves the send, and the campaign's privacy switch, in SQL, so the
// tracking endpoints need no query of their own.
type TokenEvent struct {
	Token     string
	Kind      string // open or click
	LinkID    int64  // clicks only
	IsBot     bool
	CreatedAt time.Time
}

// tokenEventChunk bounds the rows of one SQLite INSERT (5 parameters each).
const tokenEventChunk = 1000

// InsertTokenEvents stores events in one transaction, each for the send
// holding its token; events whose token names no send are skipped. When the
// send's campaign counts without recording people (track_people false),
// send_id and member_id stay NULL. It returns how many events were stored.
func (db *DB) InsertTokenEvents(ctx context.Context, events []TokenEvent) (int64, error) {
	if len(events) == 0 {
		return 0, nil
	}
	tokens, err := db.sendTokens(ctx)
	if err != nil {
		return 0, err
	}
	// Derived tokens name their send's id; stored ones (sends created
	// before migration 0020) are looked up by token.
	var byID, stored []refEvent
	for _, e := range events {
		if id, ok := tokens.id(e.Token); ok {
			byID = append(byID, refEvent{e, id})
		} else {
			stored = append(stored, refEvent{e, e.Token})
		}
	}
	var n int64
	err = db.InTx(ctx, func(tx *Tx) error {
		n = 0
		for _, group := range []struct {
			events []refEvent
			join   string
		}{{byID, strings.Replace(sendByID, "$1", "v.ref", 1)}, {stored, strings.Replace(sendByStoredToken, "$1", "v.ref", 1)}} {
			for rest := group.events; len(rest) > 0; {
				chunk := len(rest)
				if db.engine == SQLite {
					chunk = min(chunk, tokenEventChunk)
				}
				var m int64
				var err error
				if db.engine == Postgres {
					m, err = insertTokenEventsPostgres(ctx, tx, rest[:chunk], group.join)
				} else {
					m, err = insertTokenEventsSQLite(ctx, tx, rest[:chunk], group.join)
				}
				if err != nil {
					return err
				}
				n += m
				rest = rest[chunk:]
			}
		}
		return nil
	})
	return n, err
}

// refEvent is a TokenEvent with what finds its send: an id (int64) or a
// stored token (string).
type refEvent struct {
	TokenEvent
	ref any
}

const tokenEventSelect = `
	INSERT INTO events (campaign_id, send_id, member_id, kind, link_id, is_bot, detail, created_at)
	SELECT s.campaign_id,
		CASE WHEN c.track_people THEN s.id END,
		CASE WHEN c.track_people THEN s.member_id END,
		v.kind, NULLIF(v.link_id, 0), v.is_bot, '', v.created_at`

// insertTokenEventsPostgres passes the batch as five arrays: one statement,
// five parameters, whatever the batch size. join finds each send (v.ref).
func insertTokenEventsPostgres(ctx context.Context, tx *Tx, events []refEvent, join string) (int64, error) {
	ids := make([]int64, 0, len(events))
	tokens := make([]string, 0, len(events))
	kinds := make([]string, len(events))
	links := make([]int64, len(events))
	bots := make([]bool, len(events))
	ats := make([]time.Time, len(events))
	for i, e := range events {
		switch ref := e.ref.(type) {
		case int64:
			ids = append(ids, ref)
		case string:
			tokens = append(tokens, ref)
		}
		kinds[i], links[i], bots[i], ats[i] = e.Kind, e.LinkID, e.IsBot, e.CreatedAt.UTC()
	}
	var refs any = ids
	refType := `bigint[]`
	if len(tokens) > 0 {
		refs, refType = tokens, `text[]`
	}
	res, err := tx.ExecContext(ctx, tokenEventSelect+`
		FROM unnest($1::`+refType+`, $2::text[], $3::bigint[], $4::boolean[], $5::timestamptz[])
			WITH ORDINALITY AS v(ref, kind, link_id, is_bot, created_at, ord)
		JOIN sends s ON `+join+`
		JOIN campaigns c ON c.id = s.campaign_id
		ORDER BY v.ord`, refs, kinds, links, bots, ats)
	if err != nil {
		return 0, fmt.Errorf("insert %d events: %w", len(events), mapError(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// insertTokenEventsSQLite joins a VALUES list numbered with bare "?" (see
// insertEvents).
func insertTokenEventsSQLite(ctx context.Context, tx *Tx, events []refEvent, join string) (int64, error) {
	var b strings.Builder
	b.Grow(400 + len(events)*16)
	b.WriteString(tokenEventSelect)
	b.WriteString(`
		FROM (SELECT column1 AS ref, column2 AS kind, column3 AS link_id, column4 AS is_bot, column5 AS created_at, column6 AS ord
		      FROM (VALUES `)
	args := make([]any, 0, len(events)*6)
	for i, e := range events {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?)")
		args = append(args, e.ref, e.Kind, e.LinkID, e.IsBot, e.CreatedAt.UTC(), i)
	}
	b.WriteString(`)) AS v
		JOIN sends s ON ` + join + `
		JOIN campaigns c ON c.id = s.campaign_id
		ORDER BY v.ord`)
	res, err := tx.ExecContext(ctx, b.String(), args...)
	if err != nil {
		return 0, fmt.Errorf("insert %d events: %w", len(events), mapError(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// HasEvent reports whether the send already has an event of kind.
func (tx *Tx) HasEvent(ctx context.Context, campaignID, sendID int64, kind string) (bool, error) {
	var n int
	// campaign_id and kind lead the events_campaign index, so this reads only
	// that campaign's events of that kind.
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE campaign_id = $1 AND kind = $2 AND send_id = $3`,
		campaignID, kind, sendID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("has event: %w", err)
	}
	return n > 0, nil
}

// CountEvents returns how many events of kind the campaign has, bots included;
// kind "" counts every kind.
func (db *DB) CountEvents(ctx context.Context, campaignID int64, kind string) (int64, error) {
	var n int64
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE campaign_id = $1 AND ($2 = '' OR kind = $2)`,
		campaignID, kind).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

// KindCount counts the events of one kind of a campaign.
type KindCount struct {
	Total  int64 // events, bots excluded
	Unique int64 // distinct sends; events without a send (privacy switch) count one each
	Bots   int64 // events flagged as bots, not in Total or Unique
}

// LinkCount counts the clicks of one link, bots excluded.
type LinkCount struct {
	LinkID int64
	URL    string
	Clicks int64
	Unique int64
	// Flagged are the link's clicks taken for a link scanner's (a HEAD
	// request, or a click right after delivery), left out of Clicks and
	// Unique but shown.
	Flagged int64
}

// HourCount is one hour of the campaign's time series, bots excluded.
type HourCount struct {
	Hour         time.Time // start of the hour, UTC
	Opens        int64
	Clicks       int64
	Unsubscribes int64
	Bounces      int64
	Complaints   int64
}

// CampaignEvents is the raw material of a campaign's statistics.
type CampaignEvents struct {
	Queued, Sent, Failed, Skipped int64 // sends by state (queued includes those being sent)
	Bounced                       int64 // distinct sent sends with a hard or soft bounce
	Kinds                         map[string]KindCount
	Links                         []LinkCount // most clicked first
	Hours                         []HourCount // oldest first
}

// CampaignEvents counts the sends and events of a campaign.
func (db *DB) CampaignEvents(ctx context.Context, campaignID int64) (CampaignEvents, error) {
	ce := CampaignEvents{Kinds: map[string]KindCount{}}
	// The counters kept as mail is claimed and recorded, not a GROUP BY
	// over the campaign's (perhaps million) sends: the statistics page
	// polls this while the campaign sends.
	counts, err := db.CampaignSendCounts(ctx, campaignID)
	if err != nil {
		return ce, err
	}
	ce.Queued = counts.Queued + counts.Sending
	ce.Sent, ce.Failed, ce.Skipped = counts.Sent, counts.Failed, counts.Skipped

	rows, err := db.sql.QueryContext(ctx, `
		SELECT kind,
			SUM(CASE WHEN is_bot THEN 0 ELSE 1 END),
			COUNT(DISTINCT CASE WHEN is_bot THEN NULL ELSE send_id END)
				+ SUM(CASE WHEN NOT is_bot AND send_id IS NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN is_bot THEN 1 ELSE 0 END)
		FROM events WHERE campaign_id = $1 GROUP BY kind`, campaignID)
	if err != nil {
		return ce, fmt.Errorf("campaign %d stats: %w", campaignID, err)
	}
	for rows.Next() {
		var kind string
		var k KindCount
		if err := rows.Scan(&kind, &k.Total, &k.Unique, &k.Bots); err != nil {
			rows.Close()
			return ce, fmt.Errorf("campaign %d stats: %w", campaignID, err)
		}
		ce.Kinds[kind] = k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ce, fmt.Errorf("campaign %d stats: %w", campaignID, err)
	}

	// Sends refused while sending (state failed) were never counted as sent.
	if err := db.sql.QueryRowContext(ctx, `
		SELECT COUNT(DISTINCT e.send_id) FROM events e JOIN sends s ON s.id = e.send_id
		WHERE e.campaign_id = $1 AND e.kind IN ('bounce_hard', 'bounce_soft') AND s.state = 'sent'`,
		campaignID).Scan(&ce.Bounced); err != nil {
		return ce, fmt.Errorf("campaign %d stats: %w", campaignID, err)
	}

	if ce.Links, err = db.linkCounts(ctx, campaignID); err != nil {
		return ce, err
	}
	if ce.Hours, err = db.hourCounts(ctx, campaignID); err != nil {
		return ce, err
	}
	return ce, nil
}

func (db *DB) linkCounts(ctx context.Context, campaignID int64) ([]LinkCount, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT l.id, l.url, COALESCE(c.n, 0), COALESCE(c.u, 0), COALESCE(c.f, 0)
		FROM links l LEFT JOIN (
			SELECT link_id, SUM(CASE WHEN is_bot THEN 0 ELSE 1 END) AS n,
				COUNT(DISTINCT CASE WHEN is_bot THEN NULL ELSE send_id END)
					+ SUM(CASE WHEN NOT is_bot AND send_id IS NULL THEN 1 ELSE 0 END) AS u,
				SUM(CASE WHEN is_bot THEN 1 ELSE 0 END) AS f
			FROM events WHERE campaign_id = $1 AND kind = 'click'
			GROUP BY link_id) c ON c.link_id = l.id
		WHERE l.campaign_id = $1
		ORDER BY COALESCE(c.n, 0) DESC, l.id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("campaign %d link stats: %w", campaignID, err)
	}
	defer rows.Close()
	var links []LinkCount
	for rows.Next() {
		var l LinkCount
		if err := rows.Scan(&l.LinkID, &l.URL, &l.Clicks, &l.Unique, &l.Flagged); err != nil {
			return nil, fmt.Errorf("campaign %d link stats: %w", campaignID, err)
		}
		links = append(links, l)
	}
	return links, rows.Err()
}

// hourExpr buckets events.created_at by hour as text 'YYYY-MM-DD HH' (UTC):
// SQLite stores times as text in that layout (_time_format=sqlite), PostgreSQL
// sessions run in UTC.
func (db *DB) hourExpr() string {
	if db.engine == Postgres {
		return `to_char(created_at, 'YYYY-MM-DD HH24')`
	}
	return `substr(created_at, 1, 13)`
}

func (db *DB) hourCounts(ctx context.Context, campaignID int64) ([]HourCount, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT `+db.hourExpr()+` AS hour,
			SUM(CASE WHEN kind = 'open' THEN 1 ELSE 0 END),
			SUM(CASE WHEN kind = 'click' THEN 1 ELSE 0 END),
			SUM(CASE WHEN kind = 'unsubscribe' THEN 1 ELSE 0 END),
			SUM(CASE WHEN kind IN ('bounce_hard', 'bounce_soft') THEN 1 ELSE 0 END),
			SUM(CASE WHEN kind = 'complaint' THEN 1 ELSE 0 END)
		FROM events WHERE campaign_id = $1 AND NOT is_bot
		GROUP BY 1 ORDER BY 1`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("campaign %d hourly stats: %w", campaignID, err)
	}
	defer rows.Close()
	var hours []HourCount
	for rows.Next() {
		var h HourCount
		var hour string
		if err := rows.Scan(&hour, &h.Opens, &h.Clicks, &h.Unsubscribes, &h.Bounces, &h.Complaints); err != nil {
			return nil, fmt.Errorf("campaign %d hourly stats: %w", campaignID, err)
		}
		t, err := time.Parse("2006-01-02 15", hour)
		if err != nil {
			return nil, fmt.Errorf("campaign %d hourly stats: hour %q: %w", campaignID, hour, err)
		}
		h.Hour = t
		hours = append(hours, h)
	}
	return hours, rows.Err()
}

// MarketingConsent reports whether the member currently grants e-mail
// marketing, inside the transaction.
func (tx *Tx) MarketingConsent(ctx context.Context, memberID int64) (bool, error) {
	var g bool
	err := tx.QueryRowContext(ctx, `SELECT granted FROM member_consents WHERE member_id = $1 AND purpose = $2`,
		memberID, fanmail.PurposeMarketingEmail).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("marketing consent of member %d: %w", memberID, err)
	}
	return g, nil
}

// MarketingConsent reports whether the member currently grants e-mail marketing.
func (db *DB) MarketingConsent(ctx context.Context, memberID int64) (bool, error) {
	var g bool
	err := db.sql.QueryRowContext(ctx, `SELECT granted FROM member_consents WHERE member_id = $1 AND purpose = $2`,
		memberID, fanmail.PurposeMarketingEmail).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("marketing consent of member %d: %w", memberID, err)
	}
	return g, nil
}
