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

// EnqueueMessage writes m to the outbox as queued, due at m.RunAt (now when
// zero). A message with the same Ref already there is returned instead, with
// created false: a retried cause never writes a second message. m is for a
// member or a staff user (UserID), not both.
func (tx *Tx) EnqueueMessage(ctx context.Context, m fanmail.Message) (fanmail.Message, bool, error) {
	if m.Ref == "" || m.Kind == "" || (m.MemberID == 0) == (m.UserID == 0) {
		return m, false, fmt.Errorf("enqueue message: kind, ref and a member or a staff user are required")
	}
	if m.Channel == "" {
		m.Channel = fanmail.ChannelEmail
	}
	if m.Purpose == "" {
		m.Purpose = fanmail.PurposeTransactional
	}
	if len(m.Data) == 0 {
		m.Data = json.RawMessage("{}")
	}
	if m.RunAt.IsZero() {
		m.RunAt = tx.Now
	}
	err := tx.QueryRowContext(ctx, `
		INSERT INTO messages (kind, channel, purpose, member_id, user_id, brand_id, ref, data, status, run_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $10)
		ON CONFLICT (ref) DO NOTHING
		RETURNING id`, m.Kind, m.Channel, m.Purpose, nullInt64(m.MemberID), nullInt64(m.UserID), m.BrandID, m.Ref, string(m.Data),
		m.RunAt.UTC(), tx.Now).Scan(&m.ID)
	if errors.Is(err, sql.ErrNoRows) {
		old, err := messageByRef(ctx, tx, m.Ref)
		return old, false, err
	}
	if err != nil {
		return m, false, fmt.Errorf("enqueue %s message: %w", m.Kind, mapError(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO message_queue (message_id, run_at) VALUES ($1, $2)`, m.ID, m.RunAt.UTC()); err != nil {
		return m, false, fmt.Errorf("enqueue %s message: %w", m.Kind, err)
	}
	m.Status, m.CreatedAt = fanmail.MessageQueued, tx.Now
	return m, true, nil
}

// messageFrom joins each message to its row of the queue, if it is not done
// yet; messageColumns are read from it. A claimed message is sending, and
// the queue counts the attempts of a message not done.
const (
	messageFrom    = `messages m LEFT JOIN message_queue q ON q.message_id = m.id`
	messageStatus  = `CASE WHEN q.claimed THEN 'sending' ELSE m.status END`
	messageColumns = `m.id, m.kind, m.channel, m.purpose, COALESCE(m.member_id, 0), COALESCE(m.user_id, 0), m.brand_id, m.ref,
	m.data, ` + messageStatus + `, COALESCE(q.attempts, m.attempts), m.run_at, m.error, m.skip_reason, m.message_id,
	m.created_at, m.sent_at`
)

func scanMessage(sc interface{ Scan(...any) error }) (fanmail.Message, error) {
	var m fanmail.Message
	var data string
	var sent sql.NullTime
	err := sc.Scan(&m.ID, &m.Kind, &m.Channel, &m.Purpose, &m.MemberID, &m.UserID, &m.BrandID, &m.Ref, &data, &m.Status,
		&m.Attempts, &m.RunAt, &m.Error, &m.SkipReason, &m.MessageID, &m.CreatedAt, &sent)
	m.Data = json.RawMessage(data)
	if sent.Valid {
		t := sent.Time.UTC()
		m.SentAt = &t
	}
	m.RunAt, m.CreatedAt = m.RunAt.UTC(), m.CreatedAt.UTC()
	return m, err
}

func messageByRef(ctx context.Context, q querier, ref string) (fanmail.Message, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM `+messageFrom+` WHERE m.ref = $1`, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fanmail.Errorf(fanmail.ENOTFOUND, "Message not found.")
	}
	if err != nil {
		return m, fmt.Errorf("message by ref: %w", err)
	}
	return m, nil
}

// MessageByRef returns the message written for cause ref, or ENOTFOUND.
func (db *DB) MessageByRef(ctx context.Context, ref string) (fanmail.Message, error) {
	return messageByRef(ctx, db.sql, ref)
}

// MessageByID returns message id, or ENOTFOUND.
func (db *DB) MessageByID(ctx context.Context, id int64) (fanmail.Message, error) {
	m, err := scanMessage(db.sql.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM `+messageFrom+` WHERE m.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fanmail.Errorf(fanmail.ENOTFOUND, "Message not found.")
	}
	if err != nil {
		return m, fmt.Errorf("message %d: %w", id, err)
	}
	return m, nil
}

// MessageFilter selects outbox messages; zero fields match everything.
type MessageFilter struct {
	MemberID int64
	Kind     string
	Status   string
	BeforeID int64 // keyset paging, newest first
	Limit    int   // default 100
}

// Messages returns the messages f selects, newest first.
func (db *DB) Messages(ctx context.Context, f MessageFilter) ([]fanmail.Message, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE ($1 = 0 OR m.member_id = $1) AND ($2 = '' OR m.kind = $2) AND ($3 = '' OR `+messageStatus+` = $3)
		  AND ($4 = 0 OR m.id < $4)
		ORDER BY m.id DESC LIMIT $5`, f.MemberID, f.Kind, f.Status, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	defer rows.Close()
	var out []fanmail.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("messages: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MessageCounts returns how many messages are in each status.
func (db *DB) MessageCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+messageStatus+`, COUNT(*) FROM `+messageFrom+` GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("message counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// OutboxClaim is a claimed message with what its renderer and the contact
// rule need to know about its member, read when it was claimed.
type OutboxClaim struct {
	fanmail.Message
	Email        string
	Phone        string
	Name         string
	Code         string
	Lang         string
	BirthYear    int
	Gender       string
	MemberStatus string
	ConsentEmail bool
	ConsentSMS   bool
	ConsentNight bool
	Suppression  string // the suppression reason of the address, "" if none
}

// Contact returns what fanmail.MayContact needs for c.
func (c *OutboxClaim) Contact() fanmail.Contact {
	has := c.Email != ""
	if c.Channel == fanmail.ChannelSMS {
		has = c.Phone != ""
	}
	return fanmail.Contact{Channel: c.Channel, Purpose: c.Purpose, Kind: c.Kind, MemberStatus: c.MemberStatus,
		HasAddress: has, Suppression: c.Suppression,
		ConsentEmail: c.ConsentEmail, ConsentSMS: c.ConsentSMS, ConsentNight: c.ConsentNight}
}

// ClaimMessages claims up to limit messages due at now, for lease, and
// returns them (status sending) with their members. A message whose claim
// lapsed (its node died) is due again. On PostgreSQL claimers on several
// nodes skip each other's rows; on SQLite the immediate transaction
// serialises them.
func (db *DB) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxClaim, error) {
	var out []OutboxClaim
	err := db.InTx(ctx, func(tx *Tx) error {
		// Only the narrow queue row is written: a claim's due time becomes
		// the end of its lease, so a claim that lapses is simply due again.
		rows, err := tx.QueryContext(ctx, `
			UPDATE message_queue SET run_at = $2, claimed = TRUE, locked_by = $4, attempts = attempts + 1
			WHERE message_id IN (SELECT message_id FROM message_queue WHERE run_at <= $1
			                     ORDER BY run_at, message_id LIMIT $3 `+db.d.skipLocked+`)
			RETURNING message_id`, now.UTC(), now.Add(lease).UTC(), limit, db.lockedBy())
		if err != nil {
			return fmt.Errorf("claim messages: %w", err)
		}
		ids, err := scanIDs(rows)
		if err != nil || len(ids) == 0 {
			return err
		}
		// The messages and their members in one statement, the ids as one
		// parameter (dialect.inIDs): a list of literals made every claim a
		// new statement, which PostgreSQL planned from scratch.
		where, arg := db.idsIn("m.id", 1, ids)
		rows, err = tx.QueryContext(ctx, `SELECT `+messageColumns+`, `+recipientColumns+`
			FROM `+messageFrom+` LEFT JOIN members r ON r.id = m.member_id `+recipientJoins+`
			WHERE `+where, arg)
		if err != nil {
			return fmt.Errorf("claim messages: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c OutboxClaim
			if c.Message, err = scanMessage(scanPlus{rows, c.recipient()}); err != nil {
				return fmt.Errorf("claim messages: %w", err)
			}
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim messages: %w", err)
		}
		rows.Close()
		// Due first, as claimed: neither statement keeps an order.
		slices.SortFunc(out, func(a, b OutboxClaim) int {
			return cmp.Or(a.RunAt.Compare(b.RunAt), cmp.Compare(a.ID, b.ID))
		})
		return fillStaffRecipients(ctx, tx, out)
	})
	return out, err
}

// scanIDs reads a column of ids and closes rows.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// RefreshRecipients reads the members of claims again, with their consents
// and suppressions as they are now.
func (db *DB) RefreshRecipients(ctx context.Context, claims []OutboxClaim) error {
	return fillRecipients(ctx, db.sql, db, claims)
}

// recipientColumns are a member r's (empty without one) as
// OutboxClaim.recipient scans them, with recipientJoins: their marketing
// consents and the suppression of their address.
const (
	recipientColumns = `COALESCE(r.email, ''), COALESCE(r.phone, ''), COALESCE(r.name, ''), COALESCE(r.code, ''),
	COALESCE(r.lang, ''), COALESCE(r.birth_year, 0), COALESCE(r.gender, ''), COALESCE(r.status, ''),
	COALESCE(ce.granted, false), COALESCE(cs.granted, false), COALESCE(cn.granted, false), COALESCE(s.reason, '')`
	recipientJoins = `
	LEFT JOIN member_consents ce ON ce.member_id = r.id AND ce.purpose = 'marketing_email'
	LEFT JOIN member_consents cs ON cs.member_id = r.id AND cs.purpose = 'marketing_sms'
	LEFT JOIN member_consents cn ON cn.member_id = r.id AND cn.purpose = 'night_sms'
	LEFT JOIN suppressions s ON s.email_normalized = r.email_normalized`
)

// recipient returns where the recipientColumns of c go.
func (c *OutboxClaim) recipient() []any {
	return []any{&c.Email, &c.Phone, &c.Name, &c.Code, &c.Lang, &c.BirthYear, &c.Gender, &c.MemberStatus,
		&c.ConsentEmail, &c.ConsentSMS, &c.ConsentNight, &c.Suppression}
}

// scanPlus scans a row into the destinations Scan is given, then extra.
type scanPlus struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (s scanPlus) Scan(dest ...any) error { return s.sc.Scan(append(dest, s.extra...)...) }

// fillRecipients reads the members of claims, their marketing consents and
// suppressions, in one statement, and the staff users of staff messages.
func fillRecipients(ctx context.Context, q querier, db *DB, claims []OutboxClaim) error {
	if err := fillStaffRecipients(ctx, q, claims); err != nil {
		return err
	}
	idx := map[int64][]int{}
	var ids []int64
	for i := range claims {
		id := claims[i].MemberID
		if id == 0 {
			continue // a staff user's
		}
		if _, ok := idx[id]; !ok {
			ids = append(ids, id)
		}
		idx[id] = append(idx[id], i)
	}
	if len(idx) == 0 {
		return nil
	}
	where, arg := db.idsIn("r.id", 1, ids)
	rows, err := q.QueryContext(ctx, `SELECT r.id, `+recipientColumns+` FROM members r `+recipientJoins+` WHERE `+where, arg)
	if err != nil {
		return fmt.Errorf("claim recipients: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r OutboxClaim
		var id int64
		if err := rows.Scan(append([]any{&id}, r.recipient()...)...); err != nil {
			return fmt.Errorf("claim recipients: %w", err)
		}
		for _, i := range idx[id] {
			m := claims[i].Message
			claims[i] = r
			claims[i].Message = m
		}
	}
	return rows.Err()
}

// fillStaffRecipients reads the staff users of the staff messages among
// claims. A deactivated user counts as a member who left: nothing is sent.
func fillStaffRecipients(ctx context.Context, q querier, claims []OutboxClaim) error {
	for i := range claims {
		c := &claims[i]
		if c.UserID == 0 {
			continue
		}
		var active bool
		err := q.QueryRowContext(ctx, `
			SELECT u.email, u.name, u.lang, u.active, COALESCE(s.reason, '')
			FROM users u LEFT JOIN suppressions s ON s.email_normalized = u.email_normalized
			WHERE u.id = $1`, c.UserID).Scan(&c.Email, &c.Name, &c.Lang, &active, &c.Suppression)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("claim staff recipient: %w", err)
		}
		c.MemberStatus = fanmail.MemberActive
		if !active {
			c.MemberStatus = fanmail.MemberInactive
		}
	}
	return nil
}

// MessageOutcome is the result of one attempt at a claimed message.
type MessageOutcome struct {
	ID        int64
	Status    string    // MessageSent, MessageQueued (retry), MessageFailed or MessageSkipped
	MessageID string    // for MessageSent
	RunAt     time.Time // for a retry or a deferral
	Error     string    // for a retry or failure; free of addresses
	Reason    string    // for MessageSkipped, or a deferral's cause
	// Bounce, with MessageFailed, says the relay refused the address for
	// good: a hard bounce, which suppresses it as a DSN's would.
	Bounce bool
}

// RecordMessages stores the outcomes of attempts in one transaction. A
// message done (sent, failed, skipped) leaves the queue; a retried one is
// due again at RunAt unless it was done meanwhile (its claim lapsed and
// another node finished it).
func (db *DB) RecordMessages(ctx context.Context, outs []MessageOutcome) error {
	if len(outs) == 0 {
		return nil
	}
	return db.InTx(ctx, func(tx *Tx) error {
		var sent []MessageOutcome
		for _, o := range outs {
			var err error
			switch o.Status {
			case fanmail.MessageSent:
				sent = append(sent, o) // below, in bulk
			case fanmail.MessageQueued:
				err = tx.retryMessage(ctx, o)
			case fanmail.MessageFailed:
				err = tx.finishMessage(ctx, o.ID, `status = 'failed', error = $2`, o.Error)
				if err == nil && o.Bounce {
					err = tx.messageBounced(ctx, o.ID, o.Error)
				}
			case fanmail.MessageSkipped:
				err = tx.finishMessage(ctx, o.ID, `status = 'skipped', skip_reason = $2`, o.Reason)
			default:
				err = fmt.Errorf("unknown outcome %q", o.Status)
			}
			if err != nil {
				return fmt.Errorf("record message %d: %w", o.ID, err)
			}
		}
		return tx.recordSent(ctx, sent)
	})
}

// queueAttempts is the attempts of the message being updated as its queue
// row counts them: the row goes when the message is done.
const queueAttempts = `COALESCE((SELECT q.attempts FROM message_queue q WHERE q.message_id = messages.id), messages.attempts)`

// retryMessage makes message o.ID due again at o.RunAt, unless it has left
// the queue (done by another node).
func (tx *Tx) retryMessage(ctx context.Context, o MessageOutcome) error {
	res, err := tx.ExecContext(ctx, `UPDATE message_queue SET run_at = $2, claimed = FALSE, locked_by = NULL
		WHERE message_id = $1`, o.ID, o.RunAt.UTC())
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE messages SET run_at = $2, error = $3, skip_reason = $4, attempts = `+queueAttempts+`
		WHERE id = $1`, o.ID, o.RunAt.UTC(), o.Error, o.Reason)
	return err
}

// finishMessage sets message id's columns set (whose parameter $2 is arg)
// and takes it off the queue.
func (tx *Tx) finishMessage(ctx context.Context, id int64, set string, arg any) error {
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET `+set+`, attempts = `+queueAttempts+` WHERE id = $1`, id, arg); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM message_queue WHERE message_id = $1`, id)
	return err
}

// recordSent marks sent messages and takes them off the queue in
// statements of up to 500 rows: most outcomes of a batch are sends, and a
// statement per message would cost a database round trip each. The update
// changes no indexed column, so on PostgreSQL it is a HOT update where the
// row's page has room.
func (tx *Tx) recordSent(ctx context.Context, sent []MessageOutcome) error {
	for len(sent) > 0 {
		chunk := sent[:min(len(sent), 500)]
		sent = sent[len(chunk):]
		var sb strings.Builder
		sb.WriteString(`WITH v(id, mid) AS (VALUES `)
		var args []any
		ids := make([]int64, len(chunk))
		for i, o := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(CAST(")
			tx.bindVar(&sb, len(args)+1)
			sb.WriteString(" AS BIGINT), ")
			tx.bindVar(&sb, len(args)+2)
			sb.WriteString(")")
			args = append(args, o.ID, o.MessageID)
			ids[i] = o.ID
		}
		sb.WriteString(`) UPDATE messages SET status = 'sent', message_id = v.mid, sent_at = `)
		tx.bindVar(&sb, len(args)+1)
		args = append(args, tx.Now)
		sb.WriteString(`, error = '', attempts = ` + queueAttempts + ` FROM v WHERE messages.id = v.id`)
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("record %d sent messages: %w", len(chunk), err)
		}
		where, arg := tx.db.idsIn("message_id", 1, ids)
		if _, err := tx.ExecContext(ctx, `DELETE FROM message_queue WHERE `+where, arg); err != nil {
			return fmt.Errorf("record %d sent messages: %w", len(chunk), err)
		}
	}
	return nil
}

// messageBounced records the hard bounce of message id's address: a
// bounce_hard event of its member (no campaign, as for a DSN about an outbox
// message) and the suppression.
func (tx *Tx) messageBounced(ctx context.Context, id int64, detail string) error {
	var memberID, userID sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT member_id, user_id FROM messages WHERE id = $1`, id).Scan(&memberID, &userID); err != nil {
		return err
	}
	if !memberID.Valid { // a staff user's: suppress the address, no member to record it for
		var email string
		err := tx.QueryRowContext(ctx, `SELECT email_normalized FROM users WHERE id = $1`, userID.Int64).Scan(&email)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return fmt.Errorf("hard bounce of a staff message: %w", err)
		}
		return tx.hardBounceAddress(ctx, email, 0)
	}
	if err := tx.AddEvent(ctx, Event{MemberID: memberID.Int64, Kind: "bounce_hard", Detail: detail}); err != nil {
		return err
	}
	return tx.hardBounce(ctx, memberID.Int64, 0)
}

// ReleaseMessages makes claimed messages due again at once without
// spending an attempt, e.g. when the node stops before sending them.
func (db *DB) ReleaseMessages(ctx context.Context, ids []int64) error {
	where, arg := db.idsIn("message_id", 2, ids)
	if _, err := db.sql.ExecContext(ctx, `UPDATE message_queue SET run_at = $1, claimed = FALSE, locked_by = NULL,
		attempts = attempts - 1 WHERE claimed AND `+where, db.Now().UTC(), arg); err != nil {
		return fmt.Errorf("release %d messages: %w", len(ids), err)
	}
	return nil
}

// ResendMessage queues a copy of message id to go out again (staff resend a
// step), under the original's ref with a ":resend:N" suffix.
func (db *DB) ResendMessage(ctx context.Context, id int64) (fanmail.Message, error) {
	orig, err := db.MessageByID(ctx, id)
	if err != nil {
		return orig, err
	}
	var out fanmail.Message
	err = db.InTx(ctx, func(tx *Tx) error {
		// Each resend takes the next free suffix (EnqueueMessage is
		// idempotent on ref, so a taken one is not written again).
		for n := 1; n <= 1000; n++ {
			m, created, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: orig.Kind, Channel: orig.Channel, Purpose: orig.Purpose,
				MemberID: orig.MemberID, UserID: orig.UserID, BrandID: orig.BrandID, Data: orig.Data, Ref: orig.Ref + ":resend:" + strconv.Itoa(n)})
			if err != nil || created {
				out = m
				return err
			}
		}
		return fanmail.Errorf(fanmail.ECONFLICT, "This message was sent again too often.")
	})
	if err != nil {
		return out, fmt.Errorf("resend message %d: %w", id, err)
	}
	return out, nil
}
