package campaign_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// A campaign mail signed with a key from DKIMKeygen verifies against the
// DNS record DKIMKeygen printed, and the signature covers the RFC 8058
// headers, so a changed List-Unsubscribe fails verification.
func TestDKIM(t *testing.T) {
	for _, algo := range []string{"ed25519", "rsa"} {
		t.Run(algo, func(t *testing.T) {
			keyFile := filepath.Join(t.TempDir(), "dkim.pem")
			var out bytes.Buffer
			if err := campaign.DKIMKeygen(&out, campaign.KeygenOptions{Domain: "ozsecond.example", Algo: algo, KeyFile: keyFile}); err != nil {
				t.Fatal(err)
			}
			record := dnsRecord(t, out.String(), "fanmail._domainkey.ozsecond.example.")
			if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", fi, err)
			}
			if err := campaign.DKIMKeygen(&out, campaign.KeygenOptions{Domain: "ozsecond.example", KeyFile: keyFile}); err == nil {
				t.Error("keygen overwrote an existing key file")
			}
			signer, err := campaign.LoadDKIM("ozsecond.example", "", keyFile)
			if err != nil {
				t.Fatal(err)
			}

			db := storetest.OpenSQLite(t)
			srv := channeltest.NewSMTPServer(t)
			s := newService(t, db, srv, func(o *campaign.Options) { o.DKIM = signer })
			mustMember(t, db, "minji.kim@example.com", "김민지", true)
			c := mustCampaign(t, s, mustSender(t, s), adBody)
			start(t, s, c)
			sendDue(t, s)
			msgs := srv.WaitFor(t, 1, 0)

			lookup := &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
				if domain != "fanmail._domainkey.ozsecond.example" {
					return nil, errors.New("no such record")
				}
				return []string{record}, nil
			}}
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(msgs[0].Raw), lookup)
			if err != nil || len(vs) != 1 {
				t.Fatalf("verify: %v, %d signatures", err, len(vs))
			}
			if vs[0].Err != nil {
				t.Fatalf("signature does not verify: %v", vs[0].Err)
			}
			for _, h := range []string{"from", "subject", "list-unsubscribe", "list-unsubscribe-post"} {
				if !slices.ContainsFunc(vs[0].HeaderKeys, func(k string) bool { return strings.EqualFold(k, h) }) {
					t.Errorf("signed headers %v lack %s", vs[0].HeaderKeys, h)
				}
			}
			forged := bytes.Replace(msgs[0].Raw, []byte("List-Unsubscribe: <https://fan.example.com/u/"),
				[]byte("List-Unsubscribe: <https://evil.example.net/u/"), 1)
			if bytes.Equal(forged, msgs[0].Raw) {
				t.Fatal("no List-Unsubscribe header to tamper with")
			}
			vs, err = dkim.VerifyWithOptions(bytes.NewReader(forged), lookup)
			if err != nil || len(vs) != 1 || vs[0].Err == nil {
				t.Errorf("a changed List-Unsubscribe still verifies: %v %v", vs, err)
			}
		})
	}
}

// dnsRecord extracts the TXT record value printed for name.
func dnsRecord(t *testing.T, out, name string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, name+" IN TXT ")
		if !ok {
			continue
		}
		var b strings.Builder
		for _, part := range strings.Split(rest, `" "`) {
			b.WriteString(strings.Trim(part, `"`))
		}
		return b.String()
	}
	t.Fatalf("no TXT record for %s in:\n%s", name, out)
	return ""
}
