package survey_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/survey"
)

// inviteDeep runs InviteBrandDeep in a transaction of its own.
func (e *env) inviteDeep(t *testing.T, memberID, brandID int64) {
	t.Helper()
	ctx := context.Background()
	if err := e.db.InTx(ctx, func(tx *store.Tx) error {
		return e.svc.InviteBrandDeep(ctx, tx, memberID, brandID, "welcome")
	}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) invitations(t *testing.T) []fanmail.SurveyInvitation {
	t.Helper()
	rows, err := e.db.SQL().QueryContext(context.Background(), `SELECT id FROM survey_invitations ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	// Read after the rows are closed: they hold a connection of the pool.
	var out []fanmail.SurveyInvitation
	for _, id := range ids {
		inv, err := e.db.InvitationByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, inv)
	}
	return out
}

func TestService_InviteBrandDeep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		mine := mustBrand(t, db, "mine", "마인")
		e.inviteDeep(t, e.member.ID, e.brand.ID)
		e.inviteDeep(t, e.member.ID, e.brand.ID) // a retried step invites once
		e.inviteDeep(t, e.member.ID, mine.ID)    // a second brand invites again
		invs := e.invitations(t)
		if len(invs) != 2 {
			t.Fatalf("%d invitations, want one per brand: %+v", len(invs), invs)
		}
		for i, b := range []int64{e.brand.ID, mine.ID} {
			inv := invs[i]
			if inv.SurveyID != e.deep.ID || inv.MemberID != e.member.ID || inv.BrandID != b || inv.Status != fanmail.InvitationSent ||
				inv.Cause != "welcome:brand:"+strconv.FormatInt(b, 10) || !inv.ExpiresAt.Equal(e.now.Add(survey.DefaultInvitationTTL)) {
				t.Errorf("invitation %d = %+v", i, inv)
			}
			m, err := db.MessageByID(ctx, inv.MessageID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != fanmail.MessageSurveyInvitation || m.Purpose != fanmail.PurposeMarketing || m.BrandID != b || m.MemberID != e.member.ID ||
				m.Ref != "survey-invite:"+strconv.FormatInt(inv.ID, 10) || m.Status != fanmail.MessageQueued {
				t.Errorf("invitation message %d = %+v", i, m)
			}
		}
		if n := countRows(t, db, "messages"); n != 2 {
			t.Errorf("%d messages, want 2", n)
		}

		// A brand's own active survey replaces the deep survey for it.
		own, err := e.svc.CreateSurvey(ctx, fanmail.Survey{Key: "mine-deep", TitleKo: "마인 설문", TitleEn: "Mine survey", BrandID: mine.ID, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		other := mustMember(t, db, fanmail.Member{Email: "sora@example.com", Name: "한소라"})
		e.inviteDeep(t, other.ID, mine.ID)
		if invs := e.invitations(t); len(invs) != 3 || invs[2].SurveyID != own.ID {
			t.Errorf("invitation to a brand with its own survey: %+v", invs[len(invs)-1])
		}

		// A closed survey invites nobody, and the step it is part of goes on.
		deep := e.deep
		deep.Active = false
		if err := e.svc.UpdateSurvey(ctx, deep); err != nil {
			t.Fatal(err)
		}
		e.inviteDeep(t, other.ID, e.brand.ID)
		if invs := e.invitations(t); len(invs) != 3 {
			t.Errorf("%d invitations after inviting to a closed survey, want 3", len(invs))
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := e.svc.InviteTx(ctx, tx, survey.Invite{SurveyID: deep.ID, MemberID: other.ID, BrandID: e.brand.ID, Cause: "resend"})
			return err
		})
		if !errors.Is(err, survey.ErrClosed) {
			t.Errorf("InviteTx to a closed survey = %v, want ErrClosed", err)
		}
	})
}

// claim returns the outbox claim of invitation inv's message as the outbox
// would read it for the member.
func (e *env) claim(t *testing.T, inv fanmail.SurveyInvitation, lang string) *store.OutboxClaim {
	t.Helper()
	m, err := e.db.MessageByID(context.Background(), inv.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	return &store.OutboxClaim{Message: m, Email: e.member.Email, Name: e.member.Name, Lang: lang}
}

func TestService_Render(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		inv, token := e.invite(t, e.member.ID, e.brand.ID, "welcome")
		c, err := e.svc.Render(ctx, e.claim(t, inv, fanmail.LangKorean))
		if err != nil {
			t.Fatal(err)
		}
		if c.BrandID != e.brand.ID || c.Document || c.Subject != "오즈세컨 브랜드 설문 – 답해 주시면 칩 1개를 드립니다" {
			t.Errorf("content: subject %q, brand %d, document %v", c.Subject, c.BrandID, c.Document)
		}
		page := baseURL + "/s/" + token
		share := e.q["wardrobe_share"]
		for _, want := range []string{"김지은님", "오즈세컨 설문에 답해 주시면 매니아칩 1개를 보내 드립니다", share.LabelKo, "61% 이상",
			"설문 전체 보기: " + page, "2026-03-31까지"} {
			if !strings.Contains(c.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, c.Text)
			}
		}
		// Each answer of the first question is a link to the page with it
		// picked, in the text and the HTML.
		for _, o := range share.Options {
			link := page + "?" + url.Values{"a": {o.Value}, "q": {strconv.FormatInt(share.ID, 10)}}.Encode()
			if !strings.Contains(c.Text, o.LabelKo+": "+link) {
				t.Errorf("text lacks the one-click link of %s: %s\n%s", o.Value, link, c.Text)
			}
			if !strings.Contains(c.HTML, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
				t.Errorf("HTML lacks the one-click link of %s", o.Value)
			}
		}
		if strings.Contains(c.Text, "jin72@example.com") {
			t.Errorf("the invitation shows the address; it has no need to")
		}

		en, err := e.svc.Render(ctx, e.claim(t, inv, fanmail.LangEnglish))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Hello 김지은", "Answer the 오즈세컨 survey and you receive 1 mania chip(s).", share.LabelEn, "61 % or more"} {
			if !strings.Contains(en.Text, want) {
				t.Errorf("English text lacks %q:\n%s", want, en.Text)
			}
		}

		// A brand unpublished while the mail waits: skipped (ENOTFOUND).
		// The brand is read through a short cache, so a fresh service
		// renders it.
		b := e.brand
		b.Published = false
		if _, err := db.UpdateBrand(ctx, b); err != nil {
			t.Fatal(err)
		}
		fresh := survey.New(db, nil, survey.Options{BaseURL: baseURL})
		if _, err := fresh.Render(ctx, e.claim(t, inv, "ko")); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("Render for an unpublished brand = %v, want ENOTFOUND", err)
		}
		// An invitation that waited past its expiry: skipped (EEXPIRED).
		e.now = e.now.Add(31 * 24 * time.Hour)
		if _, err := fresh.Render(ctx, e.claim(t, inv, "ko")); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("Render after expiry = %v, want EEXPIRED", err)
		}
	})
}

// TestService_RenderScale checks a survey whose first question is a scale:
// its numbers are the one-click answers.
func TestService_RenderScale(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		sv, err := e.svc.CreateSurvey(ctx, fanmail.Survey{Key: "visit", TitleKo: "매장 방문 설문", TitleEn: "Store visit", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		qid, err := e.svc.CreateQuestion(ctx, fanmail.Question{Survey: "visit", Key: "kindness", Kind: fanmail.QuestionScale, ScaleMin: 1, ScaleMax: 5,
			LabelKo: "직원은 친절했습니까?", LabelEn: "Was the staff kind?", MinLabelKo: "불친절", MinLabelEn: "Unkind", MaxLabelKo: "매우 친절", MaxLabelEn: "Very kind", Required: true})
		if err != nil {
			t.Fatal(err)
		}
		var inv fanmail.SurveyInvitation
		err = db.InTx(ctx, func(tx *store.Tx) error {
			inv, err = e.svc.InviteTx(ctx, tx, survey.Invite{SurveyID: sv.ID, MemberID: e.member.ID, Cause: "visit:2026-03-01"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.Render(ctx, e.claim(t, inv, "ko"))
		if err != nil {
			t.Fatal(err)
		}
		token := e.token(t, inv)
		for n := 1; n <= 5; n++ {
			link := baseURL + "/s/" + token + "?a=" + strconv.Itoa(n) + "&q=" + strconv.FormatInt(qid, 10)
			if !strings.Contains(c.Text, "- "+strconv.Itoa(n)+": "+link) {
				t.Errorf("text lacks the one-click link of %d:\n%s", n, c.Text)
			}
		}
		if !strings.Contains(c.Text, "(불친절 … 매우 친절)") || c.Subject != "매장 방문 설문" || c.BrandID != 0 {
			t.Errorf("scale invitation: subject %q, brand %d:\n%s", c.Subject, c.BrandID, c.Text)
		}
	})
}

// The invitation is rendered once per mailing and personalised per member:
// each member's mail carries their own name (escaped in HTML) and link.
func TestService_Render_PerMember(t *testing.T) {
	db := storetest.OpenSQLite(t)
	e := setup(t, db)
	ctx := context.Background()
	other := storetest.MustCreateMember(t, db, "tag@example.com")
	inv1, token1 := e.invite(t, e.member.ID, e.brand.ID, "welcome")
	inv2, token2 := e.invite(t, other.ID, e.brand.ID, "welcome")
	c1, err := e.svc.Render(ctx, e.claim(t, inv1, fanmail.LangKorean))
	if err != nil {
		t.Fatal(err)
	}
	claim := e.claim(t, inv2, fanmail.LangKorean)
	claim.Name = `김 <b>"태그"</b>`
	c2, err := e.svc.Render(ctx, claim)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c1.Text, e.member.Name) || !strings.Contains(c1.Text, token1) || strings.Contains(c1.Text, token2) {
		t.Errorf("first member's mail lacks their name or link:\n%s", c1.Text)
	}
	if !strings.Contains(c2.Text, claim.Name) || !strings.Contains(c2.HTML, "김 &lt;b&gt;&#34;태그&#34;&lt;/b&gt;") ||
		strings.Contains(c2.HTML, "<b>") || !strings.Contains(c2.HTML, token2) || strings.Contains(c2.HTML, token1) {
		t.Errorf("second member's mail: name or link wrong, or the name unescaped:\n%s", c2.HTML)
	}
	for _, c := range []string{c1.Subject + c1.Text + c1.HTML, c2.Subject + c2.Text + c2.HTML} {
		if strings.Contains(c, "Marker7d2") {
			t.Errorf("a marker was left in the mail:\n%s", c)
		}
	}
}

// Step 6: the deep survey is chosen from the profile analysis. A member
// whose purchases make them wait for sales gets the sale-shoppers' survey
// when staff made one; a member without an analysed pattern gets the
// default deep survey.
func TestService_InviteBrandDeep_ByPattern(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		sale, err := e.svc.CreateSurvey(ctx, fanmail.Survey{Key: survey.DeepSurveyKey(fanmail.PatternSale), TitleKo: "세일 고객 설문",
			TitleEn: "Sale shoppers' survey", Active: true, ChipReward: 1})
		if err != nil {
			t.Fatal(err)
		}
		saver := storetest.MustCreateMember(t, db, "saver@example.com")
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO member_profiles (member_id, purchase_pattern, units_sale, computed_at)
			VALUES ($1, $2, 3, $3)`, saver.ID, fanmail.PatternSale, db.Now()); err != nil {
			t.Fatal(err)
		}
		e.inviteDeep(t, saver.ID, e.brand.ID)
		e.inviteDeep(t, e.member.ID, e.brand.ID)
		deep, err := db.SurveyByKey(ctx, fanmail.SurveyBrandDeep)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]int64{}
		for _, inv := range e.invitations(t) {
			got[inv.MemberID] = inv.SurveyID
		}
		if got[saver.ID] != sale.ID || got[e.member.ID] != deep.ID {
			t.Errorf("surveys by member %v; want the sale survey %d for the sale shopper, the default %d otherwise", got, sale.ID, deep.ID)
		}
	})
}
