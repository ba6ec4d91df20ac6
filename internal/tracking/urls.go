// Package tracking owns what happens after a campaign mail is sent: opens,
// clicks, one-click unsubscribes, bounces and complaints, the suppression list,
// and the signed URLs that lead back to fanmail.
package tracking

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"
)

// NewSendToken returns a random token of the form sends stored before
// migration 0020 (26 characters of base32, 130 bits); new sends' tokens are
// derived from their ids (store/sendtoken.go). Tests use it for sends of
// that form and for tokens of no send.
func NewSendToken() string { return strings.ToLower(rand.Text()) }

// URLs builds and checks the links carried by campaign mail. Every link holds
// the send's token and a MAC over it, its kind and its link, so a guessed or
// altered link is refused before any database look-up.
//
// Two MACs, by the token's form. A send token derived from its id (32 hex
// digits, one AES block: store/sendtoken.go) is signed with AES-128
// CBC-MAC over two blocks: the token's block, then the kind and link id.
// Every input has that one length, for which CBC-MAC is a secure MAC, and
// the first block's encryption serves every link of a mail: a mail's URLs
// cost one AES block each instead of an HMAC-SHA256 each (a twentieth of
// the engine's CPU per message with five links, bench/send). Tokens stored
// before (26 characters) keep HMAC-SHA256 over "kind|token[|link]", so the
// links of mail already sent stay valid. Both keys come from Secret.
type URLs struct {
	Base   string // public base URL, e.g. https://fan.example.com
	Secret []byte // MAC key, from the settings table
	block  cipher.Block
}

// NewURLs returns the URLs of base signed with secret, its keys prepared:
// a URLs literal works too, but derives the AES key at every call.
func NewURLs(base string, secret []byte) URLs {
	return URLs{Base: base, Secret: secret, block: blockKey(secret)}
}

// blockKey derives the CBC-MAC key from secret.
func blockKey(secret []byte) cipher.Block {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("fanmail url cbc-mac key"))
	b, _ := aes.NewCipher(m.Sum(nil)[:16]) // a 16-byte key never fails
	return b
}

// sigLen is how many bytes of a MAC a URL carries (16 base64 characters).
const sigLen = 12

// Signer appends signed URLs of one URLs to byte slices without
// allocating. Not safe for concurrent use.
type Signer struct {
	base   string
	secret []byte
	mac    hash.Hash // made when first needed
	block  cipher.Block
	in     []byte
	sum    []byte
	// The token last signed with CBC-MAC and its first block's encryption.
	token string
	first [aes.BlockSize]byte
}

// Signer returns a new Signer of u.
func (u URLs) Signer() *Signer {
	b := u.block
	if b == nil {
		b = blockKey(u.Secret)
	}
	return &Signer{base: u.Base, secret: u.Secret, block: b}
}

// tokenBlock decodes a derived send token: 32 lower-case hex digits.
func tokenBlock(token string) (b [aes.BlockSize]byte, ok bool) {
	if len(token) != 2*aes.BlockSize || strings.ToLower(token) != token {
		return b, false
	}
	_, err := hex.Decode(b[:], []byte(token))
	return b, err == nil
}

// AppendSig appends the signature of a URL of kind ('o', 'c' or 'u') for
// token and, for clicks, link id (else 0).
func (s *Signer) AppendSig(dst []byte, kind byte, token string, id int64) []byte {
	if token != s.token || s.token == "" {
		b, ok := tokenBlock(token)
		if !ok {
			return s.appendHMAC(dst, kind, token, id)
		}
		s.block.Encrypt(s.first[:], b[:])
		s.token = token
	}
	x := s.first
	x[0] ^= kind
	for i := range 8 {
		x[8+i] ^= byte(uint64(id) >> (56 - 8*i))
	}
	s.block.Encrypt(x[:], x[:])
	return base64.RawURLEncoding.AppendEncode(dst, x[:sigLen])
}

// appendHMAC appends the HMAC signature of "kind|token" or "kind|token|id".
func (s *Signer) appendHMAC(dst []byte, kind byte, token string, id int64) []byte {
	s.in = append(append(s.in[:0], kind, '|'), token...)
	if kind == 'c' {
		s.in = strconv.AppendInt(append(s.in, '|'), id, 10)
	}
	if s.mac == nil {
		s.mac = hmac.New(sha256.New, s.secret)
	}
	s.mac.Reset()
	s.mac.Write(s.in)
	s.sum = s.mac.Sum(s.sum[:0])
	return base64.RawURLEncoding.AppendEncode(dst, s.sum[:sigLen])
}

// AppendUnsubscribe appends the unsubscribe URL of a send: /u/{token}/{sig}.
// GET shows a confirmation page; POST (RFC 8058 one-click) unsubscribes at
// once.
func (s *Signer) AppendUnsubscribe(dst []byte, token string) []byte {
	dst = append(append(append(append(dst, s.base...), "/u/"...), token...), '/')
	return s.AppendSig(dst, 'u', token, 0)
}

// AppendOpen appends the open-pixel URL of a send: /t/o/{token}/{sig}.gif
func (s *Signer) AppendOpen(dst []byte, token string) []byte {
	dst = append(append(append(append(dst, s.base...), "/t/o/"...), token...), '/')
	return append(s.AppendSig(dst, 'o', token, 0), ".gif"...)
}

// AppendClick appends the redirect URL for link linkID of a send:
// /t/c/{token}/{linkID}/{sig}
func (s *Signer) AppendClick(dst []byte, token string, linkID int64) []byte {
	dst = append(append(append(append(dst, s.base...), "/t/c/"...), token...), '/')
	dst = append(strconv.AppendInt(dst, linkID, 10), '/')
	return s.AppendSig(dst, 'c', token, linkID)
}

// Valid reports whether sig signs a URL of kind ("o", "c" or "u") for token
// and, for clicks, the link id in decimal.
func (u URLs) Valid(sig, kind, token string, link ...string) bool {
	if len(kind) != 1 || len(link) > 1 || (kind == "c") != (len(link) == 1) {
		return false
	}
	var id int64
	if len(link) == 1 {
		n, err := strconv.ParseInt(link[0], 10, 64)
		if err != nil || n <= 0 || strconv.FormatInt(n, 10) != link[0] {
			return false
		}
		id = n
	}
	want := u.Signer().AppendSig(nil, kind[0], token, id)
	return hmac.Equal([]byte(sig), want)
}

// Open returns the open-pixel URL of a send.
func (u URLs) Open(token string) string { return string(u.Signer().AppendOpen(nil, token)) }

// Click returns the redirect URL for link linkID of a send.
func (u URLs) Click(token string, linkID int64) string {
	return string(u.Signer().AppendClick(nil, token, linkID))
}

// Unsubscribe returns the unsubscribe URL of a send.
func (u URLs) Unsubscribe(token string) string {
	return string(u.Signer().AppendUnsubscribe(nil, token))
}

// VERP returns the envelope sender that maps a bounce to its send:
// bounce+{token}@{domain}.
func VERP(token, domain string) string { return "bounce+" + token + "@" + domain }

// TokenFromVERP extracts the send token from a VERP recipient address, or "".
func TokenFromVERP(addr string) string {
	local, _, ok := strings.Cut(strings.ToLower(strings.Trim(addr, "<> ")), "@")
	if !ok {
		return ""
	}
	tok, ok := strings.CutPrefix(local, "bounce+")
	if !ok {
		return ""
	}
	return tok
}
