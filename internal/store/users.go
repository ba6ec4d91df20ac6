package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fanmail/fanmail"
)

// UserUpdate changes a staff user; a nil field means "unchanged". ShopID 0
// clears the shop.
type UserUpdate struct {
	Name   *string
	Role   *string
	ShopID *int64
	Lang   *string
	Active *bool
}

const userColumns = `id, email, name, role, shop_id, lang, active, last_login_at, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (fanmail.User, error) {
	var u fanmail.User
	var shop sql.NullInt64
	var last sql.NullTime
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &shop, &u.Lang, &u.Active, &last, &u.CreatedAt, &u.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return u, err
	}
	u.ShopID = shop.Int64
	if last.Valid {
		t := last.Time.UTC()
		u.LastLoginAt = &t
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

var errUserNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Staff user not found.")

// CreateUser stores u with the given password hash and returns it with its id.
// It returns ECONFLICT when the e-mail address is taken and EINVALID when the
// shop does not exist.
func (db *DB) CreateUser(ctx context.Context, u fanmail.User, passwordHash string) (fanmail.User, error) {
	now := db.Now()
	row := db.sql.QueryRowContext(ctx, `
		INSERT INTO users (email, email_normalized, name, role, shop_id, lang, password_hash, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
		RETURNING `+userColumns,
		u.Email, fanmail.NormalizeEmail(u.Email), u.Name, u.Role, nullInt64(u.ShopID), u.Lang, passwordHash, u.Active, now)
	created, err := scanUser(row)
	if isUniqueViolation(err) {
		return created, fanmail.FieldError("email", "A staff user with this e-mail address already exists.")
	}
	if err != nil {
		return created, fmt.Errorf("create user: %w", mapError(err))
	}
	return created, nil
}

// UserByID returns the staff user with id, or ENOTFOUND.
func (db *DB) UserByID(ctx context.Context, id int64) (fanmail.User, error) {
	u, err := scanUser(db.sql.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, errUserNotFound
	}
	if err != nil {
		return u, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// UserCredentials returns the staff user with the normalized e-mail address
// and their password hash, or ENOTFOUND.
func (db *DB) UserCredentials(ctx context.Context, emailNormalized string) (fanmail.User, string, error) {
	var hash string
	u, err := scanUser(db.sql.QueryRowContext(ctx, `
		SELECT `+userColumns+`, password_hash FROM users WHERE email_normalized = $1`, emailNormalized), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", errUserNotFound
	}
	if err != nil {
		return u, "", fmt.Errorf("user credentials: %w", err)
	}
	return u, hash, nil
}

// Users returns every staff user, ordered by e-mail address.
func (db *DB) Users(ctx context.Context) ([]fanmail.User, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email_normalized`)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	var users []fanmail.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return users, nil
}

// CountUsers returns how many staff users exist.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CountActiveAdmins returns how many active users have the admin role,
// leaving out the user with id except (0 = none).
func (db *DB) CountActiveAdmins(ctx context.Context, except int64) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `
		SELECT COUNT(*) FROM users WHERE role = $1 AND active = $2 AND id <> $3`,
		fanmail.RoleAdmin, true, except).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

// UpdateUser applies u to the staff user with id and returns the result, or
// ENOTFOUND. EINVALID when the shop does not exist.
func (db *DB) UpdateUser(ctx context.Context, id int64, u UserUpdate) (fanmail.User, error) {
	var shop *sql.NullInt64
	if u.ShopID != nil {
		v := nullInt64(*u.ShopID)
		shop = &v
	}
	// COALESCE keeps the stored value for every field left nil; shop_id needs
	// a flag because NULL is also a value it may be set to.
	row := db.sql.QueryRowContext(ctx, `
		UPDATE users SET
			name = COALESCE($2, name),
			role = COALESCE($3, role),
			shop_id = CASE WHEN $4 THEN $5 ELSE shop_id END,
			lang = COALESCE($6, lang),
			active = COALESCE($7, active),
			updated_at = $8
		WHERE id = $1
		RETURNING `+userColumns,
		id, u.Name, u.Role, shop != nil, nullableShop(shop), u.Lang, u.Active, db.Now())
	updated, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return updated, errUserNotFound
	}
	if err != nil {
		return updated, fmt.Errorf("update user %d: %w", id, mapError(err))
	}
	return updated, nil
}

func nullableShop(v *sql.NullInt64) sql.NullInt64 {
	if v == nil {
		return sql.NullInt64{}
	}
	return *v
}

// SetUserPassword replaces the password hash of the staff user with id, or
// returns ENOTFOUND.
func (db *DB) SetUserPassword(ctx context.Context, id int64, passwordHash string) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`,
		id, passwordHash, db.Now())
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errUserNotFound
	}
	return nil
}

// RecordUserLogin sets the last sign-in time of the staff user with id to now.
func (db *DB) RecordUserLogin(ctx context.Context, id int64) error {
	return recordUserLogin(ctx, db.sql, id, db.Now())
}

// RecordUserLogin is DB.RecordUserLogin inside tx.
func (tx *Tx) RecordUserLogin(ctx context.Context, id int64) error {
	return recordUserLogin(ctx, tx.Tx, id, tx.Now)
}

func recordUserLogin(ctx context.Context, ex querier, id int64, now time.Time) error {
	if _, err := ex.ExecContext(ctx, `UPDATE users SET last_login_at = $2 WHERE id = $1`, id, now); err != nil {
		return fmt.Errorf("record login of user %d: %w", id, err)
	}
	return nil
}

// CreateFirstUser stores u like CreateUser, but only when there are no staff
// users yet; created is false when some exist (also when another node created
// the first one at the same moment).
func (db *DB) CreateFirstUser(ctx context.Context, u fanmail.User, passwordHash string) (created bool, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("count users: %w", err)
		}
		if n > 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO users (email, email_normalized, name, role, lang, password_hash, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
			u.Email, fanmail.NormalizeEmail(u.Email), u.Name, u.Role, u.Lang, passwordHash, true, tx.Now)
		if err != nil {
			return err
		}
		created = true
		return nil
	})
	if isUniqueViolation(err) || fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create first user: %w", err)
	}
	return created, nil
}
