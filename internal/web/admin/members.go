package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/web"
)

func (h *Handler) memberRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/members", h.page(fanmail.PermViewMembers, h.listMembers))
	mux.Handle("GET /admin/members/{id}", h.page(fanmail.PermViewMembers, h.showMember))
	mux.Handle("GET /admin/members/{id}/edit", h.page(fanmail.PermEditMembers, h.editMemberForm))
	mux.Handle("POST /admin/members/{id}", h.page(fanmail.PermEditMembers, h.updateMember))
	mux.Handle("POST /admin/members/{id}/deactivate", h.page(fanmail.PermEditMembers, h.deactivateMember))
	h.journeyRoutes(mux)
	h.eraseRoutes(mux) // members_erase.go: erasure on request, the member's data copy
}

// mbChoice is a value offered in a select; Label is an English message key.
type mbChoice struct{ Value, Label string }

// mbChoices offers values with the labels label gives them (fanmail.PurposeLabel, …).
func mbChoices(values []string, label func(string) string) []mbChoice {
	var cs []mbChoice
	for _, v := range values {
		cs = append(cs, mbChoice{v, label(v)})
	}
	return cs
}

// mbRow is a member as listed in search results.
type mbRow struct {
	fanmail.Member
	GenderLabel string
	StatusLabel string
}

// mbSearchPage is the member search with its filters and one page of results.
type mbSearchPage struct {
	Filter     member.MemberFilter
	Members    []mbRow
	NextURL    string // "" on the last page
	FirstURL   string // "" on the first page
	Brands     []fanmail.Brand
	AgeBands   []fanmail.AgeBand
	Genders    []mbChoice
	Statuses   []mbChoice
	Purposes   []mbChoice
	Error      string
	ErrorField string
}

func (h *Handler) listMembers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := member.MemberFilter{
		Query:   strings.TrimSpace(q.Get("q")),
		BrandID: mbQueryInt64(q, "brand"),
		Gender:  q.Get("gender"),
		AgeBand: q.Get("age_band"),
		Consent: q.Get("consent"),
		Status:  q.Get("status"),
		Before:  mbQueryInt64(q, "before"),
	}
	brands, err := h.Members.FilterBrands(r.Context())
	if err != nil {
		return err
	}
	p := mbSearchPage{
		Filter: f, Brands: brands, AgeBands: h.Members.SearchAgeBands(),
		Genders:  mbChoices(fanmail.Genders, fanmail.GenderLabel),
		Statuses: mbChoices(fanmail.MemberStatuses, fanmail.MemberStatusLabel),
		Purposes: mbChoices(fanmail.Purposes, fanmail.PurposeLabel),
	}
	res, err := h.Members.FindMembers(r.Context(), f)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		p.Error, p.ErrorField = fanmail.ErrorMessage(err), fanmail.ErrorField(err)
		return h.render(w, r, http.StatusUnprocessableEntity, "members", trTitle(r, "Members"), p)
	}
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessSearch, mbSearchTarget(f, res.Members), len(res.Members), ""); err != nil {
		return err
	}
	for _, m := range res.Members {
		p.Members = append(p.Members, mbRow{Member: m, GenderLabel: fanmail.GenderLabel(m.Gender), StatusLabel: fanmail.MemberStatusLabel(m.Status)})
	}
	if res.Next != 0 {
		q.Set("before", strconv.FormatInt(res.Next, 10))
		p.NextURL = "/admin/members?" + q.Encode()
	}
	if f.Before != 0 {
		q.Del("before")
		p.FirstURL = "/admin/members?" + q.Encode()
	}
	return h.render(w, r, http.StatusOK, "members", trTitle(r, "Members"), p)
}

// mbSearchTarget is what the access log keeps of a member search.
func mbSearchTarget(f member.MemberFilter, found []fanmail.Member) string {
	ids := make([]int64, len(found))
	for i, m := range found {
		ids[i] = m.ID
	}
	return accesslog.FilterTarget([][2]string{{"q", f.Query}, {"brand", strconv.FormatInt(f.BrandID, 10)}, {"gender", f.Gender},
		{"age_band", f.AgeBand}, {"consent", f.Consent}, {"status", f.Status}, {"before", strconv.FormatInt(f.Before, 10)}}, ids)
}

func mbQueryInt64(q url.Values, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(q.Get(name)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// mbAnswerRow is one answered profile question; labels come in both languages.
type mbAnswerRow struct {
	LabelKo, LabelEn string
	Options          []fanmail.QuestionOption
	Other            bool
	Text             string
}

// mbConsentRow is the current decision on one purpose.
type mbConsentRow struct {
	Label   string
	Decided bool
	Granted bool
}

// mbHistoryRow is one consent record.
type mbHistoryRow struct {
	fanmail.Consent
	Label       string
	Decision    string // see fanmail.ConsentDecisions
	SourceLabel string
}

// mbRecordPage is one member's whole record.
type mbRecordPage struct {
	member.MemberRecord
	GenderLabel string
	StatusLabel string
	SourceLabel string
	AnswerRows  []mbAnswerRow
	ConsentRows []mbConsentRow
	HistoryRows []mbHistoryRow
	OptIn       *fanmail.OptInConfirmation // nil when no double opt-in was recorded
	Loyalty     *memberLoyalty             // nil on a server without the loyalty service
	Analysis    mbAnalysis
}

func (h *Handler) showMember(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := h.Members.MemberRecord(r.Context(), id)
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessView, accesslog.MemberTarget(id), 1, ""); err != nil {
		return err
	}
	p := mbRecordPage{
		MemberRecord: rec,
		GenderLabel:  fanmail.GenderLabel(rec.Member.Gender),
		StatusLabel:  fanmail.MemberStatusLabel(rec.Member.Status),
		SourceLabel:  fanmail.SourceLabel(rec.Member.Source),
		AnswerRows:   mbAnswerRows(rec.Questions, rec.Answers),
		Analysis:     mbAnalysisOf(rec),
	}
	for _, purpose := range fanmail.Purposes {
		granted, decided := rec.Consents[purpose]
		p.ConsentRows = append(p.ConsentRows, mbConsentRow{Label: fanmail.PurposeLabel(purpose), Decided: decided, Granted: granted})
	}
	decisions := fanmail.ConsentDecisions(rec.History)
	for i := len(rec.History) - 1; i >= 0; i-- { // newest first
		c := rec.History[i]
		p.HistoryRows = append(p.HistoryRows, mbHistoryRow{Consent: c, Label: fanmail.PurposeLabel(c.Purpose),
			Decision: decisions[i], SourceLabel: fanmail.SourceLabel(c.Source)})
	}
	if ev, err := h.Members.OptInConfirmation(r.Context(), id); err == nil {
		p.OptIn = &ev
	} else if fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
		return err
	}
	if p.Loyalty, err = h.memberLoyalty(r, id); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "members_view", rec.Member.Email, p)
}

// mbAnswerRows pairs answers with their questions and chosen options.
func mbAnswerRows(qs []fanmail.Question, as []fanmail.Answer) []mbAnswerRow {
	byID := map[int64]fanmail.Question{}
	for _, q := range qs {
		byID[q.ID] = q
	}
	var rows []mbAnswerRow
	for _, a := range as {
		q := byID[a.QuestionID]
		row := mbAnswerRow{LabelKo: q.LabelKo, LabelEn: q.LabelEn, Other: a.Other, Text: a.Text}
		for _, o := range q.Options {
			for _, id := range a.OptionIDs {
				if o.ID == id {
					row.Options = append(row.Options, o)
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// mbEditForm edits a member's profile; BirthYear is kept as typed.
type mbEditForm struct {
	ID         int64
	Email      string
	Name       string
	Phone      string
	BirthYear  string
	Gender     string
	PostalCode string
	Address    string
	Lang       string
	Status     string
	Genders    []mbChoice
	Error      string
	ErrorField string
}

func mbEditFormOf(m fanmail.Member) mbEditForm {
	f := mbEditForm{ID: m.ID, Email: m.Email, Name: m.Name, Phone: m.Phone, Gender: m.Gender,
		PostalCode: m.PostalCode, Address: m.Address, Lang: m.Lang, Status: m.Status}
	if m.BirthYear != 0 {
		f.BirthYear = strconv.Itoa(m.BirthYear)
	}
	return f
}

func (h *Handler) mbEditFormPage(w http.ResponseWriter, r *http.Request, status int, f mbEditForm, err error) error {
	f.Genders = mbChoices(fanmail.Genders, fanmail.GenderLabel)
	if err != nil {
		f.Error, f.ErrorField = fanmail.ErrorMessage(err), fanmail.ErrorField(err)
	}
	return h.render(w, r, status, "members_edit", trTitle(r, "Edit member"), f)
}

func (h *Handler) editMemberForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	m, err := h.Members.MemberByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessView, accesslog.MemberTarget(id), 1, ""); err != nil {
		return err
	}
	return h.mbEditFormPage(w, r, http.StatusOK, mbEditFormOf(m), nil)
}

func (h *Handler) updateMember(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	upd := fanmail.MemberUpdate{
		Email:      web.FormField(r, "email"),
		Name:       web.FormField(r, "name"),
		Phone:      web.FormField(r, "phone"),
		Gender:     web.FormField(r, "gender"),
		PostalCode: web.FormField(r, "postal_code"),
		Address:    web.FormField(r, "address"),
		Lang:       web.FormField(r, "lang"),
	}
	typedYear := strings.TrimSpace(r.PostForm.Get("birth_year"))
	if typedYear != "" {
		year, err := strconv.Atoi(typedYear)
		if err != nil {
			year = -1 // not a number: let the service say the year is not valid
		}
		upd.BirthYear = &year
	}
	_, err = h.Members.UpdateMember(r.Context(), id, upd)
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.ECONFLICT {
		m, gerr := h.Members.MemberByID(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		f := mbEditFormOf(m)
		f.Email, f.Name, f.Phone = mbFormValue(upd.Email, f.Email), mbFormValue(upd.Name, f.Name), mbFormValue(upd.Phone, f.Phone)
		f.Gender, f.PostalCode = mbFormValue(upd.Gender, f.Gender), mbFormValue(upd.PostalCode, f.PostalCode)
		f.Address, f.Lang, f.BirthYear = mbFormValue(upd.Address, f.Address), mbFormValue(upd.Lang, f.Lang), typedYear
		return h.mbEditFormPage(w, r, http.StatusUnprocessableEntity, f, err)
	}
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessEdit, accesslog.MemberTarget(id), 1, ""); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/members/%d?flash=%s", id, url.QueryEscape("Saved.")), http.StatusSeeOther)
	return nil
}

// formValue is what was typed, or def when the field was not posted.
func mbFormValue(typed *string, def string) string {
	if typed == nil {
		return def
	}
	return *typed
}

func (h *Handler) deactivateMember(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Members.Deactivate(r.Context(), id); err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessEdit, accesslog.MemberTarget(id)+" deactivate", 1, ""); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/members/%d?flash=%s", id, url.QueryEscape("Member deactivated.")), http.StatusSeeOther)
	return nil
}
