package segment_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/segment"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// fixture stores the brand 오즈세컨 in the group 캐주얼, the occupation
// question, and three members: 김민지 and 이서연 like 오즈세컨, 박지훈 does not.
func fixture(t *testing.T, db *store.DB) (brand, group, question, option int64) {
	t.Helper()
	ctx := context.Background()
	g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozsecond", Name: "오즈세컨", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		question, err = tx.CreateQuestion(ctx, fanmail.Question{Survey: "profile", Key: "occupation", Kind: fanmail.QuestionSingle,
			LabelKo: "직업", LabelEn: "Occupation", Active: true,
			Options: []fanmail.QuestionOption{{Value: "student", LabelKo: "대학생", LabelEn: "Student"}}})
		if err != nil {
			return err
		}
		if _, err := tx.CreateQuestion(ctx, fanmail.Question{Survey: "profile", Key: "sites", Kind: fanmail.QuestionText,
			LabelKo: "자주 가는 사이트", LabelEn: "Sites", Active: true}); err != nil {
			return err
		}
		for _, m := range []struct {
			email, name string
			likes       bool
		}{{"minji@example.com", "김민지", true}, {"seoyeon@example.com", "이서연", true}, {"jihoon@example.com", "박지훈", false}} {
			created, err := tx.CreateMember(ctx, fanmail.Member{Email: m.email, Name: m.name, Lang: "ko",
				Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
			if err != nil {
				return err
			}
			if m.likes {
				if _, err := tx.AddBrandPreference(ctx, created.ID, b.ID, "", ""); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM question_options WHERE question_id = $1`, question).Scan(&option); err != nil {
		t.Fatal(err)
	}
	return b.ID, g.ID, question, option
}

func newService(t *testing.T, db *store.DB) *segment.Service {
	return segment.New(db, nil, slog.New(slog.NewTextHandler(t.Output(), nil)))
}

func TestService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		brand, group, question, option := fixture(t, db)
		svc := newService(t, db)
		likes := fanmail.SegmentRules{Op: fanmail.SegmentAnd, Conditions: []fanmail.SegmentCondition{
			{Field: fanmail.FieldBrand, Op: fanmail.OpIn, IDs: []int64{brand}}}}

		t.Run("CreateAndCount", func(t *testing.T) {
			s, err := svc.Create(ctx, "  오즈세컨 팬  ", likes, 0)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != "오즈세컨 팬" {
				t.Errorf("name %q not trimmed", s.Name)
			}
			n, err := svc.Count(ctx, s.Rules)
			if err != nil || n != 2 {
				t.Errorf("count = %d, %v; want 2", n, err)
			}
			ms, err := svc.Members(ctx, s.Rules, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range ms {
				names = append(names, m.Name)
			}
			if diff := cmp.Diff([]string{"김민지", "이서연"}, names); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
		t.Run("Invalid", func(t *testing.T) {
			unknown := fanmail.SegmentRules{Op: fanmail.SegmentAnd, Conditions: []fanmail.SegmentCondition{
				{Field: fanmail.FieldBrandGroup, Op: fanmail.OpIn, IDs: []int64{group + 100}}}}
			tests := []struct {
				name, segName string
				rules         fanmail.SegmentRules
				field, msg    string
			}{
				{"NoName", " ", likes, "name", "Enter a name for the segment."},
				{"LongName", string(make([]rune, 101)), likes, "name", "The name is too long."},
				{"UnknownGroup", "그룹", unknown, "g.c0", "Unknown brand group."},
				{"BadRules", "규칙", fanmail.SegmentRules{Op: "maybe"}, "g", "A group must join its conditions with AND or OR."},
			}
			for _, tt := range tests {
				_, err := svc.Create(ctx, tt.segName, tt.rules, 0)
				if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != tt.field || fanmail.ErrorMessage(err) != tt.msg {
					t.Errorf("%s: err = %v; want EINVALID on %s: %s", tt.name, err, tt.field, tt.msg)
				}
			}
			if _, err := svc.Count(ctx, unknown); fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("count with an unknown group: err = %v, want EINVALID", err)
			}
		})
		t.Run("MatchesNobodyIsNoError", func(t *testing.T) {
			r := fanmail.SegmentRules{Op: fanmail.SegmentAnd, Conditions: []fanmail.SegmentCondition{
				{Field: fanmail.FieldAnswer, Op: fanmail.OpIn, Question: question, IDs: []int64{option}}}}
			n, err := svc.Count(ctx, r)
			if err != nil || n != 0 {
				t.Errorf("count = %d, %v; want 0 and no error", n, err)
			}
			if _, err := svc.Create(ctx, "대학생", r, 0); err != nil {
				t.Errorf("saving a segment that matches nobody: %v", err)
			}
		})
		t.Run("Choices", func(t *testing.T) {
			ch, err := svc.Choices(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(ch.Groups) != 1 || len(ch.Groups[0].Brands) != 1 || ch.Groups[0].Brands[0].Name != "오즈세컨" {
				t.Errorf("groups = %+v", ch.Groups)
			}
			if len(ch.Questions) != 1 || ch.Questions[0].Key != "occupation" {
				t.Errorf("questions = %+v; want only the one with options", ch.Questions)
			}
			if diff := cmp.Diff(fanmail.DefaultAgeBands, ch.AgeBands); diff != "" {
				t.Errorf("age bands (-want +got):\n%s", diff)
			}
			if len(ch.Regions) != 17 {
				t.Errorf("%d regions, want 17", len(ch.Regions))
			}
		})
		t.Run("Timeout", func(t *testing.T) {
			ctx, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
			defer cancel()
			if _, err := svc.Count(ctx, likes); err == nil {
				t.Errorf("count with an expired context succeeded")
			}
		})
	})
}
