package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// mbSeedMember stores a member with a favourite brand, one profile answer and
// a consent history: e-mail marketing granted at the shop, then withdrawn;
// SMS marketing left unticked at the shop.
func mbSeedMember(t *testing.T, e *staffEnv, m fanmail.Member, brandID int64) fanmail.Member {
	t.Helper()
	ctx := context.Background()
	qs, err := e.members.ProfileQuestions(ctx)
	if err != nil || len(qs) == 0 {
		t.Fatalf("profile questions: %v, %v", qs, err)
	}
	q := qs[0]
	err = e.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.CreateMember(ctx, m); err != nil {
			return err
		}
		if _, err := tx.AddBrandPreference(ctx, m.ID, brandID, m.Gender, ""); err != nil {
			return err
		}
		a := fanmail.Answer{QuestionID: q.ID, OptionIDs: []int64{q.Options[0].ID}}
		if err := tx.ReplaceAnswers(ctx, m.ID, []int64{q.ID}, []fanmail.Answer{a}); err != nil {
			return err
		}
		for _, c := range []fanmail.Consent{
			{Purpose: fanmail.PurposeTerms, Granted: true, Source: fanmail.SourceShop, IP: "203.0.113.7"},
			{Purpose: fanmail.PurposePrivacy, Granted: true, Source: fanmail.SourceShop, IP: "203.0.113.7"},
			{Purpose: fanmail.PurposeMarketingEmail, Channel: "email", Granted: true, Source: fanmail.SourceShop, IP: "203.0.113.7"},
			{Purpose: fanmail.PurposeMarketingSMS, Channel: "sms", Granted: false, Source: fanmail.SourceShop, IP: "203.0.113.7"},
		} {
			c.MemberID, c.Version = m.ID, "2025-01"
			if err := tx.AddConsent(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The withdrawal comes later, from the portal, under newer wording.
	e.db.Now = func() time.Time { return time.Now().UTC().Add(time.Hour) }
	defer func() { e.db.Now = func() time.Time { return time.Now().UTC() } }()
	err = e.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
			Granted: false, Source: "portal", IP: "198.51.100.23", Version: fanmail.ConsentWordingVersion})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMembersAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStaffEnv(t, db)
		ctx := context.Background()
		ensureSurveys(t, db)
		g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		brand, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ojok", Name: "오조크", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "sj", Name: "에스제이", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		shop, err := db.UpsertShop(ctx, fanmail.Shop{Code: "jamsil", Name: "잠실점"})
		if err != nil {
			t.Fatal(err)
		}
		minji := mbSeedMember(t, e, fanmail.Member{Code: "minji92", Email: "minji92@example.com", Name: "김민지", Phone: "010-1234-5678",
			BirthYear: 2001, Gender: fanmail.GenderFemale, PostalCode: "05551", Address: "서울시 송파구 올림픽로 240", Lang: "ko",
			Status: fanmail.MemberActive, Source: fanmail.SourceShop, ShopID: shop.ID}, brand.ID)
		minho := mbSeedMember(t, e, fanmail.Member{Email: "minho@example.com", Name: "김민호", Phone: "010-9999-0000",
			BirthYear: 1990, Gender: fanmail.GenderMale, Lang: "ko", Status: fanmail.MemberPending, Source: fanmail.SourceWeb}, other.ID)
		// Enough more members for three pages of 50.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			for i := range 110 {
				_, err := tx.CreateMember(ctx, fanmail.Member{Email: fmt.Sprintf("fan%03d@example.com", i), Name: "이서연",
					BirthYear: 1985, Gender: fanmail.GenderFemale, Lang: "ko", Status: fanmail.MemberActive, Source: fanmail.SourceImport})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		e.user(t, "counsel@example.com", fanmail.RoleCounsellor)
		e.user(t, "centre@example.com", fanmail.RoleServiceCentre)
		c := e.signIn(t, "counsel@example.com")
		viewer := e.signIn(t, "centre@example.com")
		rowIDs := regexp.MustCompile(`<td><a href="/admin/members/(\d+)">\d+</a></td>`)
		found := func(body string) []string {
			var ids []string
			for _, m := range rowIDs.FindAllStringSubmatch(body, -1) {
				ids = append(ids, m[1])
			}
			return ids
		}
		id := func(m fanmail.Member) string { return strconv.FormatInt(m.ID, 10) }

		t.Run("Search", func(t *testing.T) {
			for query, want := range map[string][]string{
				"q=minji":                 {id(minji)},
				"q=MINHO%40":              {id(minho)},
				"q=%EA%B9%80%EB%AF%BC":    {id(minho), id(minji)}, // 김민
				"q=010-1234":              {id(minji)},
				"q=" + id(minho):          {id(minho)},
				"q=%EA%B9%80&gender=male": {id(minho)},
				"brand=" + strconv.FormatInt(brand.ID, 10):              {id(minji)},
				"age_band=30-34&gender=female&q=%EA%B9%80":              {},
				"consent=terms&status=pending":                          {id(minho)},
				"consent=marketing_email":                               {},
				"q=%EA%B9%80&status=active&age_band=" + ageBandOf(2001): {id(minji)},
			} {
				res := e.get(t, "/admin/members?"+query, c)
				if res.StatusCode != http.StatusOK {
					t.Errorf("%s: status %d", query, res.StatusCode)
					continue
				}
				got := found(res.Body)
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s: found %v, want %v", query, got, want)
				}
			}
		})
		t.Run("ErrUnknownFilter", func(t *testing.T) {
			res := e.get(t, "/admin/members?age_band=99-100&lang=ko", c)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "알 수 없는 연령대입니다.") {
				t.Errorf("status %d body:\n%s", res.StatusCode, res.Body)
			}
		})
		t.Run("NextPage", func(t *testing.T) {
			path := "/admin/members?q=%EC%9D%B4&gender=female" // 이
			var all []string
			for page := 1; path != ""; page++ {
				res := e.get(t, path, c)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("page %d: status %d", page, res.StatusCode)
				}
				got := found(res.Body)
				if page < 3 && len(got) != 50 {
					t.Errorf("page %d has %d members, want 50", page, len(got))
				}
				all = append(all, got...)
				path = ""
				if m := regexp.MustCompile(`href="([^"]+)" id="next-page"`).FindStringSubmatch(res.Body); m != nil {
					path = strings.ReplaceAll(m[1], "&amp;", "&")
					if !strings.Contains(path, "gender=female") || !strings.Contains(path, "before=") {
						t.Errorf("next link %q lost the filter or cursor", path)
					}
				}
				if page > 5 {
					t.Fatal("too many pages")
				}
			}
			seen := map[string]bool{}
			for _, x := range all {
				if seen[x] {
					t.Errorf("member %s on two pages", x)
				}
				seen[x] = true
			}
			if len(all) != 110 {
				t.Errorf("paged through %d members, want 110", len(all))
			}
		})
		t.Run("ViewWholeRecord", func(t *testing.T) {
			// She confirmed her address by pressing the button of the
			// confirmation page.
			if err := e.db.InTx(context.Background(), func(tx *store.Tx) error {
				return tx.RecordOptInConfirmation(context.Background(), fanmail.OptInConfirmation{MemberID: minji.ID,
					IP: "192.0.2.44", UserAgent: "Mozilla/5.0 (민지의 휴대폰)"})
			}); err != nil {
				t.Fatal(err)
			}
			res := e.get(t, "/admin/members/"+id(minji)+"?lang=ko", viewer)
			evidence := res.Body[strings.Index(res.Body, `id="optin-evidence"`):]
			if !strings.Contains(evidence, "192.0.2.44") || !strings.Contains(evidence, "Mozilla/5.0 (민지의 휴대폰)") || !strings.Contains(res.Body, "이메일 인증(더블 옵트인)") {
				t.Errorf("record lacks the opt-in evidence:\n%.2000s", evidence)
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			for _, want := range []string{"minji92", "김민지", "010-1234-5678", "서울시 송파구 올림픽로 240", "05551", "잠실점", "오조크",
				"매장", "이용약관", "이메일 광고성 정보 수신", "203.0.113.7", "198.51.100.23", "2025-01", fanmail.ConsentWordingVersion, "철회", "마이페이지"} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("record lacks %q", want)
				}
			}
			history := res.Body[strings.Index(res.Body, `id="consent-history"`):]
			history = history[:strings.Index(history, "</table>")]
			if n := strings.Count(history, "<tr>") - 1; n != 5 {
				t.Errorf("consent history has %d rows, want 5", n)
			}
			// The e-mail consent was withdrawn; the SMS one never given.
			if strings.Count(history, "<td>철회</td>") != 1 || strings.Count(history, "<td>동의 안 함</td>") != 1 {
				t.Errorf("consent history decisions:\n%s", history)
			}
			if strings.Contains(res.Body, `id="deactivate-form"`) || strings.Contains(res.Body, "/edit") {
				t.Error("a viewer without edit rights is offered edit or deactivate")
			}
			if r := e.get(t, "/admin/members/"+id(minji)+"/edit", viewer); r.StatusCode != http.StatusForbidden {
				t.Errorf("viewer opens the edit form: status %d", r.StatusCode)
			}
			if r := e.get(t, "/admin/members/99999", viewer); r.StatusCode != http.StatusNotFound {
				t.Errorf("unknown member: status %d", r.StatusCode)
			}
		})
		t.Run("Edit", func(t *testing.T) {
			path := "/admin/members/" + id(minji)
			form := e.get(t, path+"/edit", c)
			if form.StatusCode != http.StatusOK || !strings.Contains(form.Body, `value="김민지"`) {
				t.Fatalf("edit form: status %d", form.StatusCode)
			}
			edit := url.Values{"email": {"minji.kim@example.com"}, "name": {"김민지"}, "phone": {"010-2222-3333"}, "birth_year": {"1999"},
				"gender": {fanmail.GenderFemale}, "postal_code": {"06236"}, "address": {"서울시 강남구 테헤란로 152"}, "lang": {"en"}}
			res := e.post(t, path, edit, c)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("update: status %d body:\n%s", res.StatusCode, res.Body)
			}
			m, err := e.members.MemberByID(ctx, minji.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Email != "minji.kim@example.com" || m.Phone != "010-2222-3333" || m.BirthYear != 1999 || m.Address != "서울시 강남구 테헤란로 152" || m.Lang != "en" {
				t.Errorf("after edit = %+v", m)
			}
			// The new address is searchable at once.
			if got := found(e.get(t, "/admin/members?q=minji.kim", c).Body); strings.Join(got, ",") != id(minji) {
				t.Errorf("search after edit found %v", got)
			}

			bad := url.Values{"email": {"minho@example.com"}, "name": {"김민지"}, "birth_year": {"2020"}, "lang": {"ko"}}
			res = e.post(t, path+"?lang=ko", bad, c)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `value="minho@example.com"`) || !strings.Contains(res.Body, "field-error") {
				t.Errorf("bad edit: status %d body:\n%s", res.StatusCode, res.Body)
			}
			if m2, _ := e.members.MemberByID(ctx, minji.ID); m2.Email != "minji.kim@example.com" || m2.BirthYear != 1999 {
				t.Errorf("a refused edit changed the member: %+v", m2)
			}
			if r := e.post(t, path, edit, viewer); r.StatusCode != http.StatusForbidden {
				t.Errorf("viewer edits: status %d, want 403", r.StatusCode)
			}
		})
		t.Run("Deactivate", func(t *testing.T) {
			path := "/admin/members/" + id(minho)
			if r := e.post(t, path+"/deactivate", nil, viewer); r.StatusCode != http.StatusForbidden {
				t.Errorf("viewer deactivates: status %d, want 403", r.StatusCode)
			}
			res := e.post(t, path+"/deactivate", nil, c)
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), path) {
				t.Fatalf("deactivate: status %d Location %q", res.StatusCode, res.Header.Get("Location"))
			}
			m, _ := e.members.MemberByID(ctx, minho.ID)
			if m.Status != fanmail.MemberInactive {
				t.Errorf("status %q, want inactive", m.Status)
			}
			if got := found(e.get(t, "/admin/members?status=inactive", c).Body); strings.Join(got, ",") != id(minho) {
				t.Errorf("inactive members: %v", got)
			}
		})
	})
}

// ageBandOf returns the default age band label of someone born in year.
func ageBandOf(year int) string {
	return fanmail.AgeBandOf(fanmail.DefaultAgeBands, year, time.Now().UTC())
}
