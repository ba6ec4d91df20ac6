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
			// o1's confirmation is an outbox message; o2 was too old.
			var msgID int64
			err := db.InTx(ctx, func(tx *store.Tx) error {
				m, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageOrderConfirmation, Channel: fanmail.ChannelEmail,
					Purpose: fanmail.PurposeTransactional, MemberID: o1.MemberID, Ref: store.OrderConfirmationRef(o1.ID)})
				msgID = m.ID
				if err != nil {
					return err
				}
				return tx.SkipOrderConfirmation(ctx, o2.ID, fanmail.ConfirmSkipOld)
			})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := db.OrderByID(ctx, o1.ID)
			if got.ConfirmationSentAt != nil || got.ConfirmationSkipped != "" {
				t.Errorf("o1 confirmation while queued: %v %q, want due", got.ConfirmationSentAt, got.ConfirmationSkipped)
			}
			if err := db.RecordMessages(ctx, []store.MessageOutcome{{ID: msgID, Status: fanmail.MessageSent, MessageID: "x@test"}}); err != nil {
				t.Fatal(err)
			}
			got, _ = db.OrderByID(ctx, o1.ID)
			if got.ConfirmationSentAt == nil || !got.ConfirmationSentAt.Equal(db.Now()) || got.ConfirmationSkipped != "" {
				t.Errorf("o1 confirmation %v %q, want sent at %v", got.ConfirmationSentAt, got.ConfirmationSkipped, db.Now())
			}
			got, _ = db.OrderByID(ctx, o2.ID)
			if got.ConfirmationSentAt != nil || got.ConfirmationSkipped != fanmail.ConfirmSkipOld {
				t.Errorf("o2 confirmation %v %q", got.ConfirmationSentAt, got.ConfirmationSkipped)
			}
			if err := db.RecordMessages(ctx, []store.MessageOutcome{{ID: msgID, Status: fanmail.MessageFailed, Error: "550"}}); err != nil {
				t.Fatal(err)
			}
			// A failure after a send cannot happen; this reads the failed state.
			if _, err := db.SQL().ExecContext(ctx, `UPDATE messages SET sent_at = NULL WHERE id = $1`, msgID); err != nil {
				t.Fatal(err)
			}
			list, _ := db.Orders(ctx, store.OrderFilter{MemberID: o1.MemberID})
			if len(list) != 1 || list[0].ConfirmationSkipped != fanmail.ConfirmFailed {
				t.Errorf("failed confirmation in the list: %+v", list)
			}
		})
	})
}
