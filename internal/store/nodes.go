package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Nodes
//
// Every app process that sends mail joins as a node: a row of nodes with a
// lease that it renews every few seconds (Node.Run). Claims of campaign
// sends and outbox messages made through a DB that joined carry the node's
// id (locked_by). When a node's lease lapses (it died, or lost the
// database), the next heartbeat of any other node frees its claims, so
// they are sent again within seconds instead of when their locks expire
// minutes later; a node that starts again under the same name frees the
// claims of its previous life at once. Mail a dead node had written to the
// relay but not recorded may go out twice, as after a lock expires.

// DefaultNodeLease is how long a node's lease lasts unless renewed.
const DefaultNodeLease = 10 * time.Second

// expired is the lock time of freed claims: long past, whatever the clock.
var expired = time.Unix(0, 0).UTC()

// Node is this process as a member of the nodes sending mail.
type Node struct {
	ID    int64
	Name  string
	Lease time.Duration
	// Freed is how many claims of the node's previous life Join freed;
	// WasLeased says that life's lease had not lapsed yet (a restart right
	// after a crash, or another live process using the same name).
	Freed     int64
	WasLeased bool

	db       *DB
	prunedAt time.Time
}

// withdrawalsKept is how long rows of the withdrawal feed are kept.
const withdrawalsKept = 24 * time.Hour

// JoinNode registers this process as node name (unique per process that
// sends, stable across its restarts, e.g. host:port), leased for lease
// from now, frees the claims the node held before (it is starting again),
// and marks every claim made through db from now on as the node's.
func (db *DB) JoinNode(ctx context.Context, name string, lease time.Duration) (*Node, error) {
	n := &Node{Name: name, Lease: lease, db: db}
	err := db.InTx(ctx, func(tx *Tx) error {
		var until time.Time
		err := tx.QueryRowContext(ctx, `SELECT lease_until FROM nodes WHERE name = $1`, name).Scan(&until)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		n.WasLeased = err == nil && until.After(tx.Now)
		if err := tx.QueryRowContext(ctx, `INSERT INTO nodes (name, lease_until, started_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET lease_until = excluded.lease_until, started_at = excluded.started_at
			RETURNING id`, name, tx.Now.Add(lease), tx.Now).Scan(&n.ID); err != nil {
			return err
		}
		n.Freed, err = freeClaims(ctx, tx, n.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("join as node %q: %w", name, err)
	}
	db.node.Store(n.ID)
	return n, nil
}

// Heartbeat renews n's lease (joining again if another node took it for
// dead meanwhile) and frees the claims of every node whose lease lapsed;
// hourly it also forgets withdrawals older than a day. It returns how many
// claims it freed.
func (n *Node) Heartbeat(ctx context.Context) (int64, error) {
	db := n.db
	now := db.Now()
	res, err := db.sql.ExecContext(ctx, `UPDATE nodes SET lease_until = $1 WHERE id = $2`, now.Add(n.Lease), n.ID)
	if err != nil {
		return 0, fmt.Errorf("node heartbeat: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		// Taken for dead (a long pause): our claims were freed and may be
		// sent by others; carry on under a new id.
		again, err := db.JoinNode(ctx, n.Name, n.Lease)
		if err != nil {
			return 0, err
		}
		n.ID = again.ID
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT id FROM nodes WHERE lease_until < $1 AND id <> $2`, now, n.ID)
	if err != nil {
		return 0, fmt.Errorf("node heartbeat: %w", err)
	}
	var dead []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("node heartbeat: %w", err)
		}
		dead = append(dead, id)
	}
	rows.Close()
	if now.Sub(n.prunedAt) > time.Hour {
		if _, err := db.sql.ExecContext(ctx, `DELETE FROM withdrawals WHERE created_at < $1`, now.Add(-withdrawalsKept)); err != nil {
			return 0, fmt.Errorf("node heartbeat: forget old withdrawals: %w", err)
		}
		n.prunedAt = now
	}
	var freed int64
	for _, id := range dead {
		err := db.InTx(ctx, func(tx *Tx) error {
			// Only the node that removes the dead one frees its claims, and
			// only if it is still dead.
			res, err := tx.ExecContext(ctx, `DELETE FROM nodes WHERE id = $1 AND lease_until < $2`, id, now)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			k, err := freeClaims(ctx, tx, id)
			freed += k
			return err
		})
		if err != nil {
			return freed, fmt.Errorf("free the claims of node %d: %w", id, err)
		}
	}
	return freed, nil
}

// Run renews n's lease every lease/4 until ctx ends, calling freed when a
// heartbeat freed claims (wake the senders) and failed with the errors of
// heartbeats.
func (n *Node) Run(ctx context.Context, freed func(), failed func(error)) {
	t := time.NewTicker(n.Lease / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		k, err := n.Heartbeat(ctx)
		if err != nil && ctx.Err() == nil {
			failed(err)
		}
		if k > 0 {
			freed()
		}
	}
}

// freeClaims makes the claims of node id due at once: campaign sends (and
// batches of new sends in send_claims) and outbox messages. It returns how many
// rows it freed.
func freeClaims(ctx context.Context, tx *Tx, id int64) (int64, error) {
	var n int64
	for _, q := range []string{
		`UPDATE sends SET locked_until = $1 WHERE state = 'sending' AND locked_by = $2`,
		`UPDATE send_claims SET locked_until = $1 WHERE locked_by = $2`,
		`UPDATE message_queue SET run_at = $1 WHERE claimed AND locked_by = $2`,
	} {
		res, err := tx.ExecContext(ctx, q, expired, id)
		if err != nil {
			return n, err
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

// lockedBy is the node claims made through db are marked with, NULL when
// db has not joined as a node.
func (db *DB) lockedBy() sql.NullInt64 { return nullInt64(db.node.Load()) }
