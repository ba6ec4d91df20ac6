package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func ordCreate(t *testing.T, db *store.DB, o fanmail.Order) fanmail.Order {
	t.Helper()
	var out fanmail.Order
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = tx.CreateOrder(context.Background(), o)
		return err
	})
	if err != nil {
		t.Fatalf("create order: %v", err)
	}
	return out
}

func TestDB_Orders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 14, 6, 30, 0, 0, time.UTC)
		advance := memFixedClock(db, t0)
		minji := memCreate(t, db, "minji@example.com", fanmail.GenderFemale, 1998)
		jihoon := memCreate(t, db, "jihoon@example.com", fanmail.GenderMale, 1995)
		g := mustCreateGroup(t, db, "casual", "캐주얼", true)
		oz := mustCreateBrand(t, db, g.ID, "ozsecond", "오즈세컨", true)
		coat := mustCreateProduct(t, db, fanmail.Product{BrandID: oz.ID, Code: "OZ-COAT-01", Name: "울 코트", Shelf: "new", Price: 259000, Published: true})

		o1 := ordCreate(t, db, fanmail.Order{MemberID: minji.ID, ExternalID: "A-1001", OrderedAt: t0.Add(-time.Hour),
			Amount: 259000 + 2*15000, Source: fanmail.OrderSourceAPI, Items: []fanmail.OrderItem{
				{ProductID: coat.ID, BrandID: oz.ID, Name: "울 코트", Quantity: 1, UnitPrice: 259000},
				{Name: "양말", Quantity: 2, UnitPrice: 15000},
			}})
		advance(time.Minute)
		o2 := ordCreate(t, db, fanmail.Order{MemberID: jihoon.ID, ExternalID: "A-1002", OrderedAt: t0,
			Amount: 259000, Source: fanmail.OrderSourceCSV, Items: []fanmail.OrderItem{
				{ProductID: coat.ID, BrandID: oz.ID, Name: "울 코트", Quantity: 1, UnitPrice: 259000}}})

		t.Run("ByID", func(t *testing.T) {
			got, err := db.OrderByID(ctx, o1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(o1, got); diff != "" {
				t.Errorf("order (-created +read):\n%s", diff)
			}
			if got.Items[1].ProductID != 0 || got.Items[1].BrandID != 0 {
				t.Errorf("item without product: %+v", got.Items[1])
			}
		})

		t.Run("ByExternalID", func(t *testing.T) {
			got, err := db.OrderByExternalID(ctx, "A-1002")
			if err != nil || got.ID != o2.ID || len(got.Items) != 1 {
				t.Errorf("got %+v, %v", got, err)
			}
			if _, err := db.OrderByExternalID(ctx, "nope"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("unknown order: %v", err)
			}
		})

		t.Run("ErrDuplicateExternalID", func(t *testing.T) {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.CreateOrder(ctx, fanmail.Order{MemberID: jihoon.ID, ExternalID: "A-1001", OrderedAt: t0,
					Amount: 1, Source: fanmail.OrderSourceAPI, Items: []fanmail.OrderItem{{Name: "x", Quantity: 1, UnitPrice: 1}}})
				return err
			})
			if fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "external_id" {
				t.Errorf("duplicate: %v", err)
			}
			// Nothing of the refused order stays.
			if got, _ := db.Orders(ctx, store.OrderFilter{MemberID: jihoon.ID}); len(got) != 1 {
				t.Errorf("jihoon has %d orders, want 1", len(got))
			}
		})

		t.Run("ErrUnknownMember", func(t *testing.T) {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.CreateOrder(ctx, fanmail.Order{MemberID: 999999, ExternalID: "A-9", OrderedAt: t0, Amount: 1,
					Source: fanmail.OrderSourceAPI})
				return err
			})
			if fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("unknown member: %v", err)
			}
		})

		t.Run("List", func(t *testing.T) {
			all, err := db.Orders(ctx, store.OrderFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, o := range all {
				ids = append(ids, o.ID)
			}
			if diff := cmp.Diff([]int64{o2.ID, o1.ID}, ids); diff != "" {
				t.Errorf("newest first (-want +got):\n%s", diff)
			}
			if all[1].MemberName != "김민지" || all[1].MemberEmail != "minji@example.com" || len(all[1].Items) != 2 {
				t.Errorf("summary %+v", all[1])
			}
			page, _ := db.Orders(ctx, store.OrderFilter{Before: o2.ID, Limit: 1})
			if len(page) != 1 || page[0].ID != o1.ID {
				t.Errorf("second page %+v", page)
			}
			mine, _ := db.Orders(ctx, store.OrderFilter{MemberID: minji.ID})
			if len(mine) != 1 || mine[0].ID != o1.ID {
				t.Errorf("minji's orders %+v", mine)
			}
		})

		t.Run("Confirmation", func(t *testing.T) {
			due, err := db.DueConfirmations(ctx, t0.Add(-time.Hour), t0.Add(time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int64{o1.ID, o2.ID}, due); diff != "" {
				t.Errorf("due (-want +got):\n%s", diff)
			}
			sent := t0.Add(2 * time.Minute)
			if ok, err := db.MarkOrderConfirmation(ctx, o1.ID, &sent, ""); !ok || err != nil {
				t.Fatalf("mark sent: %v %v", ok, err)
			}
			// A second sender records nothing.
			if ok, err := db.MarkOrderConfirmation(ctx, o1.ID, &sent, ""); ok || err != nil {
				t.Errorf("marked twice: %v %v", ok, err)
			}
			if ok, err := db.MarkOrderConfirmation(ctx, o2.ID, nil, fanmail.ConfirmSkipInactive); !ok || err != nil {
				t.Fatalf("mark skipped: %v %v", ok, err)
			}
			due, _ = db.DueConfirmations(ctx, t0.Add(-time.Hour), t0.Add(time.Hour), 10)
			if len(due) != 0 {
				t.Errorf("still due: %v", due)
			}
			got, _ := db.OrderByID(ctx, o1.ID)
			if got.ConfirmationSentAt == nil || !got.ConfirmationSentAt.Equal(sent) || got.ConfirmationSkipped != "" {
				t.Errorf("o1 confirmation %v %q", got.ConfirmationSentAt, got.ConfirmationSkipped)
			}
			got, _ = db.OrderByID(ctx, o2.ID)
			if got.ConfirmationSentAt != nil || got.ConfirmationSkipped != fanmail.ConfirmSkipInactive {
				t.Errorf("o2 confirmation %v %q", got.ConfirmationSentAt, got.ConfirmationSkipped)
			}
		})
	})
}
