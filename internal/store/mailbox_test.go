package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// The mailbox keeps the newest messages, counts those it removed, searches
// recipients and subjects in any case and pages newest first.
func TestDB_Mailbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		var ids []int64
		for i := range 5 {
			m, err := db.AddMailboxMessage(ctx, store.MailboxMessage{
				ReceivedAt: t0.Add(time.Duration(i) * time.Minute), From: "bounce@fanmail.test",
				To: fmt.Sprintf("member%d@Example.com", i), Subject: fmt.Sprintf("[%d] 이메일 주소를 확인해 주세요 100%%", i),
				Kind: fanmail.MessageOptIn, Raw: []byte(fmt.Sprintf("Subject: %d\r\n\r\nbody\r\n", i)),
			}, 3)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		dropped, err := db.MailboxDropped(ctx)
		if err != nil || dropped != 2 {
			t.Errorf("dropped = %d, %v; want the 2 oldest", dropped, err)
		}
		if _, err := db.MailboxMessageByID(ctx, ids[0]); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("the oldest message: %v; want ENOTFOUND", err)
		}
		m, err := db.MailboxMessageByID(ctx, ids[4])
		if err != nil || string(m.Raw) != "Subject: 4\r\n\r\nbody\r\n" || m.Size != len(m.Raw) || !m.ReceivedAt.Equal(t0.Add(4*time.Minute)) {
			t.Errorf("newest message: %+v, %v", m, err)
		}

		all, err := db.MailboxMessages(ctx, store.MailboxFilter{})
		if err != nil || len(all) != 3 || all[0].ID != ids[4] || all[2].ID != ids[2] || all[0].Raw != nil {
			t.Fatalf("list = %+v, %v; want the 3 newest, newest first, without raw text", all, err)
		}
		page, err := db.MailboxMessages(ctx, store.MailboxFilter{Before: ids[4], Limit: 1})
		if err != nil || len(page) != 1 || page[0].ID != ids[3] {
			t.Errorf("page before %d = %+v, %v", ids[4], page, err)
		}
		for q, want := range map[string]int{"MEMBER3@example": 1, "확인해": 3, "100%": 3, "_": 0, "nobody": 0} {
			got, err := db.MailboxMessages(ctx, store.MailboxFilter{Query: q})
			if err != nil || len(got) != want {
				t.Errorf("search %q: %d messages, %v; want %d", q, len(got), err, want)
			}
		}
	})
}

// A Message-ID token names the outbox message's kind or a campaign send.
func TestDB_MailKindByToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		send, err := db.SendToken(ctx, 42)
		if err != nil {
			t.Fatal(err)
		}
		for token, want := range map[string]string{send: "campaign", "test.ABC": "", "": "", "not-a-token": ""} {
			if got, err := db.MailKindByToken(ctx, token); err != nil || got != want {
				t.Errorf("MailKindByToken(%q) = %q, %v; want %q", token, got, err, want)
			}
		}
	})
}
