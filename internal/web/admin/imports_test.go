package admin_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/web"
	"github.com/fanmail/fanmail/internal/web/admin"
)

// importAdmin is the staff UI on the real router, with signed-in users.
type importAdmin struct {
	db       *store.DB
	mux      *http.ServeMux
	members  *member.Service
	sessions *web.Sessions
	staff    *staff.Service
}

// newImportAdmin builds the staff UI; opts may change its dependencies.
func newImportAdmin(t *testing.T, db *store.DB, opts ...func(*admin.Deps)) *importAdmin {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	cfg := config.Default()
	cfg.MediaDir = t.TempDir()
	a := &importAdmin{
		db:       db,
		mux:      http.NewServeMux(),
		members:  member.New(db, nil, member.Options{AgeBands: cfg.AgeBands, BaseURL: "http://fanmail.test"}, logger),
		sessions: &web.Sessions{DB: db, Cookie: "fanmail_staff", Path: "/admin", TTL: time.Hour},
		staff:    staff.New(db, logger, staff.Options{}),
	}
	d := admin.FullDeps(t, db, cfg, logger)
	d.Sessions, d.Staff, d.Members = a.sessions, a.staff, a.members
	for _, o := range opts {
		o(&d)
	}
	h, err := admin.New(d)
	if err != nil {
		t.Fatal(err)
	}
	h.Routes(a.mux)
	return a
}

// signedIn creates a staff user with role and returns their session cookie.
func (a *importAdmin) signedIn(t *testing.T, email, role string) *http.Cookie {
	t.Helper()
	u, err := a.staff.CreateUser(context.Background(), staff.NewUser{Email: email, Name: "정하늘", Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := a.sessions.Start(rec, httptest.NewRequest("POST", "/admin/login", nil), u.ID, 0, "ko"); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0]
}

type importResponse struct {
	*http.Response
	Body string
}

func (a *importAdmin) send(t *testing.T, req *http.Request, c *http.Cookie) importResponse {
	t.Helper()
	if c != nil {
		req.AddCookie(c)
	}
	req.Header.Set("Accept-Language", "ko-KR")
	rec := httptest.NewRecorder()
	a.mux.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return importResponse{res, string(b)}
}

func (a *importAdmin) get(t *testing.T, path string, c *http.Cookie) importResponse {
	t.Helper()
	return a.send(t, httptest.NewRequest(http.MethodGet, path, nil), c)
}

// upload posts the import form as a same-origin browser would.
func (a *importAdmin) upload(t *testing.T, form url.Values, filename, file string, c *http.Cookie, site string) importResponse {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("file", filename)
		io.WriteString(fw, file)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/admin/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", site)
	return a.send(t, req, c)
}

// waitAccess waits for the background import to record target in the access
// log (not a timing assertion: the deadline only bounds a hung test).
func waitAccess(t *testing.T, db *store.DB, target string) fanmail.AccessEntry {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		es, _, err := db.AccessEntries(context.Background(), store.AccessFilter{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Target == target {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no access log entry for %q", target)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitImport waits for the background import to finish (not a timing
// assertion: the deadline only stops a hung test).
func (a *importAdmin) waitImport(t *testing.T, id int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		imp, err := a.members.ImportByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Status != store.ImportRunning {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d still running", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const importCSV = "이메일,이름,휴대폰,출생연도,성별,마케팅수신동의,비고\r\n" +
	"minji@example.com,김민지,010-1234-5678,1995,여,Y,단골\r\n" +
	"seojun@example.com,박서준,010-2222-3333,1990,남,N,\r\n" +
	"not-an-address,이오류,,,,,\r\n" +
	"child@example.com,최어린,,2020,여,,\r\n"

func TestImportsAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newImportAdmin(t, db)
		marketer := a.signedIn(t, "marketer@example.com", fanmail.RoleMarketer)
		counsellor := a.signedIn(t, "counsellor@example.com", fanmail.RoleCounsellor)

		res := a.get(t, "/admin/imports", marketer)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `id="import-form"`) || !strings.Contains(res.Body, "회원 가져오기") {
			t.Fatalf("GET /admin/imports: %d\n%s", res.StatusCode, res.Body)
		}
		for _, path := range []string{"/admin/imports", "/admin/members/export.csv"} {
			if res := a.get(t, path, counsellor); res.StatusCode != http.StatusForbidden {
				t.Errorf("counsellor GET %s: status %d, want 403", path, res.StatusCode)
			}
		}
		if res := a.get(t, "/admin/imports", nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous GET: status %d, want 303 to login", res.StatusCode)
		}

		form := url.Values{"status": {"active"}, "consent": {"terms", "privacy"}}
		t.Run("NoFile", func(t *testing.T) {
			res := a.upload(t, form, "", "", marketer, "same-origin")
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "올릴 CSV 파일을 선택해 주세요.") {
				t.Errorf("status %d\n%s", res.StatusCode, res.Body)
			}
		})
		t.Run("BadOption", func(t *testing.T) {
			res := a.upload(t, url.Values{"consent": {"night_sms"}, "mapping": {"고객 메일 = email"}}, "a.csv", importCSV, marketer, "same-origin")
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "야간 문자 수신은") || !strings.Contains(res.Body, "고객 메일 = email</textarea>") {
				t.Errorf("status %d\n%s", res.StatusCode, res.Body)
			}
		})
		t.Run("CrossSite", func(t *testing.T) {
			res := a.upload(t, form, "a.csv", importCSV, marketer, "cross-site")
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", res.StatusCode)
			}
		})
		if n := countImports(t, db); n != 0 {
			t.Fatalf("%d imports recorded by refused uploads", n)
		}

		res = a.upload(t, form, "회원명단.csv", importCSV, marketer, "same-origin")
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: status %d\n%s", res.StatusCode, res.Body)
		}
		var id int64
		if _, err := fmt.Sscanf(res.Header.Get("Location"), "/admin/imports/%d", &id); err != nil {
			t.Fatalf("Location %q", res.Header.Get("Location"))
		}
		a.waitImport(t, id)
		// The members created are recorded once the import has ended.
		if e := waitAccess(t, db, fmt.Sprintf("members import %d", id)); e.Action != fanmail.AccessEdit || e.Count != 2 || e.UserID == 0 {
			t.Errorf("import logged as %+v", e)
		}

		res = a.get(t, fmt.Sprintf("/admin/imports/%d", id), marketer)
		for _, want := range []string{"회원명단.csv", "완료", `id="rows-total">4<`, `id="rows-ok">2<`, `id="rows-bad">2<`, `id="rows-dup">0<`,
			"<td>4</td><td>이메일</td><td>이메일 주소가 올바르지 않습니다.</td>",
			"<td>5</td><td>출생연도</td><td>만 14세 미만: 법정대리인 동의 없이 가져올 수 없습니다.</td>",
			"이용약관, 개인정보 수집·이용"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("import page lacks %q:\n%s", want, res.Body)
			}
		}
		if strings.Contains(res.Body, "hx-trigger") {
			t.Error("finished import still polls")
		}
		m, err := db.MemberByEmail(context.Background(), "minji@example.com")
		if err != nil || m.Name != "김민지" || m.Status != fanmail.MemberActive || m.Source != fanmail.SourceImport {
			t.Errorf("imported member %+v, %v", m, err)
		}
		if list := a.get(t, "/admin/imports", marketer); !strings.Contains(list.Body, fmt.Sprintf(`href="/admin/imports/%d">회원명단.csv`, id)) {
			t.Errorf("list lacks the import:\n%s", list.Body)
		}

		t.Run("RunningPagePolls", func(t *testing.T) {
			running, err := a.members.BeginImport(context.Background(), member.ImportRequest{Filename: "big.csv", Size: 1000})
			if err != nil {
				t.Fatal(err)
			}
			res := a.get(t, fmt.Sprintf("/admin/imports/%d", running), marketer)
			if !strings.Contains(res.Body, `hx-trigger="every 1s"`) || !strings.Contains(res.Body, "진행 중") {
				t.Errorf("running page:\n%s", res.Body)
			}
			// With no batch written for minutes, the import died with its process.
			now := db.Now
			db.Now = func() time.Time { return now().Add(10 * time.Minute) }
			defer func() { db.Now = now }()
			res = a.get(t, fmt.Sprintf("/admin/imports/%d", running), marketer)
			if !strings.Contains(res.Body, "중단됨") || strings.Contains(res.Body, "hx-trigger") {
				t.Errorf("stale page:\n%s", res.Body)
			}
		})

		t.Run("Export", func(t *testing.T) {
			res := a.get(t, "/admin/members/export.csv?status=active", marketer)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
				!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
				t.Fatalf("status %d, headers %v", res.StatusCode, res.Header)
			}
			lines := strings.Split(strings.TrimSuffix(res.Body, "\r\n"), "\r\n")
			if !strings.HasPrefix(lines[0], "\ufeff회원아이디,이메일,이름,휴대폰,출생연도,성별") || len(lines) != 3 ||
				!strings.Contains(lines[1], "minji@example.com,김민지,010-1234-5678,1995,female") {
				t.Errorf("export:\n%s", res.Body)
			}
			if res := a.get(t, "/admin/members/export.csv?status=deleted", marketer); res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("bad status filter: %d", res.StatusCode)
			}
			if res := a.get(t, "/admin/members/export.csv?status=pending", marketer); strings.Count(res.Body, "\r\n") != 1 {
				t.Errorf("pending export should be the header only:\n%s", res.Body)
			}
		})
	})
}

func countImports(t *testing.T, db *store.DB) int {
	t.Helper()
	imps, err := db.Imports(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(imps)
}

// Every English text of the import pages has a Korean translation.
func TestImportTemplates_Korean(t *testing.T) {
	re := regexp.MustCompile(`t \$?\.Lang "([^"]+)"`)
	for _, name := range []string{"imports.html", "imports_show.html"} {
		b, err := os.ReadFile("templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !i18n.Has(m[1]) {
				t.Errorf("%s: no Korean for %q", name, m[1])
			}
		}
	}
	for _, msg := range []string{"Pending: they confirm by e-mail first", "Active: the list is already confirmed",
		"Running", "Done", "Failed", "Interrupted", "Member import",
		"E-mail address is not valid.", "E-mail address is required.", "Birth year is not valid.",
		"Member id must be 3 to 30 characters.", "Night-time SMS needs SMS marketing consent."} {
		if !i18n.Has(msg) {
			t.Errorf("no Korean for %q", msg)
		}
	}
}
