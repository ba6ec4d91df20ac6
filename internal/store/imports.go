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

// Import statuses. An import that stops with its process stays "running" in
// the table; readers treat it as interrupted once its heartbeat is old.
const (
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// Import is one CSV import of members and its progress.
type Import struct {
	ID              int64
	Filename        string
	SHA256          string // of the whole file, known when it is done
	Encoding        string
	Status          string
	MemberStatus    string   // status given to imported members
	DefaultConsents []string // purposes recorded as granted for every row
	ColumnMap       string   // "header=field" pairs, ";"-separated, as used
	RowsTotal       int64
	RowsOK          int64
	RowsBad         int64
	RowsDup         int64
	BytesDone       int64
	BytesTotal      int64
	Error           string // user-safe message when failed
	CreatedBy       int64
	StartedAt       time.Time
	UpdatedAt       time.Time // heartbeat: the last batch written
	FinishedAt      *time.Time
}

// ImportRow is one validated row of an import: the member to create and the
// consents given in the file (and by default).
type ImportRow struct {
	Line     int64
	Member   fanmail.Member // Code, Email, Name, Phone, BirthYear, Gender, PostalCode, Address, Lang
	Consents []fanmail.ConsentDecision
}

// ImportError is a bad row: its CSV line number, the field at fault ("" for
// the whole row) and a user-safe reason (an i18n key; never the row's data).
type ImportError struct {
	Line   int64
	Field  string
	Reason string
}

// ImportBatch is what one transaction of an import writes.
type ImportBatch struct {
	ImportID  int64
	Rows      []ImportRow   // valid rows, in file order
	Errors    []ImportError // rows found bad before reaching the database
	Encoding  string
	BytesDone int64 // bytes of the file read so far
}

// ImportCounts are a batch's outcome.
type ImportCounts struct {
	OK  int64 // members created
	Bad int64 // rows recorded in import_errors
	Dup int64 // rows whose address was already stored before this import
}

// Reasons ImportBatch gives for rows it refuses.
const (
	ReasonDuplicateInFile = "The same e-mail address appears earlier in this file."
	ReasonCodeTaken       = "This member id is already used by another member."
)

const importColumns = `id, filename, sha256, encoding, status, member_status, default_consents, column_map,
	rows_total, rows_ok, rows_bad, rows_dup, bytes_done, bytes_total, error, created_by,
	started_at, updated_at, finished_at`

func scanImport(row memberScanner) (Import, error) {
	var imp Import
	var consents string
	var createdBy sql.NullInt64
	var updated, finished sql.NullTime
	err := row.Scan(&imp.ID, &imp.Filename, &imp.SHA256, &imp.Encoding, &imp.Status, &imp.MemberStatus, &consents, &imp.ColumnMap,
		&imp.RowsTotal, &imp.RowsOK, &imp.RowsBad, &imp.RowsDup, &imp.BytesDone, &imp.BytesTotal, &imp.Error, &createdBy,
		&imp.StartedAt, &updated, &finished)
	if err != nil {
		return imp, err
	}
	if consents != "" {
		imp.DefaultConsents = strings.Split(consents, ",")
	}
	imp.CreatedBy = createdBy.Int64
	imp.StartedAt = imp.StartedAt.UTC()
	imp.UpdatedAt = imp.StartedAt
	if updated.Valid {
		imp.UpdatedAt = updated.Time.UTC()
	}
	imp.FinishedAt = timeOrNil(finished)
	return imp, nil
}

// CreateImport records a new running import (ID, counters and times are set
// here) and returns it.
func (db *DB) CreateImport(ctx context.Context, imp Import) (Import, error) {
	now := db.Now()
	var id int64
	err := db.sql.QueryRowContext(ctx, `
		INSERT INTO imports (filename, sha256, encoding, status, member_status, default_consents, column_map,
			bytes_total, created_by, started_at, updated_at)
		VALUES ($1, '', '', $2, $3, $4, '', $5, $6, $7, $7)
		RETURNING id`,
		imp.Filename, ImportRunning, imp.MemberStatus, strings.Join(imp.DefaultConsents, ","),
		imp.BytesTotal, nullInt64(imp.CreatedBy), now).Scan(&id)
	if err != nil {
		return imp, fmt.Errorf("create import: %w", mapError(err))
	}
	return db.ImportByID(ctx, id)
}

// ImportByID returns the import with id, or ENOTFOUND.
func (db *DB) ImportByID(ctx context.Context, id int64) (Import, error) {
	imp, err := scanImport(db.sql.QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return imp, fanmail.Errorf(fanmail.ENOTFOUND, "Import not found.")
	}
	if err != nil {
		return imp, fmt.Errorf("import %d: %w", id, err)
	}
	return imp, nil
}

// Imports returns up to limit imports, newest first, with ids below beforeID
// (0: from the newest).
func (db *DB) Imports(ctx context.Context, beforeID int64, limit int) ([]Import, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+importColumns+` FROM imports
		WHERE id < $1 ORDER BY id DESC LIMIT $2`, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	defer rows.Close()
	var imps []Import
	for rows.Next() {
		imp, err := scanImport(rows)
		if err != nil {
			return nil, fmt.Errorf("imports: %w", err)
		}
		imps = append(imps, imp)
	}
	return imps, rows.Err()
}

// ImportErrors returns up to limit bad rows of the import with line numbers
// above afterLine, in line order.
func (db *DB) ImportErrors(ctx context.Context, importID, afterLine int64, limit int) ([]ImportError, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT line, field, reason FROM import_errors
		WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3`, importID, afterLine, limit)
	if err != nil {
		return nil, fmt.Errorf("errors of import %d: %w", importID, err)
	}
	defer rows.Close()
	var errs []ImportError
	for rows.Next() {
		var e ImportError
		if err := rows.Scan(&e.Line, &e.Field, &e.Reason); err != nil {
			return nil, fmt.Errorf("errors of import %d: %w", importID, err)
		}
		errs = append(errs, e)
	}
	return errs, rows.Err()
}

// SetImportColumns records the encoding found and the column mapping used.
func (db *DB) SetImportColumns(ctx context.Context, id int64, encoding, columnMap string) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE imports SET encoding = $2, column_map = $3, updated_at = $4 WHERE id = $1`,
		id, encoding, columnMap, db.Now())
	if err != nil {
		return fmt.Errorf("set columns of import %d: %w", id, err)
	}
	return nil
}

// FinishImport marks the import done or failed (errMsg: a user-safe reason)
// and records the file's hash, encoding and size read.
func (db *DB) FinishImport(ctx context.Context, id int64, status, sha256, encoding, errMsg string, bytesDone int64) error {
	now := db.Now()
	_, err := db.sql.ExecContext(ctx, `
		UPDATE imports SET status = $2, sha256 = $3, encoding = $4, error = $5, bytes_done = $6,
			updated_at = $7, finished_at = $7
		WHERE id = $1`, id, status, sha256, encoding, errMsg, bytesDone, now)
	if err != nil {
		return fmt.Errorf("finish import %d: %w", id, err)
	}
	return nil
}

// ImportBatch writes one batch of an import in one transaction, so a crash
// leaves whole batches only: members whose address is new, with their
// consents (source "import", history and current state); import_errors for the
// batch's bad rows; and the import's counters and heartbeat.
//
// A row whose address was stored before this import is a duplicate: counted,
// nothing changed. A row whose address this import already stored (the same
// address earlier in the file), or whose member id another address uses, is
// recorded as bad, and so is a row whose address was erased on request
// (ReasonErased).
func (db *DB) ImportBatch(ctx context.Context, b ImportBatch) (ImportCounts, error) {
	var c ImportCounts
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		c, err = tx.importBatch(ctx, b)
		return err
	})
	if err != nil {
		return ImportCounts{}, fmt.Errorf("import %d batch: %w", b.ImportID, err)
	}
	return c, nil
}

func (tx *Tx) importBatch(ctx context.Context, b ImportBatch) (ImportCounts, error) {
	var c ImportCounts
	emails := make([]any, 0, len(b.Rows))
	var codes []any
	for _, r := range b.Rows {
		emails = append(emails, fanmail.NormalizeEmail(r.Member.Email))
		if r.Member.Code != "" {
			codes = append(codes, r.Member.Code)
		}
	}
	storedBy := map[string]int64{} // address → import that stored it (0: none)
	err := tx.queryIn(ctx, `SELECT email_normalized, import_id FROM members WHERE email_normalized IN `, emails,
		func(rows *sql.Rows) error {
			var e string
			var imp sql.NullInt64
			if err := rows.Scan(&e, &imp); err != nil {
				return err
			}
			storedBy[e] = imp.Int64
			return nil
		})
	if err != nil {
		return c, err
	}
	taken := map[string]bool{}
	err = tx.queryIn(ctx, `SELECT code FROM members WHERE code IN `, codes, func(rows *sql.Rows) error {
		var code string
		if err := rows.Scan(&code); err != nil {
			return err
		}
		taken[code] = true
		return nil
	})
	if err != nil {
		return c, err
	}

	erased, err := tx.erasedAmong(ctx, emails)
	if err != nil {
		return c, err
	}

	bad := append([]ImportError(nil), b.Errors...)
	var keep []ImportRow
	seen := map[string]bool{}
	for _, r := range b.Rows {
		e := fanmail.NormalizeEmail(r.Member.Email)
		switch imp, stored := storedBy[e]; {
		case erased[e]:
			bad = append(bad, ImportError{Line: r.Line, Field: "email", Reason: ReasonErased})
		case stored && imp == b.ImportID, seen[e]:
			bad = append(bad, ImportError{Line: r.Line, Field: "email", Reason: ReasonDuplicateInFile})
		case stored:
			c.Dup++
		case r.Member.Code != "" && taken[r.Member.Code]:
			bad = append(bad, ImportError{Line: r.Line, Field: "code", Reason: ReasonCodeTaken})
		default:
			seen[e] = true
			if r.Member.Code != "" {
				taken[r.Member.Code] = true
			}
			keep = append(keep, r)
		}
	}

	ids, err := tx.insertImportedMembers(ctx, b.ImportID, keep)
	if err != nil {
		return c, err
	}
	// A row not inserted lost a race with a registration of the same address.
	c.Dup += int64(len(keep) - len(ids))
	c.OK = int64(len(ids))
	if err := tx.insertImportedConsents(ctx, keep, ids); err != nil {
		return c, err
	}
	if err := tx.insertImportErrors(ctx, b.ImportID, bad); err != nil {
		return c, err
	}
	c.Bad = int64(len(bad))
	_, err = tx.ExecContext(ctx, `
		UPDATE imports SET rows_total = rows_total + $2, rows_ok = rows_ok + $3, rows_bad = rows_bad + $4,
			rows_dup = rows_dup + $5, bytes_done = $6, encoding = $7, updated_at = $8
		WHERE id = $1`,
		b.ImportID, int64(len(b.Rows)+len(b.Errors)), c.OK, c.Bad, c.Dup, b.BytesDone, b.Encoding, tx.Now)
	if err != nil {
		return c, fmt.Errorf("update progress: %w", err)
	}
	return c, nil
}

// insertImportedMembers inserts rows and returns the new ids by normalized
// address. Rows whose address or member id got taken meanwhile are skipped.
func (tx *Tx) insertImportedMembers(ctx context.Context, importID int64, rows []ImportRow) (map[string]int64, error) {
	const cols = 16
	vals := make([]any, 0, len(rows)*cols)
	for _, r := range rows {
		m := r.Member
		code := sql.NullString{String: m.Code, Valid: m.Code != ""}
		vals = append(vals, code, m.Email, fanmail.NormalizeEmail(m.Email), m.Name, m.Phone,
			fanmail.NormalizePhone(m.Phone), m.BirthYear, m.Gender, m.PostalCode, m.Address, m.Lang,
			m.Status, fanmail.SourceImport, importID, tx.Now, tx.Now)
	}
	ids := make(map[string]int64, len(rows))
	err := tx.insertValues(ctx, `INSERT INTO members (code, email, email_normalized, name, phone, phone_normalized,
		birth_year, gender, postal_code, address, lang, status, source, import_id, created_at, updated_at) VALUES `,
		` ON CONFLICT DO NOTHING RETURNING id, email_normalized`, cols, vals,
		func(rs *sql.Rows) error {
			var id int64
			var e string
			if err := rs.Scan(&id, &e); err != nil {
				return err
			}
			ids[e] = id
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("insert members: %w", err)
	}
	return ids, nil
}

// insertImportedConsents records the consents of the new members: one history
// row and the current state per purpose.
func (tx *Tx) insertImportedConsents(ctx context.Context, rows []ImportRow, ids map[string]int64) error {
	var hist, cur []any
	for _, r := range rows {
		id, ok := ids[fanmail.NormalizeEmail(r.Member.Email)]
		if !ok {
			continue
		}
		for _, d := range r.Consents {
			hist = append(hist, id, d.Purpose, fanmail.ChannelOf(d.Purpose), d.Granted, fanmail.SourceImport, "",
				fanmail.ConsentWordingVersion, tx.Now)
			cur = append(cur, id, d.Purpose, d.Granted, tx.Now)
		}
	}
	err := tx.insertValues(ctx, `INSERT INTO consents (member_id, purpose, channel, granted, source, ip, version, created_at) VALUES `,
		``, 8, hist, nil)
	if err != nil {
		return fmt.Errorf("insert consents: %w", err)
	}
	err = tx.insertValues(ctx, `INSERT INTO member_consents (member_id, purpose, granted, updated_at) VALUES `,
		` ON CONFLICT (member_id, purpose) DO UPDATE SET granted = excluded.granted, updated_at = excluded.updated_at`,
		4, cur, nil)
	if err != nil {
		return fmt.Errorf("insert current consents: %w", err)
	}
	return nil
}

func (tx *Tx) insertImportErrors(ctx context.Context, importID int64, errs []ImportError) error {
	vals := make([]any, 0, len(errs)*4)
	for _, e := range errs {
		vals = append(vals, importID, e.Line, e.Field, e.Reason)
	}
	err := tx.insertValues(ctx, `INSERT INTO import_errors (import_id, line, field, reason) VALUES `,
		` ON CONFLICT (import_id, line) DO NOTHING`, 4, vals, nil)
	if err != nil {
		return fmt.Errorf("insert import errors: %w", err)
	}
	return nil
}

// rowsPerInsert caps the rows of one multi-row INSERT: statements repeat
// (PostgreSQL caches them prepared) and stay far below SQLite's limit of 32766
// bound parameters.
const rowsPerInsert = 500

// bindVar returns the placeholder of the i-th (1-based) parameter of a bulk
// statement. SQLite resolves each "$N" by a linear search of the names seen
// so far, which makes statements with thousands of parameters quadratic to
// prepare and bind; plain "?" is positional there. PostgreSQL needs "$N".
func (tx *Tx) bindVar(sb *strings.Builder, i int) {
	if tx.db.engine == SQLite {
		sb.WriteByte('?')
		return
	}
	sb.WriteByte('$')
	sb.WriteString(strconv.Itoa(i))
}

// insertValues runs prefix + "(…), (…)" + suffix over vals, cols values a row,
// rowsPerInsert rows a statement. If scan is not nil it reads each row the
// statements return.
func (tx *Tx) insertValues(ctx context.Context, prefix, suffix string, cols int, vals []any, scan func(*sql.Rows) error) error {
	per := rowsPerInsert * cols
	for len(vals) > 0 {
		chunk := vals[:min(per, len(vals))]
		vals = vals[len(chunk):]
		var sb strings.Builder
		sb.Grow(len(prefix) + len(suffix) + len(chunk)*7)
		sb.WriteString(prefix)
		for i := range chunk {
			switch {
			case i == 0:
				sb.WriteString("(")
			case i%cols == 0:
				sb.WriteString("), (")
			default:
				sb.WriteString(", ")
			}
			tx.bindVar(&sb, i+1)
		}
		sb.WriteString(")")
		sb.WriteString(suffix)
		if scan == nil {
			if _, err := tx.ExecContext(ctx, sb.String(), chunk...); err != nil {
				return mapError(err)
			}
			continue
		}
		rows, err := tx.QueryContext(ctx, sb.String(), chunk...)
		if err != nil {
			return mapError(err)
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return mapError(err)
		}
	}
	return nil
}

// queryIn runs query + "(…)" over args, rowsPerInsert at a time, and calls
// scan per row.
func (tx *Tx) queryIn(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	for len(args) > 0 {
		chunk := args[:min(rowsPerInsert, len(args))]
		args = args[len(chunk):]
		var sb strings.Builder
		sb.WriteString(query)
		sb.WriteString("(")
		for i := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			tx.bindVar(&sb, i+1)
		}
		sb.WriteString(")")
		rows, err := tx.QueryContext(ctx, sb.String(), chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// ExportedMember is a member with their current consent per purpose (absent:
// never decided).
type ExportedMember struct {
	fanmail.Member
	Consents map[string]bool
}

// CountMembersForExport returns how many members MembersForExport would
// return in all for status ("" = every member).
func (db *DB) CountMembersForExport(ctx context.Context, status string) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM members WHERE ($1 = '' OR status = $1)`, status).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count members for export: %w", err)
	}
	return n, nil
}

// MembersForExport returns up to limit members with ids above afterID in id
// order (keyset paging), only those with status if it is not "", each with
// their current consents.
func (db *DB) MembersForExport(ctx context.Context, status string, afterID int64, limit int) ([]ExportedMember, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+memberColumns+` FROM members
		WHERE id > $1 AND ($2 = '' OR status = $2) ORDER BY id LIMIT $3`, afterID, status, limit)
	if err != nil {
		return nil, fmt.Errorf("members for export: %w", err)
	}
	defer rows.Close()
	var ms []ExportedMember
	byID := map[int64]int{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("members for export: %w", err)
		}
		byID[m.ID] = len(ms)
		ms = append(ms, ExportedMember{Member: m, Consents: map[string]bool{}})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("members for export: %w", err)
	}
	rows.Close()
	if len(ms) == 0 {
		return nil, nil
	}
	crows, err := db.sql.QueryContext(ctx, `SELECT member_id, purpose, granted FROM member_consents
		WHERE member_id BETWEEN $1 AND $2`, ms[0].ID, ms[len(ms)-1].ID)
	if err != nil {
		return nil, fmt.Errorf("consents for export: %w", err)
	}
	defer crows.Close()
	for crows.Next() {
		var id int64
		var purpose string
		var granted bool
		if err := crows.Scan(&id, &purpose, &granted); err != nil {
			return nil, fmt.Errorf("consents for export: %w", err)
		}
		if i, ok := byID[id]; ok {
			ms[i].Consents[purpose] = granted
		}
	}
	return ms, crows.Err()
}
