package tracking

import (
	"context"
	"net/url"
	"strconv"

	"github.com/fanmail/fanmail/internal/store"
)

// Open records that the mail of the send holding token was displayed. head
// marks a HEAD request, which only scanners make. A signature that does not
// match is ENOTFOUND, decided without database access. Open does not query
// the database at all: the event writer resolves the send (and the campaign's
// privacy switch) when it stores the batch, and skips tokens of sends that no
// longer exist.
func (s *Service) Open(ctx context.Context, token, sig string, head bool) error {
	if !s.opts.URLs.Valid(sig, "o", token) {
		return errNotFound
	}
	return s.w.record(ctx, store.TokenEvent{Token: token, Kind: KindOpen, IsBot: head, CreatedAt: s.db.Now()})
}

// Click records a click on link linkID (as it appears in the URL) of the send
// holding token and returns where to redirect. Clicks sent as HEAD or within
// BotWindow of the send leaving are recorded as bots. Errors: ENOTFOUND for a
// bad signature (checked first, without database access), an unknown send, a
// link of another campaign, or a stored URL that is not http(s).
func (s *Service) Click(ctx context.Context, token, linkID, sig string, head bool) (string, error) {
	if !s.opts.URLs.Valid(sig, "c", token, linkID) {
		return "", errNotFound
	}
	id, err := strconv.ParseInt(linkID, 10, 64)
	if err != nil || id <= 0 {
		return "", errNotFound
	}
	now := s.db.Now()
	key := token + ":" + linkID
	e, ok := s.cache.get(key, now)
	if !ok {
		send, target, err := s.db.ClickTarget(ctx, token, id)
		if err != nil {
			return "", err
		}
		if !isWebURL(target) {
			return "", errNotFound
		}
		e = cacheEntry{send: send, url: target}
		s.cache.put(key, e, now)
	}
	bot := head || (!e.send.SentAt.IsZero() && now.Sub(e.send.SentAt) < s.opts.BotWindow)
	if err := s.w.record(ctx, store.TokenEvent{Token: token, Kind: KindClick, LinkID: id, IsBot: bot, CreatedAt: now}); err != nil {
		// The member still gets where they wanted to go.
		s.logger.Warn("click not recorded", "campaign_id", e.send.CampaignID, "err", err)
	}
	return e.url, nil
}

// isWebURL reports whether u is an absolute http(s) URL, the only kind of
// place a click may lead (no javascript:, data: or relative targets).
func isWebURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}
