package campaign

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fanmail/fanmail/internal/channel/email"
)

// DefaultDKIMSelector names keys made by DKIMKeygen when no selector is given.
const DefaultDKIMSelector = "fanmail"

// KeygenOptions say what key DKIMKeygen makes.
type KeygenOptions struct {
	Domain   string // the From domain, e.g. mail.example.com
	Selector string // default DefaultDKIMSelector
	Algo     string // "ed25519" (default) or "rsa"
	// KeyFile receives the private key (PEM, mode 0600); it must not exist.
	// Empty: the key is printed instead.
	KeyFile string
}

// DKIMKeygen makes a DKIM key pair (the command "fanmail dkim keygen
// DOMAIN"), stores or prints the private key, and prints the DNS TXT record
// to publish and the settings that make fanmail sign with it.
func DKIMKeygen(w io.Writer, o KeygenOptions) error {
	o.Domain = strings.TrimSuffix(strings.TrimSpace(o.Domain), ".")
	if o.Domain == "" || strings.ContainsAny(o.Domain, " /@") {
		return errors.New("dkim keygen: give the mail domain, e.g. mail.example.com")
	}
	if strings.HasPrefix(o.Domain, "-") { // a flag taken for the domain; no DNS label starts with "-"
		return fmt.Errorf("dkim keygen: %q is not a domain name", o.Domain)
	}
	if o.Selector == "" {
		o.Selector = DefaultDKIMSelector
	}
	if o.Algo == "" {
		o.Algo = "ed25519"
	}
	key, err := email.GenerateDKIMKey(o.Algo)
	if err != nil {
		return err
	}
	pemBytes, err := email.MarshalDKIMKey(key)
	if err != nil {
		return err
	}
	record, err := email.DKIMRecord(key)
	if err != nil {
		return err
	}
	if o.KeyFile != "" {
		f, err := os.OpenFile(o.KeyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("dkim keygen: %w", err)
		}
		if _, err := f.Write(pemBytes); err != nil {
			f.Close()
			return fmt.Errorf("dkim keygen: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("dkim keygen: %w", err)
		}
		fmt.Fprintf(w, "Private key (%s) written to %s. Keep it secret.\n\n", o.Algo, o.KeyFile)
	} else {
		fmt.Fprintf(w, "Private key (%s); store it in a file only fanmail can read:\n\n%s\n", o.Algo, pemBytes)
	}
	fmt.Fprintf(w, "Publish this DNS TXT record:\n\n%s._domainkey.%s. IN TXT %s\n\n", o.Selector, o.Domain, email.DNSTXTChunks(record))
	fmt.Fprintf(w, "Then set FANMAIL_DKIM_DOMAIN=%s FANMAIL_DKIM_SELECTOR=%s FANMAIL_DKIM_KEY_FILE=<the key file>.\n", o.Domain, o.Selector)
	return nil
}

// LoadDKIM reads the private key in keyFile and returns the signer for
// domain and selector.
func LoadDKIM(domain, selector, keyFile string) (*email.DKIM, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("dkim key: %w", err)
	}
	key, err := email.ParseDKIMKey(b)
	if err != nil {
		return nil, err
	}
	if selector == "" {
		selector = DefaultDKIMSelector
	}
	return &email.DKIM{Domain: domain, Selector: selector, Key: key}, nil
}
