package i18n

// Korean for the fan program's staff pages: a brand's steps and mail
// wording, the fig. 4 table, and a member's journey.
func init() {
	Register(map[string]string{
		"Fan program":                                     "팬 프로그램",
		"Welcome chip and brand mail":                     "환영 매니아칩과 브랜드 메일",
		"Deep survey invitation":                          "브랜드 심층 설문 초대",
		"Fan decision on each answer":                     "응답마다 팬 여부 판정",
		"Gift certificate and fan mail for a new fan":     "새 팬에게 상품권과 팬 등록 메일",
		"Mail subject (Korean)":                           "메일 제목 (한국어)",
		"Mail subject (English)":                          "메일 제목 (영어)",
		"Opening paragraph (Korean)":                      "첫 문단 (한국어)",
		"Opening paragraph (English)":                     "첫 문단 (영어)",
		"Default wording":                                 "기본 문구",
		"Members who chose this brand":                    "이 브랜드를 고른 회원",
		"by gender and age band":                          "성별·연령대별",
		"Not given":                                       "미입력",
		"Total":                                           "합계",
		"Download CSV":                                    "CSV 내려받기",
		"Unknown step.":                                   "알 수 없는 단계입니다.",
		"The text holds characters that are not allowed.": "허용되지 않는 문자가 들어 있습니다.",
		"The text is too long.":                           "글이 너무 깁니다.",
		"Chips and brand mails go by e-mail only to confirmed members who agreed to receive advertising by e-mail; others can still pick brands and answer surveys.": "매니아칩과 브랜드 메일은 이메일 광고 수신에 동의하고 이메일을 확인한 회원에게만 보냅니다. 동의하지 않은 회원도 브랜드를 고르고 설문에 답할 수 있습니다.",
		// Journey
		"Journey":               "여정",
		"Member journey":        "회원 여정",
		"What happened":         "일어난 일",
		"Details":               "내용",
		"Resend":                "다시 보내기",
		"Message queued again.": "메시지를 다시 보내도록 넣었습니다.",
		"Only mails of the fan program and links can be sent again.": "팬 프로그램 메일과 링크 메일만 다시 보낼 수 있습니다.",
		"Nothing has happened yet.":                                  "아직 일어난 일이 없습니다.",
	})
}
