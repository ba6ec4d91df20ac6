package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

// Member profiles (seed 000 step 5): the stored result of
// fanmail.AnalyseProfile. The services that change an input of the analysis
// (profile answers, favourite brands, orders) call Tx.RecomputeProfile in
// the same transaction, so a profile is never older than what it reads.
// What the analysis also reads from the catalogue (brands' groups, shops'
// kinds) is not watched: RecomputeProfiles catches up after such changes.

// RecomputeProfile analyses the answers, favourite brands and orders of
// member memberID as the transaction sees them and stores the result. It
// returns ENOTFOUND for an unknown member.
func (tx *Tx) RecomputeProfile(ctx context.Context, memberID int64) (fanmail.MemberProfile, error) {
	// The row is written first and so locked: on PostgreSQL two
	// transactions changing inputs of one member then analyse one after
	// the other, and the second, whose statements each see what was
	// committed before they started, reads the first one's inputs too.
	// (SQLite has one writer at a time.)
	// Inserting from members finds an unknown member without a failed
	// statement, which would end a PostgreSQL transaction.
	res, err := tx.ExecContext(ctx, `
		INSERT INTO member_profiles (member_id, computed_at) SELECT id, $2 FROM members WHERE id = $1
		ON CONFLICT (member_id) DO UPDATE SET computed_at = excluded.computed_at`, memberID, tx.Now)
	if err != nil {
		return fanmail.MemberProfile{}, fmt.Errorf("profile of member %d: %w", memberID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fanmail.MemberProfile{}, fmt.Errorf("profile of member %d: %w", memberID, err)
	} else if n == 0 {
		return fanmail.MemberProfile{}, errMemberNotFound
	}
	groups, err := tx.groupVotes(ctx, memberID)
	if err != nil {
		return fanmail.MemberProfile{}, err
	}
	lines, err := tx.purchaseLines(ctx, memberID)
	if err != nil {
		return fanmail.MemberProfile{}, err
	}
	p := fanmail.AnalyseProfile(memberID, groups, lines)
	p.ComputedAt = tx.Now
	_, err = tx.ExecContext(ctx, `
		UPDATE member_profiles SET preferred_group_id = $2, group_favourites = $3, group_styles = $4, group_spent = $5,
			purchase_pattern = $6, units_full_price = $7, units_sale = $8, units_outlet = $9, units_event = $10,
			units_unknown = $11
		WHERE member_id = $1`,
		memberID, nullInt64(p.PreferredGroupID), p.Group.Favourites, p.Group.Styles, p.Group.Spent,
		p.PurchasePattern, p.Units.FullPrice, p.Units.Sale, p.Units.Outlet, p.Units.Event, p.Units.Unknown)
	if err != nil {
		return p, fmt.Errorf("store profile of member %d: %w", memberID, err)
	}
	return p, nil
}

// groupVotes returns, in catalogue order, the votes of each brand group the
// member has any for: favourite brands, chosen profile options linked to a
// brand, and won spent on the group's brands.
func (tx *Tx) groupVotes(ctx context.Context, memberID int64) ([]fanmail.GroupVotes, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT g.id, CAST(SUM(v.favourite) AS BIGINT), CAST(SUM(v.style) AS BIGINT), CAST(SUM(v.spent) AS BIGINT)
		FROM (
			SELECT brand_id, 1 AS favourite, 0 AS style, 0 AS spent
			FROM brand_preferences WHERE member_id = $1
			UNION ALL
			SELECT o.brand_id, 0, 1, 0
			FROM answers a JOIN question_options o ON o.id = a.option_id JOIN questions q ON q.id = a.question_id
			WHERE a.member_id = $1 AND q.survey = $2 AND o.brand_id IS NOT NULL
			UNION ALL
			SELECT oi.brand_id, 0, 0, oi.quantity * oi.unit_price
			FROM orders od JOIN order_items oi ON oi.order_id = od.id
			WHERE od.member_id = $1 AND oi.brand_id IS NOT NULL
		) v JOIN brands b ON b.id = v.brand_id JOIN brand_groups g ON g.id = b.group_id
		GROUP BY g.id, g.position
		ORDER BY g.position, g.id`, memberID, fanmail.SurveyProfile)
	if err != nil {
		return nil, fmt.Errorf("group votes of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []fanmail.GroupVotes
	for rows.Next() {
		var v fanmail.GroupVotes
		if err := rows.Scan(&v.GroupID, &v.Favourites, &v.Styles, &v.Spent); err != nil {
			return nil, fmt.Errorf("group votes of member %d: %w", memberID, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("group votes of member %d: %w", memberID, err)
	}
	return out, nil
}

// purchaseLines returns the member's order items as the analysis sees
// them, items alike for it summed into one line.
func (tx *Tx) purchaseLines(ctx context.Context, memberID int64) ([]fanmail.PurchaseLine, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT CAST(SUM(oi.quantity) AS BIGINT), oi.unit_price, oi.list_price, oi.shelf, COALESCE(s.kind, '')
		FROM orders od JOIN order_items oi ON oi.order_id = od.id LEFT JOIN shops s ON s.id = od.shop_id
		WHERE od.member_id = $1
		GROUP BY oi.unit_price, oi.list_price, oi.shelf, s.kind`, memberID)
	if err != nil {
		return nil, fmt.Errorf("purchases of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []fanmail.PurchaseLine
	for rows.Next() {
		var l fanmail.PurchaseLine
		if err := rows.Scan(&l.Quantity, &l.UnitPrice, &l.ListPrice, &l.Shelf, &l.ShopKind); err != nil {
			return nil, fmt.Errorf("purchases of member %d: %w", memberID, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("purchases of member %d: %w", memberID, err)
	}
	return out, nil
}

// RecomputeProfiles recomputes, in one transaction, the profiles of up to
// limit members with ids above afterID who have something to analyse
// (answers, favourite brands, orders) or a stored profile, in id order. It
// returns the last member id done (0 when there was none left) and how
// many were done.
func (db *DB) RecomputeProfiles(ctx context.Context, afterID int64, limit int) (last int64, n int, err error) {
	// Each list is cut to limit before the union, so a batch reads
	// about limit ids from each index rather than the rest of the table.
	var ids []int64
	rows, err := db.sql.QueryContext(ctx, `
		SELECT member_id FROM (SELECT DISTINCT member_id FROM brand_preferences WHERE member_id > $1 ORDER BY member_id LIMIT $2) p
		UNION SELECT member_id FROM (SELECT DISTINCT member_id FROM answers WHERE member_id > $1 ORDER BY member_id LIMIT $2) a
		UNION SELECT member_id FROM (SELECT DISTINCT member_id FROM orders WHERE member_id > $1 ORDER BY member_id LIMIT $2) o
		UNION SELECT member_id FROM (SELECT member_id FROM member_profiles WHERE member_id > $1 ORDER BY member_id LIMIT $2) s
		ORDER BY member_id LIMIT $2`, afterID, limit)
	if err != nil {
		return 0, 0, fmt.Errorf("members to analyse: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, 0, fmt.Errorf("members to analyse: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("members to analyse: %w", err)
	}
	rows.Close()
	if len(ids) == 0 {
		return 0, 0, nil
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		for _, id := range ids {
			if _, err := tx.RecomputeProfile(ctx, id); err != nil && fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return ids[len(ids)-1], len(ids), nil
}

// HasMemberProfiles reports whether any profile is stored.
func (db *DB) HasMemberProfiles(ctx context.Context) (bool, error) {
	var id int64
	err := db.sql.QueryRowContext(ctx, `SELECT member_id FROM member_profiles LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("member profiles: %w", err)
	}
	return true, nil
}

var errProfileNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "This member's profile has not been analysed.")

// MemberProfile returns the stored profile of member memberID, or
// ENOTFOUND when none is stored (the member had nothing to analyse).
func (db *DB) MemberProfile(ctx context.Context, memberID int64) (fanmail.MemberProfile, error) {
	p := fanmail.MemberProfile{MemberID: memberID}
	var group sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `
		SELECT preferred_group_id, group_favourites, group_styles, group_spent, purchase_pattern,
			units_full_price, units_sale, units_outlet, units_event, units_unknown, computed_at
		FROM member_profiles WHERE member_id = $1`, memberID).Scan(
		&group, &p.Group.Favourites, &p.Group.Styles, &p.Group.Spent, &p.PurchasePattern,
		&p.Units.FullPrice, &p.Units.Sale, &p.Units.Outlet, &p.Units.Event, &p.Units.Unknown, &p.ComputedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errProfileNotFound
	}
	if err != nil {
		return p, fmt.Errorf("profile of member %d: %w", memberID, err)
	}
	p.ComputedAt = p.ComputedAt.UTC()
	if !group.Valid {
		// No group, or its group was deleted since (ON DELETE SET NULL):
		// its votes no longer explain anything.
		p.Group = fanmail.GroupVotes{}
		return p, nil
	}
	p.PreferredGroupID, p.Group.GroupID = group.Int64, group.Int64
	return p, nil
}

// PurchasePattern returns the member's analysed purchase pattern inside tx,
// fanmail.PatternUnknown when none is stored.
func (tx *Tx) PurchasePattern(ctx context.Context, memberID int64) (string, error) {
	var p string
	err := tx.QueryRowContext(ctx, `SELECT purchase_pattern FROM member_profiles WHERE member_id = $1`, memberID).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && p == "") {
		return fanmail.PatternUnknown, nil
	}
	if err != nil {
		return "", fmt.Errorf("purchase pattern of member %d: %w", memberID, err)
	}
	return p, nil
}
