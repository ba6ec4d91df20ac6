package link_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestSigner_SingleUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := storetest.MustCreateMember(t, db, "jin72@example.com")
		s := link.New(db)
		tok, err := s.Issue(ctx, link.Survey, m.ID, 42, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.Parse(ctx, tok, link.Survey)
		if err != nil {
			t.Fatal(err)
		}
		if l.MemberID != m.ID || l.Ref != 42 || !l.SingleUse() {
			t.Fatalf("parsed %+v", l)
		}
		if _, err := s.Parse(ctx, tok, link.SignIn); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("other purpose: %v, want EINVALID", err)
		}
		if err := s.Usable(ctx, l); err != nil {
			t.Fatalf("usable: %v", err)
		}
		use := func() error { return db.InTx(ctx, func(tx *store.Tx) error { return link.Use(ctx, tx, l) }) }
		if err := use(); err != nil {
			t.Fatalf("first use: %v", err)
		}
		if err := use(); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("second use: %v, want EEXPIRED", err)
		}
		if err := s.Usable(ctx, l); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("usable after use: %v, want EEXPIRED", err)
		}
	})
}

func TestSigner_Forgeries(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	s := link.New(db)
	tok, err := s.Sign(ctx, link.Chip, 7, 99, db.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if l, err := s.Parse(ctx, tok, link.Chip); err != nil || l.Ref != 99 || l.SingleUse() {
		t.Fatalf("stateless link: %+v, %v", l, err)
	}
	p, sig, _ := strings.Cut(tok, ".")
	for name, bad := range map[string]string{
		"empty":       "",
		"no dot":      p,
		"bad sig":     p + "." + strings.Repeat("A", len(sig)),
		"other key":   mustSign(t, link.New(storetest.OpenSQLite(t)), 7, 99),
		"swapped ref": strings.Replace(tok, p, encode("v2|chip|7|100|"+strings.Split(decode(t, p), "|")[4]+"|"), 1),
	} {
		if _, err := s.Parse(ctx, bad, link.Chip); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	expired, _ := s.Sign(ctx, link.Chip, 7, 99, db.Now().Add(-time.Second))
	l, err := s.Parse(ctx, expired, link.Chip)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Usable(ctx, l); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
		t.Errorf("expired: %v, want EEXPIRED", err)
	}
}

func TestSigner_Codes(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	s := link.New(db)
	code, err := s.NewCode(ctx, link.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	if got, err := s.CheckCode(ctx, link.Certificate, typed); err != nil || got != code {
		t.Fatalf("typed %q: %q, %v; want %q", typed, got, err, code)
	}
	if _, err := s.CheckCode(ctx, link.Chip, code); fanmail.ErrorCode(err) != fanmail.EINVALID {
		t.Errorf("other purpose: %v", err)
	}
	raw := []byte(code)
	i := strings.LastIndexByte(code, '-') + 1
	if raw[i] == 'A' {
		raw[i] = 'B'
	} else {
		raw[i] = 'A'
	}
	if _, err := s.CheckCode(ctx, link.Certificate, string(raw)); fanmail.ErrorCode(err) != fanmail.EINVALID {
		t.Errorf("altered code %s: %v, want EINVALID", raw, err)
	}
}

func mustSign(t *testing.T, s *link.Signer, member, ref int64) string {
	t.Helper()
	tok, err := s.Sign(context.Background(), link.Chip, member, ref, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
