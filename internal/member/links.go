package member

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Signed links. A link's token is base64url(payload) "." base64url(HMAC-SHA256
// of payload), payload = "v1|purpose|member id|expiry unix|nonce". The
// signature stops forgery without a database look-up; the nonce, stored
// hashed in link_tokens, makes the link single-use.

// Link purposes.
const (
	linkConfirm = "confirm"
	linkSignIn  = "signin"
)

// linkSecretKey names the setting holding the HMAC key, shared by all nodes.
const linkSecretKey = "link_secret"

var errLinkInvalid = store.ErrLinkUnknown

func (s *Service) linkSecret(ctx context.Context) ([]byte, error) {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	if s.secret != nil {
		return s.secret, nil
	}
	v, err := s.db.SettingOrInit(ctx, linkSecretKey, func() string { return rand.Text() + rand.Text() })
	if err != nil {
		return nil, fmt.Errorf("link secret: %w", err)
	}
	s.secret = []byte(v)
	return s.secret, nil
}

func hashNonce(nonce string) string {
	sum := sha256.Sum256([]byte(nonce))
	return hex.EncodeToString(sum[:])
}

// newLink stores a single-use token for purpose and member valid for ttl and
// returns it signed.
func (s *Service) newLink(ctx context.Context, purpose string, memberID int64, ttl time.Duration) (string, error) {
	key, err := s.linkSecret(ctx)
	if err != nil {
		return "", err
	}
	nonce := rand.Text()
	expires := s.now().Add(ttl).Truncate(time.Second)
	if err := s.db.CreateLinkToken(ctx, hashNonce(nonce), purpose, memberID, expires); err != nil {
		return "", err
	}
	payload := fmt.Sprintf("v1|%s|%d|%d|%s", purpose, memberID, expires.Unix(), nonce)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(sign(key, payload)), nil
}

func sign(key []byte, payload string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(payload))
	return mac.Sum(nil)
}

// signedLink is a token whose signature checked out.
type signedLink struct {
	memberID  int64
	expires   time.Time
	nonceHash string
}

// parseLink checks token's signature and purpose. It returns EINVALID for
// anything forged, garbled or meant for another purpose; expiry is checked by
// the caller, who may want the member first (to answer in their language).
func (s *Service) parseLink(ctx context.Context, token, purpose string) (signedLink, error) {
	key, err := s.linkSecret(ctx)
	if err != nil {
		return signedLink{}, err
	}
	enc := base64.RawURLEncoding
	p64, sig64, ok := strings.Cut(strings.TrimSpace(token), ".")
	if !ok {
		return signedLink{}, errLinkInvalid
	}
	payload, err1 := enc.DecodeString(p64)
	sig, err2 := enc.DecodeString(sig64)
	if err1 != nil || err2 != nil || !hmac.Equal(sig, sign(key, string(payload))) {
		return signedLink{}, errLinkInvalid
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 5 || parts[0] != "v1" || parts[1] != purpose {
		return signedLink{}, errLinkInvalid
	}
	id, err1 := strconv.ParseInt(parts[2], 10, 64)
	exp, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil {
		return signedLink{}, errLinkInvalid
	}
	return signedLink{memberID: id, expires: time.Unix(exp, 0).UTC(), nonceHash: hashNonce(parts[4])}, nil
}

// expired reports whether the link's signed expiry has passed.
func (s *Service) expired(l signedLink) bool { return !s.now().Before(l.expires) }

// errClosed is returned for links and sign-ins of deactivated members.
var errClosed = fanmail.Errorf(fanmail.EFORBIDDEN, "This membership is closed.")
