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

func memCreateQuestion(t *testing.T, db *store.DB, q fanmail.Question) int64 {
	t.Helper()
	var id int64
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		id, err = tx.CreateQuestion(context.Background(), q)
		return err
	})
	if err != nil {
		t.Fatalf("create question %s: %v", q.Key, err)
	}
	return id
}

func TestDB_Questions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		brand := memBrand(t, db, "casual", "mienc", "미앤씨")
		occ := memCreateQuestion(t, db, fanmail.Question{Survey: "profile", Key: "occupation", Kind: "single",
			LabelKo: "직업", LabelEn: "Occupation", Required: true, Active: true,
			Options: []fanmail.QuestionOption{
				{Value: "office-manager", LabelKo: "회사원(관리직)", LabelEn: "Office worker (manager)"},
				{Value: "university", LabelKo: "대학생", LabelEn: "University student"},
			}})
		style := memCreateQuestion(t, db, fanmail.Question{Survey: "profile", Key: "style", Kind: "multi", MaxChoices: 2,
			LabelKo: "스타일", LabelEn: "Style", AllowOther: true, Active: true,
			Options: []fanmail.QuestionOption{{Value: "urban", LabelKo: "도회적", LabelEn: "Urban", BrandID: brand}}})
		sites := memCreateQuestion(t, db, fanmail.Question{Survey: "profile", Key: "sites", Kind: "text", LabelKo: "사이트", LabelEn: "Sites", Active: true})
		memCreateQuestion(t, db, fanmail.Question{Survey: "other", Key: "x", Kind: "text", LabelKo: "x", LabelEn: "x", Active: true})

		// Keys are unique per survey.
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.CreateQuestion(ctx, fanmail.Question{Survey: "profile", Key: "sites", Kind: "text", LabelKo: "a", LabelEn: "a"})
			return err
		})
		if fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("duplicate key: %v, want ECONFLICT", err)
		}

		qs, err := db.Questions(ctx, "profile", false)
		if err != nil {
			t.Fatal(err)
		}
		ignoreIDs := cmpopts.IgnoreFields(fanmail.QuestionOption{}, "ID", "QuestionID")
		want := []fanmail.Question{
			{ID: occ, Survey: "profile", Key: "occupation", Kind: "single", LabelKo: "직업", LabelEn: "Occupation", Required: true, Position: 1, Active: true,
				Options: []fanmail.QuestionOption{
					{Value: "office-manager", LabelKo: "회사원(관리직)", LabelEn: "Office worker (manager)", Position: 1},
					{Value: "university", LabelKo: "대학생", LabelEn: "University student", Position: 2},
				}},
			{ID: style, Survey: "profile", Key: "style", Kind: "multi", MaxChoices: 2, LabelKo: "스타일", LabelEn: "Style", AllowOther: true, Position: 2, Active: true,
				Options: []fanmail.QuestionOption{{Value: "urban", LabelKo: "도회적", LabelEn: "Urban", BrandID: brand, Position: 1}}},
			{ID: sites, Survey: "profile", Key: "sites", Kind: "text", LabelKo: "사이트", LabelEn: "Sites", Position: 3, Active: true},
		}
		if diff := cmp.Diff(want, qs, ignoreIDs); diff != "" {
			t.Errorf("questions (-want +got):\n%s", diff)
		}

		// Deactivate, edit, reorder.
		if err := db.SetQuestionActive(ctx, style, false); err != nil {
			t.Fatal(err)
		}
		active, _ := db.Questions(ctx, "profile", true)
		if len(active) != 2 || active[0].ID != occ || active[1].ID != sites {
			t.Errorf("active questions = %v", memKeys(active))
		}
		q, _ := db.QuestionByID(ctx, sites)
		q.LabelKo, q.Required = "자주 가는 패션 사이트", true
		if err := db.UpdateQuestion(ctx, q); err != nil {
			t.Fatal(err)
		}
		if err := db.MoveQuestion(ctx, sites, -1); err != nil {
			t.Fatal(err)
		}
		if err := db.MoveQuestion(ctx, sites, -1); err != nil {
			t.Fatal(err)
		}
		if err := db.MoveQuestion(ctx, sites, -1); err != nil { // already first: no-op
			t.Fatal(err)
		}
		qs, _ = db.Questions(ctx, "profile", false)
		if diff := cmp.Diff([]string{"sites", "occupation", "style"}, memKeys(qs)); diff != "" {
			t.Errorf("order after moves (-want +got):\n%s", diff)
		}
		if !qs[0].Required || qs[0].LabelKo != "자주 가는 패션 사이트" {
			t.Errorf("edited question = %+v", qs[0])
		}
		if _, err := db.QuestionByID(ctx, 9999); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("missing question: %v", err)
		}
		if n, _ := db.CountQuestions(ctx, "profile"); n != 3 {
			t.Errorf("CountQuestions = %d, want 3", n)
		}
	})
}

func memKeys(qs []fanmail.Question) []string {
	var ks []string
	for _, q := range qs {
		ks = append(ks, q.Key)
	}
	return ks
}

func TestDB_QuestionOptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		qid := memCreateQuestion(t, db, fanmail.Question{Survey: "profile", Key: "occupation", Kind: "single", LabelKo: "직업", LabelEn: "Occupation", Active: true})
		a, err := db.CreateOption(ctx, fanmail.QuestionOption{QuestionID: qid, Value: "a", LabelKo: "가", LabelEn: "A"})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := db.CreateOption(ctx, fanmail.QuestionOption{QuestionID: qid, Value: "b", LabelKo: "나", LabelEn: "B"})
		if _, err := db.CreateOption(ctx, fanmail.QuestionOption{QuestionID: qid, Value: "a", LabelKo: "x", LabelEn: "x"}); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("duplicate value: %v, want ECONFLICT", err)
		}
		if _, err := db.CreateOption(ctx, fanmail.QuestionOption{QuestionID: qid, Value: "z", LabelKo: "x", LabelEn: "x", BrandID: 999}); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("unknown brand: %v, want EINVALID", err)
		}
		if err := db.UpdateOption(ctx, fanmail.QuestionOption{ID: b, QuestionID: qid, LabelKo: "나나", LabelEn: "BB"}); err != nil {
			t.Fatal(err)
		}
		if err := db.MoveOption(ctx, qid, b, -1); err != nil {
			t.Fatal(err)
		}
		q, _ := db.QuestionByID(ctx, qid)
		if len(q.Options) != 2 || q.Options[0].ID != b || q.Options[0].LabelKo != "나나" {
			t.Errorf("options = %+v", q.Options)
		}
		// An option somebody chose cannot be deleted; an unused one can.
		m := memCreate(t, db, "jin72@example.com", "", 0)
		db.InTx(ctx, func(tx *store.Tx) error {
			return tx.ReplaceAnswers(ctx, m.ID, []int64{qid}, []fanmail.Answer{{QuestionID: qid, OptionIDs: []int64{a}}})
		})
		if err := db.DeleteOption(ctx, qid, a); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("deleting a chosen option: %v, want ECONFLICT", err)
		}
		if err := db.DeleteOption(ctx, qid, b); err != nil {
			t.Errorf("deleting an unused option: %v", err)
		}
		if err := db.DeleteOption(ctx, qid, b); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("deleting it again: %v, want ENOTFOUND", err)
		}
	})
}

func TestDB_BrandIDByRef(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		id := memBrand(t, db, "casual", "oz-second", "오즈세컨")
		db.InTx(ctx, func(tx *store.Tx) error {
			for _, ref := range []string{"oz-second", "오즈세컨"} {
				if got, err := tx.BrandIDByRef(ctx, ref); err != nil || got != id {
					t.Errorf("BrandIDByRef(%q) = %d, %v; want %d", ref, got, err, id)
				}
			}
			if got, err := tx.BrandIDByRef(ctx, "nope"); err != nil || got != 0 {
				t.Errorf("BrandIDByRef(nope) = %d, %v; want 0", got, err)
			}
			return nil
		})
	})
}
