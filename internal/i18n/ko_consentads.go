package i18n

// Korean text of the consent work: the double opt-in page a mail scanner
// cannot complete, its evidence, and the rule that ads cannot go out
// unmarked.
func init() {
	Register(map[string]string{
		"Confirm your e-mail address": "이메일 주소 확인",
		"Press the button to confirm that this address belongs to %s and to activate the membership.": "아래 버튼을 누르시면 이 주소가 %s님의 주소임을 확인하고 회원 가입을 완료합니다.",
		"Confirm my address":   "주소 확인하기",
		"Double opt-in":        "이메일 인증(더블 옵트인)",
		"Browser (user agent)": "브라우저(사용자 에이전트)",
		"No confirmation through the e-mail link was recorded (registered by staff, imported, or confirmed before this was kept).": "이메일 링크로 확인한 기록이 없습니다(직원 등록, 가져오기, 또는 기록을 남기기 전에 확인한 회원).",

		"product block":                  "상품 블록",
		"price":                          "가격",
		"sale or event wording":          "세일·이벤트 문구",
		"coupon":                         "쿠폰",
		"chip offer":                     "매니아칩 제공",
		"%s, line %d, block %d (%s): %s": "%s %d번째 줄, 블록 %d (%s): %s",
		"%s, line %d (%s): %s":           "%s %d번째 줄 (%s): %s",
		"%s (%s): %s":                    "%s (%s): %s",
		"This mail is an advertisement by its content (%s), so it cannot go out unmarked: tick \"advertisement\", or ask an administrator for an override.":                                            "내용상 광고성 메일이므로(%s) 광고 표시 없이 보낼 수 없습니다. '광고'에 체크하거나 관리자에게 예외 승인을 요청하세요.",
		"This mail is an advertisement by its content (%s), so it cannot go out as transactional mail: make it a marketing campaign marked as advertisement, or ask an administrator for an override.": "내용상 광고성 메일이므로(%s) 거래·안내 메일로 보낼 수 없습니다. 광고로 표시한 마케팅 캠페인으로 바꾸거나 관리자에게 예외 승인을 요청하세요.",
		"What makes this mail an advertisement:": "이 메일을 광고로 만드는 내용:",
		"Content decides, not the checkbox: product blocks, prices, sale or event wording, coupons and chip offers make a mail an advertisement (Korean Network Act art. 50).": "체크 여부가 아니라 내용이 결정합니다. 상품 블록, 가격, 세일·이벤트 문구, 쿠폰, 매니아칩 제공이 있으면 광고성 정보입니다(정보통신망법 제50조).",
		"Advertising rule": "광고 표시 규칙",
		"This mail looks like an advertisement, but an administrator allowed it to go out as marked.":                                                     "광고성 내용이 있지만 관리자가 현재 표시대로 발송하도록 승인했습니다.",
		"This mail is an advertisement by its content, so it cannot be sent as transactional mail: make it a marketing campaign marked as advertisement.": "내용상 광고성 메일이므로 거래·안내 메일로 보낼 수 없습니다. 광고로 표시한 마케팅 캠페인으로 바꾸세요.",
		"This mail is an advertisement by its content, so it cannot be sent unmarked: tick \"advertisement\" in the draft.":                               "내용상 광고성 메일이므로 광고 표시 없이 보낼 수 없습니다. 초안에서 '광고'에 체크하세요.",
		"Override by": "예외 승인자",
		"The content changed after the override, so it no longer applies.": "승인 후 내용이 바뀌어 이 승인은 더 이상 적용되지 않습니다.",
		"Why is this mail not an advertisement? (recorded with your name)": "이 메일이 광고가 아닌 이유는 무엇인가요? (이름과 함께 기록됩니다)",
		"Send as marked anyway": "현재 표시대로 발송 승인",
		"Override recorded.":    "예외 승인이 기록되었습니다.",
		"Only an administrator can let an advertisement go out unmarked.":         "광고를 표시 없이 보내도록 승인할 수 있는 사람은 관리자뿐입니다.",
		"Give the reason why this mail is not an advertisement.":                  "이 메일이 광고가 아닌 이유를 적어 주세요.",
		"The reason is too long.":                                                 "사유가 너무 깁니다.",
		"The campaign is marked as an advertisement; it needs no override.":       "광고로 표시된 캠페인이라 예외 승인이 필요 없습니다.",
		"Nothing in this mail looks like an advertisement; it needs no override.": "광고성 내용이 없어 예외 승인이 필요 없습니다.",
	})
}
