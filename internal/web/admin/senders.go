package admin

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/web"
)

// senderPages serves the sender identities campaigns go out as: a brand, a
// shop or a regional service centre, with the legal details an advertising
// footer shows.
type senderPages struct {
	*Handler
	svc *campaign.Service
}

// senderRoutes registers the sender pages (marketers and admins).
func (h *Handler) senderRoutes(mux *http.ServeMux) {
	p := &senderPages{Handler: h, svc: h.Campaigns}
	page := func(fn web.HandlerFunc) http.Handler { return h.page(permCampaigns, fn) }
	mux.Handle("GET /admin/senders", page(p.list))
	mux.Handle("GET /admin/senders/new", page(p.newForm))
	mux.Handle("POST /admin/senders", page(p.create))
	mux.Handle("GET /admin/senders/{id}", page(p.editForm))
	mux.Handle("POST /admin/senders/{id}", page(p.update))
	mux.Handle("POST /admin/senders/{id}/delete", page(p.delete))
}

type sendersPage struct{ Senders []fanmail.Sender }

func (p *senderPages) list(w http.ResponseWriter, r *http.Request) error {
	ss, err := p.svc.Senders(r.Context())
	if err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, "senders", trTitle(r, "Senders"), sendersPage{Senders: ss})
}

// senderForm is the sender form with what was typed and the error to show.
type senderForm struct {
	catalogFormErr
	fanmail.Sender
	Kinds []string
}

func (p *senderPages) renderForm(w http.ResponseWriter, r *http.Request, status int, f senderForm) error {
	f.Kinds = []string{fanmail.SenderBrand, fanmail.SenderShop, fanmail.SenderCentre}
	title := "New sender"
	if f.ID != 0 {
		title = "Edit sender"
	}
	return p.render(w, r, status, "sender_form", trTitle(r, title), f)
}

func (p *senderPages) newForm(w http.ResponseWriter, r *http.Request) error {
	return p.renderForm(w, r, http.StatusOK, senderForm{Sender: fanmail.Sender{Kind: fanmail.SenderBrand}})
}

func (p *senderPages) editForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	s, err := p.svc.Sender(r.Context(), id)
	if err != nil {
		return err
	}
	return p.renderForm(w, r, http.StatusOK, senderForm{Sender: s})
}

func senderFromForm(r *http.Request) fanmail.Sender {
	return fanmail.Sender{
		Name: formText(r, "name"), FromName: formText(r, "from_name"), FromEmail: formText(r, "from_email"),
		ReplyTo: formText(r, "reply_to"), Kind: formText(r, "kind"), Address: formText(r, "address"),
		Phone: formText(r, "phone"),
	}
}

func (p *senderPages) create(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	s := senderFromForm(r)
	_, err := p.svc.CreateSender(r.Context(), s)
	if isCatalogFormError(err) {
		return p.renderForm(w, r, web.StatusOf(err), senderForm{catalogFormErr: catalogFormErr{err}, Sender: s})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/senders?flash=Sender+saved.", http.StatusSeeOther)
	return nil
}

func (p *senderPages) update(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	s := senderFromForm(r)
	s.ID = id
	_, err = p.svc.UpdateSender(r.Context(), s)
	if isCatalogFormError(err) {
		return p.renderForm(w, r, web.StatusOf(err), senderForm{catalogFormErr: catalogFormErr{err}, Sender: s})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/senders?flash=Sender+saved.", http.StatusSeeOther)
	return nil
}

func (p *senderPages) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = p.svc.DeleteSender(r.Context(), id)
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		http.Redirect(w, r, fmt.Sprintf("/admin/senders/%d?flash=%s", id, url.QueryEscape(fanmail.ErrorMessage(err))), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/senders?flash=Sender+deleted.", http.StatusSeeOther)
	return nil
}
