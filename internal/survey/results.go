package survey

import (
	"context"
	"slices"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Summary is a survey's results: how often each answer was given, by gender
// and age band at the time of answering (seed 000 fig. 4).
type Summary struct {
	Survey    fanmail.Survey
	Responses int
	// Genders and AgeBands are the table's columns: "female" and "male",
	// then "other" and "" (not given) when counted; the configured bands,
	// then "" (unknown) when counted.
	Genders   []string
	AgeBands  []string
	Questions []QuestionSummary
}

// QuestionSummary is one question's rows: one per option and "other", or
// one per number of a scale; none for free text, which is not counted.
type QuestionSummary struct {
	Question fanmail.Question
	Rows     []SummaryRow
}

// SummaryRow is how often one answer was given.
type SummaryRow struct {
	OptionID int64 // 0 for "other" and numbers
	Value    string
	LabelKo  string
	LabelEn  string
	Other    bool
	Number   *int
	Total    int64
	counts   map[[2]string]int64
}

// Count returns how often members of gender and age band gave the answer.
func (r SummaryRow) Count(gender, ageBand string) int64 { return r.counts[[2]string{gender, ageBand}] }

// Cell is how often one answer was given by members of one gender and age
// band.
type Cell struct {
	Gender  string
	AgeBand string
	Count   int64
}

// Cells returns the non-zero counts of row r in the summary's column order.
func (s Summary) Cells(r SummaryRow) []Cell {
	var out []Cell
	for _, g := range s.Genders {
		for _, b := range s.AgeBands {
			if n := r.Count(g, b); n != 0 {
				out = append(out, Cell{Gender: g, AgeBand: b, Count: n})
			}
		}
	}
	return out
}

// Summary returns the results of survey id, or ENOTFOUND.
func (s *Service) Summary(ctx context.Context, id int64) (Summary, error) {
	sv, err := s.db.SurveyByID(ctx, id)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Survey: sv, Genders: []string{fanmail.GenderFemale, fanmail.GenderMale}}
	if sum.Responses, err = s.db.CountResponses(ctx, id); err != nil {
		return sum, err
	}
	qs, err := s.db.Questions(ctx, sv.Key, false)
	if err != nil {
		return sum, err
	}
	counts, err := s.db.AnswerCounts(ctx, sv.Key)
	if err != nil {
		return sum, err
	}
	for _, b := range s.opts.AgeBands {
		sum.AgeBands = append(sum.AgeBands, b.Label)
	}
	for _, c := range counts {
		if !slices.Contains(sum.Genders, c.Gender) {
			sum.Genders = append(sum.Genders, c.Gender)
		}
		if !slices.Contains(sum.AgeBands, c.AgeBand) {
			sum.AgeBands = append(sum.AgeBands, c.AgeBand)
		}
	}
	for _, q := range qs {
		sum.Questions = append(sum.Questions, QuestionSummary{Question: q, Rows: rowsOf(q, counts)})
	}
	return sum, nil
}

// rowsOf returns the rows of question q from counts.
func rowsOf(q fanmail.Question, counts []store.AnswerCount) []SummaryRow {
	var rows []SummaryRow
	for _, o := range q.Options {
		if q.HasChoices() {
			rows = append(rows, SummaryRow{OptionID: o.ID, Value: o.Value, LabelKo: o.LabelKo, LabelEn: o.LabelEn})
		}
	}
	if q.AllowOther {
		rows = append(rows, SummaryRow{Other: true, Value: "other", LabelKo: "기타", LabelEn: "Other"})
	}
	for _, n := range q.Numbers() {
		rows = append(rows, SummaryRow{Number: &n})
	}
	for i := range rows {
		r := &rows[i]
		r.counts = map[[2]string]int64{}
		for _, c := range counts {
			if c.QuestionID != q.ID || c.Other != r.Other || c.OptionID != r.OptionID ||
				(r.Number != nil && c.Number != *r.Number) || (r.Number == nil && c.Number != 0) {
				continue
			}
			r.counts[[2]string{c.Gender, c.AgeBand}] += c.Count
			r.Total += c.Count
		}
	}
	return rows
}

// Response is a submitted survey as staff and the API see it: with its
// survey and each answer typed by its question's key and option values, in
// the order of Answers.
type Response struct {
	fanmail.SurveyResponse
	Survey fanmail.Survey
	Values []fanmail.AnsweredValue
}

// ResponsesOfMember returns the member's survey responses, newest first.
func (s *Service) ResponsesOfMember(ctx context.Context, memberID int64) ([]Response, error) {
	rs, err := s.db.ResponsesOfMember(ctx, memberID)
	if err != nil {
		return nil, err
	}
	surveys := map[int64]fanmail.Survey{}
	questions := map[string][]fanmail.Question{}
	out := make([]Response, len(rs))
	for i, r := range rs {
		sv, ok := surveys[r.SurveyID]
		if !ok {
			if sv, err = s.db.SurveyByID(ctx, r.SurveyID); err != nil {
				return nil, err
			}
			surveys[r.SurveyID] = sv
			if questions[sv.Key], err = s.db.Questions(ctx, sv.Key, false); err != nil {
				return nil, err
			}
		}
		out[i] = Response{SurveyResponse: r, Survey: sv, Values: Values(questions[sv.Key], r.Answers)}
	}
	return out, nil
}
