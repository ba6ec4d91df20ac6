package staff_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func newService(t *testing.T, db *store.DB) *staff.Service {
	return staff.New(db, slog.New(slog.NewTextHandler(t.Output(), nil)), staff.Options{})
}

const pw = "서울의 봄 2026!"

// testClient is the address sign-ins come from unless a test says otherwise.
const testClient = "203.0.113.10"

func TestService_CreateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		u, err := s.CreateUser(ctx, staff.NewUser{Email: " Seoyeon.Lee@Example.com ", Name: "이서연", Role: fanmail.RoleMarketer, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "Seoyeon.Lee@Example.com" || u.Lang != fanmail.LangKorean || !u.Active || u.Role != fanmail.RoleMarketer {
			t.Errorf("created = %+v", u)
		}
		tests := []struct {
			name  string
			nu    staff.NewUser
			field string
		}{
			{"ErrBadEmail", staff.NewUser{Email: "not-an-address", Role: fanmail.RoleAdmin, Password: pw}, "email"},
			{"ErrDuplicateEmail", staff.NewUser{Email: "seoyeon.lee@example.com", Role: fanmail.RoleAdmin, Password: pw}, "email"},
			{"ErrUnknownRole", staff.NewUser{Email: "a@example.com", Role: "boss", Password: pw}, "role"},
			{"ErrUnknownLang", staff.NewUser{Email: "a@example.com", Role: fanmail.RoleAdmin, Password: pw, Lang: "fr"}, "lang"},
			{"ErrShortPassword", staff.NewUser{Email: "a@example.com", Role: fanmail.RoleAdmin, Password: "short1234"}, "password"},
			{"ErrShortKoreanPassword", staff.NewUser{Email: "a@example.com", Role: fanmail.RoleAdmin, Password: "가나다라마바사아자"}, "password"},
			{"ErrHugePassword", staff.NewUser{Email: "a@example.com", Role: fanmail.RoleAdmin, Password: strings.Repeat("x", 300)}, "password"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.CreateUser(ctx, tt.nu)
				if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != tt.field {
					t.Errorf("got %v, want EINVALID on %s", err, tt.field)
				}
			})
		}
		if got, err := s.UserByEmail(ctx, "SEOYEON.lee@example.com"); err != nil || got.ID != u.ID {
			t.Errorf("by e-mail: %+v, %v", got, err)
		}
		if _, err := s.UserByEmail(ctx, "nobody@example.com"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unknown e-mail: got %v, want ENOTFOUND", err)
		}
		if users, _ := s.Users(ctx); len(users) != 1 {
			t.Errorf("%d users stored, want 1", len(users))
		}
	})
}

func TestService_Authenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		u, err := s.CreateUser(ctx, staff.NewUser{Email: "jihoon@example.com", Name: "김지훈", Role: fanmail.RoleCounsellor, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Authenticate(ctx, testClient, "JIHOON@example.com ", pw)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.LastLoginAt == nil {
			t.Errorf("signed in as %+v", got)
		}
		stored, _ := s.UserByID(ctx, u.ID)
		if stored.LastLoginAt == nil {
			t.Error("last login not stored")
		}

		var messages []string
		for name, try := range map[string][2]string{
			"WrongPassword": {"jihoon@example.com", pw + "x"},
			"UnknownUser":   {"nobody@example.com", pw},
			"EmptyPassword": {"jihoon@example.com", ""},
		} {
			_, err := s.Authenticate(ctx, testClient, try[0], try[1])
			if fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
				t.Errorf("%s: got %v, want EUNAUTHORIZED", name, err)
			}
			messages = append(messages, fanmail.ErrorMessage(err))
		}
		for _, m := range messages {
			if m != messages[0] {
				t.Errorf("failures differ in message: %q", messages)
			}
		}

		off := false
		if _, err := s.UpdateUser(ctx, u.ID, staff.UserUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, testClient, "jihoon@example.com", pw); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
			t.Errorf("inactive user: got %v, want EUNAUTHORIZED", err)
		}
	})
}

func TestService_SetPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		u, err := s.CreateUser(ctx, staff.NewUser{Email: "minjun@example.com", Role: fanmail.RoleAdmin, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		sess := store.Session{TokenHash: "h-minjun", UserID: u.ID, CSRFToken: "c", ExpiresAt: db.Now().Add(time.Hour)}
		if err := db.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, u.ID, "short"); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("short password: got %v, want EINVALID", err)
		}
		if _, err := db.SessionByHash(ctx, "h-minjun"); err != nil {
			t.Errorf("a refused password change ended the session: %v", err)
		}
		if err := s.SetPassword(ctx, u.ID, "새 비밀번호는 길어요"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, testClient, "minjun@example.com", pw); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
			t.Errorf("old password still works: %v", err)
		}
		if _, err := s.Authenticate(ctx, testClient, "minjun@example.com", "새 비밀번호는 길어요"); err != nil {
			t.Errorf("new password refused: %v", err)
		}
		if _, err := db.SessionByHash(ctx, "h-minjun"); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
			t.Errorf("session survived the password change: %v", err)
		}
		if err := s.SetPassword(ctx, u.ID+50, "long enough password"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unknown user: got %v, want ENOTFOUND", err)
		}
	})
}

func TestService_UpdateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		admin, err := s.CreateUser(ctx, staff.NewUser{Email: "admin@example.com", Role: fanmail.RoleAdmin, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		marketer := fanmail.RoleMarketer
		off := false
		t.Run("ErrLastAdminDemoted", func(t *testing.T) {
			_, err := s.UpdateUser(ctx, admin.ID, staff.UserUpdate{Role: &marketer})
			if fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("got %v, want EINVALID", err)
			}
			_, err = s.UpdateUser(ctx, admin.ID, staff.UserUpdate{Active: &off})
			if fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("deactivating the last admin: got %v, want EINVALID", err)
			}
		})
		t.Run("DemoteWithAnotherAdmin", func(t *testing.T) {
			if _, err := s.CreateUser(ctx, staff.NewUser{Email: "admin2@example.com", Role: fanmail.RoleAdmin, Password: pw}); err != nil {
				t.Fatal(err)
			}
			name := "  최하은 "
			u, err := s.UpdateUser(ctx, admin.ID, staff.UserUpdate{Role: &marketer, Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != marketer || u.Name != "최하은" {
				t.Errorf("updated = %+v", u)
			}
		})
		t.Run("DeactivateEndsSessions", func(t *testing.T) {
			if err := db.CreateSession(ctx, store.Session{TokenHash: "h-admin", UserID: admin.ID, CSRFToken: "c", ExpiresAt: db.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.UpdateUser(ctx, admin.ID, staff.UserUpdate{Active: &off}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SessionByHash(ctx, "h-admin"); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
				t.Errorf("session survived deactivation: %v", err)
			}
		})
		t.Run("ErrBadValues", func(t *testing.T) {
			bad := "chief"
			if _, err := s.UpdateUser(ctx, admin.ID, staff.UserUpdate{Role: &bad}); fanmail.ErrorField(err) != "role" {
				t.Errorf("bad role: got %v", err)
			}
			if _, err := s.UpdateUser(ctx, admin.ID, staff.UserUpdate{Lang: &bad}); fanmail.ErrorField(err) != "lang" {
				t.Errorf("bad lang: got %v", err)
			}
			if _, err := s.UpdateUser(ctx, admin.ID+100, staff.UserUpdate{Lang: nil}); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("unknown user: got %v", err)
			}
		})
	})
}

func TestService_EnsureAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		email, password, created, err := s.EnsureAdmin(ctx)
		if err != nil || !created || email != staff.FirstAdminEmail || len(password) < staff.MinPasswordLen {
			t.Fatalf("first call: %q, %d chars, %v, %v", email, len(password), created, err)
		}
		u, err := s.Authenticate(ctx, testClient, email, password)
		if err != nil {
			t.Fatalf("printed password does not sign in: %v", err)
		}
		if u.Role != fanmail.RoleAdmin {
			t.Errorf("role %q, want admin", u.Role)
		}
		email, password, created, err = s.EnsureAdmin(ctx)
		if err != nil || created || email != "" || password != "" {
			t.Errorf("second call: %q, %q, %v, %v; want nothing created", email, password, created, err)
		}
	})
}

func TestService_Tokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		admin, err := s.CreateUser(ctx, staff.NewUser{Email: "admin@example.com", Role: fanmail.RoleAdmin, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		plain, tok, err := s.CreateToken(ctx, " 자사몰 연동 ", fanmail.RoleMarketer, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, staff.TokenPrefix) || len(plain) < 20 || !strings.HasPrefix(plain, tok.Prefix) || tok.Name != "자사몰 연동" {
			t.Errorf("token %q, %+v", plain, tok)
		}
		var stored int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, plain).Scan(&stored); err != nil || stored != 0 {
			t.Errorf("plaintext stored (%d rows, %v)", stored, err)
		}

		got, err := s.TokenRole(ctx, plain)
		if err != nil || got.ID != tok.ID || got.Role != fanmail.RoleMarketer {
			t.Fatalf("TokenRole = %+v, %v", got, err)
		}
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(now) {
			t.Errorf("last used = %v, want %v", got.LastUsedAt, now)
		}
		now = now.Add(20 * time.Second)
		if _, err := s.TokenRole(ctx, plain); err != nil {
			t.Fatal(err)
		}
		list, _ := s.Tokens(ctx)
		if len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(now.Add(-20*time.Second)) {
			t.Errorf("last use rewritten within a minute: %+v", list)
		}

		for name, bad := range map[string]string{"Unknown": staff.TokenPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAA", "NoPrefix": "Bearer x", "Empty": ""} {
			if _, err := s.TokenRole(ctx, bad); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
				t.Errorf("%s: got %v, want EUNAUTHORIZED", name, err)
			}
		}
		if err := s.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenRole(ctx, plain); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
			t.Errorf("revoked token: got %v, want EUNAUTHORIZED", err)
		}
		if _, _, err := s.CreateToken(ctx, "", fanmail.RoleAdmin, admin.ID); fanmail.ErrorField(err) != "name" {
			t.Errorf("empty name: got %v", err)
		}
		if _, _, err := s.CreateToken(ctx, "x", "root", admin.ID); fanmail.ErrorField(err) != "role" {
			t.Errorf("bad role: got %v", err)
		}
	})
}

// Guessing a password is cut off after a few failures, for known and unknown
// addresses alike; the window passing, or a success, clears the count.
func TestService_AuthenticateThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		s := newService(t, db)
		ctx := context.Background()
		if _, err := s.CreateUser(ctx, staff.NewUser{Email: "jihoon@example.com", Name: "김지훈", Role: fanmail.RoleCounsellor, Password: pw}); err != nil {
			t.Fatal(err)
		}
		for _, addr := range []string{"jihoon@example.com", "nobody@example.com"} {
			for i := range staff.MaxLoginFailures {
				if _, err := s.Authenticate(ctx, testClient, addr, "guess"+fmt.Sprint(i)); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
					t.Fatalf("%s try %d: %v, want EUNAUTHORIZED", addr, i+1, err)
				}
			}
			// Refused even with the right password: the guesser learns nothing.
			_, err := s.Authenticate(ctx, testClient, strings.ToUpper(addr), pw)
			if fanmail.ErrorCode(err) != fanmail.ETOOMANY {
				t.Fatalf("%s after %d failures: %v, want ETOOMANY", addr, staff.MaxLoginFailures, err)
			}
		}
		// Another account is not affected.
		if _, err := s.CreateUser(ctx, staff.NewUser{Email: "minji@example.com", Name: "김민지", Role: fanmail.RoleMarketer, Password: pw}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, testClient, "minji@example.com", pw); err != nil {
			t.Errorf("other account: %v", err)
		}
		now = now.Add(staff.LoginWindow)
		if _, err := s.Authenticate(ctx, testClient, "jihoon@example.com", pw); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// A success clears the count: failures before it and after it are
		// not added up (here 2 × 4, within one window).
		for range 2 {
			for i := range staff.MaxLoginFailures - 1 {
				s.Authenticate(ctx, testClient, "jihoon@example.com", "guess"+fmt.Sprint(i))
			}
			if _, err := s.Authenticate(ctx, testClient, "jihoon@example.com", pw); err != nil {
				t.Fatalf("%d failures since the last success: %v", staff.MaxLoginFailures-1, err)
			}
		}
	})
}
