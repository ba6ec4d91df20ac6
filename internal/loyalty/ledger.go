package loyalty

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

var (
	errNoNote   = fanmail.FieldError("note", "Say why the entry is reversed.")
	errLongNote = fanmail.FieldError("note", "The note is too long.")
	errCertUsed = fanmail.Errorf(fanmail.ECONFLICT,
		"The gift certificate this redemption bought was already used, so the redemption cannot be reversed.")
)

// Reverse appends the negation of ledger entry id on staff member staffID's
// word, with note saying why: an issue is taken back from the balance, a
// redemption's debit is given back (and a gift certificate it bought is
// made void, unless it expired). It returns the new entry.
//
// Errors: EINVALID for an empty or too long note, an entry that is neither
// an issue nor a redemption, an expired issue, or an issue already spent;
// ECONFLICT for an entry reversed before, or a redemption whose certificate
// was used; ENOTFOUND for an unknown entry.
func (s *Service) Reverse(ctx context.Context, entryID int64, note string, staffID int64) (fanmail.LedgerEntry, error) {
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return fanmail.LedgerEntry{}, errNoNote
	case utf8.RuneCountInString(note) > fanmail.MaxNoteChars:
		return fanmail.LedgerEntry{}, errLongNote
	}
	var rev fanmail.LedgerEntry
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if rev, err = tx.Reverse(ctx, entryID, note, staffID); err != nil {
			return err
		}
		if rev.RedemptionID == 0 {
			return nil
		}
		return voidBought(ctx, tx, rev.RedemptionID)
	})
	if err != nil {
		return rev, err
	}
	s.logger.Info("ledger entry reversed", "entry_id", entryID, "reversal_id", rev.ID, "member_id", rev.MemberID,
		"staff_id", staffID)
	return rev, nil
}

// voidBought makes void the gift certificate a reversed redemption bought,
// if it bought one.
func voidBought(ctx context.Context, tx *store.Tx, redemptionID int64) error {
	r, err := tx.RedemptionByID(ctx, redemptionID)
	if err != nil || r.RewardID == 0 || r.CertificateID == 0 {
		return err
	}
	_, err = tx.VoidCertificate(ctx, r.CertificateID)
	switch fanmail.ErrorCode(err) {
	case fanmail.ECONFLICT:
		return errCertUsed
	case fanmail.EEXPIRED: // nobody can use it any more
		return nil
	}
	return err
}

// Expired counts what one ExpireDue run expired.
type Expired struct {
	Entries      int // expire entries appended
	Certificates int // gift certificates marked expired
}

// expireBatch is how many balances one round of ExpireDue takes.
const expireBatch = 200

// ExpireDue expires, as of now, every chip and point issue past its
// validity (an expire entry per issue, taking from the balance what no
// valid issue covers) and every issued gift certificate past its expiry.
// Each balance expires in its own transaction, dated now; running it again
// expires nothing more.
func (s *Service) ExpireDue(ctx context.Context, now time.Time) (Expired, error) {
	now = now.UTC()
	var out Expired
	for {
		due, err := s.db.DueExpiries(ctx, now, expireBatch)
		if err != nil {
			return out, err
		}
		for _, b := range due {
			err := s.db.InTx(ctx, func(tx *store.Tx) error {
				tx.Now = now // the run's clock, which DueExpiries used
				n, err := tx.ExpireBalance(ctx, b)
				out.Entries += n
				return err
			})
			if err != nil {
				return out, fmt.Errorf("expire balance of member %d, brand %d: %w", b.MemberID, b.BrandID, err)
			}
		}
		if len(due) < expireBatch {
			break
		}
	}
	n, err := s.db.ExpireCertificates(ctx, now)
	out.Certificates = n
	if err != nil {
		return out, err
	}
	if out.Entries > 0 || out.Certificates > 0 {
		s.logger.Info("loyalty expired", "entries", out.Entries, "certificates", out.Certificates)
	}
	return out, nil
}
