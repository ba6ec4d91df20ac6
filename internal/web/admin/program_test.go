package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// A brand's fan program page: staff turn steps off and word the chip mail,
// see fig. 4 (who chose the brand by age band and gender) and download it.
func TestBrandProgramPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newCatalogAdmin(t, db)
		ctx := context.Background()
		c := a.signedIn(t, "admin@example.com", fanmail.RoleAdmin)
		b := storetest.MustCreateBrand(t, db, "ozsecond", "오즈세컨")
		m := storetest.MustCreateMember(t, db, "jin72@example.com")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.AddBrandPreference(ctx, m.ID, b.ID, fanmail.GenderFemale, "30-34")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/admin/catalog/brands/%d/program", b.ID)
		res := a.get(t, path, c)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `name="enabled_welcome_chip" value="1" checked`) ||
			!strings.Contains(res.Body, `id="prefs-total">1<`) {
			t.Fatalf("program page %d:\n%s", res.StatusCode, res.Body)
		}
		form := url.Values{"enabled_survey_invitation": {"1"}, "enabled_fan_decision": {"1"}, "enabled_fan_reward": {"1"},
			"subject_ko_welcome_chip": {"오즈세컨이 드리는 선물"}}
		if res := a.postForm(t, path, form, c); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", res.StatusCode, res.Body)
		}
		st, err := db.BrandStep(ctx, b.ID, fanmail.StepWelcomeChip)
		if err != nil || st.Enabled || st.SubjectKo != "오즈세컨이 드리는 선물" {
			t.Errorf("welcome step after saving: %+v, %v", st, err)
		}
		form.Set("intro_ko_fan_reward", strings.Repeat("가", fanmail.MaxStepIntroLen+1))
		if res := a.postForm(t, path, form, c); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "글이 너무 깁니다") {
			t.Errorf("too long an intro: %d", res.StatusCode)
		}
		csv := a.get(t, fmt.Sprintf("/admin/catalog/brands/%d/preferences.csv", b.ID), c)
		if csv.StatusCode != http.StatusOK || !strings.Contains(csv.Body, "brand,age_band,gender,members\n") ||
			!strings.Contains(csv.Body, "ozsecond,30-34,female,1\n") || !strings.Contains(csv.Body, "ozsecond,30-34,male,0\n") {
			t.Errorf("preferences CSV %d:\n%s", csv.StatusCode, csv.Body)
		}
		counsellor := a.signedIn(t, "counsel@example.com", fanmail.RoleCounsellor)
		if res := a.get(t, path, counsellor); res.StatusCode != http.StatusForbidden {
			t.Errorf("counsellor on the program page: %d, want 403", res.StatusCode)
		}
	})
}

// A member's journey lists what happened with timestamps; staff send a
// step's mail again, once per press.
func TestMemberJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newCatalogAdmin(t, db)
		ctx := context.Background()
		c := a.signedIn(t, "admin@example.com", fanmail.RoleAdmin)
		m := storetest.MustCreateMember(t, db, "jin72@example.com")
		other := storetest.MustCreateMember(t, db, "minji@example.com")
		var chip fanmail.Message
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if chip, _, err = tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageChip, Purpose: fanmail.PurposeMarketing,
				MemberID: m.ID, Ref: "chip:entry:1"}); err != nil {
				return err
			}
			if _, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageSignIn, Purpose: fanmail.PurposeTransactional,
				MemberID: m.ID, Ref: "signin:x"}); err != nil {
				return err
			}
			return tx.Emit(ctx, fanmail.BrandSelected{MemberID: m.ID, BrandID: 3, Source: "portal"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RecordMessages(ctx, []store.MessageOutcome{{ID: chip.ID, Status: fanmail.MessageSent, MessageID: "x@test"}}); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/admin/members/%d/journey", m.ID)
		res := a.get(t, path, c)
		for _, want := range []string{"message chip", "message signin", "event brand_selected", fmt.Sprintf(`id="resend-%d"`, chip.ID)} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("journey lacks %q:\n%s", want, res.Body)
			}
		}
		resend := fmt.Sprintf("/admin/members/%d/messages/%d/resend", m.ID, chip.ID)
		for range 2 {
			if res := a.postForm(t, resend, nil, c); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("resend: %d\n%s", res.StatusCode, res.Body)
			}
		}
		wantAccess(t, db, fanmail.AccessEdit, fmt.Sprintf("member:%d resend message %d", m.ID, chip.ID), 1)
		for _, ref := range []string{"chip:entry:1:resend:1", "chip:entry:1:resend:2"} {
			if got, err := db.MessageByRef(ctx, ref); err != nil || got.Status != fanmail.MessageQueued || got.Kind != fanmail.MessageChip {
				t.Errorf("resent message %s: %+v, %v", ref, got, err)
			}
		}
		// Another member's message, and a sign-in link, are not resent.
		if res := a.postForm(t, fmt.Sprintf("/admin/members/%d/messages/%d/resend", other.ID, chip.ID), nil, c); res.StatusCode != http.StatusNotFound {
			t.Errorf("resend through another member: %d, want 404", res.StatusCode)
		}
		signin, _ := db.MessageByRef(ctx, "signin:x")
		if res := a.postForm(t, fmt.Sprintf("/admin/members/%d/messages/%d/resend", m.ID, signin.ID), nil, c); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("resend of a sign-in link: %d, want 422", res.StatusCode)
		}
	})
}
