package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
)

// TestMigration0025_KeepsOptionsAndAnswers runs the SQLite rebuild of
// questions in 0025 over stored options and answers: dropping the old table
// cascades to them, and the migration must put them back with their ids.
func TestMigration0025_KeepsOptionsAndAnswers(t *testing.T) {
	ctx := context.Background()
	db, err := OpenSQLite(filepath.Join(t.TempDir(), "fanmail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	body, err := migrations.ReadFile("migrations/sqlite/0025_surveys.sql")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(body), "CREATE TEMP TABLE keep_options")
	rebuild, _, _ := strings.Cut("CREATE TEMP TABLE keep_options"+rest, "-- One invitation")

	err = db.InTx(ctx, func(tx *Tx) error {
		m, err := tx.CreateMember(ctx, fanmail.Member{Email: "jin72@example.com", Name: "김진", Lang: "ko",
			Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
		if err != nil {
			return err
		}
		qid, err := tx.CreateQuestion(ctx, fanmail.Question{Survey: "profile", Key: "occupation", Kind: fanmail.QuestionSingle,
			LabelKo: "직업", LabelEn: "Occupation", Active: true,
			Options: []fanmail.QuestionOption{{Value: "university", LabelKo: "대학생", LabelEn: "University student"}}})
		if err != nil {
			return err
		}
		q, err := tx.Questions(ctx, "profile", false)
		if err != nil {
			return err
		}
		return tx.ReplaceAnswers(ctx, m.ID, []int64{qid}, []fanmail.Answer{{QuestionID: qid, OptionIDs: []int64{q[0].Options[0].ID}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, rebuild)
		return err
	})
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	for table, want := range map[string]int{"questions": 1, "question_options": 1, "answers": 1} {
		var n int
		if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s has %d rows after the rebuild, want %d", table, n, want)
		}
	}
}
