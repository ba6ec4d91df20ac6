package member_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// BenchImportRowsEnv lists the file sizes to benchmark, e.g. "100000,1000000";
// the benchmark is skipped without it. Each iteration imports the generated
// file (Korean names, seven bad rows per thousand) into a fresh database:
//
//	FANMAIL_BENCH_IMPORT_ROWS=100000,1000000 FANMAIL_TEST_POSTGRES_URL=… \
//	  go test ./internal/member -run '^$' -bench Import -benchtime 1x -count 3 -timeout 2h
const BenchImportRowsEnv = "FANMAIL_BENCH_IMPORT_ROWS"

func BenchmarkService_Import(b *testing.B) {
	env := os.Getenv(BenchImportRowsEnv)
	if env == "" {
		b.Skip(BenchImportRowsEnv + " not set")
	}
	dir := b.TempDir()
	for _, field := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n <= 0 {
			b.Fatalf("%s: bad row count %q", BenchImportRowsEnv, field)
		}
		path := filepath.Join(dir, fmt.Sprintf("members-%d.csv", n))
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		gen, err := writeMembersCSV(f, 0, n, time.Now())
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(path)
		for _, engine := range []string{store.SQLite, store.Postgres} {
			b.Run(fmt.Sprintf("%s/rows=%d", engine, n), func(b *testing.B) {
				var rows, heapMax uint64
				var elapsed time.Duration
				for range b.N {
					b.StopTimer()
					var db *store.DB
					if engine == store.SQLite {
						db = storetest.OpenSQLite(b)
					} else {
						db = storetest.OpenPostgres(b, storetest.PostgresURL(b))
					}
					s := newService(b, db)
					in, err := os.Open(path)
					if err != nil {
						b.Fatal(err)
					}
					runtime.GC()
					start := time.Now()
					b.StartTimer()
					res, err := s.Import(context.Background(), member.ImportRequest{Body: in, Size: st.Size()}, func(member.ImportProgress) {
						var ms runtime.MemStats
						runtime.ReadMemStats(&ms)
						heapMax = max(heapMax, ms.HeapInuse)
					})
					b.StopTimer()
					elapsed += time.Since(start)
					in.Close()
					if err != nil {
						b.Fatal(err)
					}
					if res.OK != gen.Good || res.Bad != int64(len(gen.BadLine)) {
						b.Fatalf("imported %+v, want %d ok, %d bad", res.ImportProgress, gen.Good, len(gen.BadLine))
					}
					rows += uint64(res.Rows)
					db.Close()
				}
				b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
				b.ReportMetric(float64(heapMax)/(1<<20), "MB-heap-max")
				b.ReportMetric(float64(st.Size())/(1<<20), "MB-file")
			})
		}
	}
}
