package member

import (
	"context"

	"github.com/fanmail/fanmail"
)

// ProfileSurvey names the registration survey in the questions table. The
// survey service (internal/survey) stores its default questions and edits
// them; registration reads and answers them here.
const ProfileSurvey = fanmail.SurveyProfile

// ProfileQuestions returns the active questions of the profile survey with
// their options, in order: what registration forms ask.
func (s *Service) ProfileQuestions(ctx context.Context) ([]fanmail.Question, error) {
	return s.db.Questions(ctx, ProfileSurvey, true)
}
