package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/web"
)

// memberJSON is a member as the API shows it. It never carries a password
// hash: fanmail.Member has none.
type memberJSON struct {
	ID          int64      `json:"id"`
	Code        string     `json:"code"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Phone       string     `json:"phone"`
	BirthYear   *int       `json:"birth_year"`
	Gender      string     `json:"gender"`
	PostalCode  string     `json:"postal_code"`
	Address     string     `json:"address"`
	Lang        string     `json:"lang"`
	Status      string     `json:"status"`
	Source      string     `json:"source"`
	ShopID      *int64     `json:"shop_id"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
	LoginCount  int        `json:"login_count"`
	VisitCount  int        `json:"visit_count"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func memberOut(m fanmail.Member) memberJSON {
	out := memberJSON{
		ID: m.ID, Code: m.Code, Email: m.Email, Name: m.Name, Phone: m.Phone, Gender: m.Gender,
		PostalCode: m.PostalCode, Address: m.Address, Lang: m.Lang, Status: m.Status, Source: m.Source,
		ConfirmedAt: utcPtr(m.ConfirmedAt), LastLoginAt: utcPtr(m.LastLoginAt), LoginCount: m.LoginCount,
		VisitCount: m.VisitCount, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
	if m.BirthYear != 0 {
		out.BirthYear = &m.BirthYear
	}
	if m.ShopID != 0 {
		out.ShopID = &m.ShopID
	}
	return out
}

// memberRecordJSON is one member's whole record: the member, their current
// consents, favourite brands and profile answers.
type memberRecordJSON struct {
	memberJSON
	Consents map[string]bool `json:"consents"`
	BrandIDs []int64         `json:"brand_ids"`
	Answers  []answerJSON    `json:"answers"`
}

// answerJSON is an answer to a profile survey question.
type answerJSON struct {
	QuestionID int64      `json:"question_id"`
	OptionIDs  []int64    `json:"option_ids"`
	Text       string     `json:"text"`
	Other      bool       `json:"other"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

func answersOut(as []fanmail.Answer) []answerJSON {
	out := make([]answerJSON, len(as))
	for i, a := range as {
		out[i] = answerJSON{QuestionID: a.QuestionID, OptionIDs: nonNil(a.OptionIDs), Text: a.Text, Other: a.Other}
		if !a.AnsweredAt.IsZero() {
			out[i].AnsweredAt = utcPtr(&a.AnsweredAt)
		}
	}
	return out
}

// memberPage is the body of GET /api/v1/members.
type memberPage struct {
	Data []memberJSON `json:"data"`
	// NextBefore is the "before" parameter of the next page; null on the last.
	NextBefore *int64 `json:"next_before"`
}

// registration is the body of POST /api/v1/members.
type registration struct {
	Code       string            `json:"code"`
	Email      string            `json:"email"`
	Name       string            `json:"name"`
	Phone      string            `json:"phone"`
	BirthYear  int               `json:"birth_year"`
	Gender     string            `json:"gender"`
	PostalCode string            `json:"postal_code"`
	Address    string            `json:"address"`
	Lang       string            `json:"lang"`
	Consents   []consentInput    `json:"consents"`
	BrandIDs   []int64           `json:"brand_ids"`
	Answers    []answerInputJSON `json:"answers"`
}

// answerInputJSON is an answer sent with a registration.
type answerInputJSON struct {
	QuestionID int64   `json:"question_id"`
	OptionIDs  []int64 `json:"option_ids"`
	Text       string  `json:"text"`
	Other      bool    `json:"other"`
}

// memberPatch is the body of PATCH /api/v1/members/{id}; absent fields stay
// unchanged.
type memberPatch struct {
	Code       *string `json:"code"`
	Email      *string `json:"email"`
	Name       *string `json:"name"`
	Phone      *string `json:"phone"`
	BirthYear  *int    `json:"birth_year"`
	Gender     *string `json:"gender"`
	PostalCode *string `json:"postal_code"`
	Address    *string `json:"address"`
	Lang       *string `json:"lang"`
	Status     *string `json:"status"`
}

const msgMemberNotFound = "Member not found."

func (h *Handler) listMembers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := member.MemberFilter{
		Query:   q.Get("q"),
		Gender:  strings.TrimSpace(q.Get("gender")),
		AgeBand: strings.TrimSpace(q.Get("age_band")),
		Consent: strings.TrimSpace(q.Get("consent")),
		Status:  strings.TrimSpace(q.Get("status")),
	}
	var err error
	if f.BrandID, err = queryInt64(r, "brand_id"); err != nil {
		return err
	}
	if f.Before, f.Limit, err = pageQuery(r, member.MaxSearchPageSize); err != nil {
		return err
	}
	page, err := h.Members.FindMembers(r.Context(), f)
	if err != nil {
		return err
	}
	if n := noteAccess(r); n != nil {
		ids := make([]int64, len(page.Members))
		for i, m := range page.Members {
			ids[i] = m.ID
		}
		n.Count, n.Target = len(ids), accesslog.FilterTarget([][2]string{{"q", f.Query}, {"brand_id", strconv.FormatInt(f.BrandID, 10)},
			{"gender", f.Gender}, {"age_band", f.AgeBand}, {"consent", f.Consent}, {"status", f.Status},
			{"before", strconv.FormatInt(f.Before, 10)}}, ids)
	}
	out := memberPage{Data: make([]memberJSON, len(page.Members))}
	for i, m := range page.Members {
		out.Data[i] = memberOut(m)
	}
	if page.Next != 0 {
		out.NextBefore = &page.Next
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) getMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgMemberNotFound)
	if err != nil {
		return err
	}
	m, err := h.Members.MemberByID(r.Context(), id)
	if err != nil {
		return err
	}
	rec, err := h.record(r.Context(), m)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

// record completes m with its consents, favourite brands and answers.
func (h *Handler) record(ctx context.Context, m fanmail.Member) (memberRecordJSON, error) {
	rec := memberRecordJSON{memberJSON: memberOut(m)}
	var err error
	if rec.Consents, err = h.Members.CurrentConsents(ctx, m.ID); err != nil {
		return rec, err
	}
	brands, err := h.Members.Brands(ctx, m.ID)
	if err != nil {
		return rec, err
	}
	rec.BrandIDs = nonNil(brands)
	answers, err := h.Members.Answers(ctx, m.ID)
	if err != nil {
		return rec, err
	}
	rec.Answers = answersOut(answers)
	if rec.Consents == nil {
		rec.Consents = map[string]bool{}
	}
	return rec, nil
}

// createMember registers a member with source "api". As on the web, the
// member is pending until they confirm the address from the mail sent now.
func (h *Handler) createMember(w http.ResponseWriter, r *http.Request) error {
	var in registration
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	reg := member.Registration{
		Code: in.Code, Email: in.Email, Name: in.Name, Phone: in.Phone, BirthYear: in.BirthYear,
		Gender: in.Gender, PostalCode: in.PostalCode, Address: in.Address, Lang: in.Lang,
		BrandIDs: in.BrandIDs, Source: fanmail.SourceAPI, IP: web.ClientIP(r),
	}
	for _, c := range in.Consents {
		reg.Consents = append(reg.Consents, fanmail.ConsentDecision{Purpose: c.Purpose, Granted: c.Granted})
	}
	for _, a := range in.Answers {
		reg.Answers = append(reg.Answers, fanmail.Answer{QuestionID: a.QuestionID, OptionIDs: a.OptionIDs, Text: a.Text, Other: a.Other})
	}
	m, err := h.Members.Register(r.Context(), reg)
	if err != nil {
		return renameField(err, registrationField)
	}
	if n := noteAccess(r); n != nil {
		n.Target = accesslog.MemberTarget(m.ID) + " register"
	}
	rec, err := h.record(r.Context(), m)
	if err != nil {
		return err
	}
	return writeCreated(w, fmt.Sprintf("/api/v1/members/%d", m.ID), rec)
}

// registrationField maps the member service's form field names to the JSON
// of a registration.
func registrationField(field string) string {
	switch {
	case field == "brands":
		return "brand_ids"
	case field == "consent" || strings.HasPrefix(field, "consent_"):
		return "consents"
	case strings.HasPrefix(field, "q_"):
		return "answers"
	}
	return field
}

func (h *Handler) updateMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgMemberNotFound)
	if err != nil {
		return err
	}
	var in memberPatch
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	m, err := h.Members.UpdateMember(r.Context(), id, fanmail.MemberUpdate{
		Code: in.Code, Email: in.Email, Name: in.Name, Phone: in.Phone, BirthYear: in.BirthYear,
		Gender: in.Gender, PostalCode: in.PostalCode, Address: in.Address, Lang: in.Lang, Status: in.Status,
	})
	if err != nil {
		return err
	}
	rec, err := h.record(r.Context(), m)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

// deactivateMember sets the member inactive; the record and its history are
// kept.
func (h *Handler) deactivateMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgMemberNotFound)
	if err != nil {
		return err
	}
	if err := h.Members.Deactivate(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// nonNil returns s, or an empty slice for nil, so JSON shows [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
