package i18n

// Korean for loyalty: the chip ledger, rewards, gift certificates,
// redemptions and fan rules, in the member portal, the shop terminal, the
// staff pages and the API.
func init() {
	Register(map[string]string{
		// Ledger and catalogue rules (root package)
		"The entry needs a member.":                                         "회원을 지정해야 합니다.",
		"The unit must be chip or point.":                                   "단위는 칩 또는 포인트여야 합니다.",
		"The amount must be positive.":                                      "수량은 0보다 커야 합니다.",
		"At most 100 chips can be issued at once.":                          "칩은 한 번에 100개까지 지급할 수 있습니다.",
		"The amount is too large.":                                          "수량이 너무 큽니다.",
		"Unknown reason.":                                                   "알 수 없는 사유입니다.",
		"The entry needs a reference of at most 200 characters.":            "200자 이하의 참조가 필요합니다.",
		"The note is too long.":                                             "메모가 너무 깁니다.",
		"The expiry must be in the future.":                                 "유효기간은 미래여야 합니다.",
		"The kind must be product or certificate.":                          "종류는 상품 또는 상품권이어야 합니다.",
		"The cost must be between 1 and 1,000,000 chips.":                   "필요한 칩은 1개에서 1,000,000개 사이여야 합니다.",
		"The value must be between 1 and 10,000,000 won.":                   "금액은 1원에서 10,000,000원 사이여야 합니다.",
		"A gift certificate is not a product.":                              "상품권에는 상품을 연결할 수 없습니다.",
		"Only gift certificates have a value.":                              "금액은 상품권에만 있습니다.",
		"The gift certificate needs a member.":                              "상품권에는 회원이 필요합니다.",
		"The gift certificate needs a reference of at most 200 characters.": "상품권에는 200자 이하의 참조가 필요합니다.",
		"This gift certificate was already redeemed.":                       "이미 사용된 상품권입니다.",
		"This gift certificate has expired.":                                "유효기간이 지난 상품권입니다.",
		"This gift certificate is void.":                                    "무효 처리된 상품권입니다.",
		"The rule needs a question.":                                        "규칙에 쓸 질문을 지정하세요.",
		"The minimum position cannot be negative.":                          "최소 보기 위치는 0 이상이어야 합니다.",
		"Give points to between 1 and 200 answer options.":                  "1개에서 200개 사이의 보기에 점수를 주세요.",
		"Points must be between -1000 and 1000 for a named option.":         "점수는 보기마다 -1000에서 1000 사이여야 합니다.",
		"The threshold must be positive.":                                   "기준값은 0보다 커야 합니다.",
		"The number of surveys must be between 1 and 1000.":                 "설문 수는 1에서 1000 사이여야 합니다.",
		"Unknown rule kind.":                                                "알 수 없는 규칙 종류입니다.",

		// Store
		"Ledger entry not found.":                                       "원장 내역을 찾을 수 없습니다.",
		"This reference was already used for another entry.":            "이 참조는 이미 다른 내역에 쓰였습니다.",
		"Not enough chips.":                                             "칩이 부족합니다.",
		"Not enough points.":                                            "포인트가 부족합니다.",
		"Only issues and redemptions can be reversed.":                  "지급과 교환 내역만 취소할 수 있습니다.",
		"This entry has expired.":                                       "유효기간이 지난 내역입니다.",
		"This entry was already reversed.":                              "이미 취소된 내역입니다.",
		"Reward not found.":                                             "교환 상품을 찾을 수 없습니다.",
		"Redemption not found.":                                         "교환 내역을 찾을 수 없습니다.",
		"This request key was already used for another redemption.":     "이 요청 키는 이미 다른 교환에 쓰였습니다.",
		"Gift certificate not found.":                                   "상품권을 찾을 수 없습니다.",
		"This gift certificate code is taken.":                          "이미 쓰이는 상품권 코드입니다.",
		"This reference was already used for another gift certificate.": "이 참조는 이미 다른 상품권에 쓰였습니다.",
		"This brand has no fan rule.":                                   "이 브랜드에는 팬 규칙이 없습니다.",
		"Fan decision not found.":                                       "팬 판정을 찾을 수 없습니다.",
		"This code is not valid.":                                       "올바른 코드가 아닙니다.",

		// Loyalty service
		"Every redemption needs a request key of at most 200 characters.":                                     "교환 요청마다 200자 이하의 요청 키가 필요합니다.",
		"Choose a reward or enter a gift certificate code.":                                                   "교환 상품을 고르거나 상품권 코드를 입력하세요.",
		"Choose the member who redeems.":                                                                      "교환하는 회원을 고르세요.",
		"This gift certificate code is not valid: check it for typing errors.":                                "올바른 상품권 코드가 아닙니다. 잘못 입력한 글자가 없는지 확인하세요.",
		"No gift certificate has this code.":                                                                  "이 코드의 상품권이 없습니다.",
		"This gift certificate belongs to another member.":                                                    "다른 회원의 상품권입니다.",
		"This reward is no longer offered.":                                                                   "더 이상 제공하지 않는 교환 상품입니다.",
		"Say why the entry is reversed.":                                                                      "취소하는 이유를 적어 주세요.",
		"The gift certificate this redemption bought was already used, so the redemption cannot be reversed.": "이 교환으로 받은 상품권이 이미 사용되어 교환을 취소할 수 없습니다.",
		"Choose the brand whose chips pay for the reward.":                                                    "어느 브랜드의 칩으로 교환하는지 고르세요.",
		"This brand does not exist.":                                                                          "없는 브랜드입니다.",
		"The product must be one of the reward's brand.":                                                      "같은 브랜드의 상품만 연결할 수 있습니다.",
		"This product does not exist.":                                                                        "없는 상품입니다.",
	})
}
