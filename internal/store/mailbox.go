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

// MailboxMessage is one message kept by the built-in mailbox, as it arrived
// over SMTP. Raw is empty in lists.
type MailboxMessage struct {
	ID         int64
	ReceivedAt time.Time
	From       string // envelope sender (the VERP return path)
	To         string // envelope recipients, comma-separated
	Subject    string // decoded Subject header
	Kind       string // outbox message kind, "campaign", "campaign_test" or ""
	Size       int
	Raw        []byte
}

// MailboxFilter selects messages of the mailbox, newest first.
type MailboxFilter struct {
	Query  string // part of the recipient or the subject, any case
	Before int64  // only messages with a smaller ID (keyset paging); 0 = from the newest
	Limit  int    // at most this many; 0 = 50
}

// mailboxDropped is the settings key counting the messages KeepMailbox removed.
const mailboxDropped = "mailbox_dropped"

// AddMailboxMessage keeps m (ReceivedAt, From, To, Subject, Kind, Raw) and
// then removes the oldest messages beyond the newest keep, counting them.
// It returns the stored message without Raw.
func (db *DB) AddMailboxMessage(ctx context.Context, m MailboxMessage, keep int) (MailboxMessage, error) {
	m.Size = len(m.Raw)
	err := db.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO mailbox (received_at, mail_from, rcpt_to, subject, kind, size, raw)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			m.ReceivedAt, m.From, m.To, m.Subject, m.Kind, m.Size, m.Raw).Scan(&m.ID)
		if err != nil {
			return fmt.Errorf("add mailbox message: %w", err)
		}
		return tx.keepMailbox(ctx, keep)
	})
	m.Raw = nil
	return m, err
}

// keepMailbox removes the messages older than the newest keep and adds
// their number to the dropped count.
func (tx *Tx) keepMailbox(ctx context.Context, keep int) error {
	res, err := tx.ExecContext(ctx, `
		DELETE FROM mailbox WHERE id <= (SELECT id FROM mailbox ORDER BY id DESC LIMIT 1 OFFSET $1)`, keep)
	if err != nil {
		return fmt.Errorf("trim mailbox: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return err
	}
	// The increment happens in the database, so two nodes trimming at once
	// both count.
	_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + $3 AS TEXT)`,
		mailboxDropped, strconv.FormatInt(n, 10), n)
	if err != nil {
		return fmt.Errorf("count dropped mailbox messages: %w", err)
	}
	return nil
}

// MailboxDropped returns how many messages were removed from the mailbox
// to keep it within its size.
func (db *DB) MailboxDropped(ctx context.Context) (int64, error) {
	v, err := db.Setting(ctx, mailboxDropped)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// MailboxMessages returns the messages f selects, newest first, without
// their raw text.
func (db *DB) MailboxMessages(ctx context.Context, f MailboxFilter) ([]MailboxMessage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	before := f.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	// LIKE's wildcards in the query match themselves.
	q := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(f.Query)) + "%"
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id, received_at, mail_from, rcpt_to, subject, kind, size FROM mailbox
		WHERE id < $1 AND (LOWER(rcpt_to) LIKE $2 ESCAPE '\' OR LOWER(subject) LIKE $2 ESCAPE '\')
		ORDER BY id DESC LIMIT $3`, before, q, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("mailbox messages: %w", err)
	}
	defer rows.Close()
	var out []MailboxMessage
	for rows.Next() {
		var m MailboxMessage
		if err := rows.Scan(&m.ID, &m.ReceivedAt, &m.From, &m.To, &m.Subject, &m.Kind, &m.Size); err != nil {
			return nil, fmt.Errorf("mailbox messages: %w", err)
		}
		m.ReceivedAt = m.ReceivedAt.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// MailboxMessageByID returns message id with its raw text, or ENOTFOUND
// (also when it was dropped to keep the mailbox small).
func (db *DB) MailboxMessageByID(ctx context.Context, id int64) (MailboxMessage, error) {
	var m MailboxMessage
	err := db.sql.QueryRowContext(ctx, `
		SELECT id, received_at, mail_from, rcpt_to, subject, kind, size, raw FROM mailbox WHERE id = $1`, id).
		Scan(&m.ID, &m.ReceivedAt, &m.From, &m.To, &m.Subject, &m.Kind, &m.Size, &m.Raw)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fanmail.Errorf(fanmail.ENOTFOUND, "Mailbox message not found.")
	}
	if err != nil {
		return m, fmt.Errorf("mailbox message %d: %w", id, err)
	}
	m.ReceivedAt = m.ReceivedAt.UTC()
	return m, nil
}

// MailKindByToken says what the mail whose Message-ID holds token is: the
// kind of the outbox message it names (see MessageToken), "campaign" for a
// campaign send's derived token (SendToken), or "" when it names neither.
func (db *DB) MailKindByToken(ctx context.Context, token string) (string, error) {
	t, err := db.sendTokens(ctx)
	if err != nil {
		return "", err
	}
	id, ok := t.messageID(token)
	if !ok {
		if _, ok := t.id(token); ok {
			return "campaign", nil
		}
		return "", nil
	}
	var kind string
	err = db.sql.QueryRowContext(ctx, `SELECT kind FROM messages WHERE id = $1`, id).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("message kind: %w", err)
	}
	return kind, nil
}
