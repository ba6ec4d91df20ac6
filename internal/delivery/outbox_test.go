package delivery_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
)

func newOutbox(t *testing.T, db *store.DB, srv *channeltest.SMTPServer) *delivery.Outbox {
	t.Helper()
	cfg, err := email.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	o := delivery.NewOutbox(db, slog.New(slog.NewTextHandler(io.Discard, nil)), delivery.OutboxOptions{
		SMTP: &cfg, From: "팬메일 <no-reply@fan.example.com>", BounceDomain: "fan.example.com",
		URLs: tracking.NewURLs("https://fan.example.com", []byte("secret")),
		Sender: func(context.Context) (fanmail.Sender, error) {
			return fanmail.Sender{Name: "오즈세컨", Address: "서울시 강남구 테헤란로 1", Phone: "02-123-4567"}, nil
		},
	})
	o.Register("test", func(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
		if strings.Contains(string(c.Data), "gone") {
			return delivery.Content{}, fanmail.Errorf(fanmail.ENOTFOUND, "gone")
		}
		return delivery.Content{Subject: "안녕하세요 " + c.Name, Text: "본문 " + c.Code, HTML: "<p>본문</p>"}, nil
	})
	return o
}

func enqueue(t *testing.T, db *store.DB, m fanmail.Message) fanmail.Message {
	t.Helper()
	var out fanmail.Message
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, _, err = tx.EnqueueMessage(context.Background(), m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func grantMarketing(t *testing.T, db *store.DB, memberID int64) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.AddConsent(context.Background(), fanmail.Consent{MemberID: memberID, Purpose: fanmail.PurposeMarketingEmail,
			Channel: "email", Granted: true, Source: "web", Version: fanmail.ConsentWordingVersion})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sendAll(t *testing.T, o *delivery.Outbox) {
	t.Helper()
	for range 10 {
		n, err := o.SendDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func TestOutbox_SendsFramesAndRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		o := newOutbox(t, db, srv)
		fan := storetest.MustCreateMember(t, db, "jin72@example.com")
		grantMarketing(t, db, fan.ID)
		noConsent := storetest.MustCreateMember(t, db, "minji@example.com")

		ad := enqueue(t, db, fanmail.Message{Kind: "test", Purpose: fanmail.PurposeMarketing, MemberID: fan.ID, Ref: "t:1"})
		again := enqueue(t, db, fanmail.Message{Kind: "test", Purpose: fanmail.PurposeMarketing, MemberID: fan.ID, Ref: "t:1"})
		if again.ID != ad.ID {
			t.Fatalf("same ref enqueued twice: %d, %d", ad.ID, again.ID)
		}
		tx := enqueue(t, db, fanmail.Message{Kind: "test", MemberID: noConsent.ID, Ref: "t:2"})
		skipped := enqueue(t, db, fanmail.Message{Kind: "test", Purpose: fanmail.PurposeMarketing, MemberID: noConsent.ID, Ref: "t:3"})
		gone := enqueue(t, db, fanmail.Message{Kind: "test", MemberID: fan.ID, Ref: "t:4", Data: []byte(`{"x":"gone"}`)})
		sendAll(t, o)

		msgs := srv.WaitFor(t, 2, 5*time.Second)
		if len(msgs) != 2 {
			t.Fatalf("%d messages arrived, want 2", len(msgs))
		}
		var adMail, txMail channeltest.Message
		for _, m := range msgs {
			if m.To[0] == "jin72@example.com" {
				adMail = m
			} else {
				txMail = m
			}
		}
		if !strings.HasPrefix(adMail.Subject, "(광고) ") || adMail.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
			!strings.Contains(adMail.Text, "02-123-4567") || !strings.Contains(adMail.HTML, "수신거부") {
			t.Errorf("ad not framed as an ad: subject %q, headers %v\n%s", adMail.Subject, adMail.Header, adMail.Text)
		}
		if !strings.HasPrefix(adMail.From, "bounce+") {
			t.Errorf("envelope sender %q is not VERP", adMail.From)
		}
		if strings.HasPrefix(txMail.Subject, "(광고)") || txMail.Header.Get("List-Unsubscribe") != "" {
			t.Errorf("transactional mail framed as an ad: %q", txMail.Subject)
		}
		for id, want := range map[int64]string{ad.ID: fanmail.MessageSent, tx.ID: fanmail.MessageSent,
			skipped.ID: fanmail.MessageSkipped, gone.ID: fanmail.MessageSkipped} {
			m, err := db.MessageByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != want {
				t.Errorf("message %s: status %s (%s %s), want %s", m.Ref, m.Status, m.SkipReason, m.Error, want)
			}
		}
		m, _ := db.MessageByID(ctx, skipped.ID)
		if m.SkipReason != fanmail.SkipNoConsent {
			t.Errorf("skip reason %q, want %q", m.SkipReason, fanmail.SkipNoConsent)
		}
		sent, _ := db.MessageByID(ctx, ad.ID)
		if sent.MessageID == "" || !strings.Contains(string(adMail.Raw), sent.MessageID) {
			t.Errorf("Message-ID %q not recorded", sent.MessageID)
		}
		// Nothing is sent twice.
		sendAll(t, o)
		if n := len(srv.Messages()); n != 2 {
			t.Errorf("%d messages after a second pass, want 2", n)
		}
	})
}

func TestOutbox_RelayDownThenBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		o := newOutbox(t, db, srv)
		m := storetest.MustCreateMember(t, db, "jin72@example.com")
		msg := enqueue(t, db, fanmail.Message{Kind: "test", MemberID: m.ID, Ref: "t:1"})
		srv.RejectNext(1, 451)
		sendAll(t, o)
		got, _ := db.MessageByID(ctx, msg.ID)
		if got.Status != fanmail.MessageQueued || got.Error == "" || !got.RunAt.After(db.Now()) {
			t.Fatalf("after a 451: %+v, want queued for later with the error", got)
		}
		now := db.Now
		db.Now = func() time.Time { return now().Add(time.Hour) }
		sendAll(t, o)
		if got, _ = db.MessageByID(ctx, msg.ID); got.Status != fanmail.MessageSent {
			t.Fatalf("after the relay came back: %s %s", got.Status, got.Error)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d messages arrived, want 1", n)
		}
	})
}

// A recipient the relay refuses for good is a hard bounce: the message
// fails with the relay's reply, and the address is suppressed with the
// reason, so no message goes to it any more, transactional or marketing.
func TestOutbox_RefusalSuppressesHardBounce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		o := newOutbox(t, db, srv)
		gone := storetest.MustCreateMember(t, db, "gone@example.com")
		full := storetest.MustCreateMember(t, db, "full@example.com")
		srv.RejectRecipient(gone.Email, 550)
		srv.RejectData(full.Email, 552, "5.2.2") // mailbox full: not a hard bounce
		m1 := enqueue(t, db, fanmail.Message{Kind: "test", MemberID: gone.ID, Ref: "t:1"})
		m2 := enqueue(t, db, fanmail.Message{Kind: "test", MemberID: full.ID, Ref: "t:2"})
		sendAll(t, o)
		for _, m := range []fanmail.Message{m1, m2} {
			got, _ := db.MessageByID(ctx, m.ID)
			if got.Status != fanmail.MessageFailed || !strings.Contains(got.Error, "55") || strings.Contains(got.Error, "@") {
				t.Errorf("message %s: %s %q, want failed with the reply", m.Ref, got.Status, got.Error)
			}
		}
		sup, err := db.SuppressionOf(ctx, gone.Email)
		if err != nil || sup.Reason != store.SuppressHardBounce || sup.Source != store.SourceSMTP {
			t.Errorf("suppression = %+v, %v", sup, err)
		}
		if _, err := db.SuppressionOf(ctx, full.Email); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("a full mailbox was suppressed: %v", err)
		}
		var n int
		db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE kind = 'bounce_hard' AND member_id = $1`, gone.ID).Scan(&n)
		if n != 1 {
			t.Errorf("%d bounce_hard events, want 1", n)
		}
		next := enqueue(t, db, fanmail.Message{Kind: "test", MemberID: gone.ID, Ref: "t:3"})
		sendAll(t, o)
		if got, _ := db.MessageByID(ctx, next.ID); got.Status != fanmail.MessageSkipped || got.SkipReason != fanmail.SkipSuppressed {
			t.Errorf("next message to the bounced address: %s %q", got.Status, got.SkipReason)
		}
	})
}

// A member who withdraws consent or unsubscribes while marketing messages
// to them are claimed gets none handed to the relay after the withdrawal
// committed. The relay is slow, so the batch is out for seconds.
func TestOutbox_WithdrawalStopsClaimedMarketing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t, channeltest.WithDelay(20*time.Millisecond))
		o := newOutbox(t, db, srv)
		var fans []fanmail.Member
		for i := range 80 {
			m := storetest.MustCreateMember(t, db, fmt.Sprintf("fan%02d@example.com", i))
			grantMarketing(t, db, m.ID)
			enqueue(t, db, fanmail.Message{Kind: "test", Purpose: fanmail.PurposeMarketing, MemberID: m.ID, Ref: fmt.Sprintf("ad:%d", i)})
			fans = append(fans, m)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			sendAll(t, o)
		}()
		committed := map[string]time.Time{}
		for step := range 4 {
			n := len(srv.WaitFor(t, 5+15*step, time.Minute))
			consent, unsub := fans[n+15+2*step], fans[n+16+2*step]
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				return tx.AddConsent(ctx, fanmail.Consent{MemberID: consent.ID, Purpose: fanmail.PurposeMarketingEmail,
					Channel: "email", Granted: false, Source: "portal", Version: fanmail.ConsentWordingVersion})
			}); err != nil {
				t.Fatal(err)
			}
			committed[consent.Email] = time.Now()
			if err := db.Suppress(ctx, unsub.Email, store.SuppressUnsubscribed, "unsubscribe"); err != nil {
				t.Fatal(err)
			}
			committed[unsub.Email] = time.Now()
		}
		<-done
		for _, m := range srv.Messages() {
			if at, ok := committed[m.To[0]]; ok && m.RcptAt.After(at) {
				t.Errorf("%s withdrew, and %s later the relay got its RCPT", m.To[0], m.RcptAt.Sub(at))
			}
		}
		counts, err := db.MessageCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[fanmail.MessageSkipped] != len(committed) || counts[fanmail.MessageSent] != len(fans)-len(committed) {
			t.Errorf("message counts %v, want %d skipped", counts, len(committed))
		}
	})
}

func TestOutbox_ExpiredLeaseIsClaimedAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := storetest.MustCreateMember(t, db, "jin72@example.com")
		enqueue(t, db, fanmail.Message{Kind: "test", MemberID: m.ID, Ref: "t:1"})
		first, err := db.ClaimMessages(ctx, db.Now(), time.Minute, 10)
		if err != nil || len(first) != 1 {
			t.Fatalf("first claim: %d, %v", len(first), err)
		}
		if again, _ := db.ClaimMessages(ctx, db.Now(), time.Minute, 10); len(again) != 0 {
			t.Fatalf("claimed %d while the lease holds", len(again))
		}
		later, err := db.ClaimMessages(ctx, db.Now().Add(2*time.Minute), time.Minute, 10)
		if err != nil || len(later) != 1 || later[0].Attempts != 2 {
			t.Fatalf("after the lease lapsed: %+v, %v", later, err)
		}
	})
}

// staffUser stores a Korean-speaking staff user.
func staffUser(t *testing.T, db *store.DB, email, name string, active bool) fanmail.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), fanmail.User{Email: email, Name: name, Role: fanmail.RoleMarketer,
		Lang: fanmail.LangKorean, Active: active}, "hash")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A message for a staff user (no member) goes to the user's address, in
// their name; a deactivated user's is skipped; a message must be for a
// member or a staff user, not both nor neither.
func TestOutbox_StaffMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		o := newOutbox(t, db, srv)
		admin := staffUser(t, db, "Jihoon@example.com", "김지훈", true)
		gone := staffUser(t, db, "gone@example.com", "퇴사자", false)
		sent := enqueue(t, db, fanmail.Message{Kind: "test", UserID: admin.ID, Ref: "staff:1"})
		skipped := enqueue(t, db, fanmail.Message{Kind: "test", UserID: gone.ID, Ref: "staff:2"})
		sendAll(t, o)
		msgs := srv.WaitFor(t, 1, 5*time.Second)
		if len(msgs) != 1 || msgs[0].To[0] != "Jihoon@example.com" || msgs[0].Subject != "안녕하세요 김지훈" {
			t.Fatalf("mails = %+v", msgs)
		}
		for id, want := range map[int64]string{sent.ID: fanmail.MessageSent, skipped.ID: fanmail.MessageSkipped} {
			m, err := db.MessageByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != want || m.MemberID != 0 || m.UserID == 0 {
				t.Errorf("message %s = %+v, want status %s for a staff user", m.Ref, m, want)
			}
		}
		member := storetest.MustCreateMember(t, db, "minji@example.com")
		for _, m := range []fanmail.Message{
			{Kind: "test", Ref: "neither"},
			{Kind: "test", UserID: admin.ID, MemberID: member.ID, Ref: "both"},
		} {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, _, err := tx.EnqueueMessage(ctx, m)
				return err
			})
			if err == nil {
				t.Errorf("message %s enqueued", m.Ref)
			}
		}
	})
}

// A staff user's address refused for good is suppressed like a member's;
// the refusal of a message without a member must not stop the batch's
// outcomes from being recorded.
func TestOutbox_StaffRefusalSuppresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		o := newOutbox(t, db, srv)
		u := staffUser(t, db, "Old.Admin@example.com", "김지훈", true)
		srv.RejectRecipient("Old.Admin@example.com", 550)
		m := enqueue(t, db, fanmail.Message{Kind: "test", UserID: u.ID, Ref: "staff:1"})
		if _, err := o.SendDue(ctx); err != nil {
			t.Fatalf("SendDue: %v", err)
		}
		if got, _ := db.MessageByID(ctx, m.ID); got.Status != fanmail.MessageFailed {
			t.Errorf("refused staff message: %s %q, want failed", got.Status, got.Error)
		}
		if sup, err := db.SuppressionOf(ctx, "old.admin@example.com"); err != nil || sup.Reason != store.SuppressHardBounce {
			t.Errorf("suppression = %+v, %v", sup, err)
		}
	})
}
