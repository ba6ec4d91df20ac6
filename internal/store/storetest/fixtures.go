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

// MustCreateBrand stores a published brand in a published group "casual"
// (made on first use) and returns it.
func MustCreateBrand(t testing.TB, db *store.DB, slug, name string) fanmail.Brand {
	t.Helper()
	ctx := context.Background()
	g, err := db.BrandGroupBySlug(ctx, "casual", false)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		g, err = db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: slug, Name: name, Published: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// MustAddMailboxMessage keeps a plain-text mail to address to, with subject
// and text, in the built-in mailbox and returns it.
func MustAddMailboxMessage(t testing.TB, db *store.DB, to, subject, text string) store.MailboxMessage {
	t.Helper()
	raw := "From: fanmail <no-reply@fanmail.test>\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
	m, err := db.AddMailboxMessage(context.Background(), store.MailboxMessage{ReceivedAt: db.Now(), From: "bounce@fanmail.test",
		To: to, Subject: subject, Kind: fanmail.MessageOptIn, Raw: []byte(raw)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
