package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/fanmail/fanmail/internal/store"
)

// Sessions issues and checks session cookies backed by the sessions table.
// Staff and members use separate cookies so one browser can be both.
type Sessions struct {
	DB     *store.DB
	Cookie string        // cookie name, e.g. "fanmail_staff"
	Path   string        // cookie path
	TTL    time.Duration // lifetime of a session
	Secure bool          // set the Secure flag (HTTPS deployments)
}

// HashToken returns the stored form of a session token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Start signs a staff user or a member in: it deletes the session the
// request brought along, if any, then creates a new session and sets its
// cookie. A session is never carried over a sign-in, so a session cookie
// planted in the browser beforehand (session fixation) is useless: its
// session is gone, and the new token is unknown to whoever planted it.
func (s *Sessions) Start(w http.ResponseWriter, r *http.Request, userID, memberID int64, lang string) (store.Session, error) {
	ctx := r.Context()
	if c, err := r.Cookie(s.Cookie); err == nil && c.Value != "" {
		if err := s.DB.DeleteSession(ctx, HashToken(c.Value)); err != nil {
			return store.Session{}, err
		}
	}
	token := rand.Text() + rand.Text()
	sess := store.Session{
		TokenHash: HashToken(token),
		UserID:    userID,
		MemberID:  memberID,
		CSRFToken: rand.Text(),
		Lang:      lang,
		ExpiresAt: s.DB.Now().Add(s.TTL),
	}
	if err := s.DB.CreateSession(ctx, sess); err != nil {
		return sess, err
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.Cookie, Value: token, Path: s.Path, Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode,
	})
	return sess, nil
}

// Load returns the request's session, or EUNAUTHORIZED.
func (s *Sessions) Load(r *http.Request) (store.Session, error) {
	c, err := r.Cookie(s.Cookie)
	if err != nil || c.Value == "" {
		return store.Session{}, errUnauthorized
	}
	return s.DB.SessionByHash(r.Context(), HashToken(c.Value))
}

// End deletes the request's session and clears its cookie.
func (s *Sessions) End(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(s.Cookie); err == nil {
		if err := s.DB.DeleteSession(r.Context(), HashToken(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: s.Cookie, Value: "", Path: s.Path, MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	return nil
}

// SignInLinkPage asks to confirm a sign-in from a mailed link (a page, not
// an immediate sign-in, so mail scanners that open links do not use them
// up). Error is an English message key when the link cannot be used.
type SignInLinkPage struct {
	Token string
	Name  string
	Error string
}
