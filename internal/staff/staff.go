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
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/throttle"
)

// Service manages staff users and API tokens.
type Service struct {
	db     *store.DB
	logger *slog.Logger
	opts   Options
	links  *link.Signer

	guard    *throttle.SignIn   // wrong passwords per client and account
	requests *throttle.Requests // sign-in link requests per address and client
}

// Limits of failed staff sign-ins from one client for one account (see
// Service.Authenticate).
var (
	MaxLoginFailures = throttle.DefaultSignInLimits.Pair.Max
	LoginWindow      = throttle.DefaultSignInLimits.Pair.Window
)

// Options configure the mailed sign-in links of a Service; zero values
// mean the defaults.
type Options struct {
	BaseURL string        // links in mails start with it, e.g. "https://fan.example.com"
	LinkTTL time.Duration // how long a sign-in link works (default 30 minutes)
	// MailConfigured reports whether mail can leave; nil means it can.
	MailConfigured func() bool
	// AfterCommit, when set, runs after a sign-in link was written to the
	// outbox, to wake it.
	AfterCommit func()
}

// New returns a Service over db.
func New(db *store.DB, logger *slog.Logger, opts Options) *Service {
	if opts.LinkTTL <= 0 {
		opts.LinkTTL = 30 * time.Minute
	}
	return &Service{db: db, logger: logger, opts: opts, links: link.New(db),
		guard:    throttle.NewSignIn(db, "staff", throttle.DefaultSignInLimits),
		requests: throttle.NewRequests(db, "staff.link", throttle.DefaultRequestLimits),
	}
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

// failed records a wrong password from client for account and returns the
// error to answer: errBadLogin, or the database's when the failure could not
// be counted (a failure that goes uncounted must not let guessing go on).
func (s *Service) failed(ctx context.Context, client, account string, now time.Time) error {
	if err := s.guard.Fail(ctx, client, account, now); err != nil {
		return err
	}
	return errBadLogin
}

// Authenticate returns the active staff user with the e-mail address and
// password and records the sign-in; client names who asks (an IP address).
// An unknown address, a wrong password and an inactive account all give the
// same EUNAUTHORIZED, after the same work.
//
// Wrong passwords are throttled (throttle.SignIn): after MaxLoginFailures
// within LoginWindow from one client for one account, that client is
// refused for that account with ETOOMANY, the right password included,
// while the owner elsewhere still gets in; a client failing on many
// accounts is refused for all; and failures from many clients lock the
// account's password sign-in for everyone (throttle.ErrAccountLocked), when
// the owner signs in with a mailed link (RequestSignInLink). Unknown
// addresses count alike, so a refusal tells nothing about which accounts
// exist.
func (s *Service) Authenticate(ctx context.Context, client, email, password string) (fanmail.User, error) {
	key, now := fanmail.NormalizeEmail(email), s.db.Now()
	if err := s.guard.Check(ctx, client, key, now); err != nil {
		if fanmail.ErrorCode(err) == fanmail.ETOOMANY {
			s.logger.Warn("staff sign-in refused: too many failures")
		}
		return fanmail.User{}, err
	}
	u, hash, err := s.db.UserCredentials(ctx, key)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		checkPassword(dummyHash(), password)
		return fanmail.User{}, s.failed(ctx, client, key, now)
	}
	if err != nil {
		return fanmail.User{}, err
	}
	if len(password) > maxPasswordLen || !checkPassword(hash, password) || !u.Active {
		return fanmail.User{}, s.failed(ctx, client, key, now)
	}
	if err := s.guard.Succeeded(ctx, client, key); err != nil {
		s.logger.Warn("staff sign-in failures not cleared", "err", err)
	}
	if err := s.db.RecordUserLogin(ctx, u.ID); err != nil {
		return fanmail.User{}, err
	}
	u.LastLoginAt = &now
	s.logger.Info("staff signed in", "user_id", u.ID, "method", "password")
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
