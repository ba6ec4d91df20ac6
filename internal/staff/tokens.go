package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// TokenPrefix starts every API token, so a leaked one is recognisable (secret
// scanners, logs) as fanmail's.
const TokenPrefix = "fm_"

// tokenShownLen is how many leading characters of a token are kept to
// recognise it in the token list.
const tokenShownLen = len(TokenPrefix) + 6

// tokenTouchEvery limits how often a token's last use is written.
const tokenTouchEvery = time.Minute

var errBadToken = fanmail.Errorf(fanmail.EUNAUTHORIZED, "The API token is missing, unknown or revoked.")

func hashToken(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// CreateToken creates an API token acting with role's rights and returns its
// secret, which is shown once and stored only as a SHA-256 hash. It returns
// EINVALID for an empty name or unknown role.
func (s *Service) CreateToken(ctx context.Context, name, role string, createdBy int64) (string, fanmail.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", fanmail.APIToken{}, fanmail.FieldError("name", "Name the token, e.g. after the program that uses it.")
	}
	if len([]rune(name)) > 100 {
		return "", fanmail.APIToken{}, fanmail.FieldError("name", "The name is too long.")
	}
	if err := validateRole(role); err != nil {
		return "", fanmail.APIToken{}, err
	}
	plaintext := TokenPrefix + rand.Text() // 130 random bits
	t, err := s.db.CreateToken(ctx, fanmail.APIToken{
		Name: name, Role: role, Prefix: plaintext[:tokenShownLen], CreatedBy: createdBy,
	}, hashToken(plaintext))
	if err != nil {
		return "", t, err
	}
	s.logger.Info("api token created", "token_id", t.ID, "role", role, "user_id", createdBy)
	return plaintext, t, nil
}

// Tokens returns every API token, newest first, revoked ones included.
func (s *Service) Tokens(ctx context.Context) ([]fanmail.APIToken, error) {
	return s.db.Tokens(ctx)
}

// RevokeToken stops the token with id from working at once, or returns
// ENOTFOUND.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	if err := s.db.RevokeToken(ctx, id); err != nil {
		return err
	}
	s.logger.Info("api token revoked", "token_id", id)
	return nil
}

// TokenRole returns the live token whose secret is plaintext, so the caller
// can check its Role, and records its use at most once a minute. Unknown and
// revoked tokens give EUNAUTHORIZED.
func (s *Service) TokenRole(ctx context.Context, plaintext string) (fanmail.APIToken, error) {
	if !strings.HasPrefix(plaintext, TokenPrefix) {
		return fanmail.APIToken{}, errBadToken
	}
	t, err := s.db.TokenByHash(ctx, hashToken(plaintext))
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND || (err == nil && t.RevokedAt != nil) {
		return fanmail.APIToken{}, errBadToken
	}
	if err != nil {
		return fanmail.APIToken{}, err
	}
	now := s.db.Now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenTouchEvery {
		if err := s.db.TouchToken(ctx, t.ID, tokenTouchEvery); err != nil {
			return fanmail.APIToken{}, err
		}
		t.LastUsedAt = &now
	}
	return t, nil
}
