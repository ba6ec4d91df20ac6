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
		"Download CSV":                                    "CSV 내려받기",
		"Unknown step.":                                   "알 수 없는 단계입니다.",
		"The text holds characters that are not allowed.": "허용되지 않는 문자가 들어 있습니다.",
		"The text is too long.":                           "글이 너무 깁니다.",
		"Chips and brand mails go by e-mail only to confirmed members who agreed to receive advertising by e-mail; others can still pick brands and answer surveys.": "매니아칩과 브랜드 메일은 이메일 광고성 정보 수신에 동의하고 이메일을 확인한 회원에게만 보냅니다. 동의하지 않은 회원도 브랜드를 고르고 설문에 답할 수 있습니다.",
		// Portal
		"Each brand you pick sends you its new products with a mania chip by e-mail, but only if you agree to receive advertising by e-mail. Without it we keep your choices and do not mail you.": "고르신 브랜드마다 신상품 소식과 매니아칩을 이메일로 보내 드립니다. 다만 이메일 광고성 정보 수신에 동의하신 경우에만 보내 드리며, 동의하지 않으시면 고르신 브랜드만 저장하고 메일은 보내지 않습니다.",
		"Change my consents":                  "수신 동의 바꾸기",
		"Answer by %s":                        "%s까지 답하실 수 있습니다",
		"Open surveys":                        "답할 수 있는 설문",
		"No surveys waiting for your answer.": "답을 기다리는 설문이 없습니다.",
		"With your consent to advertising by e-mail, each brand mails you its new products with a mania chip once you confirm your address.": "이메일 광고성 정보 수신에 동의하시면, 주소를 확인하신 뒤 고르신 브랜드마다 신상품 소식과 매니아칩을 보내 드립니다.",
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
