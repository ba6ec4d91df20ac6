// Package link owns fanmail's signed links: confirmation, sign-in, survey
// answers, chip pages and reward codes. One key, one format, one check.
//
// A token is base64url(payload) "." base64url(HMAC-SHA256 of payload), with
// payload "v2|purpose|member id|ref|expiry unix|nonce". The signature stops
// forgery without a database look-up. Single-use links store their nonce,
// hashed, in link_tokens; the row says whether the link was used. Stateless
// links (Sign) carry an empty nonce and are valid until they expire.
//
// Tokens of the first format ("v1|purpose|member id|expiry unix|nonce", no
// ref) are still accepted, so links already mailed keep working.
package link

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
	"sync"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Purposes of the links fanmail mails out. A token signed for one purpose is
// refused for every other.
const (
	Confirm     = "confirm"     // double opt-in
	SignIn      = "signin"      // magic sign-in to the member portal
	Survey      = "survey"      // answer a survey invitation; ref = invitation id
	Chip        = "chip"        // view a mania chip; ref = ledger entry id
	Certificate = "certificate" // a reward code; ref = certificate id
	// StaffSignIn signs a staff user in to the admin UI; member 0, ref =
	// the staff user's id.
	StaffSignIn = "staff_signin"
	// Withdraw confirms that a member leaves and is erased; single-use.
	Withdraw = "withdraw"
)

// secretKey names the setting holding the HMAC key, shared by every node.
const secretKey = "link_secret"

// ErrInvalid is returned for a forged, garbled or misdirected token.
var ErrInvalid = store.ErrLinkUnknown

// Link is a token whose signature checked out.
type Link struct {
	Purpose   string
	MemberID  int64
	Ref       int64 // what the link points at beyond the member (invitation, chip…); 0 if nothing
	Expires   time.Time
	nonceHash string // "" for stateless links
}

// Expired reports whether the link's signed expiry has passed at now.
func (l Link) Expired(now time.Time) bool { return !now.Before(l.Expires) }

// SingleUse reports whether the link was issued with a stored nonce.
func (l Link) SingleUse() bool { return l.nonceHash != "" }

// Signer issues and checks links with the key kept in the settings table.
type Signer struct {
	db  *store.DB
	mu  sync.Mutex
	key []byte
}

// New returns a Signer over db. The key is loaded (or created) on first use.
func New(db *store.DB) *Signer { return &Signer{db: db} }

func (s *Signer) secret(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	v, err := s.db.SettingOrInit(ctx, secretKey, func() string { return rand.Text() + rand.Text() })
	if err != nil {
		return nil, fmt.Errorf("link secret: %w", err)
	}
	s.key = []byte(v)
	return s.key, nil
}

// Issue stores a single-use link for purpose, member and ref valid for ttl
// and returns its token.
func (s *Signer) Issue(ctx context.Context, purpose string, memberID, ref int64, ttl time.Duration) (string, error) {
	nonce := rand.Text()
	expires := s.db.Now().Add(ttl).Truncate(time.Second)
	if err := s.db.CreateLinkToken(ctx, hashNonce(nonce), purpose, memberID, expires); err != nil {
		return "", err
	}
	return s.token(ctx, purpose, memberID, ref, expires, nonce)
}

// IssueTx is Issue inside the caller's transaction, so the link exists
// exactly when what it points at does.
func (s *Signer) IssueTx(ctx context.Context, tx *store.Tx, purpose string, memberID, ref int64, ttl time.Duration) (string, error) {
	nonce := rand.Text()
	expires := tx.Now.Add(ttl).Truncate(time.Second)
	if err := tx.CreateLinkToken(ctx, hashNonce(nonce), purpose, memberID, expires); err != nil {
		return "", err
	}
	return s.token(ctx, purpose, memberID, ref, expires, nonce)
}

// Sign returns a stateless token for purpose, member and ref, valid until
// expires and usable any number of times (for pages that change nothing).
func (s *Signer) Sign(ctx context.Context, purpose string, memberID, ref int64, expires time.Time) (string, error) {
	return s.token(ctx, purpose, memberID, ref, expires.Truncate(time.Second), "")
}

func (s *Signer) token(ctx context.Context, purpose string, memberID, ref int64, expires time.Time, nonce string) (string, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	payload := fmt.Sprintf("v2|%s|%d|%d|%d|%s", purpose, memberID, ref, expires.Unix(), nonce)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(mac(key, payload)), nil
}

// Parse checks token's signature and purpose. It returns ErrInvalid
// (EINVALID) for anything forged, garbled or meant for another purpose.
// Expiry and use are left to the caller (Expired, Usable, Use), who may want
// the member first, e.g. to answer in their language.
func (s *Signer) Parse(ctx context.Context, token, purpose string) (Link, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return Link{}, err
	}
	enc := base64.RawURLEncoding
	p64, sig64, ok := strings.Cut(strings.TrimSpace(token), ".")
	if !ok {
		return Link{}, ErrInvalid
	}
	payload, err1 := enc.DecodeString(p64)
	sig, err2 := enc.DecodeString(sig64)
	if err1 != nil || err2 != nil || !hmac.Equal(sig, mac(key, string(payload))) {
		return Link{}, ErrInvalid
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) == 5 && parts[0] == "v1" { // v1 had no ref
		parts = []string{"v2", parts[1], parts[2], "0", parts[3], parts[4]}
	}
	if len(parts) != 6 || parts[0] != "v2" || parts[1] != purpose {
		return Link{}, ErrInvalid
	}
	member, err1 := strconv.ParseInt(parts[2], 10, 64)
	ref, err2 := strconv.ParseInt(parts[3], 10, 64)
	exp, err3 := strconv.ParseInt(parts[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return Link{}, ErrInvalid
	}
	l := Link{Purpose: purpose, MemberID: member, Ref: ref, Expires: time.Unix(exp, 0).UTC()}
	if parts[5] != "" {
		l.nonceHash = hashNonce(parts[5])
	}
	return l, nil
}

// Usable returns nil when l can still be used: unexpired and, for a
// single-use link, not used yet. Otherwise it returns EEXPIRED
// (store.ErrLinkUsed, store.ErrLinkExpired) or ErrInvalid. It changes nothing.
func (s *Signer) Usable(ctx context.Context, l Link) error {
	if l.Expired(s.db.Now()) {
		return store.ErrLinkExpired
	}
	if !l.SingleUse() {
		return nil
	}
	return s.db.LinkTokenUsable(ctx, l.nonceHash, l.Purpose)
}

// Use marks a single-use link used inside tx, so the link is spent exactly
// when the change it confirms commits. It fails like Usable; a stateless
// link only has its expiry checked.
func Use(ctx context.Context, tx *store.Tx, l Link) error {
	if l.Expired(tx.Now) {
		return store.ErrLinkExpired
	}
	if !l.SingleUse() {
		return nil
	}
	member, err := tx.UseLinkToken(ctx, l.nonceHash, l.Purpose)
	if err != nil {
		return err
	}
	if member != l.MemberID {
		return ErrInvalid
	}
	return nil
}

func mac(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func hashNonce(nonce string) string {
	sum := sha256.Sum256([]byte(nonce))
	return hex.EncodeToString(sum[:])
}

// Code errors.
var (
	errCodeInvalid = fanmail.Errorf(fanmail.EINVALID, "This code is not valid.")
)

// codeAlphabet is Crockford's base32: no I, L, O or U to misread at a till.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewCode returns a human-enterable code for purpose: a prefix, ten random
// characters and six of signature, in groups of four
// ("FM-7K2Q-9XWD-R4TB-M3ZP"). CheckCode refuses a forged or mistyped one
// without a database look-up.
func (s *Signer) NewCode(ctx context.Context, purpose string) (string, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	var b [10]byte
	rand.Read(b[:])
	body := make([]byte, 0, 16)
	for _, c := range b {
		body = append(body, codeAlphabet[int(c)%32])
	}
	body = append(body, codeSig(key, purpose, string(body))...)
	return formatCode(string(body)), nil
}

// CheckCode normalises a typed code (case, spaces, dashes, O for 0, I/L for
// 1) and checks its signature for purpose. It returns the canonical code, or
// EINVALID.
func (s *Signer) CheckCode(ctx context.Context, purpose, code string) (string, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	raw := normaliseCode(code)
	if len(raw) != 16 {
		return "", errCodeInvalid
	}
	if !hmac.Equal([]byte(raw[10:]), []byte(codeSig(key, purpose, raw[:10]))) {
		return "", errCodeInvalid
	}
	return formatCode(raw), nil
}

func codeSig(key []byte, purpose, body string) string {
	sum := mac(key, "code|"+purpose+"|"+body)
	out := make([]byte, 6)
	for i := range out {
		out[i] = codeAlphabet[int(sum[i])%32]
	}
	return string(out)
}

func formatCode(raw string) string {
	var b strings.Builder
	b.WriteString("FM")
	for i := 0; i < len(raw); i += 4 {
		b.WriteByte('-')
		b.WriteString(raw[i:min(i+4, len(raw))])
	}
	return b.String()
}

func normaliseCode(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	code = strings.TrimPrefix(code, "FM")
	var out []byte
	for _, c := range []byte(code) {
		switch {
		case c == '-' || c == ' ':
			continue
		case c == 'O':
			c = '0'
		case c == 'I' || c == 'L':
			c = '1'
		}
		if strings.IndexByte(codeAlphabet, c) < 0 {
			return ""
		}
		out = append(out, c)
	}
	return string(out)
}
