package campaign

import (
	"context"
	"crypto/rand"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/tracking"
)

// Message is a campaign mail as one member would get it.
type Message struct {
	From    string // "Name <address>"
	To      string
	Subject string
	// Headers are the extra header fields: List-Unsubscribe and
	// List-Unsubscribe-Post for marketing mail.
	Headers map[string]string
	HTML    string
	Text    string
}

// Preview renders campaign campaignID as member memberID would get it, with
// links as written (not tracked) and a preview unsubscribe link. It works
// on drafts too, without the legal checks of scheduling. ENOTFOUND if the
// campaign or member does not exist; EINVALID if the template does not render.
func (s *Service) Preview(ctx context.Context, campaignID, memberID int64) (Message, error) {
	c, err := s.db.CampaignByID(ctx, campaignID)
	if err != nil {
		return Message{}, err
	}
	m, err := s.db.MemberByID(ctx, memberID)
	if err != nil {
		return Message{}, err
	}
	return s.preview(ctx, c, claimOf(m, "preview"))
}

// claimOf makes the rendering input for member m.
func claimOf(m fanmail.Member, token string) store.Claim {
	return store.Claim{MemberID: m.ID, Token: token, Email: m.Email, Name: m.Name, Code: m.Code,
		BirthYear: m.BirthYear, Gender: m.Gender, Lang: m.Lang, Status: m.Status}
}

func (s *Service) preview(ctx context.Context, c fanmail.Campaign, claim store.Claim) (Message, error) {
	cc, err := s.compile(ctx, c, modePreview)
	if err != nil {
		return Message{}, err
	}
	rend, r, err := s.renderFor(ctx, cc, &claim)
	if err != nil {
		return Message{}, err
	}
	rend.render(cc, r)
	var b email.Builder
	b.Address("From", cc.sender.FromName, cc.sender.FromEmail)
	msg := Message{
		From:    strings.TrimSpace(strings.TrimPrefix(string(b.Bytes()), "From:")),
		To:      claim.Email,
		Subject: string(rend.subject),
		HTML:    strings.ReplaceAll(string(rend.html), "\r\n", "\n"),
		Text:    strings.ReplaceAll(string(rend.text), "\r\n", "\n"),
	}
	if cc.marketing {
		msg.Headers = map[string]string{
			"List-Unsubscribe":      "<" + string(rend.sign.AppendUnsubscribe(nil, claim.Token)) + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		}
	}
	return msg, nil
}

// renderFor prepares a renderer and recipient for one claim outside the engine.
func (s *Service) renderFor(ctx context.Context, cc *compiled, claim *store.Claim) (*renderer, *recipient, error) {
	urls, err := s.trackingURLs(ctx)
	if err != nil {
		return nil, nil, err
	}
	var brands []string
	if claim.MemberID != 0 {
		names, err := s.db.FavoriteBrandNames(ctx, []int64{claim.MemberID})
		if err != nil {
			return nil, nil, err
		}
		brands = names[claim.MemberID]
	}
	rend := &renderer{sign: urls.Signer(), dkim: s.opts.DKIM, msgIDDom: "@" + s.opts.BounceDomain}
	r := &recipient{}
	r.reset(claim, strings.Join(brands, ", "), s.now(), len(cc.links))
	return rend, r, nil
}

// sampleMember fills test mails sent without a member.
var sampleMember = fanmail.Member{Name: "홍길동", Code: "sample", BirthYear: 1995, Gender: fanmail.GenderFemale,
	Lang: fanmail.LangKorean, Status: fanmail.MemberActive}

// TestSend sends campaign campaignID to address to, rendered for member
// memberID (0: a sample member), with "[TEST]" before the subject, over the
// first relay. Links are not tracked. EINVALID for a bad address or
// template, EUNAVAILABLE when no relay is configured or it refuses the mail.
func (s *Service) TestSend(ctx context.Context, campaignID, memberID int64, to string) error {
	to = strings.TrimSpace(to)
	if err := fanmail.ValidateEmail(to); err != nil {
		return err
	}
	if len(s.opts.Relays) == 0 {
		return fanmail.Errorf(fanmail.EUNAVAILABLE, "No SMTP server is configured for campaigns.")
	}
	c, err := s.db.CampaignByID(ctx, campaignID)
	if err != nil {
		return err
	}
	m := sampleMember
	if memberID != 0 {
		if m, err = s.db.MemberByID(ctx, memberID); err != nil {
			return err
		}
	}
	claim := claimOf(m, tracking.TestToken)
	claim.Email = to
	cc, err := s.compile(ctx, c, modePreview)
	if err != nil {
		return err
	}
	rend, r, err := s.renderFor(ctx, cc, &claim)
	if err != nil {
		return err
	}
	pipe, err := email.DialPipe(ctx, s.opts.Relays[0].Config, s.opts.HeloName)
	if err != nil {
		s.logger.Warn("test mail: smtp connect", "campaign_id", campaignID, "err", err)
		return fanmail.Errorf(fanmail.EUNAVAILABLE, "The SMTP server could not be reached.")
	}
	// Its own Message-ID: a test mail has no send whose token would name it.
	r.msgID = "test." + rand.Text()
	// Encoded as the campaign's mail will be over this relay.
	rend.b.EightBit = pipe.EightBit()
	msg, err := rend.message(cc, r, "[TEST] ")
	if err != nil {
		pipe.Close()
		return err
	}
	var sendErr error
	pipe.Done = func(_ int, err error) { sendErr = err }
	if err := pipe.Send(0, cc.sender.FromEmail, to, msg); err != nil {
		sendErr = err
	}
	if err := pipe.Close(); err != nil && sendErr == nil {
		sendErr = err
	}
	if sendErr != nil {
		s.logger.Warn("test mail refused", "campaign_id", campaignID, "err", sendErr)
		return fanmail.Errorf(fanmail.EUNAVAILABLE, "The SMTP server refused the test mail.")
	}
	s.logger.Info("test mail sent", "campaign_id", campaignID)
	return nil
}
