package survey

import (
	"context"
	"fmt"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

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
	// Scale and NPS questions: the range and what its ends mean.
	Min, Max                   int
	MinKo, MinEn, MaxKo, MaxEn string
}

// defaultSurvey is a survey a fresh install starts with.
type defaultSurvey struct {
	Survey    fanmail.Survey
	Questions []defaultQuestion
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

// defaultBrandDeep is seed 000's deep brand survey, mailed with the promise
// of a chip after a member selects a brand. The share of wardrobe comes
// first, so it can be answered from the mail; the fan rule
// (fan.DefaultRule) reads it by key and option order: "31-60" is position 2.
var defaultBrandDeep = []defaultQuestion{
	{Key: "wardrobe_share", Kind: fanmail.QuestionSingle, Required: true,
		Ko: "가지고 계신 옷 가운데 이 브랜드의 옷은 어느 정도입니까?", En: "How much of your wardrobe is from this brand?",
		Options: []defaultOption{
			{Value: "0-10", Ko: "0~10%", En: "0–10 %"},
			{Value: "11-30", Ko: "11~30%", En: "11–30 %"},
			{Value: "31-60", Ko: "31~60%", En: "31–60 %"},
			{Value: "61-plus", Ko: "61% 이상", En: "61 % or more"},
		}},
	{Key: "know_brand", Kind: fanmail.QuestionSingle, AllowOther: true,
		Ko: "이 브랜드를 어떻게 알게 되셨습니까?", En: "How did you come to know this brand?",
		Options: []defaultOption{
			{Value: "store", Ko: "매장에서 직접", En: "In one of its stores"},
			{Value: "friends", Ko: "친구나 가족의 추천", En: "Friends or family"},
			{Value: "media", Ko: "잡지·TV", En: "Magazines or TV"},
			{Value: "online", Ko: "인터넷·SNS", En: "Online or social media"},
			{Value: "our-mail", Ko: "이메일·문자 소식", En: "Our e-mails or text messages"},
		}},
	{Key: "buy_timing", Kind: fanmail.QuestionSingle, AllowOther: true,
		Ko: "이 브랜드의 옷은 주로 언제 사십니까?", En: "When do you usually buy this brand?",
		Options: []defaultOption{
			{Value: "any-time", Ko: "필요할 때 언제든", En: "Whenever I need something"},
			{Value: "sales", Ko: "세일 기간을 기다려서", En: "I wait for the sales"},
			{Value: "outlet", Ko: "아울렛에서", En: "At outlets"},
			{Value: "events", Ko: "백화점 행사 때", En: "At department-store events"},
			{Value: "all", Ko: "모두 해당", En: "All of these"},
		}},
	{Key: "planned_items", Kind: fanmail.QuestionMulti, MaxChoices: 2, AllowOther: true,
		Ko: "앞으로 사려는 품목은 무엇입니까? (2개까지)", En: "What do you plan to buy? (up to 2)",
		Options: []defaultOption{
			{Value: "suit", Ko: "정장", En: "Suit"},
			{Value: "skirt", Ko: "스커트", En: "Skirt"},
			{Value: "pants", Ko: "바지", En: "Trousers"},
			{Value: "jacket", Ko: "재킷", En: "Jacket"},
			{Value: "knit", Ko: "니트", En: "Knitwear"},
			{Value: "t-shirt", Ko: "티셔츠", En: "T-shirt"},
			{Value: "dress", Ko: "원피스", En: "Dress"},
			{Value: "jeans", Ko: "청바지", En: "Jeans"},
			{Value: "cotton-pants", Ko: "면바지", En: "Cotton trousers"},
			{Value: "accessories", Ko: "가방·구두·액세서리", En: "Bags, shoes and accessories"},
		}},
	{Key: "satisfaction", Kind: fanmail.QuestionScale, Min: 1, Max: 5,
		Ko: "이 브랜드에 얼마나 만족하십니까?", En: "How satisfied are you with this brand?",
		MinKo: "전혀 만족하지 않음", MinEn: "Not at all satisfied", MaxKo: "매우 만족", MaxEn: "Very satisfied"},
	{Key: "recommend", Kind: fanmail.QuestionNPS,
		Ko: "이 브랜드를 친구나 동료에게 추천하실 가능성은 얼마나 됩니까?", En: "How likely are you to recommend this brand to a friend or colleague?",
		MinKo: "전혀 없음", MinEn: "Not at all likely", MaxKo: "매우 높음", MaxEn: "Extremely likely"},
	{Key: "comment", Kind: fanmail.QuestionText,
		Ko: "이 브랜드에 바라는 점이 있으면 자유롭게 적어 주세요.", En: "Anything you would like to tell the brand?"},
}

// defaults are the surveys of a fresh install. The profile survey's row
// comes with migration 0025; the deep brand survey's is made here.
var defaults = []defaultSurvey{
	{Survey: fanmail.Survey{Key: fanmail.SurveyProfile, TitleKo: "회원 프로필 설문", TitleEn: "Profile survey", Active: true},
		Questions: defaultProfile},
	{Survey: fanmail.Survey{Key: fanmail.SurveyBrandDeep, TitleKo: "브랜드 설문", TitleEn: "Brand survey", Active: true, ChipReward: 1,
		IntroKo: "좋아하시는 브랜드에 대해 몇 가지만 여쭙겠습니다. 답해 주시면 매니아칩을 하나 더 보내 드립니다.",
		IntroEn: "A few questions about a brand you like. Answer them and we send you another mania chip."},
		Questions: defaultBrandDeep},
}

// EnsureDefaults stores the surveys of a fresh install that are missing: the
// profile survey (seed 000 fig. 3) and the deep brand survey, each with its
// default questions when it has none yet. Style options of the profile
// survey are linked to the brands of the same style when the catalogue has
// them, so run it after demo data. It is idempotent and safe to run on
// several nodes at once. It also loads the link key, which InviteTx must not
// be the first to load inside a SQLite write transaction.
func (s *Service) EnsureDefaults(ctx context.Context) error {
	if _, err := s.links.Sign(ctx, link.Survey, 0, 0, s.db.Now()); err != nil {
		return err
	}
	for _, d := range defaults {
		if err := s.ensureSurvey(ctx, d.Survey); err != nil {
			return fmt.Errorf("default survey %s: %w", d.Survey.Key, err)
		}
		if err := s.ensureQuestions(ctx, d.Survey.Key, d.Questions); err != nil {
			return fmt.Errorf("default questions of %s: %w", d.Survey.Key, err)
		}
	}
	return nil
}

func (s *Service) ensureSurvey(ctx context.Context, sv fanmail.Survey) error {
	_, err := s.db.SurveyByKey(ctx, sv.Key)
	if fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.CreateSurvey(ctx, sv)
		return err
	})
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return nil // another node stored it first
	}
	if err == nil {
		s.logger.Info("default survey stored", "survey", sv.Key)
	}
	return err
}

func (s *Service) ensureQuestions(ctx context.Context, key string, qs []defaultQuestion) error {
	n, err := s.db.CountQuestions(ctx, key)
	if err != nil || n > 0 {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, d := range qs {
			q, err := defaultToQuestion(ctx, tx, key, d)
			if err != nil {
				return err
			}
			if _, err := tx.CreateQuestion(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return nil // another node stored them first
	}
	if err == nil {
		s.logger.Info("default survey questions stored", "survey", key, "questions", len(qs))
	}
	return err
}

// defaultToQuestion builds the question of d, linking its options to the
// first of their brands the catalogue has.
func defaultToQuestion(ctx context.Context, tx *store.Tx, survey string, d defaultQuestion) (fanmail.Question, error) {
	q := fanmail.Question{Survey: survey, Key: d.Key, Kind: d.Kind, LabelKo: d.Ko, LabelEn: d.En,
		Required: d.Required, MaxChoices: d.MaxChoices, AllowOther: d.AllowOther, Active: true,
		ScaleMin: d.Min, ScaleMax: d.Max, MinLabelKo: d.MinKo, MinLabelEn: d.MinEn, MaxLabelKo: d.MaxKo, MaxLabelEn: d.MaxEn}
	for _, o := range d.Options {
		opt := fanmail.QuestionOption{Value: o.Value, LabelKo: o.Ko, LabelEn: o.En}
		for _, ref := range o.Brands {
			id, err := tx.BrandIDByRef(ctx, ref)
			if err != nil {
				return q, err
			}
			if id != 0 {
				opt.BrandID = id
				break
			}
		}
		q.Options = append(q.Options, opt)
	}
	return q.Normalize(), nil
}
