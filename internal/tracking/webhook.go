package tracking

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/fanmail/fanmail"
)

// WebhookSignatureHeader carries a provider webhook's signature:
// "sha256=" followed by the hex HMAC-SHA256 of the raw request body under the
// shared webhook secret.
const WebhookSignatureHeader = "X-Fanmail-Signature"

// MaxWebhookEvents bounds the events of one webhook request.
const MaxWebhookEvents = 1000

// SignWebhook returns the WebhookSignatureHeader value for body.
func SignWebhook(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook reports whether header is a valid signature of body. An empty
// secret verifies nothing.
func VerifyWebhook(secret, body []byte, header string) bool {
	if len(secret) == 0 {
		return false
	}
	got, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(header), "sha256="))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// WebhookEvent is one event of the generic provider webhook body
// {"events":[{"type":"bounce","bounce_type":"hard","token":"…","email":"…"}]}.
type WebhookEvent struct {
	Type       string `json:"type"`        // bounce or complaint
	BounceType string `json:"bounce_type"` // hard or soft (bounces only; default hard)
	Token      string `json:"token"`       // the send token (VERP local part after "bounce+"), preferred
	Email      string `json:"email"`       // the recipient, when the provider has no token
	Detail     string `json:"detail"`      // optional status or diagnostic text
}

// WebhookResult counts what ApplyWebhook did with the events of a request.
type WebhookResult struct {
	Applied   int `json:"applied"`
	Duplicate int `json:"duplicate"` // already recorded
	Unknown   int `json:"unknown"`   // the token names no send
	Invalid   int `json:"invalid"`   // unknown type, or neither token nor email
}

// ApplyWebhook applies the events of a provider webhook body whose signature
// the caller has checked. provider names the source ("webhook:PROVIDER").
// Events that cannot be applied are counted, not failed, so the provider does
// not retry them forever. Errors: EINVALID for a body that is not the JSON
// shape above or has more than MaxWebhookEvents events.
func (s *Service) ApplyWebhook(ctx context.Context, provider string, body []byte) (WebhookResult, error) {
	var res WebhookResult
	var in struct {
		Events []WebhookEvent `json:"events"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return res, fanmail.Errorf(fanmail.EINVALID, "The webhook body is not valid JSON of the expected shape.")
	}
	if len(in.Events) > MaxWebhookEvents {
		return res, fanmail.Errorf(fanmail.EINVALID, "Too many events in one webhook request.")
	}
	for _, ev := range in.Events {
		b := Bounce{Token: strings.ToLower(strings.TrimSpace(ev.Token)), Email: ev.Email, Source: "webhook:" + provider, Detail: ev.Detail}
		switch strings.ToLower(ev.Type) {
		case "bounce":
			b.Kind = KindBounceHard
			if strings.EqualFold(ev.BounceType, "soft") {
				b.Kind = KindBounceSoft
			}
		case "complaint":
			b.Kind = KindComplaint
		default:
			res.Invalid++
			continue
		}
		r, err := s.ApplyBounce(ctx, b)
		switch fanmail.ErrorCode(err) {
		case "":
			if r.Duplicate {
				res.Duplicate++
			} else {
				res.Applied++
			}
		case fanmail.ENOTFOUND:
			res.Unknown++
			s.logger.Warn("webhook bounce for unknown send dropped", "provider", provider)
		case fanmail.EINVALID:
			res.Invalid++
		default:
			return res, err
		}
	}
	return res, nil
}
