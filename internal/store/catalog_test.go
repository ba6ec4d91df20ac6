package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func mustCreateGroup(t *testing.T, db *store.DB, slug, nameKo string, published bool) fanmail.BrandGroup {
	t.Helper()
	g, err := db.CreateBrandGroup(context.Background(), fanmail.BrandGroup{Slug: slug, NameKo: nameKo, NameEn: slug, Published: published})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustCreateBrand(t *testing.T, db *store.DB, groupID int64, slug, name string, published bool) fanmail.Brand {
	t.Helper()
	b, err := db.CreateBrand(context.Background(), fanmail.Brand{GroupID: groupID, Slug: slug, Name: name, DescriptionKo: name + " 소개", Published: published})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustCreateProduct(t *testing.T, db *store.DB, p fanmail.Product) fanmail.Product {
	t.Helper()
	created, err := db.CreateProduct(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return created
}

func codesOf(ps []fanmail.Product) []string {
	var codes []string
	for _, p := range ps {
		codes = append(codes, p.Code)
	}
	return codes
}

func TestDB_BrandGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		casual := mustCreateGroup(t, db, "casual", "캐주얼", true)
		formal := mustCreateGroup(t, db, "formal", "정장", false)
		if casual.Position != 1 || formal.Position != 2 {
			t.Errorf("positions %d, %d; want 1, 2", casual.Position, formal.Position)
		}

		t.Run("ErrDuplicateSlug", func(t *testing.T) {
			_, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "또 캐주얼", NameEn: "Casual"})
			if fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "slug" {
				t.Errorf("got %v; want ECONFLICT on slug", err)
			}
		})

		t.Run("PublishedOnly", func(t *testing.T) {
			all, err := db.BrandGroups(ctx, false)
			if err != nil || len(all) != 2 {
				t.Fatalf("all groups: %v, %v", all, err)
			}
			pub, err := db.BrandGroups(ctx, true)
			if err != nil || len(pub) != 1 || pub[0].NameKo != "캐주얼" {
				t.Errorf("published groups: %v, %v", pub, err)
			}
			if _, err := db.BrandGroupBySlug(ctx, "formal", true); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("unpublished group by slug: %v; want ENOTFOUND", err)
			}
		})

		t.Run("UpdateAndReorder", func(t *testing.T) {
			formal.NameKo, formal.Published = "정장/포멀", true
			got, err := db.UpdateBrandGroup(ctx, formal)
			if err != nil || got.NameKo != "정장/포멀" || !got.Published {
				t.Fatalf("update: %+v, %v", got, err)
			}
			if err := db.ReorderBrandGroups(ctx, []int64{formal.ID, casual.ID}); err != nil {
				t.Fatal(err)
			}
			groups, _ := db.BrandGroups(ctx, false)
			if groups[0].Slug != "formal" || groups[1].Slug != "casual" {
				t.Errorf("order after reorder: %s, %s", groups[0].Slug, groups[1].Slug)
			}
			formal.ID = 99999
			if _, err := db.UpdateBrandGroup(ctx, formal); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("update missing: %v; want ENOTFOUND", err)
			}
		})
	})
}

func TestDB_Brands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		casual := mustCreateGroup(t, db, "casual", "캐주얼", true)
		hidden := mustCreateGroup(t, db, "hidden", "숨김", false)
		mienc := mustCreateBrand(t, db, casual.ID, "mienc", "미앤씨", true)
		mustCreateBrand(t, db, casual.ID, "ozoc", "오조크", false)
		mustCreateBrand(t, db, hidden.ID, "sj", "에스제이", true)

		all, err := db.Brands(ctx, 0, false)
		if err != nil || len(all) != 3 {
			t.Fatalf("all brands: %v, %v", all, err)
		}
		inCasual, _ := db.Brands(ctx, casual.ID, false)
		if len(inCasual) != 2 || inCasual[1].Position != 2 {
			t.Errorf("casual brands: %+v", inCasual)
		}
		visible, _ := db.Brands(ctx, 0, true)
		if len(visible) != 1 || visible[0].Name != "미앤씨" {
			t.Errorf("visible brands: %+v; want only 미앤씨", visible)
		}
		if _, err := db.BrandBySlug(ctx, "sj", true); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("brand in unpublished group: %v; want ENOTFOUND", err)
		}
		got, err := db.BrandByID(ctx, mienc.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(mienc, got, cmpopts.EquateApproxTime(0)); diff != "" {
			t.Errorf("brand by id (-created +read):\n%s", diff)
		}
		if _, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: casual.ID, Slug: "mienc", Name: "미앤씨2"}); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("duplicate slug: %v; want ECONFLICT", err)
		}
		if _, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: 4242, Slug: "ghost", Name: "유령"}); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("missing group: %v; want EINVALID", err)
		}
	})
}

func TestDB_Products(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		casual := mustCreateGroup(t, db, "casual", "캐주얼", true)
		mienc := mustCreateBrand(t, db, casual.ID, "mienc", "미앤씨", true)
		sale := mustCreateProduct(t, db, fanmail.Product{BrandID: mienc.ID, Code: "MC-3", Name: "니트 가디건", Shelf: fanmail.ShelfSale, Price: 39000, Published: true})
		dress := mustCreateProduct(t, db, fanmail.Product{
			BrandID: mienc.ID, Code: "MC-1", Name: "플라워 원피스", Shelf: fanmail.ShelfNew, Price: 89000,
			AgeMin: 19, AgeMax: 23, StylingAdvice: "카디건과 함께", Accessories: "진주 귀걸이", Published: true,
			Images: []fanmail.ProductImage{
				{Path: "products/a.png", ContentType: "image/png", Size: 10, Alt: "앞"},
				{Path: "products/b.png", ContentType: "image/png", Size: 12, Alt: "뒤"},
			},
		})
		mustCreateProduct(t, db, fanmail.Product{BrandID: mienc.ID, Code: "MC-2", Name: "비공개 재킷", Shelf: fanmail.ShelfNew, Price: 129000})

		if len(dress.Images) != 2 || dress.Images[1].Position != 2 || dress.Images[0].ProductID != dress.ID {
			t.Fatalf("created images: %+v", dress.Images)
		}

		t.Run("OrderByShelf", func(t *testing.T) {
			all, err := db.Products(ctx, store.ProductFilter{BrandID: mienc.ID})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"MC-1", "MC-2", "MC-3"}, codesOf(all)); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			if len(all[0].Images) != 2 || len(all[2].Images) != 0 {
				t.Errorf("images attached: %d, %d", len(all[0].Images), len(all[2].Images))
			}
		})

		t.Run("PublishedOnly", func(t *testing.T) {
			pub, _ := db.Products(ctx, store.ProductFilter{PublishedOnly: true, Shelf: fanmail.ShelfNew})
			if diff := cmp.Diff([]string{"MC-1"}, codesOf(pub)); diff != "" {
				t.Errorf("published new codes (-want +got):\n%s", diff)
			}
			got, err := db.ProductByID(ctx, dress.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(dress, got, cmpopts.EquateApproxTime(0)); diff != "" {
				t.Errorf("product by id (-created +read):\n%s", diff)
			}
			mienc.Published = false
			if _, err := db.UpdateBrand(ctx, mienc); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ProductByID(ctx, dress.ID, true); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("product of unpublished brand: %v; want ENOTFOUND", err)
			}
			if _, err := db.ProductImageByPath(ctx, "products/a.png", true); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("image of unpublished brand: %v; want ENOTFOUND", err)
			}
			if _, err := db.ProductImageByPath(ctx, "products/a.png", false); err != nil {
				t.Errorf("image by path for staff: %v", err)
			}
			mienc.Published = true
			if _, err := db.UpdateBrand(ctx, mienc); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("ErrDuplicateCode", func(t *testing.T) {
			_, err := db.CreateProduct(ctx, fanmail.Product{BrandID: mienc.ID, Code: "MC-1", Name: "복제", Shelf: fanmail.ShelfNew,
				Images: []fanmail.ProductImage{{Path: "products/c.png", ContentType: "image/png", Size: 1}}})
			if fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "code" {
				t.Errorf("got %v; want ECONFLICT on code", err)
			}
			sale.Code = "MC-1"
			if _, err := db.UpdateProduct(ctx, sale); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
				t.Errorf("update to taken code: %v; want ECONFLICT", err)
			}
			if n, _ := db.CountProducts(ctx); n != 3 {
				t.Errorf("products after refusals: %d; want 3", n)
			}
		})

		t.Run("Images", func(t *testing.T) {
			imgs, err := db.CreateProductImages(ctx, []fanmail.ProductImage{
				{ProductID: dress.ID, Path: "products/d.webp", ContentType: "image/webp", Size: 5},
				{ProductID: dress.ID, Path: "products/e.gif", ContentType: "image/gif", Size: 6},
			})
			if err != nil || len(imgs) != 2 || imgs[0].Position != 3 || imgs[1].Position != 4 {
				t.Fatalf("add images: %+v, %v", imgs, err)
			}
			img := imgs[0]
			_, err = db.CreateProductImages(ctx, []fanmail.ProductImage{
				{ProductID: dress.ID, Path: "products/f.png", ContentType: "image/png", Size: 1},
				{ProductID: 4242, Path: "products/g.png", ContentType: "image/png", Size: 1},
			})
			if fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("image of missing product: %v; want ENOTFOUND", err)
			}
			if got, _ := db.ProductByID(ctx, dress.ID, false); len(got.Images) != 4 {
				t.Errorf("images after refused batch: %d; want 4 (all or none)", len(got.Images))
			}
			deleted, err := db.DeleteProductImage(ctx, img.ID)
			if err != nil || deleted.Path != "products/d.webp" {
				t.Errorf("delete: %+v, %v", deleted, err)
			}
			if _, err := db.DeleteProductImage(ctx, img.ID); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("delete again: %v; want ENOTFOUND", err)
			}
		})

		t.Run("Reorder", func(t *testing.T) {
			second := mustCreateProduct(t, db, fanmail.Product{BrandID: mienc.ID, Code: "MC-4", Name: "데님 스커트", Shelf: fanmail.ShelfSale, Published: true})
			if second.Position != 2 {
				t.Errorf("position on sale shelf: %d; want 2", second.Position)
			}
			if err := db.ReorderProducts(ctx, []int64{second.ID, sale.ID}); err != nil {
				t.Fatal(err)
			}
			got, _ := db.Products(ctx, store.ProductFilter{Shelf: fanmail.ShelfSale})
			if diff := cmp.Diff([]string{"MC-4", "MC-3"}, codesOf(got)); diff != "" {
				t.Errorf("sale order (-want +got):\n%s", diff)
			}
		})
	})
}

func TestDB_PurgeBrandGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		casual := mustCreateGroup(t, db, "casual", "캐주얼", true)
		sports := mustCreateGroup(t, db, "sports", "스포츠", true)
		mienc := mustCreateBrand(t, db, casual.ID, "mienc", "미앤씨", true)
		runup := mustCreateBrand(t, db, sports.ID, "runup", "런업", true)
		mustCreateProduct(t, db, fanmail.Product{BrandID: mienc.ID, Code: "MC-1", Name: "원피스", Shelf: fanmail.ShelfNew,
			Images: []fanmail.ProductImage{{Path: "products/m.png", ContentType: "image/png", Size: 3}}})
		mustCreateProduct(t, db, fanmail.Product{BrandID: runup.ID, Code: "RU-1", Name: "트랙 재킷", Shelf: fanmail.ShelfNew,
			Images: []fanmail.ProductImage{{Path: "products/r.png", ContentType: "image/png", Size: 3}}})

		// A member who chose 미앤씨 and a survey option linked to it.
		sqlDB := db.SQL()
		now := db.Now()
		mustExec := func(q string, args ...any) {
			t.Helper()
			if _, err := sqlDB.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		var memberID, questionID int64
		if err := sqlDB.QueryRowContext(ctx, `INSERT INTO members (email, email_normalized, name, created_at, updated_at)
			VALUES ('jin72@example.com', 'jin72@example.com', '김진', $1, $1) RETURNING id`, now).Scan(&memberID); err != nil {
			t.Fatal(err)
		}
		mustExec(`INSERT INTO brand_preferences (member_id, brand_id, created_at) VALUES ($1, $2, $3)`, memberID, mienc.ID, now)
		mustExec(`INSERT INTO brand_preference_counts (brand_id, gender, age_band, count) VALUES ($1, 'f', '21-23', 1)`, mienc.ID)
		if err := sqlDB.QueryRowContext(ctx, `INSERT INTO questions (key, kind, label_ko, label_en) VALUES ('style', 'single', '스타일', 'Style') RETURNING id`).Scan(&questionID); err != nil {
			t.Fatal(err)
		}
		mustExec(`INSERT INTO question_options (question_id, value, label_ko, label_en, brand_id) VALUES ($1, 'cute', '귀여운', 'Cute', $2)`, questionID, mienc.ID)
		// 미앤씨's fan program: a chip, a reward redeemed, a fan rule, a
		// decision and a membership.
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, _, err := tx.Issue(ctx, fanmail.LedgerEntry{MemberID: memberID, BrandID: mienc.ID, Unit: fanmail.UnitChip,
				Op: fanmail.OpIssue, Amount: 3, Reason: fanmail.ReasonBrandWelcome, Ref: "welcome:test"}); err != nil {
				return err
			}
			if _, err := tx.AddFanMembership(ctx, memberID, mienc.ID); err != nil {
				return err
			}
			_, _, err := tx.RecordFanDecision(ctx, fanmail.FanDecision{MemberID: memberID, BrandID: mienc.ID, IsFan: true,
				Rule: "share", ResponseID: 0})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		reward, err := db.CreateReward(ctx, fanmail.Reward{BrandID: mienc.ID, Kind: fanmail.RewardProduct, Name: "양말", NameEn: "Socks", Cost: 1, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.Redeem(ctx, fanmail.Redemption{IdempotencyKey: "k1", MemberID: memberID, BrandID: mienc.ID, RewardID: reward.ID, Cost: 1})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetFanRule(ctx, fanmail.FanRule{BrandID: mienc.ID, Enabled: true, Kind: fanmail.FanShareAtLeast,
			QuestionKey: "wardrobe_share", MinPosition: 2}); err != nil {
			t.Fatal(err)
		}

		paths, err := db.PurgeBrandGroups(ctx, []string{"casual", "nothing-here"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"products/m.png"}, paths); diff != "" {
			t.Errorf("purged paths (-want +got):\n%s", diff)
		}
		groups, _ := db.BrandGroups(ctx, false)
		if len(groups) != 1 || groups[0].Slug != "sports" {
			t.Errorf("groups left: %+v", groups)
		}
		left, _ := db.Products(ctx, store.ProductFilter{})
		if diff := cmp.Diff([]string{"RU-1"}, codesOf(left)); diff != "" {
			t.Errorf("products left (-want +got):\n%s", diff)
		}
		var prefs, counts, linked int
		sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM brand_preferences`).Scan(&prefs)
		sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM brand_preference_counts`).Scan(&counts)
		sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM question_options WHERE brand_id IS NOT NULL`).Scan(&linked)
		if prefs != 0 || counts != 0 || linked != 0 {
			t.Errorf("references left: preferences %d, counts %d, linked options %d", prefs, counts, linked)
		}
		for _, table := range []string{"ledger_entries", "balances", "redemptions", "rewards", "fan_rules", "fan_decisions", "fan_memberships"} {
			var n int
			sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n)
			if n != 0 {
				t.Errorf("%d rows of the purged brand left in %s", n, table)
			}
		}
	})
}

func TestDB_Shops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gangnam, err := db.UpsertShop(ctx, fanmail.Shop{Code: "GN01", Name: "강남점", Region: "서울", Phone: "02-555-0101", Address: "서울특별시 강남구 강남대로 396"})
		if err != nil {
			t.Fatal(err)
		}
		again, err := db.UpsertShop(ctx, fanmail.Shop{Code: "GN01", Name: "강남본점", Region: "서울"})
		if err != nil || again.ID != gangnam.ID || again.Name != "강남본점" {
			t.Errorf("upsert existing: %+v, %v", again, err)
		}
		got, err := db.ShopByCode(ctx, "GN01")
		if err != nil || got.Name != "강남본점" {
			t.Errorf("by code: %+v, %v", got, err)
		}
		if _, err := db.ShopByID(ctx, 4242); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("missing shop: %v; want ENOTFOUND", err)
		}
		shops, _ := db.Shops(ctx)
		if len(shops) != 1 {
			t.Errorf("shops: %+v", shops)
		}
	})
}
