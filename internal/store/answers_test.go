package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestDB_Answers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		memFixedClock(db, t0)
		style := memCreateQuestion(t, db, fanmail.Question{Survey: "profile", Key: "style", Kind: "multi", LabelKo: "스타일", LabelEn: "Style", AllowOther: true, Active: true,
			Options: []fanmail.QuestionOption{{Value: "a", LabelKo: "가", LabelEn: "A"}, {Value: "b", LabelKo: "나", LabelEn: "B"}}})
		sites := memCreateQuestion(t, db, fanmail.Question{Survey: "profile", Key: "sites", Kind: "text", LabelKo: "사이트", LabelEn: "Sites", Active: true})
		q, _ := db.QuestionByID(ctx, style)
		a, b := q.Options[0].ID, q.Options[1].ID
		m := memCreate(t, db, "jin72@example.com", "", 0)
		other := memCreate(t, db, "other@example.com", "", 0)

		put := func(memberID int64, qids []int64, as ...fanmail.Answer) {
			t.Helper()
			if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ReplaceAnswers(ctx, memberID, qids, as) }); err != nil {
				t.Fatal(err)
			}
		}
		put(m.ID, []int64{style, sites},
			fanmail.Answer{QuestionID: sites, Text: "무신사, 29CM"},
			fanmail.Answer{QuestionID: style, OptionIDs: []int64{b, a}, Other: true, Text: "빈티지"})
		put(other.ID, []int64{style}, fanmail.Answer{QuestionID: style, OptionIDs: []int64{a}})

		got, err := db.Answers(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []fanmail.Answer{
			{MemberID: m.ID, QuestionID: style, OptionIDs: []int64{a, b}, Other: true, Text: "빈티지", AnsweredAt: t0},
			{MemberID: m.ID, QuestionID: sites, Text: "무신사, 29CM", AnsweredAt: t0},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("answers (-want +got):\n%s", diff)
		}

		// Replacing one question's answers leaves the others alone.
		put(m.ID, []int64{style}, fanmail.Answer{QuestionID: style, OptionIDs: []int64{a}})
		got, _ = db.Answers(ctx, m.ID)
		want = []fanmail.Answer{
			{MemberID: m.ID, QuestionID: style, OptionIDs: []int64{a}, AnsweredAt: t0},
			{MemberID: m.ID, QuestionID: sites, Text: "무신사, 29CM", AnsweredAt: t0},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("answers after replacing style (-want +got):\n%s", diff)
		}
		if got, _ := db.Answers(ctx, other.ID); len(got) != 1 || len(got[0].OptionIDs) != 1 {
			t.Errorf("other member's answers = %+v", got)
		}
	})
}
