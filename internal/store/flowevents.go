package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// FlowEvent is an event as stored, waiting to be relayed to its handlers.
type FlowEvent struct {
	ID        int64
	Kind      string
	Payload   json.RawMessage
	CreatedAt time.Time
}

// Emit writes ev in tx, so it exists exactly when the change it reports
// does. The relay (flow.Relay) hands it to the job queue after commit.
func (tx *Tx) Emit(ctx context.Context, ev fanmail.Event) error {
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("emit %s: %w", ev.EventKind(), err)
	}
	var member int64
	if m, ok := ev.(interface{ EventMember() int64 }); ok {
		member = m.EventMember()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO flow_events (kind, member_id, payload, created_at) VALUES ($1, $2, $3, $4)`,
		ev.EventKind(), member, string(payload), tx.Now); err != nil {
		return fmt.Errorf("emit %s: %w", ev.EventKind(), err)
	}
	return nil
}

// PendingEvents returns up to limit events not yet dispatched, oldest first.
func (db *DB) PendingEvents(ctx context.Context, limit int) ([]FlowEvent, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, kind, payload, created_at FROM flow_events
		WHERE dispatched_at IS NULL ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending events: %w", err)
	}
	defer rows.Close()
	var out []FlowEvent
	for rows.Next() {
		var e FlowEvent
		var p string
		if err := rows.Scan(&e.ID, &e.Kind, &p, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("pending events: %w", err)
		}
		e.Payload = json.RawMessage(p)
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkEventsDispatched records that events ids were handed to the job queue.
func (db *DB) MarkEventsDispatched(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = strconv.FormatInt(id, 10)
	}
	_, err := db.sql.ExecContext(ctx, `UPDATE flow_events SET dispatched_at = $1 WHERE id IN (`+strings.Join(in, ",")+`)`, db.Now())
	if err != nil {
		return fmt.Errorf("mark events dispatched: %w", err)
	}
	return nil
}

// EventsOfMember returns the events about member id, newest first, for the
// member's journey.
func (db *DB) EventsOfMember(ctx context.Context, memberID int64, limit int) ([]FlowEvent, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, kind, payload, created_at FROM flow_events
		WHERE member_id = $1 ORDER BY id DESC LIMIT $2`, memberID, limit)
	if err != nil {
		return nil, fmt.Errorf("events of member: %w", err)
	}
	defer rows.Close()
	var out []FlowEvent
	for rows.Next() {
		var e FlowEvent
		var p string
		if err := rows.Scan(&e.ID, &e.Kind, &p, &e.CreatedAt); err != nil {
			return nil, err
		}
		e.Payload = json.RawMessage(p)
		out = append(out, e)
	}
	return out, rows.Err()
}
