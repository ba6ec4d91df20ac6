package demo_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/demo"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

type counts struct {
	Groups, Brands, Products, Images, Files, Shops, Preferences int
}

func countAll(t *testing.T, db *store.DB, mediaDir string) counts {
	t.Helper()
	ctx := context.Background()
	var c counts
	for dest, table := range map[*int]string{
		&c.Groups: "brand_groups", &c.Brands: "brands", &c.Products: "products",
		&c.Images: "product_images", &c.Shops: "shops", &c.Preferences: "brand_preferences",
	} {
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(dest); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(mediaDir, "products"))
	c.Files = len(entries)
	return c
}

func TestLoadAndReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mediaDir := t.TempDir()
		cat := catalog.New(db, mediaDir, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))

		if empty, err := demo.IsEmpty(ctx, db); err != nil || !empty {
			t.Fatalf("IsEmpty before load = %v, %v; want true", empty, err)
		}
		if err := demo.Load(ctx, db, cat); err != nil {
			t.Fatal(err)
		}
		first := countAll(t, db, mediaDir)
		want := counts{Groups: 3, Brands: 8, Products: 48, Images: 48, Files: 48, Shops: 5}
		if diff := cmp.Diff(want, first); diff != "" {
			t.Errorf("counts after load (-want +got):\n%s", diff)
		}
		if empty, _ := demo.IsEmpty(ctx, db); empty {
			t.Error("IsEmpty after load = true")
		}

		if err := demo.Load(ctx, db, cat); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, countAll(t, db, mediaDir)); diff != "" {
			t.Errorf("second load changed counts (-first +second):\n%s", diff)
		}

		// The seed's brands are there, in Korean, on all three shelves.
		mienc, err := cat.BrandBySlug(ctx, "mienc", true)
		if err != nil || mienc.Name != "미앤씨" {
			t.Fatalf("미앤씨: %+v, %v", mienc, err)
		}
		for _, shelf := range fanmail.Shelves {
			ps, err := cat.Products(ctx, catalog.ProductFilter{BrandID: mienc.ID, Shelf: shelf, PublishedOnly: true})
			if err != nil || len(ps) != 2 {
				t.Errorf("미앤씨 %s shelf: %d products, %v; want 2", shelf, len(ps), err)
			}
		}
		for code, kind := range map[string]string{"GN01": fanmail.ShopStore, "PG01": fanmail.ShopDepartment, "YJ01": fanmail.ShopOutlet} {
			if s, err := db.ShopByCode(ctx, code); err != nil || s.Kind != kind {
				t.Errorf("demo shop %s: %+v, %v; want kind %s", code, s, err, kind)
			}
		}
		for _, slug := range []string{"ozoc", "ozsecond", "sj"} {
			if _, err := cat.BrandBySlug(ctx, slug, true); err != nil {
				t.Errorf("brand %s: %v", slug, err)
			}
		}

		// Staff edits, a member's preference and a survey option linked to
		// 미앤씨; Reset drops the first two and keeps the link.
		name := "고친 이름"
		if _, err := cat.UpdateBrand(ctx, mienc.ID, catalog.BrandUpdate{Name: &name}); err != nil {
			t.Fatal(err)
		}
		now := db.Now()
		var memberID, questionID, optionID int64
		mustScan(t, db.SQL().QueryRowContext(ctx, `INSERT INTO members (email, email_normalized, name, created_at, updated_at)
			VALUES ('jin72@example.com', 'jin72@example.com', '김진', $1, $1) RETURNING id`, now), &memberID)
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO brand_preferences (member_id, brand_id, created_at) VALUES ($1, $2, $3)`, memberID, mienc.ID, now); err != nil {
			t.Fatal(err)
		}
		mustScan(t, db.SQL().QueryRowContext(ctx, `INSERT INTO questions (key, kind, label_ko, label_en) VALUES ('style', 'single', '평소 스타일', 'Usual style') RETURNING id`), &questionID)
		mustScan(t, db.SQL().QueryRowContext(ctx, `INSERT INTO question_options (question_id, value, label_ko, label_en, brand_id)
			VALUES ($1, 'cute', '여성스럽고 귀여운 스타일', 'Feminine and cute', $2) RETURNING id`, questionID, mienc.ID), &optionID)
		// A purchase of a 미앤씨 product: Reset keeps it, without the links.
		ps, err := cat.Products(ctx, catalog.ProductFilter{BrandID: mienc.ID})
		if err != nil || len(ps) == 0 {
			t.Fatalf("미앤씨 products: %d, %v", len(ps), err)
		}
		var orderID int64
		mustScan(t, db.SQL().QueryRowContext(ctx, `INSERT INTO orders (member_id, external_id, ordered_at, amount, created_at)
			VALUES ($1, 'A-1', $2, 59000, $2) RETURNING id`, memberID, now), &orderID)
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO order_items (order_id, product_id, brand_id, name, unit_price)
			VALUES ($1, $2, $3, '플리츠 스커트', 59000)`, orderID, ps[0].ID, mienc.ID); err != nil {
			t.Fatal(err)
		}

		if err := demo.Reset(ctx, db, cat); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, countAll(t, db, mediaDir)); diff != "" {
			t.Errorf("counts after reset (-first +reset):\n%s", diff)
		}
		again, err := cat.BrandBySlug(ctx, "mienc", true)
		if err != nil || again.Name != "미앤씨" {
			t.Errorf("미앤씨 after reset: %+v, %v", again, err)
		}
		var linked int64
		mustScan(t, db.SQL().QueryRowContext(ctx, `SELECT brand_id FROM question_options WHERE id = $1`, optionID), &linked)
		if linked != again.ID {
			t.Errorf("style option linked to brand %d after reset; want %d", linked, again.ID)
		}
		var itemName string
		mustScan(t, db.SQL().QueryRowContext(ctx, `SELECT name FROM order_items WHERE order_id = $1 AND product_id IS NULL AND brand_id IS NULL`, orderID), &itemName)
		if itemName != "플리츠 스커트" {
			t.Errorf("order item after reset: %q", itemName)
		}
	})
}

func mustScan(t *testing.T, row interface{ Scan(...any) error }, dest ...any) {
	t.Helper()
	if err := row.Scan(dest...); err != nil {
		t.Fatal(err)
	}
}
