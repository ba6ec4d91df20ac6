package fanmail

import "time"

// Steps of the fan program (seed 000) that staff turn on or off per brand.
const (
	StepWelcomeChip      = "welcome_chip"      // a brand selected: a chip and the brand's mail (steps 3–4)
	StepSurveyInvitation = "survey_invitation" // and an invitation to the deep brand survey (step 6)
	StepFanDecision      = "fan_decision"      // an answered survey: the brand's fan rule decides (step 7)
	StepFanReward        = "fan_reward"        // a new fan: a gift certificate and the fan mail (step 8)
)

// BrandStepKinds lists the steps in the order they happen.
var BrandStepKinds = []string{StepWelcomeChip, StepSurveyInvitation, StepFanDecision, StepFanReward}

// Limits of a step's own mail wording.
const (
	MaxStepSubjectLen = 150
	MaxStepIntroLen   = 2000
)

// BrandStep is one step of a brand's fan program: whether it runs and,
// for its mail, staff's own subject and opening paragraph per language
// (empty: the default wording).
type BrandStep struct {
	BrandID   int64
	Step      string
	Enabled   bool
	SubjectKo string
	SubjectEn string
	IntroKo   string
	IntroEn   string
	UpdatedAt time.Time
}

// DefaultBrandStep is a step of a brand that staff left as it is: on, with
// the default mail.
func DefaultBrandStep(brandID int64, step string) BrandStep {
	return BrandStep{BrandID: brandID, Step: step, Enabled: true}
}

// IsBrandStep reports whether s names a step.
func IsBrandStep(s string) bool {
	for _, k := range BrandStepKinds {
		if k == s {
			return true
		}
	}
	return false
}

// Validate returns EINVALID naming the field at fault.
func (s BrandStep) Validate() error {
	if !IsBrandStep(s.Step) {
		return FieldError("step", "Unknown step.")
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"subject_ko", s.SubjectKo, MaxStepSubjectLen}, {"subject_en", s.SubjectEn, MaxStepSubjectLen},
		{"intro_ko", s.IntroKo, MaxStepIntroLen}, {"intro_en", s.IntroEn, MaxStepIntroLen},
	} {
		if !ValidText(f.value) {
			return FieldError(f.name, "The text holds characters that are not allowed.")
		}
		if len([]rune(f.value)) > f.max {
			return FieldError(f.name, "The text is too long.")
		}
	}
	return nil
}

// Subject returns staff's subject in lang, or def when they set none.
func (s BrandStep) Subject(lang, def string) string {
	return pick(lang, s.SubjectKo, s.SubjectEn, def)
}

// Intro returns staff's opening paragraph in lang, or def when they set none.
func (s BrandStep) Intro(lang, def string) string {
	return pick(lang, s.IntroKo, s.IntroEn, def)
}

func pick(lang, ko, en, def string) string {
	v := ko
	if lang == LangEnglish {
		v = en
	}
	if v == "" {
		return def
	}
	return v
}
