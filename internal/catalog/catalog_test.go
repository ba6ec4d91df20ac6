package catalog_test

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

const testMaxImage = 64 << 10

func newService(t *testing.T, db *store.DB) (*catalog.Service, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "media")
	return catalog.New(db, dir, slog.New(slog.NewTextHandler(t.Output(), nil)), catalog.MaxImageBytes(testMaxImage)), dir
}

// pngBytes returns a real w×h PNG of one colour.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{200, uint8(x), uint8(y), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mediaFiles lists the files stored under dir/products.
func mediaFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "products"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// seedBrand creates the group 캐주얼 with the brand 미앤씨, published.
func seedBrand(t *testing.T, s *catalog.Service) (fanmail.BrandGroup, fanmail.Brand) {
	t.Helper()
	ctx := context.Background()
	g, err := s.CreateGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "mienc", Name: "미앤씨", DescriptionKo: "여성스럽고 귀여운 스타일", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	return g, b
}

func dress(brandID int64) fanmail.Product {
	return fanmail.Product{
		BrandID: brandID, Code: "MC-25N-01", Name: "플라워 쉬폰 원피스", Shelf: fanmail.ShelfNew, Price: 89000,
		AgeMin: 19, AgeMax: 23, StylingAdvice: "짧은 니트 가디건과 매치하세요.", Accessories: "진주 귀걸이, 라탄 백",
		Description: "봄 시즌 신상품", Published: true,
	}
}

func countImages(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM product_images`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestService_AddImage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, dir := newService(t, db)
		_, b := seedBrand(t, s)
		p, err := s.CreateProduct(ctx, dress(b.ID))
		if err != nil {
			t.Fatal(err)
		}

		t.Run("OK", func(t *testing.T) {
			data := pngBytes(t, 40, 30)
			img, err := s.AddImage(ctx, p.ID, "원피스.png", bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if img.ContentType != "image/png" || img.Size != int64(len(data)) || !strings.HasSuffix(img.Path, ".png") {
				t.Errorf("stored image: %+v", img)
			}
			if strings.Contains(img.Path, "원피스") {
				t.Errorf("path %q keeps the uploaded name; want a random one", img.Path)
			}
			onDisk, err := os.ReadFile(filepath.Join(dir, img.Path))
			if err != nil || !bytes.Equal(onDisk, data) {
				t.Errorf("file on disk differs (err %v)", err)
			}
			got, _ := s.ProductByID(ctx, p.ID, true)
			if len(got.Images) != 1 || got.Images[0].Alt != "플라워 쉬폰 원피스" {
				t.Errorf("product images: %+v", got.Images)
			}
		})

		refusals := []struct {
			name     string
			filename string
			data     []byte
			size     int64
			code     string
		}{
			{"ErrTextRenamedJPEG", "사진.jpg", []byte("이것은 이미지가 아닙니다. just text pretending to be a JPEG"), -1, fanmail.EINVALID},
			{"ErrEmpty", "빈파일.png", nil, 0, fanmail.EINVALID},
			{"ErrTooLargeDeclared", "큰사진.png", pngBytes(t, 4, 4), testMaxImage + 1, fanmail.ETOOLARGE},
			{"ErrTooLargeActual", "큰사진.png", append(pngBytes(t, 4, 4), make([]byte, testMaxImage)...), -1, fanmail.ETOOLARGE},
		}
		for _, tc := range refusals {
			t.Run(tc.name, func(t *testing.T) {
				filesBefore, rowsBefore := mediaFiles(t, dir), countImages(t, db)
				_, err := s.AddImage(ctx, p.ID, tc.filename, bytes.NewReader(tc.data), tc.size)
				if fanmail.ErrorCode(err) != tc.code {
					t.Fatalf("got %v; want %s", err, tc.code)
				}
				if diff := cmp.Diff(filesBefore, mediaFiles(t, dir)); diff != "" {
					t.Errorf("files changed after refusal (-before +after):\n%s", diff)
				}
				if n := countImages(t, db); n != rowsBefore {
					t.Errorf("image rows %d after refusal; want %d", n, rowsBefore)
				}
			})
		}

		t.Run("ErrNoProduct", func(t *testing.T) {
			data := pngBytes(t, 2, 2)
			if _, err := s.AddImage(ctx, 4242, "a.png", bytes.NewReader(data), -1); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("got %v; want ENOTFOUND", err)
			}
		})

		t.Run("Delete", func(t *testing.T) {
			got, _ := s.ProductByID(ctx, p.ID, false)
			img := got.Images[0]
			if _, err := s.DeleteImage(ctx, img.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, img.Path)); !os.IsNotExist(err) {
				t.Errorf("file still there after delete: %v", err)
			}
			if _, err := s.DeleteImage(ctx, img.ID); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("delete twice: %v; want ENOTFOUND", err)
			}
		})
	})
}

func TestService_CreateProduct(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, dir := newService(t, db)
		_, b := seedBrand(t, s)

		t.Run("WithImages", func(t *testing.T) {
			a, c := pngBytes(t, 8, 8), pngBytes(t, 9, 9)
			p, err := s.CreateProduct(ctx, dress(b.ID),
				catalog.Upload{Filename: "앞.png", Content: bytes.NewReader(a), Size: int64(len(a))},
				catalog.Upload{Filename: "뒤.png", Content: bytes.NewReader(c), Size: -1})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Images) != 2 || len(mediaFiles(t, dir)) != 2 {
				t.Errorf("images %d, files %d; want 2, 2", len(p.Images), len(mediaFiles(t, dir)))
			}
		})

		invalid := []struct {
			name  string
			edit  func(p *fanmail.Product)
			field string
			code  string
		}{
			{"ErrNoCode", func(p *fanmail.Product) { p.Code = " " }, "code", fanmail.EINVALID},
			{"ErrBadCode", func(p *fanmail.Product) { p.Code = "코드/1" }, "code", fanmail.EINVALID},
			{"ErrNoName", func(p *fanmail.Product) { p.Name = "" }, "name", fanmail.EINVALID},
			{"ErrShelf", func(p *fanmail.Product) { p.Shelf = "outlet" }, "shelf", fanmail.EINVALID},
			{"ErrNegativePrice", func(p *fanmail.Product) { p.Price = -1 }, "price", fanmail.EINVALID},
			{"ErrAgeOrder", func(p *fanmail.Product) { p.AgeMin, p.AgeMax = 30, 20 }, "age_max", fanmail.EINVALID},
			{"ErrNoBrand", func(p *fanmail.Product) { p.BrandID = 4242 }, "brand_id", fanmail.EINVALID},
			{"ErrDuplicateCode", func(p *fanmail.Product) {}, "code", fanmail.ECONFLICT},
		}
		for _, tc := range invalid {
			t.Run(tc.name, func(t *testing.T) {
				p := dress(b.ID)
				tc.edit(&p)
				good := pngBytes(t, 3, 3)
				filesBefore := mediaFiles(t, dir)
				_, err := s.CreateProduct(ctx, p, catalog.Upload{Filename: "a.png", Content: bytes.NewReader(good), Size: -1})
				if fanmail.ErrorCode(err) != tc.code || fanmail.ErrorField(err) != tc.field {
					t.Errorf("got %v; want %s on %s", err, tc.code, tc.field)
				}
				if diff := cmp.Diff(filesBefore, mediaFiles(t, dir)); diff != "" {
					t.Errorf("files changed (-before +after):\n%s", diff)
				}
			})
		}

		t.Run("ErrOneBadImage", func(t *testing.T) {
			p := dress(b.ID)
			p.Code = "MC-25N-02"
			good := pngBytes(t, 3, 3)
			filesBefore := mediaFiles(t, dir)
			_, err := s.CreateProduct(ctx, p,
				catalog.Upload{Filename: "a.png", Content: bytes.NewReader(good), Size: -1},
				catalog.Upload{Filename: "b.jpg", Content: strings.NewReader("not an image at all"), Size: -1})
			if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != "images" {
				t.Fatalf("got %v; want EINVALID on images", err)
			}
			if _, err := db.ProductByCode(ctx, "MC-25N-02", false); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("product stored despite refused image: %v", err)
			}
			if diff := cmp.Diff(filesBefore, mediaFiles(t, dir)); diff != "" {
				t.Errorf("files changed (-before +after):\n%s", diff)
			}
		})
	})
}

func TestService_GroupsAndBrands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newService(t, db)
		casual, mienc := seedBrand(t, s)
		formal, err := s.CreateGroup(ctx, fanmail.BrandGroup{Slug: " Formal ", NameKo: "정장", NameEn: "Formal"})
		if err != nil {
			t.Fatal(err)
		}
		if formal.Slug != "formal" || formal.Published {
			t.Errorf("created group: %+v", formal)
		}
		if _, err := s.CreateGroup(ctx, fanmail.BrandGroup{Slug: "스포츠", NameKo: "스포츠"}); fanmail.ErrorField(err) != "slug" {
			t.Errorf("Korean slug: %v; want EINVALID on slug", err)
		}
		if _, err := s.CreateGroup(ctx, fanmail.BrandGroup{Slug: "sports"}); fanmail.ErrorField(err) != "name_ko" {
			t.Errorf("no Korean name: %v; want EINVALID on name_ko", err)
		}

		pub := true
		name := "정장/포멀"
		formal, err = s.UpdateGroup(ctx, formal.ID, catalog.GroupUpdate{NameKo: &name, Published: &pub})
		if err != nil || formal.NameKo != "정장/포멀" || !formal.Published || formal.NameEn != "Formal" {
			t.Errorf("update group: %+v, %v", formal, err)
		}
		if err := s.MoveGroup(ctx, formal.ID, -1); err != nil {
			t.Fatal(err)
		}
		if err := s.MoveGroup(ctx, formal.ID, -1); err != nil { // already first: no change
			t.Fatal(err)
		}
		groups, _ := s.Groups(ctx, true)
		if len(groups) != 2 || groups[0].ID != formal.ID || groups[1].ID != casual.ID {
			t.Errorf("groups after move: %+v", groups)
		}
		if err := s.MoveGroup(ctx, 4242, 1); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("move missing group: %v; want ENOTFOUND", err)
		}

		ozoc, err := s.CreateBrand(ctx, fanmail.Brand{GroupID: casual.ID, Slug: "ozoc", Name: "오조크", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MoveBrand(ctx, ozoc.ID, -1); err != nil {
			t.Fatal(err)
		}
		brands, _ := s.Brands(ctx, casual.ID, true)
		if len(brands) != 2 || brands[0].Name != "오조크" || brands[1].Name != "미앤씨" {
			t.Errorf("brands after move: %+v", brands)
		}
		if _, err := s.CreateBrand(ctx, fanmail.Brand{GroupID: 4242, Slug: "x", Name: "엑스"}); fanmail.ErrorField(err) != "group_id" {
			t.Errorf("brand in missing group: %v; want EINVALID on group_id", err)
		}
		hide := false
		if _, err := s.UpdateBrand(ctx, mienc.ID, catalog.BrandUpdate{Published: &hide}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BrandBySlug(ctx, "mienc", true); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unpublished brand: %v; want ENOTFOUND", err)
		}
		if got, err := s.BrandBySlug(ctx, "MIENC", false); err != nil || got.Name != "미앤씨" {
			t.Errorf("staff view of unpublished brand: %+v, %v", got, err)
		}
	})
}

func TestService_OpenMedia(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, dir := newService(t, db)
		_, b := seedBrand(t, s)
		data := pngBytes(t, 5, 5)
		hidden := dress(b.ID)
		hidden.Published = false
		p, err := s.CreateProduct(ctx, hidden, catalog.Upload{Content: bytes.NewReader(data), Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		// A file outside the media directory that a traversal would reach.
		os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.png"), data, 0o644)

		f, info, err := s.OpenMedia(p.Images[0].Path)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if !bytes.Equal(got, data) || info.Size() != int64(len(data)) {
			t.Errorf("media content differs")
		}
		if _, _, err := s.OpenPublicMedia(ctx, p.Images[0].Path); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("public media of unpublished product: %v; want ENOTFOUND", err)
		}
		for _, bad := range []string{"../secret.png", "products/../../secret.png", "products", "products/", "/etc/passwd", ""} {
			if _, _, err := s.OpenMedia(bad); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("OpenMedia(%q): %v; want ENOTFOUND", bad, err)
			}
		}
		pub := true
		if _, err := s.UpdateProduct(ctx, p.ID, catalog.ProductUpdate{Published: &pub}); err != nil {
			t.Fatal(err)
		}
		f, _, err = s.OpenPublicMedia(ctx, p.Images[0].Path)
		if err != nil {
			t.Fatalf("public media of published product: %v", err)
		}
		f.Close()
	})
}

func TestService_Material(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newService(t, db)
		_, b := seedBrand(t, s)
		front, back := pngBytes(t, 6, 6), pngBytes(t, 7, 7)
		p, err := s.CreateProduct(ctx, dress(b.ID),
			catalog.Upload{Content: bytes.NewReader(front), Size: -1},
			catalog.Upload{Content: bytes.NewReader(back), Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.Material(ctx, p.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := m.WriteZip(&buf); err != nil {
			t.Fatal(err)
		}
		files := readZip(t, buf.Bytes())
		var names []string
		for name := range files {
			names = append(names, name)
		}
		if diff := cmp.Diff([]string{"MC-25N-01-1.png", "MC-25N-01-2.png", "MC-25N-01.txt"}, names, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("zip entries (-want +got):\n%s", diff)
		}
		if !bytes.Equal(files["MC-25N-01-1.png"], front) || !bytes.Equal(files["MC-25N-01-2.png"], back) {
			t.Error("zipped images differ from the uploads")
		}
		sheet := string(files["MC-25N-01.txt"])
		for _, want := range []string{"브랜드: 미앤씨", "상품명: 플라워 쉬폰 원피스", "가격: 89,000원", "대상 연령: 19~23세",
			"코디 제안: 짧은 니트 가디건과 매치하세요.", "어울리는 액세서리: 진주 귀걸이, 라탄 백", "구분: 신상품"} {
			if !strings.Contains(sheet, want) {
				t.Errorf("sheet lacks %q:\n%s", want, sheet)
			}
		}
		hide := false
		s.UpdateProduct(ctx, p.ID, catalog.ProductUpdate{Published: &hide})
		if _, err := s.Material(ctx, p.ID, true); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("material of unpublished product: %v; want ENOTFOUND", err)
		}
	})
}

func readZip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return files
}

func TestFormatWon(t *testing.T) {
	for in, want := range map[int64]string{0: "0원", 990: "990원", 89000: "89,000원", 1290000: "1,290,000원", -5000: "-5,000원"} {
		if got := catalog.FormatWon(in); got != want {
			t.Errorf("FormatWon(%d) = %q; want %q", in, got, want)
		}
	}
}
