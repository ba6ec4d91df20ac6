// Package staff owns staff accounts, their passwords and roles, and the API
// tokens programs use.
package staff

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/throttle"
)

// Service manages staff users and API tokens.
type Service struct {
	db     *store.DB
	logger *slog.Logger
	guard  *throttle.Failures
}

// Limits of failed staff sign-ins (see Service.Authenticate).
const (
	MaxLoginFailures = 5
	LoginWindow      = 15 * time.Minute
)

// New returns a Service over db.
func New(db *store.DB, logger *slog.Logger) *Service {
	return &Service{db: db, logger: logger, guard: throttle.New(db, "staff", MaxLoginFailures, LoginWindow)}
}

// NewUser is a staff account to create.
type NewUser struct {
	Email    string
	Name     string
	Role     string
	ShopID   int64 // for shop staff; 0 = none
	Password string
	Lang     string // "ko" (default) or "en"
}

// UserUpdate changes a staff account; a nil field means "unchanged".
type UserUpdate = store.UserUpdate

// FirstAdminEmail is the address of the admin account EnsureAdmin creates.
const FirstAdminEmail = "admin@localhost"

var errBadLogin = fanmail.Errorf(fanmail.EUNAUTHORIZED, "The e-mail address or password is wrong.")

var errTooManyLogins = fanmail.Errorf(fanmail.ETOOMANY, "Too many failed sign-ins. Try again in 15 minutes.")

// CreateUser validates nu and stores a new, active staff account. It returns
// EINVALID naming the field at fault for a bad address, role, language or
// password and when another staff user has the address.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (fanmail.User, error) {
	nu.Email = strings.TrimSpace(nu.Email)
	nu.Name = strings.TrimSpace(nu.Name)
	if err := fanmail.ValidateEmail(nu.Email); err != nil {
		return fanmail.User{}, err
	}
	if err := validateName(nu.Name); err != nil {
		return fanmail.User{}, err
	}
	if err := validateRole(nu.Role); err != nil {
		return fanmail.User{}, err
	}
	lang, err := validateLang(nu.Lang)
	if err != nil {
		return fanmail.User{}, err
	}
	if err := validatePassword(nu.Password); err != nil {
		return fanmail.User{}, err
	}
	u, err := s.db.CreateUser(ctx, fanmail.User{
		Email: nu.Email, Name: nu.Name, Role: nu.Role, ShopID: nu.ShopID, Lang: lang, Active: true,
	}, hashPassword(nu.Password))
	if err != nil {
		return u, err
	}
	s.logger.Info("staff user created", "user_id", u.ID, "role", u.Role)
	return u, nil
}

// UserByID returns the staff user with id, or ENOTFOUND.
func (s *Service) UserByID(ctx context.Context, id int64) (fanmail.User, error) {
	return s.db.UserByID(ctx, id)
}

// UserByEmail returns the staff user with the address (any case), or
// ENOTFOUND; the command line's "user passwd" finds accounts by it.
func (s *Service) UserByEmail(ctx context.Context, email string) (fanmail.User, error) {
	u, _, err := s.db.UserCredentials(ctx, fanmail.NormalizeEmail(email))
	return u, err
}

// Users returns every staff user ordered by e-mail address.
func (s *Service) Users(ctx context.Context) ([]fanmail.User, error) {
	return s.db.Users(ctx)
}

// UpdateUser changes the name, role, shop, language or active flag of the
// staff user with id. It returns ENOTFOUND, EINVALID for a bad value, and
// EINVALID when the change would leave no active admin. Deactivating a user
// ends their sessions.
func (s *Service) UpdateUser(ctx context.Context, id int64, u UserUpdate) (fanmail.User, error) {
	if u.Name != nil {
		name := strings.TrimSpace(*u.Name)
		if err := validateName(name); err != nil {
			return fanmail.User{}, err
		}
		u.Name = &name
	}
	if u.Role != nil {
		if err := validateRole(*u.Role); err != nil {
			return fanmail.User{}, err
		}
	}
	if u.Lang != nil {
		lang, err := validateLang(*u.Lang)
		if err != nil {
			return fanmail.User{}, err
		}
		u.Lang = &lang
	}
	old, err := s.db.UserByID(ctx, id)
	if err != nil {
		return old, err
	}
	losesAdmin := old.Role == fanmail.RoleAdmin && old.Active &&
		((u.Role != nil && *u.Role != fanmail.RoleAdmin) || (u.Active != nil && !*u.Active))
	if losesAdmin {
		n, err := s.db.CountActiveAdmins(ctx, id)
		if err != nil {
			return old, err
		}
		if n == 0 {
			return old, fanmail.FieldError("role", "At least one active admin must remain.")
		}
	}
	updated, err := s.db.UpdateUser(ctx, id, u)
	if err != nil {
		return updated, err
	}
	if old.Active && !updated.Active {
		if err := s.db.DeleteSessionsOf(ctx, id, 0); err != nil {
			return updated, err
		}
	}
	s.logger.Info("staff user updated", "user_id", id, "role", updated.Role, "active", updated.Active)
	return updated, nil
}

// SetPassword replaces the password of the staff user with id and ends all
// their sessions. It returns EINVALID for a password shorter than
// MinPasswordLen, ENOTFOUND for an unknown user.
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	if err := validatePassword(password); err != nil {
		return err
	}
	if err := s.db.SetUserPassword(ctx, id, hashPassword(password)); err != nil {
		return err
	}
	if err := s.db.DeleteSessionsOf(ctx, id, 0); err != nil {
		return err
	}
	s.logger.Info("staff password changed", "user_id", id)
	return nil
}

// failed records a failed sign-in of key and returns the error to answer:
// errBadLogin, or the database's when the failure could not be counted (a
// failure that goes uncounted must not let guessing go on).
func (s *Service) failed(ctx context.Context, key string, now time.Time) error {
	if err := s.guard.Fail(ctx, key, now); err != nil {
		return err
	}
	return errBadLogin
}

// Authenticate returns the active staff user with the e-mail address and
// password and records the sign-in. An unknown address, a wrong password and
// an inactive account all give the same EUNAUTHORIZED, after the same work.
//
// After MaxLoginFailures failed sign-ins for one address within LoginWindow,
// further attempts for it are refused with ETOOMANY, the right password
// included, until the window has passed: guessing a password costs a
// quarter of an hour per handful of tries. Unknown addresses count alike,
// so the refusal tells nothing about which accounts exist.
func (s *Service) Authenticate(ctx context.Context, email, password string) (fanmail.User, error) {
	key, now := fanmail.NormalizeEmail(email), s.db.Now()
	if blocked, err := s.guard.Blocked(ctx, key, now); err != nil || blocked {
		if err != nil {
			return fanmail.User{}, err
		}
		s.logger.Warn("staff sign-in refused: too many failures")
		return fanmail.User{}, errTooManyLogins
	}
	u, hash, err := s.db.UserCredentials(ctx, key)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		checkPassword(dummyHash(), password)
		return fanmail.User{}, s.failed(ctx, key, now)
	}
	if err != nil {
		return fanmail.User{}, err
	}
	if len(password) > maxPasswordLen || !checkPassword(hash, password) || !u.Active {
		return fanmail.User{}, s.failed(ctx, key, now)
	}
	if err := s.guard.Forget(ctx, key); err != nil {
		s.logger.Warn("staff sign-in failures not cleared", "err", err)
	}
	if err := s.db.RecordUserLogin(ctx, u.ID); err != nil {
		return fanmail.User{}, err
	}
	u.LastLoginAt = &now
	s.logger.Info("staff signed in", "user_id", u.ID)
	return u, nil
}

// EnsureAdmin creates the admin account FirstAdminEmail with a random
// password when there are no staff users at all, and returns that password
// for the operator to read once. created is false (and password empty) when
// staff users already exist.
func (s *Service) EnsureAdmin(ctx context.Context) (email, password string, created bool, err error) {
	password = rand.Text()
	created, err = s.db.CreateFirstUser(ctx, fanmail.User{
		Email: FirstAdminEmail, Name: "Admin", Role: fanmail.RoleAdmin, Lang: fanmail.LangKorean,
	}, hashPassword(password))
	if err != nil || !created {
		return "", "", false, err
	}
	s.logger.Info("first admin account created")
	return FirstAdminEmail, password, true, nil
}

func validateName(name string) error {
	if len([]rune(name)) > 100 {
		return fanmail.FieldError("name", "The name is too long.")
	}
	return nil
}

func validateRole(role string) error {
	if !fanmail.IsRole(role) {
		return fanmail.FieldError("role", "Unknown role.")
	}
	return nil
}

func validateLang(lang string) (string, error) {
	switch lang {
	case "":
		return fanmail.LangKorean, nil
	case fanmail.LangKorean, fanmail.LangEnglish:
		return lang, nil
	}
	return "", fanmail.FieldError("lang", "Unknown language.")
}
