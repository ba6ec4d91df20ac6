package loyalty_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// BenchmarkRedeem measures redemptions per second, each a transaction that
// debits the balance, records the redemption and queues its receipt mail:
// all against one member's balance (every request waits for the one
// before), and spread over 100 members. Run with
//
//	FANMAIL_TEST_POSTGRES_URL=… go test ./internal/loyalty -run '^$' -bench Redeem
func BenchmarkRedeem(b *testing.B) {
	engines := map[string]func(b *testing.B) *store.DB{
		"sqlite":   func(b *testing.B) *store.DB { return storetest.OpenSQLite(b) },
		"postgres": func(b *testing.B) *store.DB { return storetest.OpenPostgres(b, storetest.PostgresURL(b)) },
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		for _, members := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/members=%d", engine, members), func(b *testing.B) {
				benchRedeem(b, engines[engine](b), members)
			})
		}
	}
}

func benchRedeem(b *testing.B, db *store.DB, members int) {
	ctx := context.Background()
	w := newWorld(b, db)
	r := reward(b, w, fanmail.RewardProduct, 1, 0)
	ids := make([]int64, members)
	perMember := int64(b.N/members + 1)
	for i := range ids {
		m := w.member
		if i > 0 {
			m = mustMember(b, db, fmt.Sprintf("bench%d@example.com", i), "벤치", fanmail.LangKorean)
		}
		ids[i] = m.ID
		for left := perMember; left > 0; left -= fanmail.MaxChipsPerEntry {
			chips(b, db, m.ID, w.brand.ID, min(left, fanmail.MaxChipsPerEntry), nil)
		}
	}
	var n atomic.Int64
	b.SetParallelism(8) // database-bound: more requests in flight than CPUs
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			_, _, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: fmt.Sprint("bench-", i),
				MemberID: ids[int(i)%members], RewardID: r.ID, ShopID: w.shop.ID})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "redemptions/s")
}
