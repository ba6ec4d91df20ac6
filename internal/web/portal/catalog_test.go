package portal_test

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/web"
	"github.com/fanmail/fanmail/internal/web/portal"
)

// catalogSite is the public site on the real router with a small catalogue:
// 캐주얼 → 미앤씨 with a published dress (with a picture) and an unpublished
// jacket, an unpublished brand, and an unpublished group.
type catalogSite struct {
	mux      *http.ServeMux
	mediaDir string
	picture  []byte
	dress    fanmail.Product
	jacket   fanmail.Product
	hidden   fanmail.Product // published product of an unpublished brand
}

func newCatalogSite(t *testing.T, db *store.DB) *catalogSite {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := config.Default()
	cfg.BaseURL = "http://fanmail.test"
	cfg.MediaDir = filepath.Join(t.TempDir(), "media")
	cat := catalog.New(db, cfg.MediaDir, logger, catalog.MaxImageBytes(cfg.MaxUploadBytes))
	mailer := delivery.NewMailer(nil, cfg.MailFrom, logger)
	h, err := portal.New(portal.Deps{
		Config:   cfg,
		Logger:   logger,
		Sessions: &web.Sessions{DB: db, Cookie: "fanmail_member", Path: "/", TTL: time.Hour},
		Catalog:  cat,
		Members:  member.New(db, mailer, member.Options{AgeBands: cfg.AgeBands, BaseURL: cfg.BaseURL}, logger),
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &catalogSite{mux: http.NewServeMux(), mediaDir: cfg.MediaDir, picture: testPNG(t)}
	h.Routes(s.mux)

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	casual, err := cat.CreateGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	must(err)
	_, err = cat.CreateGroup(ctx, fanmail.BrandGroup{Slug: "secret", NameKo: "비밀 브랜드군", NameEn: "Secret", Published: false})
	must(err)
	mienc, err := cat.CreateBrand(ctx, fanmail.Brand{GroupID: casual.ID, Slug: "mienc", Name: "미앤씨",
		DescriptionKo: "여성스럽고 귀여운 캐주얼", DescriptionEn: "Feminine, cute casual wear", Published: true})
	must(err)
	hiddenBrand, err := cat.CreateBrand(ctx, fanmail.Brand{GroupID: casual.ID, Slug: "hidden", Name: "숨은브랜드", Published: false})
	must(err)
	s.dress, err = cat.CreateProduct(ctx, fanmail.Product{
		BrandID: mienc.ID, Code: "MNC-N01", Name: "플라워 쉬폰 원피스", Shelf: fanmail.ShelfNew, Price: 89000,
		AgeMin: 19, AgeMax: 23, StylingAdvice: "짧은 니트 가디건과 매치하세요.", Accessories: "진주 귀걸이, 라탄 토트백",
		Description: "이번 시즌 신상품입니다.", Published: true,
	}, catalog.Upload{Filename: "원피스.png", Content: bytes.NewReader(s.picture), Size: int64(len(s.picture))})
	must(err)
	s.jacket, err = cat.CreateProduct(ctx, fanmail.Product{BrandID: mienc.ID, Code: "MNC-N02", Name: "비공개 데님 재킷",
		Shelf: fanmail.ShelfNew, Price: 99000, Published: false},
		catalog.Upload{Content: bytes.NewReader(s.picture), Size: -1})
	must(err)
	s.hidden, err = cat.CreateProduct(ctx, fanmail.Product{BrandID: hiddenBrand.ID, Code: "HID-1", Name: "숨은 티셔츠",
		Shelf: fanmail.ShelfSale, Price: 19000, Published: true})
	must(err)
	return s
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 12, 8))
	for x := range 12 {
		img.Set(x, 4, color.RGBA{236, 112, 150, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// get fetches path as a Korean (or, with lang "en", English) browser.
func (s *catalogSite) get(t *testing.T, path, lang string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Language", lang)
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestCatalog_PublicPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newCatalogSite(t, db)
		dressURL := "/catalog/products/" + strconv.FormatInt(s.dress.ID, 10)

		pages := []struct {
			path, lang string
			status     int
			want       []string
			notWant    []string
		}{
			{"/", "ko-KR", 200, []string{"캐주얼", "미앤씨", "여성스럽고 귀여운 캐주얼", `href="/catalog/brands/mienc"`}, []string{"숨은브랜드", "비밀 브랜드군"}},
			{"/catalog", "ko", 200, []string{"캐주얼", "미앤씨"}, []string{"숨은브랜드", "비밀 브랜드군"}},
			{"/catalog/groups/casual", "en", 200, []string{"Casual", "미앤씨", "Feminine, cute casual wear"}, []string{"숨은브랜드"}},
			{"/catalog/brands/mienc", "ko", 200,
				[]string{"플라워 쉬폰 원피스", "89,000원", "신상품", "이월 상품", "세일 상품", `src="/media/` + s.dress.Images[0].Path + `"`},
				[]string{"비공개 데님 재킷", "99,000원"}},
			{"/catalog/brands/mienc", "en", 200, []string{"New arrivals", "Previous season", "Sale"}, nil},
			{dressURL, "ko", 200,
				[]string{"플라워 쉬폰 원피스", "89,000원", "19~23세", "짧은 니트 가디건과 매치하세요.", "진주 귀걸이, 라탄 토트백", "코디 제안", "어울리는 액세서리", dressURL + "/material.zip"},
				nil},
			{dressURL, "en", 200, []string{"Ages 19 to 23", "Styling advice", "Download material"}, nil},
			{"/catalog/groups/secret", "ko", 404, []string{"브랜드군을 찾을 수 없습니다."}, nil},
			{"/catalog/brands/hidden", "ko", 404, []string{"브랜드를 찾을 수 없습니다."}, nil},
			{"/catalog/brands/nobody", "ko", 404, nil, nil},
			{"/catalog/products/" + strconv.FormatInt(s.jacket.ID, 10), "ko", 404, []string{"상품을 찾을 수 없습니다."}, []string{"비공개 데님 재킷"}},
			{"/catalog/products/" + strconv.FormatInt(s.hidden.ID, 10), "ko", 404, nil, []string{"숨은 티셔츠"}},
			{"/catalog/products/abc", "ko", 404, nil, nil},
		}
		for _, pg := range pages {
			res, body := s.get(t, pg.path, pg.lang)
			if res.StatusCode != pg.status {
				t.Errorf("GET %s (%s): status %d; want %d", pg.path, pg.lang, res.StatusCode, pg.status)
				continue
			}
			for _, w := range pg.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s (%s): body lacks %q", pg.path, pg.lang, w)
				}
			}
			for _, w := range pg.notWant {
				if strings.Contains(body, w) {
					t.Errorf("GET %s (%s): body shows %q", pg.path, pg.lang, w)
				}
			}
		}
	})
}

func TestCatalog_Media(t *testing.T) {
	s := newCatalogSite(t, storetest.OpenSQLite(t))
	os.WriteFile(filepath.Join(filepath.Dir(s.mediaDir), "secret.png"), s.picture, 0o644)

	res, body := s.get(t, "/media/"+s.dress.Images[0].Path, "ko")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || body != string(s.picture) {
		t.Errorf("published image: status %d, type %q, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(body))
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("image served without X-Content-Type-Options: nosniff")
	}
	for _, path := range []string{
		"/media/" + s.jacket.Images[0].Path, // unpublished product
		"/media/", "/media/products", "/media/products/",
		"/media/products/..%2f..%2fsecret.png", "/media/%2e%2e/secret.png", "/media/products/nothing.png",
	} {
		res, body := s.get(t, path, "ko")
		if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusMovedPermanently {
			t.Errorf("GET %s: status %d; want 404", path, res.StatusCode)
		}
		if strings.Contains(body, "PNG") {
			t.Errorf("GET %s: served image bytes", path)
		}
	}
}

func TestCatalog_MaterialZip(t *testing.T) {
	s := newCatalogSite(t, storetest.OpenSQLite(t))
	res, body := s.get(t, "/catalog/products/"+strconv.FormatInt(s.dress.ID, 10)+"/material.zip", "ko")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "MNC-N01") {
		t.Errorf("Content-Disposition %q", cd)
	}
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	if files["MNC-N01-1.png"] != string(s.picture) {
		t.Errorf("zip lacks the picture; entries: %v", len(files))
	}
	sheet := files["MNC-N01.txt"]
	for _, want := range []string{"상품명: 플라워 쉬폰 원피스", "가격: 89,000원", "대상 연령: 19~23세", "코디 제안: 짧은 니트 가디건과 매치하세요.", "어울리는 액세서리: 진주 귀걸이, 라탄 토트백"} {
		if !strings.Contains(sheet, want) {
			t.Errorf("sheet lacks %q:\n%s", want, sheet)
		}
	}
	res, _ = s.get(t, "/catalog/products/"+strconv.FormatInt(s.jacket.ID, 10)+"/material.zip", "ko")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("material of unpublished product: status %d; want 404", res.StatusCode)
	}
}

// Every text the catalogue templates translate has a Korean entry.
func TestCatalog_TemplatesTranslated(t *testing.T) {
	pattern := regexp.MustCompile(`t \$?\.Lang "([^"]+)"`)
	files, _ := filepath.Glob("templates/catalog*.html")
	files = append(files, "templates/home.html")
	extra := []string{"New arrivals", "Previous season", "Sale", "Ages %d to %d", "Ages %d and over", "Ages up to %d", "Welcome"}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pattern.FindAllStringSubmatch(string(b), -1) {
			extra = append(extra, m[1])
		}
	}
	for _, msg := range extra {
		if !i18n.Has(msg) {
			t.Errorf("no Korean for %q", msg)
		}
	}
}
