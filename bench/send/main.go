// Command send benchmarks the campaign engine: it seeds N members (all with
// marketing consent) on SQLite or PostgreSQL, starts the SMTP sink from
// ../shared/tools/smtpsink in its own process, and sends a personalised
// campaign to every member through the real engine, in a fresh child process
// per run so that CPU time and peak RSS are the engine's alone. It prints
// messages per second, wall time, fanmail CPU per message, peak RSS and the
// sink's count, which must equal N.
//
//	go run ./bench/send -db sqlite:/tmp/bench.db -n 100000 -runs 3
//	go run ./bench/send -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -n 1000000
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/store"
)

type flags struct {
	db            string
	n             int
	runs          int
	concurrency   int
	perWorker     int
	segment       bool
	outbox        bool
	outboxWorkers int
	batch         int
	dkim          string
	sinkBin       string
	sinkAddr      string
	sinkHTTP      string
	sinkRunning   bool
	reseed        bool
	child         string
	cpuprofile    string
	memprofile    string
	rate          float64
	poll          time.Duration
	verbose       bool
	debug         bool
}

func main() {
	var f flags
	flag.StringVar(&f.db, "db", "", "database: sqlite:PATH or postgres://… (schema fanmail_bench_N); default sqlite:$TMPDIR/fanmail-bench-N.db")
	flag.IntVar(&f.n, "n", 100000, "members to send to")
	flag.IntVar(&f.runs, "runs", 1, "campaigns to send, one child process each")
	flag.IntVar(&f.concurrency, "concurrency", 16, "SMTP connections")
	flag.IntVar(&f.perWorker, "conns-per-worker", 0, "SMTP connections per worker goroutine (0: the engine's default)")
	flag.BoolVar(&f.outbox, "outbox", false, "send one survey invitation per member through the outbox instead of a campaign")
	flag.IntVar(&f.outboxWorkers, "outbox-workers", 0, "outbox workers (0: the outbox's default)")
	flag.BoolVar(&f.segment, "segment", false, "send to a segment (every member with e-mail consent), claimed window by window of member ids")
	flag.IntVar(&f.batch, "batch", 0, "sends claimed per batch (0: the engine's default)")
	flag.Float64Var(&f.rate, "rate", 0, "messages per second limit (0: none)")
	flag.DurationVar(&f.poll, "poll", 100*time.Millisecond, "the engine's PollInterval (its default is 2s)")
	flag.StringVar(&f.dkim, "dkim", "", "sign with a fresh DKIM key: ed25519 or rsa")
	flag.StringVar(&f.sinkBin, "sink", "", "smtpsink binary (default: build ../shared/tools/smtpsink)")
	flag.StringVar(&f.sinkAddr, "sink-addr", "127.0.0.1:2525", "sink SMTP address")
	flag.StringVar(&f.sinkHTTP, "sink-http", "127.0.0.1:2526", "sink stats address")
	flag.BoolVar(&f.sinkRunning, "sink-running", false, "use a sink that is already running")
	flag.BoolVar(&f.reseed, "reseed", false, "seed the members again even if N are there")
	flag.StringVar(&f.child, "child", "", "internal: seed or run")
	flag.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile of the run to this file")
	flag.StringVar(&f.memprofile, "memprofile", "", "write an allocation profile of the run to this file")
	flag.BoolVar(&f.verbose, "v", false, "log the engine's progress")
	flag.BoolVar(&f.debug, "vv", false, "log every batch")
	flag.Parse()
	if f.db == "" {
		f.db = "sqlite:" + filepath.Join(os.TempDir(), fmt.Sprintf("fanmail-bench-%d.db", f.n))
	}
	if err := run(f); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(f flags) error {
	switch f.child {
	case "seed":
		return seedChild(f)
	case "run":
		return runChild(f)
	}
	fmt.Println(machine())
	unlock, err := lockDB(f)
	if err != nil {
		return err
	}
	defer unlock()
	if err := child(f, "seed", nil); err != nil {
		return err
	}
	if !f.sinkRunning {
		stop, err := startSink(f)
		if err != nil {
			return err
		}
		defer stop()
	}
	var results []result
	for i := range f.runs {
		if _, err := sinkPost(f, "/reset"); err != nil {
			return err
		}
		sinkCPU0 := sinkCPU(f)
		var out bytes.Buffer
		if err := child(f, "run", &out); err != nil {
			return err
		}
		var r result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			return fmt.Errorf("run %d output %q: %w", i+1, out.String(), err)
		}
		stats, err := sinkStats(f)
		if err != nil {
			return err
		}
		r.SinkMessages, r.SinkRate = stats.Messages, stats.MsgsPerSec
		if last, err := time.Parse(time.RFC3339Nano, stats.LastMessage); err == nil && !r.FinishedAt.IsZero() {
			r.FinishLag = r.FinishedAt.Sub(last)
		}
		if stats.Messages > 0 {
			r.BytesPerMsg = float64(stats.Bytes) / float64(stats.Messages)
			if c := sinkCPU(f); c >= 0 && sinkCPU0 >= 0 {
				r.SinkCPUPerMsg = (c - sinkCPU0) / float64(stats.Messages) * 1e6
			}
		}
		fmt.Println(r)
		if r.SinkMessages != int64(f.n) {
			fmt.Printf("  WARNING: the sink counted %d messages, want %d\n", r.SinkMessages, f.n)
		}
		results = append(results, r)
	}
	if len(results) > 1 {
		fmt.Println(summary(results))
	}
	return nil
}

// child runs this program again as a child doing phase.
func child(f flags, phase string, stdout io.Writer) error {
	args := append([]string{"-child", phase}, os.Args[1:]...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if stdout != nil {
		cmd.Stdout = stdout
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", phase, err)
	}
	return nil
}

func openDB(ctx context.Context, f flags) (*store.DB, error) {
	url := f.db
	if strings.HasPrefix(url, "postgres") {
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		schema := fmt.Sprintf("fanmail_bench_%d", f.n) // one per size, seeded once
		url += sep + "search_path=" + schema + "&application_name=fanmail_bench"
		boot, err := store.Open(ctx, f.db)
		if err != nil {
			return nil, err
		}
		_, err = boot.SQL().ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema)
		boot.Close()
		if err != nil {
			return nil, err
		}
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// seedChild makes sure exactly f.n members with consent exist.
func seedChild(f flags) error {
	ctx := context.Background()
	db, err := openDB(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	var have int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM members`).Scan(&have); err != nil {
		return err
	}
	if have == f.n && !f.reseed {
		fmt.Printf("seed: %d members already there\n", have)
		return clearCampaigns(ctx, db)
	}
	t0 := time.Now()
	if err := seed(ctx, db, f.n); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seed: %d members in %v\n", f.n, time.Since(t0).Round(time.Millisecond))
	return nil
}

// clearCampaigns drops the sends of earlier runs so each run starts alike.
func clearCampaigns(ctx context.Context, db *store.DB) error {
	for _, q := range []string{`DELETE FROM events`, `DELETE FROM sends`, `DELETE FROM links`, `DELETE FROM campaigns`} {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			return err
		}
	}
	if db.Engine() == store.Postgres {
		_, err := db.SQL().ExecContext(ctx, `VACUUM ANALYZE sends`)
		return err
	}
	_, err := db.SQL().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// seed replaces all members by n members with marketing consent. The
// benchmark's own SQL: fanmail's store has no bulk generator.
func seed(ctx context.Context, db *store.DB, n int) error {
	if err := clearCampaigns(ctx, db); err != nil {
		return err
	}
	now := time.Now().UTC()
	gen := `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $2)`
	from := `seq`
	cast := ""
	if db.Engine() == store.Postgres {
		gen, from, cast = ``, `generate_series(1, $2) AS seq(i)`, `::text`
	}
	stmts := []string{
		`DELETE FROM member_consents`, `DELETE FROM consents`, `DELETE FROM brand_preferences`, `DELETE FROM members`,
		gen + ` INSERT INTO members (code, email, email_normalized, name, lang, status, source, birth_year, gender, created_at, updated_at)
		SELECT 'fan' || i` + cast + `, 'fan' || i` + cast + ` || '@bench.example', 'fan' || i` + cast + ` || '@bench.example',
			CASE i % 8 WHEN 0 THEN '김민지' WHEN 1 THEN '이서연' WHEN 2 THEN '박지훈' WHEN 3 THEN '최수아'
				WHEN 4 THEN '정하준' WHEN 5 THEN '강지우' WHEN 6 THEN 'Jin Park' ELSE '윤서준' END,
			'ko', 'active', 'import', 1975 + i % 30, CASE i % 2 WHEN 0 THEN 'female' ELSE 'male' END, $1, $1
		FROM ` + from,
		`INSERT INTO member_consents (member_id, purpose, granted, updated_at)
		SELECT id, 'marketing_email', TRUE, $1 FROM members`,
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, q := range stmts {
			var args []any
			if strings.Contains(q, "$2") {
				args = []any{now, n}
			} else if strings.Contains(q, "$1") {
				args = []any{now}
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("%.60s…: %w", strings.TrimSpace(q), err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if db.Engine() == store.Postgres {
		_, err = db.SQL().ExecContext(ctx, `VACUUM ANALYZE`)
	}
	return err
}

// body is the benchmark mail: a short personalised note with a tracked link
// and the legal footer, about 1.2 kB of HTML once rendered.
const body = `<p>{{.Member.Name}}님, 안녕하세요!</p>
<p>오즈세컨 강남점에 봄 신상품이 도착했어요. 가볍고 따뜻한 재킷과 니트를 만나 보세요.
{{.Member.Code}} 회원님께만 이번 주 10% 할인 쿠폰을 드려요.</p>
<p><a href="https://shop.example.com/spring?utm_source=fanmail">신상품 보러 가기</a></p>
{{footer}}`

// result is one run's figures.
type result struct {
	Engine         string        `json:"engine"`
	N              int           `json:"n"`
	QueueSeconds   float64       `json:"queue_seconds"` // materialising the sends
	SendSeconds    float64       `json:"send_seconds"`
	WallSeconds    float64       `json:"wall_seconds"` // queue + send
	MsgsPerSec     float64       `json:"msgs_per_sec"` // N / wall
	CPUSeconds     float64       `json:"cpu_seconds"`  // this process, user + system
	CPUPerMsg      float64       `json:"cpu_us_per_msg"`
	PeakRSSMB      float64       `json:"peak_rss_mb"`
	DBCPUPerMsg    float64       `json:"db_cpu_us_per_msg,omitempty"` // PostgreSQL backends serving this process
	Sent           int64         `json:"sent"`
	DKIM           string        `json:"dkim,omitempty"`
	SyscallsPerMsg float64       `json:"syscalls_per_msg"` // read + write system calls (/proc/self/io)
	SwitchesPerMsg float64       `json:"switches_per_msg"` // voluntary + involuntary context switches
	FinishedAt     time.Time     `json:"finished_at"`      // the campaign's finished_at
	FinishLag      time.Duration `json:"-"`                // from the sink's last message to FinishedAt
	SinkMessages   int64         `json:"-"`
	SinkRate       float64       `json:"-"`
	SinkCPUPerMsg  float64       `json:"-"`
	BytesPerMsg    float64       `json:"-"`
}

func (r result) String() string {
	d := ""
	if r.DKIM != "" {
		d = " dkim=" + r.DKIM
	}
	db := ""
	if r.DBCPUPerMsg > 0 {
		db = fmt.Sprintf(", PostgreSQL CPU %.1f µs/msg", r.DBCPUPerMsg)
	}
	return fmt.Sprintf("%s n=%d%s: %.0f msg/s (wall %.1fs = queue %.1fs + send %.1fs), fanmail CPU %.1f µs/msg (%.1fs), peak RSS %.0f MB, "+
		"sink %d msgs at %.0f msg/s, %.0f B/msg, sink CPU %.1f µs/msg%s; per msg %.2f read/write syscalls, %.2f context switches; "+
		"finished %.1f ms after the sink's last message",
		r.Engine, r.N, d, r.MsgsPerSec, r.WallSeconds, r.QueueSeconds, r.SendSeconds, r.CPUPerMsg, r.CPUSeconds, r.PeakRSSMB,
		r.SinkMessages, r.SinkRate, r.BytesPerMsg, r.SinkCPUPerMsg, db, r.SyscallsPerMsg, r.SwitchesPerMsg, float64(r.FinishLag.Microseconds())/1000)
}

func summary(rs []result) string {
	pick := func(f func(result) float64) string {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		return fmt.Sprintf("%.1f–%.1f", v[0], v[len(v)-1])
	}
	return fmt.Sprintf("%s n=%d over %d runs: %s msg/s, wall %s s, CPU %s µs/msg, peak RSS %s MB",
		rs[0].Engine, rs[0].N, len(rs), pick(func(r result) float64 { return r.MsgsPerSec }), pick(func(r result) float64 { return r.WallSeconds }),
		pick(func(r result) float64 { return r.CPUPerMsg }), pick(func(r result) float64 { return r.PeakRSSMB }))
}

// runChild sends one campaign to every member and prints a result as JSON.
func runChild(f flags) error {
	ctx := context.Background()
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelInfo
	}
	if f.debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	db, err := openDB(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := resetRuns(ctx, db); err != nil {
		return fmt.Errorf("removing earlier runs: %w", err)
	}
	if f.outbox {
		return runOutbox(ctx, f, db, logger)
	}
	relay, err := email.ParseRelayURL(fmt.Sprintf("smtp://%s?tls=none&concurrency=%d&rate=%g", f.sinkAddr, f.concurrency, f.rate))
	if err != nil {
		return err
	}
	opts := campaign.Options{BaseURL: "https://fan.example.com", Relays: []email.Relay{relay}, BatchSize: f.batch, ConnsPerWorker: f.perWorker,
		PollInterval: f.poll}
	if f.dkim != "" {
		key, err := email.GenerateDKIMKey(f.dkim)
		if err != nil {
			return err
		}
		opts.DKIM = &email.DKIM{Domain: "ozsecond.example", Selector: "bench", Key: key}
	}
	s := campaign.New(db, opts, logger)
	snd, err := s.CreateSender(ctx, fanmail.Sender{Name: "오즈세컨 강남점", FromName: "오즈세컨", FromEmail: "news@ozsecond.example",
		Kind: fanmail.SenderShop, Address: "서울특별시 강남구 테헤란로 123", Phone: "02-1234-5678"})
	if err != nil {
		return err
	}
	camp := fanmail.Campaign{Name: "bench", IsAd: true, SenderID: snd.ID,
		Subject: "{{.Member.Name}}님, 봄 신상품 10% 할인", Preheader: "이번 주 일요일까지", Body: body, TrackPeople: true}
	if f.segment {
		seg, err := db.CreateSegment(ctx, fanmail.Segment{Name: "bench", Rules: fanmail.SegmentRules{Op: fanmail.SegmentAnd,
			Conditions: []fanmail.SegmentCondition{{Field: fanmail.FieldConsent, Op: fanmail.OpGranted, Values: []string{fanmail.PurposeMarketingEmail}}}}})
		if err != nil {
			return err
		}
		camp.SegmentID = seg.ID
	}
	c, err := s.CreateCampaign(ctx, camp)
	if err != nil {
		return err
	}
	stopProfile, err := startProfile(f)
	if err != nil {
		return err
	}
	defer stopProfile()
	cpu0 := cpuSeconds()
	sys0, sw0 := syscallCount(), switches()
	dbCPU := newBackendCPUTracker(ctx, db)
	t0 := time.Now()
	if _, err := s.Schedule(ctx, c.ID, time.Time{}); err != nil {
		return err
	}
	if err := s.Tick(ctx); err != nil {
		return err
	}
	t1 := time.Now()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	for {
		c, err := s.Campaign(ctx, c.ID)
		if err != nil {
			return err
		}
		if c.Status != fanmail.CampaignSending {
			break
		}
		dbCPU.sample(ctx, db)
		select {
		case err := <-done:
			return fmt.Errorf("engine stopped: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t2 := time.Now()
	stop()
	<-done
	if f.memprofile != "" {
		mf, err := os.Create(f.memprofile)
		if err != nil {
			return err
		}
		pprof.Lookup("allocs").WriteTo(mf, 0)
		mf.Close()
	}
	cpu := cpuSeconds() - cpu0
	dbCPUSeconds := dbCPU.total(ctx, db)
	p, err := s.Status(ctx, c.ID)
	if err != nil {
		return err
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	r := result{Engine: db.Engine(), N: f.n, QueueSeconds: t1.Sub(t0).Seconds(), SendSeconds: t2.Sub(t1).Seconds(),
		WallSeconds: t2.Sub(t0).Seconds(), CPUSeconds: cpu, PeakRSSMB: float64(ru.Maxrss) / 1024, Sent: p.Sent, DKIM: f.dkim}
	if p.Campaign.FinishedAt != nil {
		r.FinishedAt = *p.Campaign.FinishedAt
	}
	r.MsgsPerSec = float64(f.n) / r.WallSeconds
	r.CPUPerMsg = cpu / float64(f.n) * 1e6
	r.SyscallsPerMsg = float64(syscallCount()-sys0) / float64(f.n)
	r.SwitchesPerMsg = float64(switches()-sw0) / float64(f.n)
	if dbCPUSeconds > 0 {
		r.DBCPUPerMsg = dbCPUSeconds / float64(f.n) * 1e6
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}

// resetRuns removes the campaigns of earlier runs with their sends, links
// and events, so that every run starts from the same database: a million
// more sends per run would otherwise make each run slower than the last.
// It runs before the run's CPU time is counted.
func resetRuns(ctx context.Context, db *store.DB) error {
	if db.Engine() == store.Postgres {
		// sends (no foreign keys since migration 0038) and every table
		// that refers to campaigns go too (links, events, campaign_progress).
		_, err := db.SQL().ExecContext(ctx, `TRUNCATE campaigns, sends, member_engagement CASCADE`)
		if err == nil {
			_, err = db.SQL().ExecContext(ctx, `DELETE FROM segments`)
		}
		return err
	}
	// sends and events have no foreign keys on SQLite: deleted first.
	for _, q := range []string{`DELETE FROM events`, `DELETE FROM sends`, `DELETE FROM member_engagement`, `DELETE FROM campaigns`, `DELETE FROM segments`} {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// backendCPU returns the CPU seconds of the PostgreSQL backends serving this
// process so far (0 on SQLite, whose work is in cpuSeconds). Backends that
// came and went in between are not counted (see backendCPUTracker).
func backendCPU(ctx context.Context, db *store.DB) float64 {
	total := 0.0
	for _, s := range backendCPUs(ctx, db) {
		total += s
	}
	return total
}

// backendCPUs returns the CPU seconds of each PostgreSQL backend serving
// this process so far, by pid (none on SQLite): those of its database
// named fanmail_bench.
func backendCPUs(ctx context.Context, db *store.DB) map[int]float64 {
	out := map[int]float64{}
	if db.Engine() != store.Postgres {
		return out
	}
	// Other benchmarks on the same server may run as fanmail_bench too.
	rows, err := db.SQL().QueryContext(ctx, `SELECT pid FROM pg_stat_activity
		WHERE application_name = 'fanmail_bench' AND datname = current_database()`)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			if s := procCPU(pid); s >= 0 {
				out[pid] = s
			}
		}
	}
	return out
}

// backendCPUTracker sums the CPU the PostgreSQL backends serving this
// process use during a run, sampled as it goes. A backend that exits
// mid-run (the pool closes connections idle for store.ConnMaxIdle, a
// minute) keeps what it used up to its last sample, where the difference
// of two sums would drop it, and subtract what it had used before the run.
type backendCPUTracker struct {
	start, last map[int]float64
	sampledAt   time.Time
}

func newBackendCPUTracker(ctx context.Context, db *store.DB) *backendCPUTracker {
	t := &backendCPUTracker{start: backendCPUs(ctx, db), sampledAt: time.Now()}
	t.last = maps.Clone(t.start)
	return t
}

// sample reads the backends' CPU if a second has passed since the last
// read: a backend exits only after a minute idle, so nothing is lost, and
// the query itself costs PostgreSQL little.
func (t *backendCPUTracker) sample(ctx context.Context, db *store.DB) {
	if time.Since(t.sampledAt) < time.Second {
		return
	}
	t.sampledAt = time.Now()
	maps.Copy(t.last, backendCPUs(ctx, db))
}

// total reads the backends' CPU once more and returns the seconds used
// since the tracker was made.
func (t *backendCPUTracker) total(ctx context.Context, db *store.DB) float64 {
	maps.Copy(t.last, backendCPUs(ctx, db))
	total := 0.0
	for pid, s := range t.last {
		total += s - t.start[pid]
	}
	return total
}

// syscallCount returns the read and write system calls of this process so
// far (syscr + syscw of /proc/self/io), 0 where that file is missing.
func syscallCount() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	var n int64
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		if k == "syscr" || k == "syscw" {
			x, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			n += x
		}
	}
	return n
}

// switches returns the context switches of this process so far.
func switches() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Nvcsw + ru.Nivcsw
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

var sinkPID int

// startSink builds and starts the sink in its own process.
func startSink(f flags) (stop func(), err error) {
	bin := f.sinkBin
	if bin == "" {
		dir, err := os.MkdirTemp("", "smtpsink")
		if err != nil {
			return nil, err
		}
		bin = filepath.Join(dir, "smtpsink")
		src := "/work/shared/tools/smtpsink"
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Dir = src
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("build smtpsink: %w", err)
		}
	}
	// Another benchmark's sink on these addresses would count both runs'
	// mail (and answer for this one's, had it failed to bind).
	for _, addr := range []string{f.sinkAddr, f.sinkHTTP} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("something already listens on %s: pass -sink-running to share that sink, or other -sink-addr and -sink-http (below 32768, outside the ephemeral ports)", addr)
		}
	}
	cmd := exec.Command(bin, "-addr", f.sinkAddr, "-http", f.sinkHTTP)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sinkPID = cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for range 100 {
		if _, err := sinkStats(f); err == nil {
			break
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("smtpsink exited: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return func() { cmd.Process.Signal(syscall.SIGTERM); <-exited }, nil
}

// lockDB keeps two runs of this program from seeding and sending in the
// same database at once (their defaults are one database per size): an
// advisory lock on PostgreSQL (the server may be shared), a file lock
// beside a SQLite file.
func lockDB(f flags) (unlock func(), err error) {
	busy := fmt.Errorf("another bench/send is using %s at this size; wait for it or pass another -db", f.db)
	if strings.HasPrefix(f.db, "postgres") {
		ctx := context.Background()
		db, err := store.Open(ctx, f.db)
		if err != nil {
			return nil, err
		}
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		var ok bool
		err = conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, fmt.Sprintf("fanmail_bench_%d", f.n)).Scan(&ok)
		if err != nil || !ok {
			conn.Close()
			db.Close()
			if err == nil {
				err = busy
			}
			return nil, err
		}
		return func() { conn.Close(); db.Close() }, nil
	}
	lf, err := os.OpenFile(strings.TrimPrefix(f.db, "sqlite:")+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lf.Close()
		return nil, busy
	}
	return func() { lf.Close() }, nil
}

// sinkCPU returns the sink's CPU seconds so far, or -1 when unknown.
func sinkCPU(f flags) float64 {
	if sinkPID == 0 {
		return -1
	}
	return procCPU(sinkPID)
}

// procCPU returns the user and system CPU seconds of process pid, or -1.
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return (ut + st) / 100 // clock ticks (USER_HZ = 100 on Linux)
}

type sinkSnapshot struct {
	Messages    int64   `json:"messages"`
	Bytes       int64   `json:"bytes"`
	MsgsPerSec  float64 `json:"msgs_per_sec"`
	LastMessage string  `json:"last_message"`
}

func sinkStats(f flags) (sinkSnapshot, error) {
	var s sinkSnapshot
	resp, err := http.Get("http://" + f.sinkHTTP + "/stats")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

func sinkPost(f flags, path string) (sinkSnapshot, error) {
	var s sinkSnapshot
	resp, err := http.Post("http://"+f.sinkHTTP+path, "", nil)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// machine describes where the benchmark runs.
func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		mem = strings.Fields(strings.Split(string(b), "\n")[0])[1] + " kB RAM"
	}
	load, _ := os.ReadFile("/proc/loadavg")
	return fmt.Sprintf("%s: %d CPUs (%s), %s, %s %s/%s, load average %s", time.Now().Format(time.RFC3339), runtime.NumCPU(), model, mem,
		runtime.Version(), runtime.GOOS, runtime.GOARCH, strings.Join(strings.Fields(string(load))[:3], " "))
}

// startProfile starts the CPU profile -cpuprofile asks for.
func startProfile(f flags) (stop func(), err error) {
	if f.cpuprofile == "" {
		return func() {}, nil
	}
	pf, err := os.Create(f.cpuprofile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(pf); err != nil {
		return nil, err
	}
	return pprof.StopCPUProfile, nil
}
