package email

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIMHeaders are the header fields a DKIM signature covers. List-Unsubscribe
// and List-Unsubscribe-Post must be signed for RFC 8058 one-click
// unsubscribe to be trusted; a field absent from a message is signed as
// absent, so it cannot be added in transit.
var DKIMHeaders = []string{
	"From", "To", "Subject", "Date", "Message-ID", "Reply-To", "MIME-Version", "Content-Type",
	"List-Unsubscribe", "List-Unsubscribe-Post",
}

// DKIM signs messages for one domain and selector (RFC 6376, relaxed/relaxed,
// SHA-256) with an ed25519 (RFC 8463) or RSA key. It is safe for concurrent use.
type DKIM struct {
	Domain   string
	Selector string
	Key      crypto.Signer // ed25519.PrivateKey or *rsa.PrivateKey
}

// Sign returns the DKIM-Signature header field, ending in CRLF, to put in
// front of msg (a whole message with CRLF line ends).
func (d *DKIM) Sign(msg []byte) ([]byte, error) {
	s, err := dkim.NewSigner(&dkim.SignOptions{
		Domain:                 d.Domain,
		Selector:               d.Selector,
		Signer:                 d.Key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             DKIMHeaders,
	})
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	if _, err := s.Write(msg); err != nil {
		s.Close()
		return nil, fmt.Errorf("dkim: %w", err)
	}
	if err := s.Close(); err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	return []byte(s.Signature()), nil
}

// GenerateDKIMKey returns a new private key: algo is "ed25519" or "rsa"
// (2048 bits; receivers that do not know ed25519 yet still verify it).
func GenerateDKIMKey(algo string) (crypto.Signer, error) {
	switch algo {
	case "ed25519":
		_, key, err := ed25519.GenerateKey(rand.Reader)
		return key, err
	case "rsa":
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return nil, fmt.Errorf("dkim: unknown key algorithm %q (want ed25519 or rsa)", algo)
}

// MarshalDKIMKey returns key as a PKCS #8 "PRIVATE KEY" PEM block.
func MarshalDKIMKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseDKIMKey reads a PEM private key written by MarshalDKIMKey (or an
// "RSA PRIVATE KEY" in PKCS #1).
func ParseDKIMKey(pemBytes []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("dkim: no PEM block in the key file")
	}
	if block.Type == "RSA PRIVATE KEY" {
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	switch k := key.(type) {
	case ed25519.PrivateKey:
		return k, nil
	case *rsa.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("dkim: unsupported key type %T", key)
}

// DKIMRecord returns the DNS TXT record value publishing key's public half,
// e.g. "v=DKIM1; k=ed25519; p=…". It goes at SELECTOR._domainkey.DOMAIN.
func DKIMRecord(key crypto.Signer) (string, error) {
	switch pub := key.Public().(type) {
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub), nil
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return "", fmt.Errorf("dkim: %w", err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	}
	return "", fmt.Errorf("dkim: unsupported key type %T", key.Public())
}

// DNSTXTChunks splits a TXT record value into quoted strings of at most 255
// bytes, as zone files need for RSA keys.
func DNSTXTChunks(value string) string {
	var b strings.Builder
	for len(value) > 0 {
		n := min(len(value), 255)
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + value[:n] + `"`)
		value = value[n:]
	}
	return b.String()
}
