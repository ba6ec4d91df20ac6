package store

import (
	"fmt"
	"strconv"
	"strings"
)

// dialect holds the only statements that differ between SQLite and PostgreSQL.
type dialect struct {
	// lockMigrations serialises migrations across app nodes (PostgreSQL);
	// SQLite's immediate transactions already allow one writer.
	lockMigrations   string
	unlockMigrations string
	// skipLocked ends the sub-selects that claim rows (outbox messages):
	// FOR UPDATE SKIP LOCKED on PostgreSQL, so claimers on several nodes
	// never wait for or take each other's rows; nothing on SQLite, where the
	// immediate transaction is the only writer.
	skipLocked string
	// forUpdate ends a SELECT that locks the rows it reads until the
	// transaction ends (PostgreSQL); nothing on SQLite.
	forUpdate string
	// inIDs is a condition "%[1]s is one of the ids of parameter %[2]s",
	// the same text for any number of ids: an array on PostgreSQL, a JSON
	// array (json_each) on SQLite. idList turns the ids into that parameter.
	inIDs  string
	idList func(ids []int64) any
	// consented is the audience's consent and suppression test over
	// "members m", looked up member by member. PostgreSQL's subqueries end
	// with OFFSET 0, which keeps it from flattening them into joins that
	// would read the consents from the first member on for every batch.
	consented string
	// consentsFrom is a FROM clause reading the marketing consents in member
	// order and joining their members, and consentsJoin what the WHERE
	// clause needs for the join: SQLite's CROSS JOIN keeps the consents
	// outside, so they are read from their index in member order.
	consentsFrom, consentsJoin string
	// timestamp casts parameter mark to a time (PostgreSQL cannot infer the
	// type of a parameter in a CASE).
	timestamp func(mark string) string
	// queueSends inserts a queued send for each row (mid, due) of the
	// SELECT standing for {members}, with campaign id $1, in member order
	// (on PostgreSQL with its pair's id, pairID).
	queueSends string
	// lockCursor makes claimers of a campaign's audience (parameters: the
	// class cursorLockClass and the campaign id) take turns until their
	// transaction ends: an advisory lock on PostgreSQL, where claimers of
	// all nodes run at once, rather than FOR UPDATE on the campaign row,
	// which would make the workers' outcome counts wait for whole claims.
	// Empty on SQLite, whose immediate transactions already take turns.
	// On PostgreSQL it also keeps the rest of the transaction to index
	// scans (indexScans), in the same round trip.
	lockCursor string
	// indexScans keeps PostgreSQL from scanning tables whole until the
	// transaction ends, for statements that test every member against the
	// suppressions: it prices a scan of a table of a page or none at
	// nothing, and tests each member with one, but each of those scans
	// asks the kernel for the table's size (an lseek): 3 µs per member, a
	// fifth of a claim's cost, and four times the cost of counting an
	// audience with the suppressions' index. Empty on SQLite.
	indexScans string
	// insertSends inserts the sends of campaign $1 in state sent at $2 for
	// the members of the id list $3 (idList), in its order. PostgreSQL
	// gives each its pair's id (pairID); SQLite numbers them from $4 + 1,
	// one writer knowing the largest id.
	insertSends string
	// analyze returns the statements that refresh the planner's statistics
	// of tables. SQLite's read a sample of each index (analysis_limit,
	// reset after: it stays with the pooled connection).
	analyze func(tables []string) []string
	// lockAccessLog serialises appends to the access log's hash chain for
	// the rest of the transaction (PostgreSQL); SQLite has one writer.
	lockAccessLog string
}

var sqliteDialect = dialect{
	inIDs:        `%[1]s IN (SELECT value FROM json_each(%[2]s))`,
	idList:       func(ids []int64) any { return jsonIDs(ids) },
	consented:    consentedSQL(""),
	consentsFrom: `member_consents mc CROSS JOIN members m`,
	consentsJoin: `m.id = mc.member_id AND `,
	timestamp:    func(mark string) string { return mark },
	// One writer: the ids above the largest one are free, and member ids
	// ascend, so base + member id ascends too (gaps are harmless).
	queueSends: `INSERT INTO sends (id, campaign_id, member_id, state, token, next_attempt_at)
		SELECT b.base + x.mid, $1, x.mid, 'queued', '', x.due
		FROM ({members}) x, (SELECT COALESCE(MAX(id), 0) AS base FROM sends) b
		WHERE true
		ON CONFLICT (campaign_id, member_id) DO NOTHING`,
	insertSends: `INSERT INTO sends (id, campaign_id, member_id, state, attempts, sent_at, token)
		SELECT $4 + j.key + 1, $1, j.value, 'sent', 1, $2, '' FROM json_each($3) j WHERE true`,
	analyze: func(tables []string) []string {
		qs := []string{`PRAGMA analysis_limit = 1000`}
		for _, t := range tables {
			qs = append(qs, `ANALYZE `+t)
		}
		return append(qs, `PRAGMA analysis_limit = 0`)
	},
}

var postgresDialect = dialect{
	lockMigrations:   `SELECT pg_advisory_lock(72616131)`,
	unlockMigrations: `SELECT pg_advisory_unlock(72616131)`,
	skipLocked:       `FOR UPDATE SKIP LOCKED`,
	forUpdate:        `FOR UPDATE`,
	inIDs:            `%[1]s = ANY(%[2]s)`,
	idList: func(ids []int64) any {
		if ids == nil {
			return []int64{} // nil would be a NULL array, in which nothing is or is not
		}
		return ids
	},
	consented:    consentedSQL(" OFFSET 0"),
	consentsFrom: `member_consents mc JOIN members m ON m.id = mc.member_id`,
	timestamp:    func(mark string) string { return `CAST(` + mark + ` AS TIMESTAMPTZ)` },
	queueSends: `INSERT INTO sends (id, campaign_id, member_id, state, token, next_attempt_at)
		SELECT $1 * ` + pairIDBase + ` + x.mid, $1, x.mid, 'queued', '', x.due
		FROM ({members} ORDER BY m.id) x
		ON CONFLICT DO NOTHING`,
	lockCursor: `SELECT pg_advisory_xact_lock($1, $2), set_config('enable_seqscan', 'off', true)`,
	indexScans: `SELECT set_config('enable_seqscan', 'off', true)`,
	insertSends: `INSERT INTO sends (id, campaign_id, member_id, state, attempts, sent_at, token)
		SELECT $1 * ` + pairIDBase + ` + u.member_id, $1, u.member_id, 'sent', 1, $2, ''
		FROM unnest(CAST($3 AS BIGINT[])) u(member_id)`,
	analyze:       func(tables []string) []string { return []string{`ANALYZE ` + strings.Join(tables, ", ")} },
	lockAccessLog: `SELECT pg_advisory_xact_lock(72616132)`,
}

// pairIDBase is 2^32 in SQL: on PostgreSQL, a send created since migration
// 0041 has the id campaign_id * 2^32 + member_id (pairID).
const pairIDBase = "4294967296"

// pairID returns the id of PostgreSQL's send of campaign campaignID to
// member memberID: the primary key then also keeps the pair unique (0041).
// A member id of 2^32 or more would take another pair's id: the check
// sends_pair_id refuses it, failing the claim.
func pairID(campaignID, memberID int64) int64 { return campaignID<<32 + memberID }

func consentedSQL(tail string) string {
	return `EXISTS (SELECT 1 FROM member_consents mc
			WHERE mc.purpose = 'marketing_email' AND mc.granted AND mc.member_id = m.id` + tail + `)
		AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_normalized = m.email_normalized` + tail + `)`
}

// idsIn returns a condition "col is one of the ids passed as parameter $n"
// and the parameter's value (dialect.inIDs).
func (db *DB) idsIn(col string, n int, ids []int64) (string, any) {
	return fmt.Sprintf(db.d.inIDs, col, "$"+strconv.Itoa(n)), db.d.idList(ids)
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
