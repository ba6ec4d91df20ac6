package member_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// erasureMember registers minji on the join page, confirms her, and gives
// her data in every section of the member's copy: survey answers, a fan
// membership, chips, a gift certificate, an order and mails.
func erasureMember(t *testing.T, e *regEnv) fanmail.Member {
	t.Helper()
	ctx := context.Background()
	m, err := e.svc.Register(ctx, e.minji(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetPassword(ctx, m.ID, "비밀번호-1234"); err != nil {
		t.Fatal(err)
	}
	sv, err := e.db.SurveyByKey(ctx, member.ProfileSurvey)
	if err != nil {
		t.Fatal(err)
	}
	err = e.db.InTx(ctx, func(tx *store.Tx) error {
		if m, err = tx.ConfirmMember(ctx, m.ID); err != nil {
			return err
		}
		if _, err := tx.CreateResponse(ctx, fanmail.SurveyResponse{SurveyID: sv.ID, MemberID: m.ID, BrandID: e.ozSecond,
			Answers: []fanmail.Answer{{QuestionID: e.questions["fashion_sites"].ID, Text: "지그재그"}}}); err != nil {
			return err
		}
		if _, err := tx.AddFanMembership(ctx, m.ID, e.ozSecond); err != nil {
			return err
		}
		if _, _, err := tx.Issue(ctx, fanmail.LedgerEntry{MemberID: m.ID, BrandID: e.ozSecond, Unit: fanmail.UnitChip, Amount: 3,
			Reason: fanmail.ReasonBrandWelcome, Ref: "test:welcome", Note: "김민지 고객 요청"}); err != nil {
			return err
		}
		if _, _, err := tx.IssueCertificate(ctx, fanmail.Certificate{Code: "GIFT-MINJI-1", MemberID: m.ID, Value: 10000,
			Reason: fanmail.ReasonFanReward, Ref: "test:cert"}); err != nil {
			return err
		}
		_, err := tx.CreateOrder(ctx, fanmail.Order{MemberID: m.ID, ExternalID: "A-2001", OrderedAt: e.now.Add(-time.Hour),
			Amount: 30000, Source: fanmail.OrderSourceAPI, Items: []fanmail.OrderItem{{Name: "양말", Quantity: 2, UnitPrice: 15000}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestService_MemberData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		m := erasureMember(t, e)
		deliverytest.WaitIdle(t, db)

		d, err := e.svc.MemberData(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var sections map[string]json.RawMessage
		if err := json.Unmarshal(raw, &sections); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"profile_answers", "survey_answers", "consents", "consent_history", "brands", "balances",
			"ledger", "certificates", "orders", "order_items", "messages"} {
			var rows []map[string]any
			if err := json.Unmarshal(sections[s], &rows); err != nil || len(rows) == 0 {
				t.Errorf("section %s = %s, want rows (%v)", s, sections[s], err)
			}
		}
		if d.Profile.Email != "minji@example.com" || d.Profile.Name != "김민지" || d.Profile.Phone != "010-1234-5678" {
			t.Errorf("profile = %+v", d.Profile)
		}
		if !strings.Contains(string(raw), "유튜브 패션 채널") || !strings.Contains(string(raw), "지그재그") ||
			!strings.Contains(string(raw), "A-2001") || !strings.Contains(string(raw), "GIFT-MINJI-1") {
			t.Errorf("copy lacks an answer, the order or the certificate: %s", raw)
		}
		if len(d.Brands) != 3 || d.Messages[len(d.Messages)-1].Kind != fanmail.MessageOptIn {
			t.Errorf("brands %+v, messages %+v", d.Brands, d.Messages)
		}

		var buf bytes.Buffer
		if err := member.WriteDataCSV(&buf, d); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range recs[1:] {
			if len(r) != 4 {
				t.Fatalf("record %q has %d fields", r, len(r))
			}
			if r[1] == "1" {
				got[r[0]+"."+r[2]] = r[3]
			}
		}
		for k, want := range map[string]string{"profile.email": "minji@example.com", "profile.name": "김민지",
			"orders.order_number": "A-2001", "order_items.quantity": "2", "ledger.amount": "3", "certificates.value": "10000",
			"meta.format": "fanmail-member-data/1"} {
			if got[k] != want {
				t.Errorf("CSV %s = %q, want %q", k, got[k], want)
			}
		}
	})
}

// personalColumns finds needle in any text column of any table.
func personalColumns(t *testing.T, db *store.DB, needle string) []string {
	t.Helper()
	ctx := context.Background()
	query := `SELECT m.name, p.name FROM sqlite_schema m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`
	if db.Engine() == store.Postgres {
		query = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := db.SQL().QueryContext(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 50 {
		t.Fatalf("only %d columns found", len(cols))
	}
	var found []string
	for _, c := range cols {
		var n int
		q := `SELECT COUNT(*) FROM "` + c[0] + `" WHERE CAST("` + c[1] + `" AS TEXT) LIKE $1`
		if err := db.SQL().QueryRowContext(ctx, q, "%"+needle+"%").Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n > 0 {
			found = append(found, c[0]+"."+c[1])
		}
	}
	return found
}

func TestService_Erase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		m := erasureMember(t, e)
		other := storetest.MustCreateMember(t, db, "jun@example.com")
		deliverytest.WaitIdle(t, db)
		balBefore, _ := db.Balances(ctx, m.ID)

		if _, err := e.svc.Erase(ctx, m.ID, store.EraseOptions{Source: fanmail.SourceAdmin}); fanmail.ErrorField(err) != "reason" {
			t.Errorf("erasure without reason: %v, want EINVALID naming reason", err)
		}
		_, err := e.svc.Erase(ctx, m.ID, store.EraseOptions{Source: fanmail.SourceAdmin, Reason: "전화 요청 2026-03-01"})
		if fanmail.ErrorCode(err) != fanmail.ECONFLICT || !strings.Contains(fanmail.ErrorMessage(err), "1 unused gift certificate") {
			t.Fatalf("erasure with an unused certificate: %v, want ECONFLICT naming it", err)
		}
		if got, _ := db.MemberByID(ctx, m.ID); got.Email != "minji@example.com" {
			t.Fatalf("refused erasure changed the member: %+v", got)
		}
		res, err := e.svc.Erase(ctx, m.ID, store.EraseOptions{Source: fanmail.SourceAdmin, Reason: "전화 요청 2026-03-01",
			VoidCertificates: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.VoidedCerts != 1 {
			t.Errorf("erasure = %+v, want 1 certificate voided", res)
		}
		if _, err := e.svc.Erase(ctx, m.ID, store.EraseOptions{Source: fanmail.SourceAdmin, Reason: "again"}); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("second erasure: %v, want ECONFLICT", err)
		}

		for _, needle := range []string{"minji@example.com", "김민지", "01012345678", "010-1234-5678", "세종대로", "04524",
			"유튜브 패션 채널", "지그재그", "203.0.113.7", "minji92"} {
			if found := personalColumns(t, db, needle); len(found) > 0 {
				t.Errorf("%q still in %v", needle, found)
			}
		}
		got, err := db.MemberByID(ctx, m.ID)
		if err != nil || got.ErasedAt == nil || got.Status != fanmail.MemberInactive {
			t.Errorf("erased member = %+v, %v", got, err)
		}
		if j, err := db.MemberByID(ctx, other.ID); err != nil || j.Email != "jun@example.com" {
			t.Errorf("another member changed: %+v, %v", j, err)
		}

		// Kept: the ledger adds up, the order and the consent records stay.
		if mm, err := db.LedgerMismatches(ctx, 0); err != nil || len(mm) != 0 {
			t.Errorf("ledger mismatches %+v, %v", mm, err)
		}
		if balAfter, _ := db.Balances(ctx, m.ID); len(balAfter) != len(balBefore) || balAfter[0].Amount != balBefore[0].Amount {
			t.Errorf("balances %+v, were %+v", balAfter, balBefore)
		}
		o, err := db.OrderByExternalID(ctx, "A-2001")
		if err != nil || o.Amount != 30000 || o.MemberID != m.ID {
			t.Errorf("order after erasure = %+v, %v", o, err)
		}
		hist, _ := db.ConsentHistory(ctx, m.ID)
		if len(hist) != len(fanmail.Purposes)+3 || hist[len(hist)-1].Granted || hist[len(hist)-1].Source != "erasure" {
			t.Errorf("consent history after erasure = %+v", hist)
		}

		// The address is refused to imports and staff, not to the person.
		res2 := importString(t, e.svc, "email,name\njun2@example.com,Jun\nMinJi@example.com,김민지\n", member.ImportRequest{})
		if res2.OK != 1 || res2.Bad != 1 {
			t.Errorf("re-import = %+v, want 1 ok, 1 bad", res2.ImportProgress)
		}
		if errs := allImportErrors(t, e.svc, res2.ImportID); errs[3] != store.ReasonErased {
			t.Errorf("import errors = %v, want line 3 erased", errs)
		}
		staff := e.minji(t)
		staff.Source = fanmail.SourceAdmin
		if _, err := e.svc.Register(ctx, staff); fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "email" {
			t.Errorf("staff registration of an erased address: %v, want ECONFLICT on email", err)
		}
		if _, err := e.svc.Register(ctx, e.minji(t)); err != nil {
			t.Fatalf("the person's own sign-up: %v", err)
		}
		if erased, err := db.IsErased(ctx, "minji@example.com"); err != nil || erased {
			t.Errorf("after a fresh sign-up IsErased = %v, %v", erased, err)
		}
	})
}

func TestService_Withdraw(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()

		t.Run("password", func(t *testing.T) {
			m := erasureMember(t, e)
			if err := e.svc.WithdrawWithPassword(ctx, m.ID, testClient, "wrong-password", true); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
				t.Errorf("wrong password: %v, want EUNAUTHORIZED", err)
			}
			if err := e.svc.WithdrawWithPassword(ctx, m.ID, testClient, "비밀번호-1234", false); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
				t.Errorf("unused certificate: %v, want ECONFLICT", err)
			}
			if err := e.svc.WithdrawWithPassword(ctx, m.ID, testClient, "비밀번호-1234", true); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.MemberByID(ctx, m.ID); got.ErasedAt == nil || got.Email == "minji@example.com" {
				t.Errorf("member after leaving = %+v", got)
			}
		})

		t.Run("link", func(t *testing.T) {
			r := e.minji(t)
			r.Email, r.Code = "minji.link@example.com", "minji93"
			m, err := e.svc.Register(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.WithdrawWithPassword(ctx, m.ID, testClient, "x", false); fanmail.ErrorField(err) != "password" {
				t.Errorf("no password: %v, want EINVALID naming password", err)
			}
			deliverytest.WaitIdle(t, db) // the opt-in mail
			n := len(e.smtp.Messages())
			if err := e.svc.RequestWithdrawal(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
			msgs := e.smtp.WaitFor(t, n+1, 10*time.Second)
			last := msgs[len(msgs)-1]
			if last.Subject != "[fanmail] 탈퇴 확인 링크" {
				t.Fatalf("last mail %q", last.Subject)
			}
			token := mailToken(t, last, regBaseURL+"/leave/confirm?token=")

			forged := token[:len(token)-2] + "xx"
			if _, err := e.svc.CheckWithdrawalLink(ctx, forged); fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("forged link: %v, want EINVALID", err)
			}
			if _, err := e.svc.WithdrawWithLink(ctx, forged, false); fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("forged link: %v, want EINVALID", err)
			}
			if got, err := e.svc.CheckWithdrawalLink(ctx, token); err != nil || got.ID != m.ID {
				t.Fatalf("CheckWithdrawalLink = %d, %v", got.ID, err)
			}
			if _, err := e.svc.WithdrawWithLink(ctx, token, false); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.MemberByID(ctx, m.ID); got.ErasedAt == nil {
				t.Errorf("member after leaving by link = %+v", got)
			}
			if _, err := e.svc.WithdrawWithLink(ctx, token, false); err == nil {
				t.Error("a used link worked again")
			}
		})
	})
}
