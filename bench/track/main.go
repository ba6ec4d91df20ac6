// Command track measures the open-pixel and click endpoints: it seeds a
// campaign into a fresh database (a temporary SQLite file, or a new schema of
// the PostgreSQL named by -postgres), serves the tracking routes on loopback
// in this process, fires a bounded number of requests at them for a bounded
// time, stores the buffered events and checks that the database holds exactly
// one event per successful request. It prints the request rate, the
// end-to-end rate (events stored / (load time + final flush)), latency and
// the CPU spent per request by this process and, on PostgreSQL, by the
// server processes of its connections. See docs/perf-tracking.md.
//
//	go run ./bench/track -engine sqlite -sends 10000 -requests 200000
//	go run ./bench/track -engine postgres -postgres postgres://postgres@127.0.0.1:5432/test
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/tracking/trackingtest"
	"github.com/fanmail/fanmail/internal/web/track"
)

type config struct {
	engine       string
	postgres     string
	sends        int
	requests     int
	duration     time.Duration
	concurrency  int
	clickShare   float64
	cache        bool
	batch        int
	interval     time.Duration
	cpuProfile   string
	null         bool
	idle         int
	sqliteParams string
	dropFKs      string
	whatIf       string
}

func main() {
	var c config
	flag.StringVar(&c.engine, "engine", "sqlite", "sqlite or postgres")
	flag.StringVar(&c.postgres, "postgres", os.Getenv("FANMAIL_TEST_POSTGRES_URL"), "PostgreSQL URL (a schema is created and dropped)")
	flag.IntVar(&c.sends, "sends", 10000, "sends (recipients) seeded; requests pick one at random")
	flag.IntVar(&c.requests, "requests", 200000, "requests to make at most")
	flag.DurationVar(&c.duration, "duration", 60*time.Second, "stop making requests after this long")
	flag.IntVar(&c.concurrency, "concurrency", 32, "concurrent client connections")
	flag.Float64Var(&c.clickShare, "clicks", 0.2, "share of requests that are clicks (the rest are opens)")
	flag.BoolVar(&c.cache, "cache", true, "token cache of the tracking service")
	flag.IntVar(&c.batch, "batch", 0, "event writer batch size (0: default)")
	flag.DurationVar(&c.interval, "interval", 0, "event writer flush interval (0: default)")
	flag.BoolVar(&c.null, "null", false, "serve the same URLs with a handler that does nothing (HTTP ceiling); the event check is skipped")
	flag.StringVar(&c.sqliteParams, "sqlite-params", "", "extra SQLite DSN parameters, e.g. ?_pragma=mmap_size(268435456)")
	flag.StringVar(&c.dropFKs, "pg-drop-fks", "", "what-if: drop these foreign keys of events first, e.g. link_id,send_id (PostgreSQL)")
	flag.StringVar(&c.whatIf, "what-if", "", "what-if: run these ;-separated SQL statements after migrating, e.g. 'DROP INDEX events_send'")
	flag.IntVar(&c.idle, "idle", 0, "database/sql idle connections to keep (0: the app's setting)")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the load phase to this file")
	flag.Parse()
	if c.requests <= 0 || c.requests > 10_000_000 || c.duration <= 0 || c.duration > 10*time.Minute ||
		c.concurrency < 1 || c.concurrency > 1024 || c.sends < 1 {
		fmt.Fprintln(os.Stderr, "track: requests must be 1..10M, duration up to 10m, concurrency 1..1024")
		os.Exit(2)
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "track:", err)
		os.Exit(1)
	}
}

// openDB opens a fresh database; reopen (PostgreSQL) opens a new pool tagged
// with an application name, so the load phase's server processes can be told
// from the seeding's and other users'.
func openDB(ctx context.Context, c config) (db *store.DB, reopen func() (*store.DB, error), cleanup func(), err error) {
	switch c.engine {
	case "sqlite":
		dir, err := os.MkdirTemp("", "fanmail-bench-track-")
		if err != nil {
			return nil, nil, nil, err
		}
		db, err := store.OpenSQLite(filepath.Join(dir, "bench.db") + c.sqliteParams)
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, nil, err
		}
		return db, nil, func() { os.RemoveAll(dir) }, nil
	case "postgres":
		if c.postgres == "" {
			return nil, nil, nil, fmt.Errorf("-postgres (or FANMAIL_TEST_POSTGRES_URL) is required")
		}
		conn, err := pgx.Connect(ctx, c.postgres)
		if err != nil {
			return nil, nil, nil, err
		}
		defer conn.Close(ctx)
		schema := "bench_" + strings.ToLower(rand.Text()[:10])
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			return nil, nil, nil, err
		}
		drop := func() {
			if conn, err := pgx.Connect(context.Background(), c.postgres); err == nil {
				conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
				conn.Close(context.Background())
			}
		}
		db, err := storetest.OpenPostgresSchema(c.postgres, schema)
		if err != nil {
			drop()
			return nil, nil, nil, err
		}
		reopen := func() (*store.DB, error) {
			sep := "?"
			if strings.Contains(c.postgres, "?") {
				sep = "&"
			}
			return storetest.OpenPostgresSchema(c.postgres+sep+"application_name="+schema, schema)
		}
		return db, reopen, drop, nil
	}
	return nil, nil, nil, fmt.Errorf("unknown engine %q", c.engine)
}

func run(c config) error {
	// Ctrl-C or SIGTERM ends the load phase early; the database is still
	// checked and removed.
	stop, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ctx := context.Background()
	db, reopen, cleanup, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer cleanup()
	defer func() { db.Close() }()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if c.dropFKs != "" {
		if c.engine != "postgres" {
			return fmt.Errorf("-pg-drop-fks needs -engine postgres")
		}
		// What-if only: how much of the insert cost the foreign-key checks are.
		for _, col := range strings.Split(c.dropFKs, ",") {
			if _, err := db.SQL().ExecContext(ctx, "ALTER TABLE events DROP CONSTRAINT events_"+strings.TrimSpace(col)+"_fkey"); err != nil {
				return err
			}
		}
	}
	for _, q := range strings.Split(c.whatIf, ";") {
		if q = strings.TrimSpace(q); q != "" {
			if _, err := db.SQL().ExecContext(ctx, q); err != nil {
				return fmt.Errorf("what-if %q: %w", q, err)
			}
		}
	}
	if c.idle > 0 {
		// database/sql keeps 2 idle connections by default: under concurrent
		// reads it opens and closes SQLite connections (schema parse and
		// pragmas each time) for almost every query.
		db.SQL().SetMaxIdleConns(c.idle)
	}
	t0 := time.Now()
	camp, err := trackingtest.SeedErr(ctx, db, trackingtest.Options{Members: c.sends, TrackPeople: true, SentAgo: time.Hour,
		Links: []string{"https://shop.example.com/ozsecond/spring", "https://shop.example.com/brands", "https://shop.example.com/event"}})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	seed := time.Since(t0)
	if reopen != nil {
		db.Close()
		if db, err = reopen(); err != nil {
			return err
		}
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	urls := tracking.NewURLs("http://bench.invalid", []byte("bench-key"))
	opts := tracking.Options{URLs: urls, Writer: tracking.WriterOptions{BatchSize: c.batch, Interval: c.interval}}
	if !c.cache {
		opts.CacheSize = -1
	}
	svc := tracking.New(db, logger, opts)
	h, err := track.New(track.Deps{Logger: logger, Tracking: svc})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	if c.null {
		// The HTTP ceiling of this machine: same requests, no tracking work.
		mux = http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/t/c/") {
				http.Redirect(w, r, "https://shop.example.com/", http.StatusFound)
				return
			}
			w.Header().Set("Content-Type", "image/gif")
			w.Write([]byte("GIF89a"))
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // loopback only
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	addr := ln.Addr().String()

	// Requests: random sends, opens and clicks mixed.
	rng := mrand.New(mrand.NewPCG(1, 2))
	paths := make([]string, c.requests)
	for i := range paths {
		s := camp.Sends[rng.IntN(len(camp.Sends))]
		var u string
		if rng.Float64() < c.clickShare {
			u = urls.Click(s.Token, camp.Links[rng.IntN(len(camp.Links))])
		} else {
			u = urls.Open(s.Token)
		}
		paths[i] = strings.TrimPrefix(u, urls.Base)
	}

	var next, ok, bad atomic.Int64
	lat := make([][]time.Duration, c.concurrency)
	deadline := time.Now().Add(c.duration)
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	cpu0, load0 := cpuTime(), loadAvg()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range c.concurrency {
		wg.Go(func() {
			cl, err := dial(addr)
			if err != nil {
				bad.Add(1)
				return
			}
			defer cl.close()
			for time.Now().Before(deadline) && stop.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(paths)) {
					return
				}
				t := time.Now()
				status, err := cl.get(paths[i])
				if err != nil {
					bad.Add(1)
					if cl, err = dial(addr); err != nil {
						return
					}
					continue
				}
				if status == http.StatusOK || status == http.StatusFound {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
				lat[w] = append(lat[w], time.Since(t))
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	if c.cpuProfile != "" {
		pprof.StopCPUProfile()
	}

	t1 := time.Now()
	if err := svc.Close(ctx); err != nil {
		return err
	}
	drain := time.Since(t1)
	srv.Close()
	stored, err := db.CountEvents(ctx, camp.ID, "")
	if err != nil {
		return err
	}

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[int(math.Min(float64(len(all)-1), p*float64(len(all))))]
	}
	wc := svc.WriterCounts()
	fmt.Printf("engine=%s sends=%d requests=%d ok=%d errors=%d concurrency=%d clicks=%.0f%% cache=%v cpus=%d\n",
		c.engine, c.sends, ok.Load()+bad.Load(), ok.Load(), bad.Load(), c.concurrency, c.clickShare*100, c.cache, runtime.NumCPU())
	fmt.Printf("wall=%.2fs rate=%.0f req/s p50=%v p99=%v cpu=%.2fs (%.1f µs/req, client included) seed=%.1fs\n",
		wall.Seconds(), float64(ok.Load())/wall.Seconds(), pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		cpu.Seconds(), float64(cpu.Microseconds())/float64(max(ok.Load(), 1)), seed.Seconds())
	if reopen != nil {
		pgCPU, err := backendCPU(ctx, db)
		if err != nil {
			return err
		}
		fmt.Printf("postgres backends cpu=%.2fs (%.1f µs/req, load phase and final flush)\n",
			pgCPU.Seconds(), float64(pgCPU.Microseconds())/float64(max(ok.Load(), 1)))
	}
	fmt.Printf("load average before=%s after=%s\n", load0, loadAvg())
	fmt.Printf("events stored=%d batches=%d dropped=%d final flush=%v match=%v end-to-end=%.0f events/s\n",
		stored, wc.Batches, wc.Dropped, drain.Round(time.Millisecond), stored == ok.Load(),
		float64(stored)/(wall+drain).Seconds())
	if stored != ok.Load() && !c.null {
		return fmt.Errorf("%d events stored for %d successful requests", stored, ok.Load())
	}
	return nil
}

// cpuTime returns the user+system CPU time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// client is a minimal HTTP/1.1 keep-alive client: one request in flight per
// connection, like a browser's; it costs far less CPU than net/http's client,
// which shares the two cores with the server being measured.
type client struct {
	conn net.Conn
	r    *bufio.Reader
	req  []byte
}

func dial(addr string) (*client, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &client{conn: c, r: bufio.NewReaderSize(c, 8192)}, nil
}

func (c *client) close() { c.conn.Close() }

// get sends GET path and reads the whole response; it returns the status.
func (c *client) get(path string) (int, error) {
	c.req = append(c.req[:0], "GET "...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: bench\r\nUser-Agent: fanmail-bench\r\n\r\n"...)
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, err
	}
	length := 0
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		if len(h) > 16 && strings.EqualFold(string(h[:15]), "content-length:") {
			length, _ = strconv.Atoi(strings.TrimSpace(string(h[15:])))
		}
	}
	if _, err := c.r.Discard(length); err != nil {
		return 0, err
	}
	return status, nil
}

// backendCPU sums the user+system CPU time of the PostgreSQL server
// processes serving this program's pool (Linux /proc; the server runs on
// this machine).
func backendCPU(ctx context.Context, db *store.DB) (time.Duration, error) {
	rows, err := db.SQL().QueryContext(ctx, `SELECT pid FROM pg_stat_activity
		WHERE application_name = (SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid())`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var ticks int64
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return 0, err
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || len(s) < i+2 {
			continue
		}
		f := strings.Fields(s[i+2:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return time.Duration(ticks) * 10 * time.Millisecond, rows.Err() // USER_HZ is 100 on Linux
}

// loadAvg returns the 1-minute load average, to tell a quiet machine from a busy one.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
