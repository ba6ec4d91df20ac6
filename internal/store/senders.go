package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

const senderColumns = `id, name, from_name, from_email, reply_to, kind, address, phone, created_at, updated_at`

func scanSender(row interface{ Scan(...any) error }) (fanmail.Sender, error) {
	var s fanmail.Sender
	err := row.Scan(&s.ID, &s.Name, &s.FromName, &s.FromEmail, &s.ReplyTo, &s.Kind, &s.Address, &s.Phone,
		&s.CreatedAt, &s.UpdatedAt)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, err
}

// CreateSender stores a new sender identity and returns it with its ID.
func (db *DB) CreateSender(ctx context.Context, s fanmail.Sender) (fanmail.Sender, error) {
	now := db.Now()
	row := db.sql.QueryRowContext(ctx, `INSERT INTO senders
		(name, from_name, from_email, reply_to, kind, address, phone, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING `+senderColumns,
		s.Name, s.FromName, s.FromEmail, s.ReplyTo, s.Kind, s.Address, s.Phone, now)
	out, err := scanSender(row)
	if err != nil {
		return out, fmt.Errorf("create sender: %w", mapError(err))
	}
	return out, nil
}

// UpdateSender replaces every field of sender s.ID; ENOTFOUND if it does not exist.
func (db *DB) UpdateSender(ctx context.Context, s fanmail.Sender) (fanmail.Sender, error) {
	row := db.sql.QueryRowContext(ctx, `UPDATE senders SET name = $1, from_name = $2, from_email = $3,
		reply_to = $4, kind = $5, address = $6, phone = $7, updated_at = $8
		WHERE id = $9 RETURNING `+senderColumns,
		s.Name, s.FromName, s.FromEmail, s.ReplyTo, s.Kind, s.Address, s.Phone, db.Now(), s.ID)
	out, err := scanSender(row)
	if errors.Is(err, sql.ErrNoRows) {
		return out, errSenderNotFound
	}
	if err != nil {
		return out, fmt.Errorf("update sender %d: %w", s.ID, mapError(err))
	}
	return out, nil
}

var errSenderNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Sender not found.")

// SenderByID returns one sender, or ENOTFOUND.
func (db *DB) SenderByID(ctx context.Context, id int64) (fanmail.Sender, error) {
	s, err := scanSender(db.sql.QueryRowContext(ctx, `SELECT `+senderColumns+` FROM senders WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, errSenderNotFound
	}
	if err != nil {
		return s, fmt.Errorf("sender %d: %w", id, err)
	}
	return s, nil
}

// Senders lists every sender by name.
func (db *DB) Senders(ctx context.Context) ([]fanmail.Sender, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+senderColumns+` FROM senders ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("senders: %w", err)
	}
	defer rows.Close()
	var out []fanmail.Sender
	for rows.Next() {
		s, err := scanSender(rows)
		if err != nil {
			return nil, fmt.Errorf("senders: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteSender removes a sender no campaign uses: ECONFLICT if one does,
// ENOTFOUND if there is no such sender.
func (db *DB) DeleteSender(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var used bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM campaigns WHERE sender_id = $1)`, id).Scan(&used); err != nil {
			return fmt.Errorf("delete sender %d: %w", id, err)
		}
		if used {
			return fanmail.Errorf(fanmail.ECONFLICT, "This sender is used by a campaign.")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM senders WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete sender %d: %w", id, mapError(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errSenderNotFound
		}
		return nil
	})
}
