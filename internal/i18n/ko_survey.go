package i18n

// Korean for the survey editor and results, survey answer pages and the
// survey service's messages.
func init() {
	Register(map[string]string{
		// Survey editor.
		"Surveys":                          "설문",
		"Survey":                           "설문",
		"New survey":                       "새 설문",
		"Add survey":                       "설문 추가",
		"Survey settings":                  "설문 설정",
		"Survey created.":                  "설문을 만들었습니다.",
		"Results":                          "결과",
		"Title (Korean)":                   "제목 (한국어)",
		"Title (English)":                  "제목 (영어)",
		"Introduction (Korean)":            "안내문 (한국어)",
		"Introduction (English)":           "안내문 (영어)",
		"Chips for answering":              "응답 시 지급 칩",
		"No questions yet.":                "아직 질문이 없습니다.",
		"a stable name, e.g. spring-visit": "고정 이름, 예: spring-visit",
		"Scale":                            "척도",
		"Recommendation (NPS, 0–10)":       "추천 의향 (NPS, 0~10)",
		"Lowest number":                    "가장 낮은 숫자",
		"Highest number":                   "가장 높은 숫자",
		"Low end (Korean)":                 "낮은 쪽 설명 (한국어)",
		"Low end (English)":                "낮은 쪽 설명 (영어)",
		"High end (Korean)":                "높은 쪽 설명 (한국어)",
		"High end (English)":               "높은 쪽 설명 (영어)",
		"Active: invitations are mailed and links open":          "사용 중: 초대 메일이 나가고 링크가 열립니다",
		"a brand's own survey replaces the brand survey for it":  "브랜드 전용 설문이 있으면 그 브랜드에는 기본 브랜드 설문 대신 보냅니다",
		"Scale (scale and NPS questions; NPS is always 0 to 10)": "척도 (척도·NPS 질문만, NPS는 항상 0~10)",
		"The profile survey is asked at registration. The brand survey is mailed, with the promise of chips, when a member selects a brand; a brand's own active survey replaces it for that brand.": "프로필 설문은 회원 가입 때 묻습니다. 브랜드 설문은 회원이 브랜드를 고르면 매니아칩 약속과 함께 메일로 보내며, 브랜드 전용 설문이 사용 중이면 그 브랜드에는 전용 설문을 보냅니다.",
		"This survey is not active: nobody is invited and its links do not open.": "사용하지 않는 설문입니다. 초대 메일이 나가지 않고 링크도 열리지 않습니다.",

		// Results.
		"Responses: %d": "응답 수: %d",
		"Answer":        "답변",
		"Total":         "합계",
		"hidden":        "숨김",
		"How often each answer was given, by gender and by age band at the time of answering.": "답변별 응답 수를 성별과 응답 당시의 연령대별로 보여 줍니다.",
		"Free-text answers are not counted; they are in each member's responses.":              "직접 입력한 답변은 집계하지 않으며 회원별 응답에서 볼 수 있습니다.",

		// Answer pages.
		"Send my answers":                                "답변 보내기",
		"Some answers need your attention.":              "확인이 필요한 답변이 있습니다.",
		"Thank you!":                                     "감사합니다!",
		"Your answers were recorded.":                    "답변이 저장되었습니다.",
		"Your mania chip is on its way to your mailbox.": "매니아칩을 메일로 보내 드립니다.",
		"Answer and you receive %d mania chip(s).":       "답해 주시면 매니아칩 %d개를 보내 드립니다.",
		"We picked the answer you chose in the mail. Press the button to send it; you may answer the other questions first.": "메일에서 고르신 답을 선택해 두었습니다. 버튼을 눌러 보내 주세요. 다른 질문에 먼저 답하셔도 됩니다.",
		"Questions marked * need an answer. Your answers are linked to your membership and counted by gender and age band.":  "* 표시된 질문은 꼭 답해 주세요. 답변은 회원 정보와 함께 저장되며 성별·연령대별로 집계됩니다.",

		// Service messages.
		"Survey not found.":                                                                          "설문을 찾을 수 없습니다.",
		"Survey invitation not found.":                                                               "설문 초대를 찾을 수 없습니다.",
		"This survey is closed.":                                                                     "마감된 설문입니다.",
		"This survey was already answered.":                                                          "이미 답하신 설문입니다.",
		"Pick a number from %d to %d.":                                                               "%d에서 %d 사이의 숫자를 골라 주세요.",
		"Another survey has this key.":                                                               "같은 키를 쓰는 설문이 있습니다.",
		"The Korean title is required.":                                                              "한국어 제목을 입력해 주세요.",
		"The English title is required.":                                                             "영어 제목을 입력해 주세요.",
		"The chip reward must be between 0 and 100.":                                                 "칩 보상은 0에서 100 사이여야 합니다.",
		"The title is too long (at most 200 characters).":                                            "제목이 너무 깁니다 (200자 이하).",
		"The introduction is too long (at most 2,000 characters).":                                   "안내문이 너무 깁니다 (2,000자 이하).",
		"Surveys are not available on this server.":                                                  "이 서버에서는 설문을 쓸 수 없습니다.",
		"The invitation expired before it was sent.":                                                 "보내기 전에 초대 기간이 끝났습니다.",
		"Only single and multiple choice questions have options.":                                    "보기는 단일 선택과 복수 선택 질문에만 있습니다.",
		"The profile survey asks single choice, multiple choice and free text only.":                 "프로필 설문에는 단일 선택, 복수 선택, 직접 입력 질문만 넣을 수 있습니다.",
		"A scale goes from 0 or more up to at most 10, with at least two steps.":                     "척도는 0 이상에서 10 이하까지이며 두 단계 이상이어야 합니다.",
		"The labels of a scale's ends are too long (at most 100 characters).":                        "척도 양 끝의 설명이 너무 깁니다 (100자 이하).",
		"The key must be lower-case letters, digits, dashes or underscores, starting with a letter.": "키는 영문 소문자로 시작하고 영문 소문자, 숫자, 하이픈, 밑줄만 쓸 수 있습니다.",
	})
}
