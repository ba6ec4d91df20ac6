package admin_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/web"
	"github.com/fanmail/fanmail/internal/web/admin"
)

// catalogTestMaxImage is the image size limit of the catalogue tests.
const catalogTestMaxImage = 32 << 10

// catalogAdmin is the staff UI on the real router, with the catalogue service
// it drives.
type catalogAdmin struct {
	db       *store.DB
	mux      *http.ServeMux
	cat      *catalog.Service
	staff    *staff.Service
	sessions *web.Sessions
	mediaDir string
}

func newCatalogAdmin(t *testing.T, db *store.DB) *catalogAdmin {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := config.Default()
	cfg.BaseURL = "http://fanmail.test"
	cfg.MediaDir = filepath.Join(t.TempDir(), "media")
	cfg.MaxUploadBytes = catalogTestMaxImage
	a := &catalogAdmin{
		db:       db,
		mux:      http.NewServeMux(),
		cat:      catalog.New(db, cfg.MediaDir, logger, catalog.MaxImageBytes(cfg.MaxUploadBytes)),
		staff:    staff.New(db, logger, staff.Options{}),
		sessions: &web.Sessions{DB: db, Cookie: "fanmail_staff", Path: "/admin", TTL: time.Hour},
		mediaDir: cfg.MediaDir,
	}
	d := admin.FullDeps(t, db, cfg, logger)
	d.Sessions, d.Staff, d.Catalog = a.sessions, a.staff, a.cat
	h, err := admin.New(d)
	if err != nil {
		t.Fatal(err)
	}
	h.Routes(a.mux)
	return a
}

// signedIn creates a staff user with role and returns a session cookie for it.
func (a *catalogAdmin) signedIn(t *testing.T, email, role string) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	u, err := a.staff.CreateUser(ctx, staff.NewUser{Email: email, Name: "이수진", Role: role, Password: "카탈로그 관리 비밀번호"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := a.sessions.Start(rec, httptest.NewRequest("POST", "/admin/login", nil), u.ID, 0, "ko"); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "fanmail_staff" {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

type catalogResponse struct {
	*http.Response
	Body string
}

// send serves req as a same-origin Korean browser with cookie c (nil = none).
func (a *catalogAdmin) send(t *testing.T, req *http.Request, c *http.Cookie) catalogResponse {
	t.Helper()
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept-Language", "ko-KR,ko;q=0.9")
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	a.mux.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return catalogResponse{res, string(body)}
}

func (a *catalogAdmin) get(t *testing.T, path string, c *http.Cookie) catalogResponse {
	t.Helper()
	return a.send(t, httptest.NewRequest(http.MethodGet, path, nil), c)
}

func (a *catalogAdmin) postForm(t *testing.T, path string, form url.Values, c *http.Cookie) catalogResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.send(t, req, c)
}

// upload is one file of a multipart post.
type upload struct {
	name string
	data []byte
}

func (a *catalogAdmin) postMultipart(t *testing.T, path string, form url.Values, files []upload, c *http.Cookie) catalogResponse {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile("images", f.name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(f.data)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return a.send(t, req, c)
}

func catalogPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	img.Set(3, 3, color.RGBA{52, 84, 150, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (a *catalogAdmin) storedFiles(t *testing.T) int {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(a.mediaDir, "products"))
	return len(entries)
}

func (a *catalogAdmin) countProducts(t *testing.T) int {
	t.Helper()
	n, err := a.db.CountProducts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// productForm is a complete, valid product form for brand brandID.
func productFormValues(brandID int64, code string) url.Values {
	return url.Values{
		"brand_id": {fmt.Sprint(brandID)}, "code": {code}, "name": {"어반 데님 재킷"}, "shelf": {"new"},
		"price": {"98,000"}, "age_min": {"21"}, "age_max": {"26"},
		"styling_advice": {"흰 티셔츠와 롤업 청바지로 캐주얼하게 입으세요."}, "accessories": {"캔버스 스니커즈, 볼캡"},
		"description": {"워싱을 넣은 도톰한 데님 재킷입니다."}, "published": {"1"},
	}
}

func TestCatalogAdmin_GroupsAndBrands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newCatalogAdmin(t, db)
		ctx := context.Background()
		marketer := a.signedIn(t, "marketer@example.com", fanmail.RoleMarketer)

		res := a.postForm(t, "/admin/catalog/groups", url.Values{"slug": {"casual"}, "name_ko": {"캐주얼"}, "name_en": {"Casual"}, "published": {"1"}}, marketer)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create group: status %d\n%s", res.StatusCode, res.Body)
		}
		res = a.postForm(t, "/admin/catalog/groups", url.Values{"slug": {"정장"}, "name_ko": {"정장"}}, marketer)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "주소용 이름에는 영문 소문자") || !strings.Contains(res.Body, `value="정장"`) {
			t.Errorf("bad slug: status %d; want 422 with the Korean error and the typed value\n%s", res.StatusCode, res.Body)
		}
		res = a.postForm(t, "/admin/catalog/groups", url.Values{"slug": {"casual"}, "name_ko": {"또 캐주얼"}}, marketer)
		if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "이미 사용 중인 주소용 이름입니다.") {
			t.Errorf("duplicate slug: status %d; want 409 with the Korean error", res.StatusCode)
		}
		g, err := a.cat.GroupBySlug(ctx, "casual", false)
		if err != nil {
			t.Fatal(err)
		}
		res = a.postForm(t, "/admin/catalog/brands", url.Values{"group_id": {fmt.Sprint(g.ID)}, "slug": {"ozoc"}, "name": {"오조크"}, "description_ko": {"도회적인 캐주얼"}}, marketer)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create brand: status %d\n%s", res.StatusCode, res.Body)
		}
		b, err := a.cat.BrandBySlug(ctx, "ozoc", false)
		if err != nil || b.Published {
			t.Fatalf("brand created unpublished (box unticked): %+v, %v", b, err)
		}
		if res := a.postForm(t, fmt.Sprintf("/admin/catalog/brands/%d/publish", b.ID), url.Values{"published": {"1"}}, marketer); res.StatusCode != http.StatusSeeOther {
			t.Errorf("publish brand: status %d", res.StatusCode)
		}
		if _, err := a.cat.BrandBySlug(ctx, "ozoc", true); err != nil {
			t.Errorf("brand not published: %v", err)
		}
		page := a.get(t, "/admin/catalog", marketer)
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "오조크") || !strings.Contains(page.Body, "캐주얼") {
			t.Errorf("overview: status %d\n%s", page.StatusCode, page.Body)
		}
		for _, path := range []string{"/admin/catalog/groups/new", fmt.Sprintf("/admin/catalog/groups/%d/edit", g.ID),
			"/admin/catalog/brands/new", fmt.Sprintf("/admin/catalog/brands/%d", b.ID), fmt.Sprintf("/admin/catalog/brands/%d/edit", b.ID),
			fmt.Sprintf("/admin/catalog/products/new?brand=%d", b.ID)} {
			if res := a.get(t, path, marketer); res.StatusCode != http.StatusOK {
				t.Errorf("GET %s: status %d", path, res.StatusCode)
			}
		}
	})
}

func TestCatalogAdmin_CreateProductWithImage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newCatalogAdmin(t, db)
		ctx := context.Background()
		g, _ := a.cat.CreateGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", Published: true})
		b, err := a.cat.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozoc", Name: "오조크", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		picture := catalogPNG(t)
		marketer := a.signedIn(t, "marketer@example.com", fanmail.RoleMarketer)
		shopStaff := a.signedIn(t, "gangnam@example.com", fanmail.RoleShopStaff)

		t.Run("OK", func(t *testing.T) {
			res := a.postMultipart(t, "/admin/catalog/products", productFormValues(b.ID, "OZC-N01"), []upload{{"재킷.png", picture}}, marketer)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d; want 303\n%s", res.StatusCode, res.Body)
			}
			p, err := db.ProductByCode(ctx, "OZC-N01", true)
			if err != nil {
				t.Fatal(err)
			}
			if p.Price != 98000 || p.AgeMin != 21 || p.AgeMax != 26 || p.Accessories != "캔버스 스니커즈, 볼캡" || len(p.Images) != 1 {
				t.Errorf("stored product: %+v", p)
			}
			if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, fmt.Sprintf("/admin/catalog/products/%d/edit", p.ID)) {
				t.Errorf("Location %q", loc)
			}
			edit := a.get(t, fmt.Sprintf("/admin/catalog/products/%d/edit", p.ID), marketer)
			imgURL := "/admin/media/" + p.Images[0].Path
			if edit.StatusCode != http.StatusOK || !strings.Contains(edit.Body, imgURL) || !strings.Contains(edit.Body, `value="OZC-N01"`) {
				t.Errorf("edit page: status %d\n%s", edit.StatusCode, edit.Body)
			}
			if media := a.get(t, imgURL, marketer); media.StatusCode != http.StatusOK || media.Body != string(picture) {
				t.Errorf("staff media: status %d", media.StatusCode)
			}
			if brand := a.get(t, fmt.Sprintf("/admin/catalog/brands/%d", b.ID), marketer); !strings.Contains(brand.Body, "어반 데님 재킷") || !strings.Contains(brand.Body, "98,000원") {
				t.Errorf("brand page lacks the product\n%s", brand.Body)
			}
		})

		t.Run("ErrShopStaffForbidden", func(t *testing.T) {
			products, files := a.countProducts(t), a.storedFiles(t)
			res := a.postMultipart(t, "/admin/catalog/products", productFormValues(b.ID, "OZC-N02"), []upload{{"a.png", picture}}, shopStaff)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("status %d; want 403", res.StatusCode)
			}
			if res := a.get(t, "/admin/catalog", shopStaff); res.StatusCode != http.StatusForbidden {
				t.Errorf("overview for shop staff: status %d; want 403", res.StatusCode)
			}
			if a.countProducts(t) != products || a.storedFiles(t) != files {
				t.Error("something was stored for shop staff")
			}
		})

		t.Run("ErrSignedOut", func(t *testing.T) {
			if res := a.get(t, "/admin/catalog", nil); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
				t.Errorf("signed out GET: status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
			}
			if res := a.postMultipart(t, "/admin/catalog/products", productFormValues(b.ID, "OZC-N03"), nil, nil); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("signed out POST: status %d; want 401", res.StatusCode)
			}
		})

		refusals := []struct {
			name    string
			files   []upload
			status  int
			message string
			shown   string // the form with the error next to the images, or the error page
		}{
			{"ErrNotAnImage", []upload{{"사진.jpg", []byte("이것은 사진이 아니라 글자입니다")}}, http.StatusUnprocessableEntity, "JPEG, PNG, GIF, WebP 이미지만 올릴 수 있습니다.", `id="images-error"`},
			{"ErrImageTooLarge", []upload{{"큰사진.png", append(catalogPNG(t), make([]byte, catalogTestMaxImage)...)}}, http.StatusRequestEntityTooLarge, "올린 파일이 너무 큽니다.", `id="images-error"`},
			{"ErrBodyTooLarge", []upload{{"아주큰사진.png", append(catalogPNG(t), make([]byte, 11*catalogTestMaxImage+2<<20)...)}}, http.StatusRequestEntityTooLarge, "올린 파일이 너무 큽니다.", `id="error-message"`},
		}
		for _, tc := range refusals {
			t.Run(tc.name, func(t *testing.T) {
				products, files := a.countProducts(t), a.storedFiles(t)
				res := a.postMultipart(t, "/admin/catalog/products", productFormValues(b.ID, "OZC-N09"), tc.files, marketer)
				if res.StatusCode != tc.status || !strings.Contains(res.Body, tc.message) || !strings.Contains(res.Body, tc.shown) {
					t.Errorf("status %d; want %d with %q\n%s", res.StatusCode, tc.status, tc.message, res.Body)
				}
				if a.countProducts(t) != products || a.storedFiles(t) != files {
					t.Error("something was stored despite the refusal")
				}
			})
		}

		t.Run("ErrDuplicateCodeKeepsInput", func(t *testing.T) {
			form := productFormValues(b.ID, "OZC-N01")
			form.Set("price", "12만")
			res := a.postMultipart(t, "/admin/catalog/products", form, nil, marketer)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "숫자만 입력해 주세요.") || !strings.Contains(res.Body, `value="12만"`) {
				t.Errorf("bad price: status %d\n%s", res.StatusCode, res.Body)
			}
			form.Set("price", "98000")
			res = a.postMultipart(t, "/admin/catalog/products", form, nil, marketer)
			if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "같은 코드의 상품이 이미 있습니다.") || !strings.Contains(res.Body, "흰 티셔츠와 롤업 청바지로") {
				t.Errorf("duplicate code: status %d\n%s", res.StatusCode, res.Body)
			}
		})

		t.Run("EditImagesAndPublish", func(t *testing.T) {
			p, _ := db.ProductByCode(ctx, "OZC-N01", false)
			res := a.postMultipart(t, fmt.Sprintf("/admin/catalog/products/%d/images", p.ID), nil, []upload{{"뒤.png", picture}, {"옆.png", picture}}, marketer)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("add images: status %d\n%s", res.StatusCode, res.Body)
			}
			res = a.postMultipart(t, fmt.Sprintf("/admin/catalog/products/%d/images", p.ID), nil, []upload{{"가짜.gif", []byte("GIF? no")}}, marketer)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="images-error"`) {
				t.Errorf("bad image on edit page: status %d", res.StatusCode)
			}
			p, _ = db.ProductByCode(ctx, "OZC-N01", false)
			if len(p.Images) != 3 {
				t.Fatalf("images: %d; want 3", len(p.Images))
			}
			res = a.postForm(t, fmt.Sprintf("/admin/catalog/images/%d/delete", p.Images[0].ID), nil, marketer)
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("delete image: status %d", res.StatusCode)
			}
			if _, err := os.Stat(filepath.Join(a.mediaDir, p.Images[0].Path)); !os.IsNotExist(err) {
				t.Errorf("deleted image file still on disk: %v", err)
			}

			form := productFormValues(b.ID, "OZC-N01")
			form.Set("name", "어반 워싱 데님 재킷")
			form.Del("published")
			res = a.postForm(t, fmt.Sprintf("/admin/catalog/products/%d", p.ID), form, marketer)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("update: status %d\n%s", res.StatusCode, res.Body)
			}
			if _, err := db.ProductByID(ctx, p.ID, true); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("product still public after unticking published: %v", err)
			}
			got, _ := db.ProductByID(ctx, p.ID, false)
			if got.Name != "어반 워싱 데님 재킷" || len(got.Images) != 2 {
				t.Errorf("updated product: %+v", got)
			}
			res = a.postForm(t, fmt.Sprintf("/admin/catalog/products/%d/publish", p.ID), url.Values{"published": {"1"}}, marketer)
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("publish: status %d", res.StatusCode)
			}
			if _, err := db.ProductByID(ctx, p.ID, true); err != nil {
				t.Errorf("product not public after publish: %v", err)
			}
		})

		t.Run("Move", func(t *testing.T) {
			second, err := a.cat.CreateProduct(ctx, fanmail.Product{BrandID: b.ID, Code: "OZC-N05", Name: "어반 니트", Shelf: fanmail.ShelfNew, Published: true})
			if err != nil {
				t.Fatal(err)
			}
			res := a.postForm(t, fmt.Sprintf("/admin/catalog/products/%d/move", second.ID), url.Values{"dir": {"up"}}, marketer)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("move: status %d", res.StatusCode)
			}
			ps, _ := a.cat.Products(ctx, catalog.ProductFilter{BrandID: b.ID, Shelf: fanmail.ShelfNew})
			if len(ps) != 2 || ps[0].Code != "OZC-N05" {
				t.Errorf("order after move up: %v", ps)
			}
		})
	})
}

// Every text the catalogue templates translate has a Korean entry.
func TestCatalogAdmin_TemplatesTranslated(t *testing.T) {
	pattern := regexp.MustCompile(`t \$?\.Lang "([^"]+)"`)
	files, _ := filepath.Glob("templates/catalog*.html")
	msgs := []string{"New arrivals", "Previous season", "Sale", "Saved."}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pattern.FindAllStringSubmatch(string(b), -1) {
			msgs = append(msgs, m[1])
		}
	}
	if len(msgs) < 20 {
		t.Fatalf("found only %d texts; is the pattern right?", len(msgs))
	}
	for _, msg := range msgs {
		if !i18n.Has(msg) {
			t.Errorf("no Korean for %q", msg)
		}
	}
}
