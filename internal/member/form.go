package member

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// The registration and profile forms of the public site, the shop terminal
// and the portal share one encoding, read here so every surface agrees:
//
//	code, email, name, phone, birth_year, gender, postal_code, address, lang
//	q_ID        an option id, or "other" (repeated for multiple choice)
//	q_ID_text   free text, or the explanation of "other"
//	brand       a brand id (repeated)
//	consent_P   present ("1", "on") when purpose P is granted

// RegistrationFromForm reads a posted registration form. Source, ShopID and
// IP are the caller's to set.
func RegistrationFromForm(form url.Values) Registration {
	get := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	birth, _ := strconv.Atoi(get("birth_year"))
	return Registration{
		Code:       get("code"),
		Email:      get("email"),
		Name:       get("name"),
		Phone:      get("phone"),
		BirthYear:  birth,
		Gender:     get("gender"),
		PostalCode: get("postal_code"),
		Address:    get("address"),
		Lang:       get("lang"),
		Answers:    AnswersFromForm(form),
		Consents:   ConsentsFromForm(form),
		BrandIDs:   BrandIDsFromForm(form),
	}
}

// ProfileFromForm reads the profile fields of the portal's edit form (the
// address and member id are not editable there).
func ProfileFromForm(form url.Values) fanmail.MemberUpdate {
	field := func(k string) *string {
		if _, ok := form[k]; !ok {
			return nil
		}
		v := strings.TrimSpace(form.Get(k))
		return &v
	}
	u := fanmail.MemberUpdate{Name: field("name"), Phone: field("phone"), Gender: field("gender"),
		PostalCode: field("postal_code"), Address: field("address"), Lang: field("lang")}
	if v := field("birth_year"); v != nil {
		n, _ := strconv.Atoi(*v)
		u.BirthYear = &n
	}
	return u
}

// AnswersFromForm reads the q_ID and q_ID_text fields.
func AnswersFromForm(form url.Values) []fanmail.Answer {
	byID := map[int64]*fanmail.Answer{}
	var order []int64
	answer := func(id int64) *fanmail.Answer {
		if a, ok := byID[id]; ok {
			return a
		}
		byID[id] = &fanmail.Answer{QuestionID: id}
		order = append(order, id)
		return byID[id]
	}
	for key, values := range form {
		rest, ok := strings.CutPrefix(key, "q_")
		if !ok {
			continue
		}
		idText, isText := strings.CutSuffix(rest, "_text")
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		a := answer(id)
		if isText {
			a.Text = strings.TrimSpace(strings.Join(values, " "))
			continue
		}
		for _, v := range values {
			if v == "other" {
				a.Other = true
			} else if oid, err := strconv.ParseInt(v, 10, 64); err == nil && oid > 0 {
				a.OptionIDs = append(a.OptionIDs, oid)
			}
		}
	}
	slices.Sort(order)
	out := make([]fanmail.Answer, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out
}

// ConsentsFromForm returns a decision for every purpose: granted when its
// consent_P field was posted with a value.
func ConsentsFromForm(form url.Values) []fanmail.ConsentDecision {
	var ds []fanmail.ConsentDecision
	for _, p := range fanmail.Purposes {
		v := form.Get("consent_" + p)
		ds = append(ds, fanmail.ConsentDecision{Purpose: p, Granted: v != "" && v != "0" && v != "off"})
	}
	return ds
}

// BrandIDsFromForm reads the repeated brand field.
func BrandIDsFromForm(form url.Values) []int64 {
	var ids []int64
	for _, v := range form["brand"] {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// Form is what the registration and profile templates show: the questions,
// the brands to pick from, what was typed, and the error to point out.
type Form struct {
	Questions []fanmail.Question
	Groups    []store.PreferenceGroup
	Input     Registration
	Err       error
}

func (f Form) answer(qid int64) fanmail.Answer {
	for _, a := range f.Input.Answers {
		if a.QuestionID == qid {
			return a
		}
	}
	return fanmail.Answer{}
}

// Chose reports whether option oid of question qid was picked.
func (f Form) Chose(qid, oid int64) bool { return slices.Contains(f.answer(qid).OptionIDs, oid) }

// ChoseOther reports whether "other" was picked for question qid.
func (f Form) ChoseOther(qid int64) bool { return f.answer(qid).Other }

// Text returns the free text typed for question qid.
func (f Form) Text(qid int64) string { return f.answer(qid).Text }

// HasBrand reports whether brand id was picked.
func (f Form) HasBrand(id int64) bool { return slices.Contains(f.Input.BrandIDs, id) }

// Consent reports whether purpose was granted.
func (f Form) Consent(purpose string) bool {
	for _, d := range f.Input.Consents {
		if d.Purpose == purpose {
			return d.Granted
		}
	}
	return false
}

// ErrorFor returns the (untranslated) message of the error when it is about
// field, else "".
func (f Form) ErrorFor(field string) string {
	if f.Err != nil && fanmail.ErrorField(f.Err) == field {
		return fanmail.ErrorMessage(f.Err)
	}
	return ""
}

// ErrorForQuestion is ErrorFor for the field of question q.
func (f Form) ErrorForQuestion(q fanmail.Question) string { return f.ErrorFor("q_" + q.Key) }

// Message returns the (untranslated) message of the error, or "".
func (f Form) Message() string {
	if f.Err == nil {
		return ""
	}
	return fanmail.ErrorMessage(f.Err)
}

// ConsentItems returns the consents to show, in order.
func (Form) ConsentItems() []ConsentItem { return ConsentItems }

// WordingVersion returns the version of the consent wording shown.
func (Form) WordingVersion() string { return fanmail.ConsentWordingVersion }
