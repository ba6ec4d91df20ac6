package storetest

import (
	"context"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// MustCreateMember stores an active member with address email (also the
// member id before the "@") and returns it.
func MustCreateMember(t testing.TB, db *store.DB, email string) fanmail.Member {
	t.Helper()
	var m fanmail.Member
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		m, err = tx.CreateMember(context.Background(), fanmail.Member{
			Email: email, Name: "김지민", Lang: fanmail.LangKorean, Status: fanmail.MemberActive, Source: fanmail.SourceAdmin,
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
