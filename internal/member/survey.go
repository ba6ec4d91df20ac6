package member

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// ProfileSurvey names the registration survey in the questions table.
const ProfileSurvey = "profile"

// defaultOption is an option of a default question; Brands lists slugs or
// names of the brand it is linked to, tried in order (the catalogue's slugs
// are not fixed, brand names are proper nouns).
type defaultOption struct {
	Value, Ko, En string
	Brands        []string
}

type defaultQuestion struct {
	Key, Kind, Ko, En string
	Required          bool
	MaxChoices        int
	AllowOther        bool
	Options           []defaultOption
}

// defaultProfile is the registration survey of seed 000 fig. 3, without the
// resident registration number the seed asks for (PIPA forbids collecting it).
var defaultProfile = []defaultQuestion{
	{Key: "occupation", Kind: fanmail.QuestionSingle, Required: true, AllowOther: true,
		Ko: "귀하의 직업은 무엇입니까?", En: "What is your occupation?",
		Options: []defaultOption{
			{Value: "office-manager", Ko: "회사원(관리직)", En: "Office worker (management)"},
			{Value: "office-professional", Ko: "회사원(전문직)", En: "Office worker (professional)"},
			{Value: "freelancer", Ko: "프리랜서 또는 자영업", En: "Freelancer or self-employed"},
			{Value: "high-school", Ko: "중·고등학생", En: "Middle or high school student"},
			{Value: "university", Ko: "대학생", En: "University student"},
			{Value: "graduate", Ko: "대학원생", En: "Graduate student"},
		}},
	{Key: "style", Kind: fanmail.QuestionMulti, Required: true,
		Ko: "평소에 주로 입는 옷 스타일은 어느 쪽입니까?", En: "Which style do you usually wear?",
		Options: []defaultOption{
			{Value: "feminine-cute", Ko: "여성스럽고 귀여운 스타일", En: "Feminine and cute", Brands: []string{"mienc", "미앤씨"}},
			{Value: "urban-casual", Ko: "세련되고 도회적인 감각의 캐주얼 스타일", En: "Sophisticated urban casual", Brands: []string{"ozoc", "오조크"}},
			{Value: "simple-character", Ko: "심플하면서도 여성스러움이 가미된 캐릭터 스타일", En: "Simple character style with a feminine touch", Brands: []string{"ozsecond", "oz-second", "오즈세컨"}},
			{Value: "lovely-daily", Ko: "밝고 사랑스러운 데일리 캐주얼", En: "Bright, lovely everyday casual", Brands: []string{"sj", "에스제이"}},
			{Value: "modern-formal", Ko: "절제된 선의 모던 정장", En: "Modern tailoring", Brands: []string{"mine", "마인"}},
			{Value: "classic-formal", Ko: "클래식한 커리어 정장", En: "Classic career suits", Brands: []string{"morris", "모리스 커밍홈"}},
			{Value: "sporty", Ko: "활동적인 스포츠·아웃도어 스타일", En: "Active sports and outdoor wear", Brands: []string{"runup", "런업"}},
		}},
	{Key: "info_sources", Kind: fanmail.QuestionMulti, MaxChoices: 3, AllowOther: true,
		Ko: "패션이나 브랜드, 상품 정보는 주로 어디에서 얻습니까? (3개까지)", En: "Where do you usually get fashion, brand and product information? (up to 3)",
		Options: []defaultOption{
			{Value: "magazines", Ko: "잡지", En: "Magazines"},
			{Value: "friends", Ko: "친구나 동료", En: "Friends or colleagues"},
			{Value: "internet", Ko: "인터넷 쇼핑몰·패션 사이트", En: "Online shops and fashion sites"},
			{Value: "sns", Ko: "SNS", En: "Social media"},
			{Value: "tv", Ko: "TV·방송", En: "TV and broadcasts"},
			{Value: "stores", Ko: "매장 방문", En: "Visiting stores"},
		}},
	{Key: "wanted_info", Kind: fanmail.QuestionMulti,
		Ko: "좋아하는 브랜드에 대해 어떤 정보를 받고 싶습니까?", En: "What information would you like about your favourite brands?",
		Options: []defaultOption{
			{Value: "stores", Ko: "매장 위치, 전화번호", En: "Store locations and phone numbers"},
			{Value: "new-products", Ko: "신상품의 가격, 디자인", En: "Prices and designs of new products"},
			{Value: "events", Ko: "이벤트나 세일 소식", En: "Events and sales"},
		}},
	{Key: "fashion_sites", Kind: fanmail.QuestionText,
		Ko: "자주 방문하는 패션 사이트는 어디입니까?", En: "Which fashion sites do you visit most?"},
}

// EnsureProfileSurvey stores the default profile survey when the survey has
// no questions yet (first start). Style options are linked to the brands of
// the same style when the catalogue has them. Safe to run on several nodes.
func (s *Service) EnsureProfileSurvey(ctx context.Context) error {
	n, err := s.db.CountQuestions(ctx, ProfileSurvey)
	if err != nil || n > 0 {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, d := range defaultProfile {
			q := fanmail.Question{Survey: ProfileSurvey, Key: d.Key, Kind: d.Kind, LabelKo: d.Ko, LabelEn: d.En,
				Required: d.Required, MaxChoices: d.MaxChoices, AllowOther: d.AllowOther, Active: true}
			for _, o := range d.Options {
				opt := fanmail.QuestionOption{Value: o.Value, LabelKo: o.Ko, LabelEn: o.En}
				for _, ref := range o.Brands {
					id, err := tx.BrandIDByRef(ctx, ref)
					if err != nil {
						return err
					}
					if id != 0 {
						opt.BrandID = id
						break
					}
				}
				q.Options = append(q.Options, opt)
			}
			if _, err := tx.CreateQuestion(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return nil // another node stored it first
	}
	if err == nil {
		s.logger.Info("default profile survey stored", "questions", len(defaultProfile))
	}
	return err
}

// ProfileQuestions returns the active questions of the profile survey with
// their options, in order: what registration forms ask.
func (s *Service) ProfileQuestions(ctx context.Context) ([]fanmail.Question, error) {
	return s.db.Questions(ctx, ProfileSurvey, true)
}

// AllProfileQuestions returns every profile question, deactivated ones too,
// for the survey editor.
func (s *Service) AllProfileQuestions(ctx context.Context) ([]fanmail.Question, error) {
	return s.db.Questions(ctx, ProfileSurvey, false)
}

// Question returns one question with its options, or ENOTFOUND.
func (s *Service) Question(ctx context.Context, id int64) (fanmail.Question, error) {
	return s.db.QuestionByID(ctx, id)
}

var questionKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func validateQuestion(q fanmail.Question) error {
	switch q.Kind {
	case fanmail.QuestionSingle, fanmail.QuestionMulti, fanmail.QuestionText:
	default:
		return fanmail.FieldError("kind", "Pick the kind of question.")
	}
	if err := validateLabels(q.LabelKo, q.LabelEn); err != nil {
		return err
	}
	if q.MaxChoices < 0 || q.MaxChoices > 50 {
		return fanmail.FieldError("max_choices", "The maximum number of picks must be between 0 (no limit) and 50.")
	}
	return nil
}

func validateLabels(ko, en string) error {
	if ko == "" {
		return fanmail.FieldError("label_ko", "The Korean text is required.")
	}
	if en == "" {
		return fanmail.FieldError("label_en", "The English text is required.")
	}
	if utf8.RuneCountInString(ko) > 300 || utf8.RuneCountInString(en) > 300 {
		return fanmail.FieldError("label_ko", "The text is too long (at most 300 characters).")
	}
	return nil
}

// CreateQuestion adds an active question at the end of the profile survey and
// returns its id. Key must be 1–40 lower-case letters, digits or underscores,
// starting with a letter, and unique (else ECONFLICT).
func (s *Service) CreateQuestion(ctx context.Context, q fanmail.Question) (int64, error) {
	q.Survey, q.Active, q.Options = ProfileSurvey, true, nil
	q.Key = strings.TrimSpace(q.Key)
	q.LabelKo, q.LabelEn = strings.TrimSpace(q.LabelKo), strings.TrimSpace(q.LabelEn)
	if !questionKey.MatchString(q.Key) {
		return 0, fanmail.FieldError("key", "The key must be lower-case letters, digits or underscores, starting with a letter.")
	}
	if err := validateQuestion(q); err != nil {
		return 0, err
	}
	if q.Kind != fanmail.QuestionMulti {
		q.MaxChoices = 0
	}
	if q.Kind == fanmail.QuestionText {
		q.AllowOther = false
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.CreateQuestion(ctx, q)
		return err
	})
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return 0, &fanmail.Error{Code: fanmail.ECONFLICT, Field: "key", Message: "Another question has this key."}
	}
	return id, err
}

// UpdateQuestion changes a question's kind, labels, required flag, maximum
// picks and "other: please explain" toggle.
func (s *Service) UpdateQuestion(ctx context.Context, q fanmail.Question) error {
	q.LabelKo, q.LabelEn = strings.TrimSpace(q.LabelKo), strings.TrimSpace(q.LabelEn)
	if err := validateQuestion(q); err != nil {
		return err
	}
	if q.Kind != fanmail.QuestionMulti {
		q.MaxChoices = 0
	}
	if q.Kind == fanmail.QuestionText {
		q.AllowOther = false
	}
	return s.db.UpdateQuestion(ctx, q)
}

// SetQuestionActive shows or hides a question on the registration forms;
// given answers are kept.
func (s *Service) SetQuestionActive(ctx context.Context, id int64, active bool) error {
	return s.db.SetQuestionActive(ctx, id, active)
}

// MoveQuestion moves a question one place up (delta -1) or down (delta +1).
func (s *Service) MoveQuestion(ctx context.Context, id int64, delta int) error {
	return s.db.MoveQuestion(ctx, id, sign1(delta))
}

func sign1(d int) int {
	switch {
	case d < 0:
		return -1
	case d > 0:
		return 1
	}
	return 0
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// AddOption appends an option to a choice question and returns its id. An
// empty Value is derived from the English label. BrandID 0 links no brand.
func (s *Service) AddOption(ctx context.Context, o fanmail.QuestionOption) (int64, error) {
	q, err := s.db.QuestionByID(ctx, o.QuestionID)
	if err != nil {
		return 0, err
	}
	if q.Kind == fanmail.QuestionText {
		return 0, fanmail.FieldError("kind", "Free-text questions have no options.")
	}
	o.LabelKo, o.LabelEn = strings.TrimSpace(o.LabelKo), strings.TrimSpace(o.LabelEn)
	if err := validateLabels(o.LabelKo, o.LabelEn); err != nil {
		return 0, err
	}
	o.Value = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(strings.TrimSpace(o.Value)), "-"), "-")
	if o.Value == "" {
		o.Value = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(o.LabelEn), "-"), "-")
	}
	if o.Value == "" {
		return 0, fanmail.FieldError("value", "The value is required.")
	}
	id, err := s.db.CreateOption(ctx, o)
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return 0, &fanmail.Error{Code: fanmail.ECONFLICT, Field: "value", Message: "Another option of this question has this value."}
	}
	return id, err
}

// UpdateOption changes an option's labels and linked brand.
func (s *Service) UpdateOption(ctx context.Context, o fanmail.QuestionOption) error {
	o.LabelKo, o.LabelEn = strings.TrimSpace(o.LabelKo), strings.TrimSpace(o.LabelEn)
	if err := validateLabels(o.LabelKo, o.LabelEn); err != nil {
		return err
	}
	return s.db.UpdateOption(ctx, o)
}

// DeleteOption removes an option nobody chose (ECONFLICT otherwise).
func (s *Service) DeleteOption(ctx context.Context, questionID, optionID int64) error {
	return s.db.DeleteOption(ctx, questionID, optionID)
}

// MoveOption moves an option one place up (delta -1) or down (delta +1).
func (s *Service) MoveOption(ctx context.Context, questionID, optionID int64, delta int) error {
	return s.db.MoveOption(ctx, questionID, optionID, sign1(delta))
}
