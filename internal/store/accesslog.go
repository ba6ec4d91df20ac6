package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// AppendAccess adds e to the access log at tx.Now, chained to the newest
// entry, and returns it with its id and hashes. Appends are serialised so two
// writers never chain to the same entry: by the advisory lock on PostgreSQL,
// by the single writer on SQLite. It returns EINVALID for an entry without
// action or actor.
func (tx *Tx) AppendAccess(ctx context.Context, e fanmail.AccessEntry) (fanmail.AccessEntry, error) {
	if err := fanmail.ValidateAccessEntry(e); err != nil {
		return e, err
	}
	if tx.db.d.lockAccessLog != "" {
		if _, err := tx.ExecContext(ctx, tx.db.d.lockAccessLog); err != nil {
			return e, fmt.Errorf("lock access log: %w", err)
		}
	}
	err := tx.QueryRowContext(ctx, `SELECT hash FROM access_log ORDER BY id DESC LIMIT 1`).Scan(&e.PrevHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("append access: %w", err)
	}
	e.At = tx.Now.UTC().Truncate(time.Microsecond)
	e.Hash = fanmail.ChainHash(e.PrevHash, e)
	err = tx.QueryRowContext(ctx, `INSERT INTO access_log (at, user_id, actor, ip, action, target, count, reason, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		e.At, e.UserID, e.Actor, e.IP, e.Action, e.Target, e.Count, e.Reason, e.PrevHash, e.Hash).Scan(&e.ID)
	if err != nil {
		return e, fmt.Errorf("append access: %w", err)
	}
	return e, nil
}

// AppendAccess adds e to the access log in a transaction of its own; see
// Tx.AppendAccess.
func (db *DB) AppendAccess(ctx context.Context, e fanmail.AccessEntry) (fanmail.AccessEntry, error) {
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		e, err = tx.AppendAccess(ctx, e)
		return err
	})
	return e, err
}

// AccessFilter chooses access log entries, newest first.
type AccessFilter struct {
	UserID int64
	Action string
	Target string    // entries whose target contains this text
	From   time.Time // zero: from the start
	Until  time.Time // zero: to now; exclusive
	Before int64     // entries with a smaller id (keyset paging); 0 = newest
	Limit  int       // 1..500; 0 = 100
}

// AccessEntries returns one page of the entries f chooses, newest first, and
// the Before of the next page (0 on the last).
func (db *DB) AccessEntries(ctx context.Context, f AccessFilter) ([]fanmail.AccessEntry, int64, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var where []string
	var args []any
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.UserID != 0 {
		arg("user_id = $%d", f.UserID)
	}
	if f.Action != "" {
		arg("action = $%d", f.Action)
	}
	if f.Target != "" {
		// LIKE's wildcards typed into the filter match themselves.
		arg(`target LIKE $%d ESCAPE '!'`, "%"+likeEscaper.Replace(f.Target)+"%")
	}
	if !f.From.IsZero() {
		arg("at >= $%d", f.From.UTC())
	}
	if !f.Until.IsZero() {
		arg("at < $%d", f.Until.UTC())
	}
	if f.Before != 0 {
		arg("id < $%d", f.Before)
	}
	q := `SELECT ` + accessColumns + ` FROM access_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit+1)
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("access entries: %w", err)
	}
	defer rows.Close()
	var es []fanmail.AccessEntry
	for rows.Next() {
		e, err := scanAccess(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("access entries: %w", err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("access entries: %w", err)
	}
	var next int64
	if len(es) > f.Limit {
		es = es[:f.Limit]
		next = es[len(es)-1].ID
	}
	return es, next, nil
}

var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

const accessColumns = `id, at, user_id, actor, ip, action, target, count, reason, prev_hash, hash`

func scanAccess(s interface{ Scan(...any) error }) (fanmail.AccessEntry, error) {
	var e fanmail.AccessEntry
	err := s.Scan(&e.ID, &e.At, &e.UserID, &e.Actor, &e.IP, &e.Action, &e.Target, &e.Count, &e.Reason, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	return e, err
}

// AccessChainCheck is the outcome of VerifyAccessLog.
type AccessChainCheck struct {
	Checked int    // entries read
	Broken  int64  // id of the first entry that does not fit the chain; 0 if none
	Problem string // why it does not fit
}

// verifyPage is how many entries VerifyAccessLog reads per query.
const verifyPage = 1000

// VerifyAccessLog walks the access log from the first entry and recomputes
// every hash. It stops at the first entry whose content no longer matches its
// hash (edited) or whose previous hash is not the hash of the entry before it
// (an entry removed or inserted).
func (db *DB) VerifyAccessLog(ctx context.Context) (AccessChainCheck, error) {
	var c AccessChainCheck
	var after int64
	prev, first := "", true
	for {
		rows, err := db.sql.QueryContext(ctx, `SELECT `+accessColumns+` FROM access_log WHERE id > $1 ORDER BY id LIMIT $2`, after, verifyPage)
		if err != nil {
			return c, fmt.Errorf("verify access log: %w", err)
		}
		var es []fanmail.AccessEntry
		for rows.Next() {
			e, err := scanAccess(rows)
			if err != nil {
				rows.Close()
				return c, fmt.Errorf("verify access log: %w", err)
			}
			es = append(es, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return c, fmt.Errorf("verify access log: %w", err)
		}
		for _, e := range es {
			c.Checked++
			switch {
			case first && e.PrevHash != "":
				c.Broken, c.Problem = e.ID, "the first entry chains to an entry that is not there: earlier entries were removed"
			case !first && e.PrevHash != prev:
				c.Broken, c.Problem = e.ID, "its previous hash is not the hash of the entry before it: an entry was removed or inserted"
			case fanmail.ChainHash(e.PrevHash, e) != e.Hash:
				c.Broken, c.Problem = e.ID, "its content does not match its hash: the entry was edited"
			}
			if c.Broken != 0 {
				return c, nil
			}
			prev, first = e.Hash, false
		}
		if len(es) < verifyPage {
			return c, nil
		}
		after = es[len(es)-1].ID
	}
}
