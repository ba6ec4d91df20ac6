package member

import (
	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/link"
)

// errLinkInvalid is refused like a forgery: signed by us but unknown to
// link_tokens means a leaked secret or a reset database.
var errLinkInvalid = link.ErrInvalid

// errClosed is returned for links and sign-ins of deactivated members.
var errClosed = fanmail.Errorf(fanmail.EFORBIDDEN, "This membership is closed.")
