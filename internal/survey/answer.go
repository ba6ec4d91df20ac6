package survey

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

// Errors of an invitation's link.
var (
	ErrAnswered = fanmail.Errorf(fanmail.EEXPIRED, "This survey was already answered.")
	errNoLink   = fanmail.Errorf(fanmail.EINVALID, "This link is not valid.")
)

// Page is one invitation's answer page: the survey, its active questions,
// the brand it asks about, and the answers shown (picked from the mail,
// or typed and refused). Its methods answer the template's questions.
type Page struct {
	Invitation fanmail.SurveyInvitation
	Survey     fanmail.Survey
	Questions  []fanmail.Question
	Brand      string // the brand's name; "" for none
	MemberName string
	Lang       string // the member's language
	Answers    []fanmail.Answer
	// Prefilled says an answer was picked in the mail and awaits one
	// confirming press.
	Prefilled bool
	Err       error // why Answers were refused (fanmail.AnswerErrors, or another EINVALID)

	link link.Link
}

// Page opens the answer page of token, a survey link mailed by InviteTx. It
// records nothing. A forged, garbled or misdirected token is EINVALID; a
// used or expired link, an answered invitation (ErrAnswered) or a closed
// survey (ErrClosed) is EEXPIRED. Lang is set whenever the member is known,
// so errors can be shown in the member's language.
func (s *Service) Page(ctx context.Context, token string) (Page, error) {
	p, err := s.open(ctx, token)
	if err != nil {
		return p, err
	}
	if p.Invitation.Status == fanmail.InvitationAnswered {
		return p, ErrAnswered
	}
	if err := s.links.Usable(ctx, p.link); err != nil {
		return p, err
	}
	if !p.Survey.Active {
		return p, ErrClosed
	}
	return p, nil
}

// Thanks opens the page shown after token's invitation was answered: it
// checks only the signature (the link is spent by then). Answered reports
// whether the answer was recorded.
func (s *Service) Thanks(ctx context.Context, token string) (Page, error) {
	return s.open(ctx, token)
}

// Answered reports whether the invitation has been answered.
func (p Page) Answered() bool { return p.Invitation.Status == fanmail.InvitationAnswered }

// open checks token's signature and loads its invitation, member, survey,
// questions and brand.
func (s *Service) open(ctx context.Context, token string) (Page, error) {
	l, err := s.links.Parse(ctx, token, link.Survey)
	if err != nil {
		return Page{}, err
	}
	inv, err := s.db.InvitationByID(ctx, l.Ref)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND || (err == nil && inv.MemberID != l.MemberID) {
		return Page{}, errNoLink
	}
	if err != nil {
		return Page{}, err
	}
	m, err := s.db.MemberByID(ctx, inv.MemberID)
	if err != nil {
		return Page{}, err
	}
	p := Page{Invitation: inv, MemberName: m.Name, Lang: m.Lang, link: l}
	if m.Status == fanmail.MemberInactive {
		return p, ErrClosed
	}
	if p.Survey, err = s.db.SurveyByID(ctx, inv.SurveyID); err != nil {
		return p, err
	}
	if p.Questions, err = s.db.Questions(ctx, p.Survey.Key, true); err != nil {
		return p, err
	}
	if inv.BrandID != 0 {
		b, err := s.db.BrandByID(ctx, inv.BrandID, false)
		if err != nil && fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			return p, err
		}
		p.Brand = b.Name
	}
	return p, nil
}

// Prefill picks the answer a one-click link from the mail names: value is
// an option's value or a number of question questionID. It reports whether
// the answer fits the question; one that does not is left out.
func (p *Page) Prefill(questionID, value string) bool {
	qid, err := strconv.ParseInt(questionID, 10, 64)
	if err != nil {
		return false
	}
	for _, q := range p.Questions {
		if q.ID != qid {
			continue
		}
		a := fanmail.Answer{QuestionID: q.ID}
		if o, ok := q.OptionByValue(value); ok && q.HasChoices() {
			a.OptionIDs = []int64{o.ID}
		} else if n, err := strconv.Atoi(value); err == nil && q.HasNumber() {
			a.Number = &n
		}
		if (a.OptionIDs == nil && a.Number == nil) || q.ValidateAnswer(a) != nil {
			return false
		}
		p.Answers, p.Prefilled = []fanmail.Answer{a}, true
		return true
	}
	return false
}

// AnswersFromForm reads the answers to the page's questions from a posted
// answer form:
//
//	q_ID       an option id or "other" (repeated for multiple choice), or
//	           the number of a scale or NPS question
//	q_ID_text  free text, or the explanation of "other"
//
// A value that is no option of the question is kept as an unknown option,
// for Submit to refuse; a free-text question reads only q_ID_text.
func (p Page) AnswersFromForm(form url.Values) []fanmail.Answer {
	var out []fanmail.Answer
	for _, q := range p.Questions {
		key := "q_" + strconv.FormatInt(q.ID, 10)
		a := fanmail.Answer{QuestionID: q.ID, Text: strings.TrimSpace(form.Get(key + "_text"))}
		for _, v := range form[key] {
			v = strings.TrimSpace(v)
			switch {
			case v == "" || q.Kind == fanmail.QuestionText:
			case q.HasNumber():
				n, err := strconv.Atoi(v)
				if err != nil {
					n = -1 // out of every range
				}
				a.Number = &n
			case v == "other":
				a.Other = true
			default:
				id, err := strconv.ParseInt(v, 10, 64)
				if err != nil || id <= 0 {
					id = -1
				}
				a.OptionIDs = append(a.OptionIDs, id)
			}
		}
		out = append(out, a)
	}
	return out
}

// Submit records answers to the page's invitation in one transaction: the
// typed answers as a response linked to the member, brand and invitation,
// their counts under the member's gender and age band, the invitation
// answered, the link spent, and the event SurveyAnswered for the fan
// program. Answers that do not fit their questions are EINVALID
// (fanmail.AnswerErrors names each); a link used meanwhile, or an answered
// invitation, is EEXPIRED and records nothing.
func (s *Service) Submit(ctx context.Context, p Page, answers []fanmail.Answer) (fanmail.SurveyResponse, error) {
	if p.link.Purpose == "" {
		return fanmail.SurveyResponse{}, errNoLink
	}
	clean, err := fanmail.CheckAnswers(p.Questions, answers)
	if err != nil {
		return fanmail.SurveyResponse{}, err
	}
	inv := p.Invitation
	r := fanmail.SurveyResponse{InvitationID: inv.ID, SurveyID: inv.SurveyID, MemberID: inv.MemberID, BrandID: inv.BrandID, Answers: clean}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := link.Use(ctx, tx, p.link); err != nil {
			return err
		}
		if err := tx.MarkInvitationAnswered(ctx, inv.ID); err != nil {
			return err
		}
		m, err := tx.MemberByID(ctx, inv.MemberID)
		if err != nil {
			return err
		}
		if r.ID, err = tx.CreateResponse(ctx, r); err != nil {
			return err
		}
		r.SubmittedAt = tx.Now
		if err := tx.CountAnswers(ctx, clean, m.Gender, s.ageBand(m.BirthYear, tx.Now)); err != nil {
			return err
		}
		return tx.Emit(ctx, fanmail.SurveyAnswered{ResponseID: r.ID, InvitationID: inv.ID, SurveyID: inv.SurveyID,
			MemberID: inv.MemberID, BrandID: inv.BrandID, Answers: Values(p.Questions, clean)})
	})
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT { // a second response to the invitation
		return fanmail.SurveyResponse{}, ErrAnswered
	}
	if err != nil {
		return fanmail.SurveyResponse{}, err
	}
	s.opts.AfterCommit()
	s.logger.Info("survey answered", "survey_id", inv.SurveyID, "response_id", r.ID, "member_id", inv.MemberID)
	return r, nil
}

// Values returns answers as followers of SurveyAnswered see them: by
// question key, with the values of the chosen options.
func Values(qs []fanmail.Question, answers []fanmail.Answer) []fanmail.AnsweredValue {
	out := make([]fanmail.AnsweredValue, 0, len(answers))
	for _, a := range answers {
		i := slices.IndexFunc(qs, func(q fanmail.Question) bool { return q.ID == a.QuestionID })
		if i < 0 {
			continue
		}
		v := fanmail.AnsweredValue{Question: qs[i].Key, Number: a.Number, Text: a.Text, Other: a.Other}
		for _, o := range qs[i].Options {
			if slices.Contains(a.OptionIDs, o.ID) {
				v.Options = append(v.Options, o.Value)
			}
		}
		out = append(out, v)
	}
	return out
}

func (p Page) answer(qid int64) fanmail.Answer {
	for _, a := range p.Answers {
		if a.QuestionID == qid {
			return a
		}
	}
	return fanmail.Answer{}
}

// Chose reports whether option oid of question qid is picked.
func (p Page) Chose(qid, oid int64) bool { return slices.Contains(p.answer(qid).OptionIDs, oid) }

// ChoseOther reports whether "other" is picked for question qid.
func (p Page) ChoseOther(qid int64) bool { return p.answer(qid).Other }

// ChoseNumber reports whether number n is picked for question qid.
func (p Page) ChoseNumber(qid int64, n int) bool {
	a := p.answer(qid)
	return a.Number != nil && *a.Number == n
}

// Text returns the text typed for question qid.
func (p Page) Text(qid int64) string { return p.answer(qid).Text }

// ErrorFor returns the refusal of question q's answer, or nil.
func (p Page) ErrorFor(q fanmail.Question) *fanmail.Error {
	var errs fanmail.AnswerErrors
	if errors.As(p.Err, &errs) {
		return errs.For("q_" + q.Key)
	}
	return nil
}

// Message returns the error that is about no single question, or nil.
func (p Page) Message() *fanmail.Error {
	var errs fanmail.AnswerErrors
	if p.Err == nil || errors.As(p.Err, &errs) {
		return nil
	}
	return fanmail.AsError(p.Err)
}

// OpenSurvey is an invitation the member can still answer, for the portal.
type OpenSurvey struct {
	Invitation fanmail.SurveyInvitation
	Title      string // in the member's language
	Brand      string
	Chips      int
	URL        string // the answer page
}

// OpenSurveys returns the member's invitations still open, with their
// answer links (signed now, like the mails').
func (s *Service) OpenSurveys(ctx context.Context, memberID int64, lang string) ([]OpenSurvey, error) {
	invs, err := s.db.OpenInvitations(ctx, memberID, s.db.Now())
	if err != nil {
		return nil, err
	}
	var out []OpenSurvey
	for _, inv := range invs {
		sv, err := s.db.SurveyByID(ctx, inv.SurveyID)
		if err != nil {
			return nil, err
		}
		token, err := s.Token(ctx, inv)
		if err != nil {
			return nil, err
		}
		o := OpenSurvey{Invitation: inv, Title: sv.TitleKo, Chips: sv.ChipReward, URL: "/s/" + token}
		if lang == fanmail.LangEnglish && sv.TitleEn != "" {
			o.Title = sv.TitleEn
		}
		if inv.BrandID != 0 {
			if o.Brand, err = s.brandName(ctx, inv.BrandID); err != nil && fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				return nil, err
			}
		}
		out = append(out, o)
	}
	return out, nil
}
