package order_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/korean"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestService_ImportCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		minji := e.member(t, "minji@example.com", "김민지", "ko", true)
		e.member(t, "jihoon@example.com", "박지훈", "ko", false)

		file := "external_id,member_email,member_id,ordered_at,product_code,quantity,unit_price,shop_code\n" +
			"A-1,minji@example.com,,2026-03-14 10:00,OZ-COAT-01,1,,GN01\n" + // line 2: one order of two items
			"A-1,minji@example.com,,2026-03-14 10:00,OZ-COAT-01,2,\"199,000\",GN01\n" +
			"A-2,,%d,2026-03-13,OZ-COAT-01,1,259000,\n" + // line 4: by member number
			"A-3,jihoon@example.com,,2026-03-14 09:00,NO-SUCH,1,1000,\n" + // line 5: unknown product
			"A-4,jihoon@example.com,,yesterday,OZ-COAT-01,1,,\n" + // line 6: bad date
			"\n" +
			"A-5,jihoon@example.com,,2026-03-14T09:30:00+09:00,OZ-COAT-01,3,,\n" // line 8
		file = fmt.Sprintf(file, minji.ID)

		res, err := e.svc.ImportCSV(ctx, strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		want := order.ImportResult{Lines: 6, Orders: 3, Items: 4, Failed: 2, Errors: []order.LineError{
			{Line: 5, Message: "Product not found."},
			{Line: 6, Message: "The order date %q is not a date (use 2026-03-14 15:04).", Args: []any{"yesterday"}},
		}}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("result (-want +got):\n%s", diff)
		}
		a1, err := db.OrderByExternalID(ctx, "A-1")
		if err != nil {
			t.Fatal(err)
		}
		if a1.Amount != 259000+2*199000 || a1.ShopID != e.shop.ID || a1.Source != fanmail.OrderSourceCSV ||
			!a1.OrderedAt.Equal(time.Date(2026, 3, 14, 1, 0, 0, 0, time.UTC)) {
			t.Errorf("A-1 = %+v (ordered_at read in Asia/Seoul)", a1)
		}
		a5, _ := db.OrderByExternalID(ctx, "A-5")
		if !a5.OrderedAt.Equal(time.Date(2026, 3, 14, 0, 30, 0, 0, time.UTC)) || a5.Amount != 3*259000 {
			t.Errorf("A-5 = %+v", a5)
		}
		// Recent orders got their confirmation (3 stored orders).
		e.smtp.WaitFor(t, 3, 10*time.Second)

		t.Run("Again", func(t *testing.T) {
			again, err := e.svc.ImportCSV(ctx, strings.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if again.Orders != 0 || again.Duplicates != 3 || again.Failed != 2 {
				t.Errorf("second import %+v", again)
			}
			if n := len(e.smtp.Messages()); n != 3 {
				t.Errorf("%d mails after importing again, want 3", n)
			}
		})
	})
}

func TestService_ImportCSV_Encodings(t *testing.T) {
	db := storetest.OpenSQLite(t)
	e := newEnv(t, db)
	ctx := context.Background()
	e.member(t, "minji@example.com", "김민지", "ko", true)
	korean949, err := korean.EUCKR.NewEncoder().Bytes([]byte(
		"주문번호,이메일,주문일시,상품코드,수량,단가\r\nK-1,minji@example.com,2026-03-14 10:00,,1,39000\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("CP949", func(t *testing.T) {
		// The product code is empty and there is no name column: line 2 is refused.
		res, err := e.svc.ImportCSV(ctx, bytes.NewReader(korean949))
		if err != nil {
			t.Fatal(err)
		}
		if res.Failed != 1 || len(res.Errors) != 1 || res.Errors[0].Line != 2 {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("BOM", func(t *testing.T) {
		file := "\ufeffexternal_id,member,ordered_at,상품명,수량,단가\nK-2,minji@example.com,2026-03-14,니트 양말,2,\"15,000원\"\n"
		res, err := e.svc.ImportCSV(ctx, strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if res.Orders != 1 || res.Items != 1 || len(res.Errors) != 0 {
			t.Errorf("result %+v", res)
		}
		o, _ := db.OrderByExternalID(ctx, "K-2")
		if o.Amount != 30000 || o.Items[0].Name != "니트 양말" {
			t.Errorf("K-2 = %+v", o)
		}
	})
	t.Run("ErrNoColumns", func(t *testing.T) {
		_, err := e.svc.ImportCSV(ctx, strings.NewReader("a,b\n1,2\n"))
		if fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("got %v", err)
		}
		_, err = e.svc.ImportCSV(ctx, strings.NewReader(""))
		if fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("empty file: %v", err)
		}
	})
}

// TestService_ImportCSV_BadText refuses the orders of lines holding a NUL,
// which SQLite would store and PostgreSQL refuse, line by line.
func TestService_ImportCSV_BadText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.member(t, "minji@example.com", "김민지", "ko", true)
		file := "external_id,member_email,ordered_at,product_code,name,quantity,unit_price,shop_code\n" +
			"N-1,minji@example.com,2026-03-14 10:00,,니트 양말,1,15000,GN\x0001\n" + // line 2: NUL in the shop code
			"N-2,minji@example.com,2026-03-14 10:00,,니트 양말,1,15000,\n" + // line 3: a good order...
			"N-2,minji@example.com,2026-03-14 10:00,,울\x00 코트,1,259000,\n" + // line 4: ...with a bad line
			"N-3,minji@example.com,2026-03-14 10:00,,니트 양말,2,15000,\n" // line 5
		res, err := e.svc.ImportCSV(t.Context(), strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		const bad = "This line holds text that is not valid UTF-8 or contains a NUL character."
		want := order.ImportResult{Lines: 4, Orders: 1, Items: 1, Failed: 2, Errors: []order.LineError{
			{Line: 2, Message: bad}, {Line: 4, Message: bad},
		}}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("result (-want +got):\n%s", diff)
		}
		if _, err := db.OrderByExternalID(t.Context(), "N-2"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("order N-2 with a bad line: %v, want not stored", err)
		}
	})
}
