package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Withdrawals
//
// A member can withdraw while mail to them is already claimed: consent
// withdrawn, the address suppressed (unsubscribe, complaint, staff), the
// member deactivated. Claims check these when they are made; the
// withdrawal feed makes the check hold up to the hand-off to SMTP. Every
// withdrawal writes a row of withdrawals in its own transaction, and the
// sending workers consult the feed just before each RCPT
// (WithdrawalFeed.Enter), which a poller per process keeps current by
// reading the rows committed since it last looked, every feedPoll.
//
// Polling alone would leave a window: a withdrawal committed just after a
// read is not seen until the next. So withdrawals and reads are fenced.
// While a process's feed is open it holds a shared lock (an advisory lock
// on PostgreSQL, which every node takes, and a lock in this process, all
// SQLite has: one process uses it), and a withdrawal takes the lock
// exclusively before it writes its row, so it commits only while no feed
// is open. A feed's poller that finds a withdrawal waiting closes its gate
// (workers wait before their next hand-off), lets the lock go, takes it
// back once the withdrawal has committed, reads it and opens the gate
// again; otherwise it re-reads without closing the gate, taking a second
// lock before it lets the first go. So no mail is handed to SMTP after a
// withdrawal of its member commits (one already written to the relay may
// finish), and a withdrawal waits at most until the next poll of each node
// that is sending. A node that does not let go within fenceWait is passed
// over; its gate closes by itself when its feed is not confirmed within
// gateValid, shorter than fenceWait.
//
// Bounces are not withdrawals: suppressing a bounced address is not
// fenced, and a campaign learns of it when it claims.

// Kinds of withdrawal.
const (
	WithdrawConsent     = "consent"     // Detail: the purpose withdrawn
	WithdrawSuppression = "suppression" // Detail: the suppression reason
	WithdrawStatus      = "status"      // Detail: the member's new status
)

// Withdrawal is one row of the feed.
type Withdrawal struct {
	ID       int64 // in commit order
	MemberID int64
	Kind     string
	Detail   string
	At       time.Time
}

const (
	feedPoll  = 100 * time.Millisecond // how often an open feed is read
	feedIdle  = 20                     // polls without a hand-off before the feed closes
	feedWait  = 10 * time.Second       // how long Enter waits for the feed to open
	feedKeep  = time.Hour              // withdrawals older than this are no batch's concern
	gateValid = 2 * time.Second        // a feed not confirmed for this long stops hand-offs
	fenceWait = 5 * time.Second        // how long a withdrawal waits for the feeds
	// withdrawalLock is the PostgreSQL advisory lock of the fence ("fanmailw").
	withdrawalLock int64 = 0x66616e6d61696c77
)

// withdraw records a withdrawal of member memberID in the feed, fenced.
func (tx *Tx) withdraw(ctx context.Context, memberID int64, kind, detail string) error {
	if err := tx.fence(ctx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO withdrawals (member_id, kind, detail, created_at) VALUES ($1, $2, $3, $4)`,
		memberID, kind, detail, tx.Now); err != nil {
		return fmt.Errorf("record withdrawal: %w", err)
	}
	return nil
}

// withdrawAddress records the suppression of the normalized address email
// for the members who have it.
func (tx *Tx) withdrawAddress(ctx context.Context, email, reason string) error {
	if err := tx.fence(ctx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO withdrawals (member_id, kind, detail, created_at)
		SELECT id, $2, $3, $4 FROM members WHERE email_normalized = $1`, email, WithdrawSuppression, reason, tx.Now); err != nil {
		return fmt.Errorf("record withdrawal: %w", err)
	}
	return nil
}

// fence takes the withdrawal fence for the rest of tx, once: it waits until
// no feed is open, in this process and on PostgreSQL on any node, and keeps
// feeds from opening again until tx ends.
func (tx *Tx) fence(ctx context.Context) error {
	if tx.fenced {
		return nil
	}
	tx.fenced = true
	tx.ends = append(tx.ends, tx.db.fence.write(ctx, fenceWait))
	if tx.db.engine != Postgres {
		return nil
	}
	// A node that does not let go within fenceWait is passed over (its
	// gate has closed by then): the savepoint undoes the failed wait.
	if _, err := tx.ExecContext(ctx, `SAVEPOINT withdrawal_fence`); err != nil {
		return fmt.Errorf("withdrawal fence: %w", err)
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = %d`, fenceWait.Milliseconds()))
	if err == nil {
		_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, withdrawalLock)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT withdrawal_fence`); err != nil {
			return fmt.Errorf("withdrawal fence: %w", err)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT withdrawal_fence`); err != nil {
		return fmt.Errorf("withdrawal fence: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout TO DEFAULT`); err != nil {
		return fmt.Errorf("withdrawal fence: %w", err)
	}
	return nil
}

// fence orders this process's withdrawals (writers) and the slots of its
// feed's poller (readers). A waiting writer keeps new readers out.
type fence struct {
	mu      sync.Mutex
	readers int
	writers int
	fell    chan struct{} // closed and replaced when readers or writers fall
	arrived chan struct{} // closed and replaced when a writer arrives
}

// signal closes *ch, if made, and replaces it.
func signal(ch *chan struct{}) {
	if *ch != nil {
		close(*ch)
	}
	*ch = make(chan struct{})
}

// wait returns *ch, making it if needed; f.mu is held.
func wait(ch *chan struct{}) <-chan struct{} {
	if *ch == nil {
		*ch = make(chan struct{})
	}
	return *ch
}

// tryRead takes a reader slot unless a writer waits.
func (f *fence) tryRead() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.writers > 0 {
		return false
	}
	f.readers++
	return true
}

// read takes a reader slot once no writer is left.
func (f *fence) read(ctx context.Context) error {
	if !f.waitUntil(ctx, nil, func() bool { return f.writers == 0 }) {
		return ctx.Err()
	}
	f.readers++
	f.mu.Unlock()
	return nil
}

// waitUntil waits until cond holds, reporting true with f.mu held, or
// until timeout fires or ctx ends, reporting false.
func (f *fence) waitUntil(ctx context.Context, timeout <-chan time.Time, cond func() bool) bool {
	for {
		f.mu.Lock()
		if cond() {
			return true
		}
		fell := wait(&f.fell)
		f.mu.Unlock()
		select {
		case <-fell:
		case <-timeout:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (f *fence) unread() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.readers--
	signal(&f.fell)
}

// writerArrived is closed when the next writer arrives.
func (f *fence) writerArrived() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return wait(&f.arrived)
}

// write registers a writer and waits, at most patience, until no reader
// is left; release ends the writer.
func (f *fence) write(ctx context.Context, patience time.Duration) (release func()) {
	f.mu.Lock()
	f.writers++
	signal(&f.arrived)
	f.mu.Unlock()
	release = func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.writers--
		signal(&f.fell)
	}
	t := time.NewTimer(patience)
	defer t.Stop()
	if f.waitUntil(ctx, t.C, func() bool { return f.readers == 0 }) {
		f.mu.Unlock()
	}
	return release
}

// WithdrawalFeed is this process's view of the withdrawals, for sending
// workers: Pos before claiming, Enter and Leave around each hand-off. Get it
// with DB.Withdrawals. It opens on first use and closes when unused.
type WithdrawalFeed struct {
	db   *DB
	base time.Time // for validUntil, on the monotonic clock
	used atomic.Bool
	// validUntil (since base) is how long the feed may be trusted: the
	// poller extends it when it confirms the feed. 0: closed.
	validUntil atomic.Int64

	// gate is held shared by workers from their check to the hand-off, and
	// exclusively by the poller to change what follows or to close it.
	gate    sync.RWMutex
	pos     int64
	members map[int64][]Withdrawal

	mu      sync.Mutex
	running bool
	closed  bool
	kick    chan struct{}
	ready   chan struct{} // closed and replaced when the feed is confirmed
	err     error         // of the last poll
	stop    chan struct{}
	stopped chan struct{}

	// The poller's alone.
	held    []feedSlot
	spare   []*sql.Conn // PostgreSQL connections holding no lock, kept for the next slot
	pruneAt time.Time
}

// feedSlot is a reader slot of the fence, and on PostgreSQL the
// connection holding the shared advisory lock.
type feedSlot struct{ conn *sql.Conn }

// Withdrawals returns this process's withdrawal feed.
func (db *DB) Withdrawals() *WithdrawalFeed {
	db.feedOnce.Do(func() {
		db.feed = &WithdrawalFeed{db: db, base: time.Now(), members: map[int64][]Withdrawal{},
			kick: make(chan struct{}, 1), ready: make(chan struct{}), stop: make(chan struct{})}
	})
	return db.feed
}

// Pos returns the feed's position, opening the feed if needed: a claim
// made after Pos returns reflects every withdrawal up to it, and Enter
// tells of those after it.
func (f *WithdrawalFeed) Pos(ctx context.Context) (int64, error) {
	f.used.Store(true)
	for {
		f.gate.RLock()
		if f.valid() {
			p := f.pos
			f.gate.RUnlock()
			return p, nil
		}
		f.gate.RUnlock()
		if err := f.await(ctx); err != nil {
			return 0, err
		}
	}
}

// Enter waits until the feed is current and keeps it so, and every
// withdrawal from committing, until Leave: hand the mail to SMTP in
// between, and only if none of the withdrawals returned, member memberID's
// since the feed opened, has an ID after the position of the claim. The
// slice is valid until Leave. Errors: the feed could not be opened.
func (f *WithdrawalFeed) Enter(ctx context.Context, memberID int64) ([]Withdrawal, error) {
	if !f.used.Load() {
		f.used.Store(true)
	}
	for {
		f.gate.RLock()
		if f.valid() {
			return f.members[memberID], nil
		}
		f.gate.RUnlock()
		if err := f.await(ctx); err != nil {
			return nil, err
		}
	}
}

// Leave ends what Enter began.
func (f *WithdrawalFeed) Leave() { f.gate.RUnlock() }

func (f *WithdrawalFeed) valid() bool { return int64(time.Since(f.base)) < f.validUntil.Load() }

// await starts the poller if needed, asks it to poll and waits for the
// feed to be confirmed.
func (f *WithdrawalFeed) await(ctx context.Context) error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return errors.New("withdrawal feed: the database is closed")
	}
	if !f.running {
		f.running, f.stopped = true, make(chan struct{})
		go f.run()
	}
	ready := f.ready
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
	t := time.NewTimer(feedWait)
	defer t.Stop()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	f.mu.Lock()
	err := f.err
	f.mu.Unlock()
	if err == nil {
		err = errors.New("not open in time")
	}
	return fmt.Errorf("withdrawal feed: %w", err)
}

// close stops the poller; DB.Close calls it.
func (f *WithdrawalFeed) close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	running, stopped := f.running, f.stopped
	close(f.stop)
	f.mu.Unlock()
	if running {
		<-stopped
	}
}

// run polls until stopped, or until no worker has used the feed for
// feedIdle polls.
func (f *WithdrawalFeed) run() {
	defer close(f.stopped)
	t := time.NewTicker(feedPoll)
	defer t.Stop()
	idle := 0
	for {
		// Taken before the poll: a withdrawal arriving during it is served
		// at once.
		arrived := f.db.fence.writerArrived()
		err := f.poll()
		f.mu.Lock()
		f.err = err
		if err == nil {
			close(f.ready)
			f.ready = make(chan struct{})
		}
		f.mu.Unlock()
		select {
		case <-f.stop:
			f.closeSlots()
			return
		case <-t.C:
		case <-f.kick:
		case <-arrived:
		}
		if f.used.Swap(false) {
			idle = 0
			continue
		}
		if idle++; idle < feedIdle {
			continue
		}
		f.closeSlots()
		f.mu.Lock()
		if len(f.kick) == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		idle = 0
	}
}

// poll reads the withdrawals committed since the last poll, without
// closing the gate unless a withdrawal waits for the fence.
func (f *WithdrawalFeed) poll() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, rows, ok, err := f.trySlot(ctx)
	if err != nil {
		return err
	}
	if ok {
		// The read was covered by a slot all along: the old slots can go
		// without closing the gate.
		f.gate.Lock()
		f.apply(rows)
		f.confirm()
		f.gate.Unlock()
		for _, old := range f.held {
			f.release(old)
		}
		f.held = append(f.held[:0], s)
		return nil
	}
	// A withdrawal waits: close the gate, let it commit, read it.
	f.gate.Lock()
	defer f.gate.Unlock()
	f.dropSlots()
	if s, err = f.slot(ctx); err != nil {
		return err
	}
	f.held = append(f.held, s)
	if rows, err = f.read(ctx); err != nil {
		return err
	}
	f.apply(rows)
	f.confirm()
	return nil
}

func (f *WithdrawalFeed) confirm() { f.validUntil.Store(int64(time.Since(f.base) + gateValid)) }

// closeSlots closes the gate, lets every slot go and returns the
// connections to the pool.
func (f *WithdrawalFeed) closeSlots() {
	f.gate.Lock()
	defer f.gate.Unlock()
	f.dropSlots()
	for _, c := range f.spare {
		c.Close()
	}
	f.spare = f.spare[:0]
}

// dropSlots lets every slot go, the gate held, and no hand-off may follow
// until the feed is confirmed again.
func (f *WithdrawalFeed) dropSlots() {
	f.validUntil.Store(0)
	for _, s := range f.held {
		f.release(s)
	}
	f.held = f.held[:0]
}

// read returns the withdrawals after the feed's position (only the poller
// moves it, so reading it unguarded is safe here).
func (f *WithdrawalFeed) read(ctx context.Context) ([]Withdrawal, error) {
	rows, err := f.db.sql.QueryContext(ctx, `SELECT TRUE, id, member_id, kind, detail, created_at FROM withdrawals
		WHERE id > $1 AND created_at > $2 ORDER BY id`, f.pos, f.db.Now().Add(-feedKeep).UTC())
	_, ws, err := scanWithdrawals(rows, err)
	return ws, err
}

// scanWithdrawals reads rows of a lock's outcome and a withdrawal (all
// NULL when there is none), as read and trySlot select them.
func scanWithdrawals(rows *sql.Rows, err error) (bool, []Withdrawal, error) {
	if err != nil {
		return false, nil, fmt.Errorf("read withdrawals: %w", err)
	}
	defer rows.Close()
	locked := false
	var ws []Withdrawal
	for rows.Next() {
		var id, member sql.NullInt64
		var kind, detail sql.NullString
		var at sql.NullTime
		if err := rows.Scan(&locked, &id, &member, &kind, &detail, &at); err != nil {
			return false, nil, fmt.Errorf("read withdrawals: %w", err)
		}
		if id.Valid {
			ws = append(ws, Withdrawal{ID: id.Int64, MemberID: member.Int64, Kind: kind.String, Detail: detail.String, At: at.Time})
		}
	}
	return locked, ws, rows.Err()
}

// apply adds ws to the feed, now and then forgetting withdrawals older than
// feedKeep; the gate is held.
func (f *WithdrawalFeed) apply(ws []Withdrawal) {
	for _, w := range ws {
		f.members[w.MemberID] = append(f.members[w.MemberID], w)
		f.pos = w.ID
	}
	if now := time.Now(); now.After(f.pruneAt) {
		f.pruneAt = now.Add(feedKeep / 4)
		old := f.db.Now().Add(-feedKeep)
		for id, list := range f.members {
			if list[len(list)-1].At.Before(old) {
				delete(f.members, id)
			}
		}
	}
}

// trySlot takes a slot unless a withdrawal waits for the fence, and reads
// the withdrawals committed since the last poll. On PostgreSQL, while the
// poller holds a slot already, one statement does both: no withdrawal can
// commit meanwhile, so its snapshot, taken before the lock, is current.
func (f *WithdrawalFeed) trySlot(ctx context.Context) (feedSlot, []Withdrawal, bool, error) {
	if !f.db.fence.tryRead() {
		return feedSlot{}, nil, false, nil
	}
	if f.db.engine != Postgres {
		ws, err := f.read(ctx)
		if err != nil {
			f.db.fence.unread()
			return feedSlot{}, nil, false, err
		}
		return feedSlot{}, ws, true, nil
	}
	conn, err := f.conn(ctx)
	if err != nil {
		f.db.fence.unread()
		return feedSlot{}, nil, false, err
	}
	var ok bool
	var ws []Withdrawal
	if len(f.held) > 0 {
		ok, ws, err = scanWithdrawals(conn.QueryContext(ctx, `SELECT l.ok, w.id, w.member_id, w.kind, w.detail, w.created_at
			FROM (SELECT pg_try_advisory_lock_shared($1) AS ok) l
			LEFT JOIN withdrawals w ON l.ok AND w.id > $2 AND w.created_at > $3 ORDER BY w.id`,
			withdrawalLock, f.pos, f.db.Now().Add(-feedKeep).UTC()))
	} else if err = conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock_shared($1)`, withdrawalLock).Scan(&ok); err == nil && ok {
		ws, err = f.read(ctx)
	}
	s := feedSlot{conn: conn}
	switch {
	case err != nil && ok:
		f.release(s)
	case err != nil || !ok:
		f.spare = append(f.spare, conn)
		f.db.fence.unread()
	}
	if err != nil {
		return feedSlot{}, nil, false, fmt.Errorf("withdrawal feed: %w", err)
	}
	return s, ws, ok, nil
}

// conn returns a spare PostgreSQL connection, or a new one from the pool.
func (f *WithdrawalFeed) conn(ctx context.Context) (*sql.Conn, error) {
	if n := len(f.spare); n > 0 {
		c := f.spare[n-1]
		f.spare = f.spare[:n-1]
		return c, nil
	}
	c, err := f.db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("withdrawal feed: %w", err)
	}
	return c, nil
}

// slot takes a slot once the withdrawals waiting have committed.
func (f *WithdrawalFeed) slot(ctx context.Context) (feedSlot, error) {
	if err := f.db.fence.read(ctx); err != nil {
		return feedSlot{}, err
	}
	if f.db.engine != Postgres {
		return feedSlot{}, nil
	}
	conn, err := f.conn(ctx)
	if err == nil {
		if _, err = conn.ExecContext(ctx, `SELECT pg_advisory_lock_shared($1)`, withdrawalLock); err != nil {
			conn.Close()
		}
	}
	if err != nil {
		f.db.fence.unread()
		return feedSlot{}, fmt.Errorf("withdrawal feed: %w", err)
	}
	return feedSlot{conn: conn}, nil
}

// release lets slot s go, keeping its connection for the next.
func (f *WithdrawalFeed) release(s feedSlot) {
	if s.conn != nil {
		if _, err := s.conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock_shared($1)`, withdrawalLock); err != nil {
			// The connection may still hold the lock: never reuse it.
			s.conn.Raw(func(any) error { return driver.ErrBadConn })
			s.conn.Close()
		} else {
			f.spare = append(f.spare, s.conn)
		}
	}
	f.db.fence.unread()
}
