package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/fanmail/fanmail"
)

const entryColumns = `e.id, e.member_id, e.brand_id, e.unit, e.op, e.amount, e.chip_number, e.reason, e.ref,
	e.message_id, e.redemption_id, e.reverses_id, e.note, e.expires_at, e.created_at, e.staff_id`

func scanEntry(row interface{ Scan(...any) error }, extra ...any) (fanmail.LedgerEntry, error) {
	var e fanmail.LedgerEntry
	var brand, chip, msg, red, rev, staff sql.NullInt64
	var exp sql.NullTime
	dest := append([]any{&e.ID, &e.MemberID, &brand, &e.Unit, &e.Op, &e.Amount, &chip, &e.Reason, &e.Ref,
		&msg, &red, &rev, &e.Note, &exp, &e.CreatedAt, &staff}, extra...)
	if err := row.Scan(dest...); err != nil {
		return e, err
	}
	e.BrandID, e.ChipNumber, e.MessageID = brand.Int64, chip.Int64, msg.Int64
	e.RedemptionID, e.ReversesID, e.StaffID = red.Int64, rev.Int64, staff.Int64
	e.ExpiresAt = timeOrNil(exp)
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

var (
	errEntryNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Ledger entry not found.")
	errRefReused     = &fanmail.Error{Code: fanmail.ECONFLICT, Field: "ref",
		Message: "This reference was already used for another entry."}
)

// errNotEnough is the EINVALID of a debit larger than the balance.
func errNotEnough(unit string) error {
	if unit == fanmail.UnitPoint {
		return fanmail.Errorf(fanmail.EINVALID, "Not enough points.")
	}
	return fanmail.Errorf(fanmail.EINVALID, "Not enough chips.")
}

func entryWhere(ctx context.Context, q querier, where string, arg any) (fanmail.LedgerEntry, error) {
	e, err := scanEntry(q.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM ledger_entries e WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return e, errEntryNotFound
	}
	if err != nil {
		return e, fmt.Errorf("ledger entry: %w", err)
	}
	return e, nil
}

// LedgerEntryByID returns the ledger entry with id, or ENOTFOUND.
func (db *DB) LedgerEntryByID(ctx context.Context, id int64) (fanmail.LedgerEntry, error) {
	return entryWhere(ctx, db.sql, `e.id = $1`, id)
}

// LedgerEntryByRef returns the ledger entry with the given ref, or ENOTFOUND.
func (db *DB) LedgerEntryByRef(ctx context.Context, ref string) (fanmail.LedgerEntry, error) {
	return entryWhere(ctx, db.sql, `e.ref = $1`, ref)
}

// Issue appends e (op issue; chips get the next block of chip numbers) and
// adds it to the member's balance. It is idempotent on e.Ref: when an entry
// with that ref exists it returns that entry and created=false, and never
// issues again; the existing entry must be for the same member, brand, unit
// and amount, else ECONFLICT naming ref. e must be valid
// (LedgerEntry.ValidateIssue); a member or brand that does not exist is
// EINVALID. Chip issues of concurrent transactions take turns at the chip
// counter (PostgreSQL holds its row lock until commit).
func (tx *Tx) Issue(ctx context.Context, e fanmail.LedgerEntry) (out fanmail.LedgerEntry, created bool, err error) {
	e.Op = fanmail.OpIssue
	prior, err := entryWhere(ctx, tx, `e.ref = $1`, e.Ref)
	if err == nil {
		return samePrior(prior, e)
	}
	if fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
		return e, false, err
	}
	if e.Unit == fanmail.UnitChip {
		if e.ChipNumber, err = tx.nextChipNumbers(ctx, e.Amount); err != nil {
			return e, false, err
		}
	}
	return tx.appendEntry(ctx, e)
}

func samePrior(prior, e fanmail.LedgerEntry) (fanmail.LedgerEntry, bool, error) {
	if !prior.SameIssue(e) {
		return prior, false, errRefReused
	}
	return prior, false, nil
}

// nextChipNumbers takes n chip numbers from the counter and returns the
// first. A rolled-back transaction gives them back; a ref found taken after
// the numbers were drawn leaves a gap, which is fine: numbers are unique and
// increasing, not dense.
func (tx *Tx) nextChipNumbers(ctx context.Context, n int64) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, `UPDATE counters SET value = value + $1 WHERE name = 'chip_number'
		RETURNING value`, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("next chip number: %w", err)
	}
	return last - n + 1, nil
}

// appendEntry inserts e unless an entry with its ref exists, and moves the
// balance by e.Amount. It returns the stored entry and whether it is new.
func (tx *Tx) appendEntry(ctx context.Context, e fanmail.LedgerEntry) (fanmail.LedgerEntry, bool, error) {
	// ON CONFLICT DO NOTHING: on PostgreSQL an insert racing another
	// transaction's uncommitted row with the same ref waits for it, then
	// inserts nothing, without aborting this transaction.
	err := tx.QueryRowContext(ctx, `INSERT INTO ledger_entries
		(member_id, brand_id, unit, op, amount, chip_number, reason, ref, message_id, redemption_id,
		 reverses_id, note, expires_at, created_at, staff_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (ref) DO NOTHING RETURNING id`,
		e.MemberID, nullInt64(e.BrandID), e.Unit, e.Op, e.Amount, nullInt64(e.ChipNumber), e.Reason, e.Ref,
		nullInt64(e.MessageID), nullInt64(e.RedemptionID), nullInt64(e.ReversesID), e.Note,
		optTime(e.ExpiresAt), tx.Now, nullInt64(e.StaffID)).Scan(&e.ID)
	if errors.Is(err, sql.ErrNoRows) {
		prior, err := entryWhere(ctx, tx, `e.ref = $1`, e.Ref)
		if err != nil {
			return e, false, err
		}
		return samePrior(prior, e)
	}
	if err != nil {
		return e, false, fmt.Errorf("append ledger entry: %w", mapError(err))
	}
	if err := tx.moveBalance(ctx, e.MemberID, e.BrandID, e.Unit, e.Amount); err != nil {
		return e, false, err
	}
	e.CreatedAt = tx.Now
	if e.ExpiresAt != nil {
		t := e.ExpiresAt.UTC()
		e.ExpiresAt = &t
	}
	return e, true, nil
}

// moveBalance adds delta to a balance. A debit is one conditional UPDATE, so
// concurrent debits on PostgreSQL (each re-checking the row after the other
// commits) never take the balance below zero; a debit larger than the
// balance is EINVALID.
func (tx *Tx) moveBalance(ctx context.Context, memberID, brandID int64, unit string, delta int64) error {
	if delta == 0 {
		return nil
	}
	if delta > 0 {
		_, err := tx.ExecContext(ctx, `INSERT INTO balances (member_id, brand_id, unit, amount) VALUES ($1, $2, $3, $4)
			ON CONFLICT (member_id, brand_id, unit) DO UPDATE SET amount = balances.amount + excluded.amount`,
			memberID, brandID, unit, delta)
		if err != nil {
			return fmt.Errorf("credit balance: %w", mapError(err))
		}
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE balances SET amount = amount - $4
		WHERE member_id = $1 AND brand_id = $2 AND unit = $3 AND amount >= $4`, memberID, brandID, unit, -delta)
	if err != nil {
		return fmt.Errorf("debit balance: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("debit balance: %w", err)
	} else if n == 0 {
		return errNotEnough(unit)
	}
	return nil
}

// Balance returns a member's balance of unit for a brand (0: no brand); 0
// when nothing was ever issued.
func (db *DB) Balance(ctx context.Context, memberID, brandID int64, unit string) (int64, error) {
	return balance(ctx, db.sql, memberID, brandID, unit)
}

// Balance is DB.Balance inside the transaction: it sees the transaction's
// own entries.
func (tx *Tx) Balance(ctx context.Context, memberID, brandID int64, unit string) (int64, error) {
	return balance(ctx, tx, memberID, brandID, unit)
}

func balance(ctx context.Context, q querier, memberID, brandID int64, unit string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT amount FROM balances
		WHERE member_id = $1 AND brand_id = $2 AND unit = $3`, memberID, brandID, unit).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("balance: %w", err)
	}
	return n, nil
}

// BalanceLine is a balance with its brand's name ("" for no brand).
type BalanceLine struct {
	fanmail.Balance
	BrandName string
}

// Balances returns a member's balances, by brand name then unit.
func (db *DB) Balances(ctx context.Context, memberID int64) ([]BalanceLine, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT l.member_id, l.brand_id, l.unit, l.amount, COALESCE(b.name, '')
		FROM balances l LEFT JOIN brands b ON b.id = l.brand_id
		WHERE l.member_id = $1 ORDER BY COALESCE(b.name, ''), l.brand_id, l.unit`, memberID)
	if err != nil {
		return nil, fmt.Errorf("balances: %w", err)
	}
	defer rows.Close()
	var out []BalanceLine
	for rows.Next() {
		var l BalanceLine
		if err := rows.Scan(&l.MemberID, &l.BrandID, &l.Unit, &l.Amount, &l.BrandName); err != nil {
			return nil, fmt.Errorf("balances: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// LedgerMismatch is a balance that differs from the sum of its ledger
// entries.
type LedgerMismatch struct {
	MemberID, BrandID int64
	Unit              string
	Sum, Balance      int64 // Balance -1: no balance row at all
}

// LedgerMismatches returns the balances of a member (0: of every member)
// that differ from the sum of their ledger entries. Every write keeps them
// equal, so anything returned is a bug or a hand-made change: an audit.
func (db *DB) LedgerMismatches(ctx context.Context, memberID int64) ([]LedgerMismatch, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT s.member_id, s.brand, s.unit, s.total, COALESCE(b.amount, -1)
		FROM (SELECT member_id, COALESCE(brand_id, 0) AS brand, unit, SUM(amount) AS total FROM ledger_entries
		      WHERE member_id = $1 OR $1 = 0 GROUP BY member_id, COALESCE(brand_id, 0), unit) s
		LEFT JOIN balances b ON b.member_id = s.member_id AND b.brand_id = s.brand AND b.unit = s.unit
		WHERE b.amount IS NULL OR b.amount <> s.total`, memberID)
	if err != nil {
		return nil, fmt.Errorf("ledger mismatches: %w", err)
	}
	defer rows.Close()
	var out []LedgerMismatch
	for rows.Next() {
		var m LedgerMismatch
		if err := rows.Scan(&m.MemberID, &m.BrandID, &m.Unit, &m.Sum, &m.Balance); err != nil {
			return nil, fmt.Errorf("ledger mismatches: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// EntryFilter selects a member's ledger entries, newest (highest id) first.
type EntryFilter struct {
	MemberID int64
	Unit     string // fanmail.UnitChip or UnitPoint; "": both
	Op       string // fanmail.OpIssue, …; "": every operation
	Before   int64  // only entries with an id below it; 0: from the newest
	Limit    int    // default 50, at most 500
}

// EntryLine is a ledger entry with its brand's name ("" for no brand).
type EntryLine struct {
	fanmail.LedgerEntry
	BrandName string
}

// LedgerEntries returns the entries matching f, newest first.
func (db *DB) LedgerEntries(ctx context.Context, f EntryFilter) ([]EntryLine, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	if f.Before <= 0 {
		f.Before = 1<<63 - 1
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+entryColumns+`, COALESCE(b.name, '')
		FROM ledger_entries e LEFT JOIN brands b ON b.id = e.brand_id
		WHERE e.member_id = $1 AND e.id < $2 AND ($4 = '' OR e.unit = $4) AND ($5 = '' OR e.op = $5)
		ORDER BY e.id DESC LIMIT $3`, f.MemberID, f.Before, f.Limit, f.Unit, f.Op)
	if err != nil {
		return nil, fmt.Errorf("ledger entries: %w", err)
	}
	defer rows.Close()
	var out []EntryLine
	for rows.Next() {
		var l EntryLine
		if l.LedgerEntry, err = scanEntry(rows, &l.BrandName); err != nil {
			return nil, fmt.Errorf("ledger entries: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Reverse appends the negation of entry id, an issue (taking its amount back
// from the balance: EINVALID when it was spent) or a redemption's debit
// (giving it back and marking the redemption reversed), with note and the
// staff member who asked for it (0: none). An entry is reversed once: again
// is ECONFLICT. Other entries, and issues already expired, are EINVALID; an
// unknown id is ENOTFOUND.
func (tx *Tx) Reverse(ctx context.Context, id int64, note string, staffID int64) (fanmail.LedgerEntry, error) {
	orig, err := entryWhere(ctx, tx, `e.id = $1`, id)
	if err != nil {
		return orig, err
	}
	switch {
	case orig.Op != fanmail.OpIssue && orig.Op != fanmail.OpRedeem:
		return orig, fanmail.Errorf(fanmail.EINVALID, "Only issues and redemptions can be reversed.")
	case orig.ExpiresAt != nil && !tx.Now.Before(*orig.ExpiresAt):
		return orig, fanmail.Errorf(fanmail.EINVALID, "This entry has expired.")
	}
	rev, created, err := tx.appendEntry(ctx, fanmail.LedgerEntry{
		MemberID: orig.MemberID, BrandID: orig.BrandID, Unit: orig.Unit, Op: fanmail.OpReverse,
		Amount: -orig.Amount, Reason: fanmail.ReasonReversal, Ref: "reversal:" + strconv.FormatInt(id, 10),
		RedemptionID: orig.RedemptionID, ReversesID: id, Note: note, StaffID: staffID,
	})
	if err != nil {
		return rev, err
	}
	if !created {
		return rev, fanmail.Errorf(fanmail.ECONFLICT, "This entry was already reversed.")
	}
	if orig.RedemptionID != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE redemptions SET state = 'reversed' WHERE id = $1`,
			orig.RedemptionID); err != nil {
			return rev, fmt.Errorf("reverse redemption %d: %w", orig.RedemptionID, err)
		}
	}
	return rev, nil
}

// ExpiryBucket names a balance with issues past their expiry.
type ExpiryBucket struct {
	MemberID int64
	BrandID  int64
	Unit     string
}

// DueExpiries returns up to limit balances holding issues that expired by
// now and were neither expired nor reversed yet.
func (db *DB) DueExpiries(ctx context.Context, now time.Time, limit int) ([]ExpiryBucket, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT e.member_id, COALESCE(e.brand_id, 0), e.unit
		FROM ledger_entries e
		WHERE e.expires_at <= $1 AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses_id = e.id)
		LIMIT $2`, now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("due expiries: %w", err)
	}
	defer rows.Close()
	var out []ExpiryBucket
	for rows.Next() {
		var b ExpiryBucket
		if err := rows.Scan(&b.MemberID, &b.BrandID, &b.Unit); err != nil {
			return nil, fmt.Errorf("due expiries: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// ExpireBalance appends an expire entry for each issue of the balance that
// expired by tx.Now and has none yet, and returns how many it appended.
// Spending takes the soonest-expiring chips first, so what expires is the
// part of the balance that no unexpired issue covers; each expired issue
// gets its share of it, the latest-expiring first, and the others an entry
// of 0 that marks them done. Running it again appends nothing.
func (tx *Tx) ExpireBalance(ctx context.Context, b ExpiryBucket) (int, error) {
	held, err := tx.lockBalance(ctx, b)
	if err != nil {
		return 0, err
	}
	var live int64
	err = tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e
		WHERE e.member_id = $1 AND COALESCE(e.brand_id, 0) = $2 AND e.unit = $3 AND e.amount > 0
		AND (e.expires_at IS NULL OR e.expires_at > $4)
		AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses_id = e.id AND x.op = 'reverse')`,
		b.MemberID, b.BrandID, b.Unit, tx.Now).Scan(&live)
	if err != nil {
		return 0, fmt.Errorf("expire balance: %w", err)
	}
	due, err := tx.dueIssues(ctx, b)
	if err != nil {
		return 0, err
	}
	excess := max(0, held-live)
	n := 0
	for _, e := range due {
		share := min(e.Amount, excess)
		excess -= share
		_, created, err := tx.appendEntry(ctx, fanmail.LedgerEntry{
			MemberID: e.MemberID, BrandID: e.BrandID, Unit: e.Unit, Op: fanmail.OpExpire, Amount: -share,
			Reason: fanmail.ReasonExpiry, Ref: "expiry:" + strconv.FormatInt(e.ID, 10), ReversesID: e.ID,
		})
		if err != nil {
			return n, err
		}
		if created {
			n++
		}
	}
	return n, nil
}

// lockBalance returns a balance's amount, holding its row until the
// transaction ends (PostgreSQL; SQLite transactions already write alone).
func (tx *Tx) lockBalance(ctx context.Context, b ExpiryBucket) (int64, error) {
	var held int64
	err := tx.QueryRowContext(ctx, `UPDATE balances SET amount = amount
		WHERE member_id = $1 AND brand_id = $2 AND unit = $3 RETURNING amount`,
		b.MemberID, b.BrandID, b.Unit).Scan(&held)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("lock balance: %w", err)
	}
	return held, nil
}

// dueIssues returns a balance's expired issues without an expire or
// reverse entry, latest-expiring first.
func (tx *Tx) dueIssues(ctx context.Context, b ExpiryBucket) ([]fanmail.LedgerEntry, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+entryColumns+` FROM ledger_entries e
		WHERE e.member_id = $1 AND COALESCE(e.brand_id, 0) = $2 AND e.unit = $3 AND e.expires_at <= $4
		AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses_id = e.id)
		ORDER BY e.expires_at DESC, e.id DESC`, b.MemberID, b.BrandID, b.Unit, tx.Now)
	if err != nil {
		return nil, fmt.Errorf("due issues: %w", err)
	}
	defer rows.Close()
	var out []fanmail.LedgerEntry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("due issues: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
