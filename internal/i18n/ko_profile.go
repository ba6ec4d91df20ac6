package i18n

// Korean for the profile analysis (seed 000 step 5): the member page, the
// segment builder's purchase patterns and the rules' messages.
func init() {
	Register(map[string]string{
		// Member page
		"Profile analysis": "프로필 분석",
		"Nothing to analyse yet: no favourite brands, profile answers or purchases.": "아직 분석할 내용이 없습니다. 즐겨찾는 브랜드, 프로필 답변, 구매가 없습니다.",
		"Preferred brand group": "선호 브랜드군",
		"%s votes: favourite brands %d × %d, style answers linked to its brands %d × %d, spent %s (1 vote per %s)": "%s표: 즐겨찾는 브랜드 %d개 × %d, 브랜드와 연결된 스타일 답변 %d개 × %d, 구매 %s(%s당 1표)",
		"None: no favourite brand, style answer linked to a brand or purchase of a brand.":                         "없음: 즐겨찾는 브랜드, 브랜드와 연결된 스타일 답변, 브랜드 구매가 없습니다.",
		"Purchase pattern":                  "구매 패턴",
		"Pieces bought:":                    "구매 수량:",
		"not classified (no list price) %d": "분류할 수 없음(정가 모름) %d",
		"Discounted: %d%% or more below the list price, or from the sale shelf.": "할인 구매: 정가보다 %d%% 이상 싸게 샀거나 세일 상품을 산 경우.",
		"Analysed": "분석 시각",

		// Segment builder: the fields (apart from the favourite brand group)
		// and the purchase patterns, as the deep survey's "when do you buy".
		"Analysis: preferred brand group": "분석: 선호 브랜드군",
		"Analysis: purchase pattern":      "분석: 구매 패턴",

		"Full price":              "정상가 구매",
		"Waits for sales":         "세일 기간 구매",
		"Outlet":                  "상설 할인매장(아울렛) 구매",
		"Department-store events": "백화점 행사 구매",
		"Unknown":                 "알 수 없음",

		// Rules and store
		"Unknown purchase pattern.":                    "알 수 없는 구매 패턴입니다.",
		"Unknown kind of shop.":                        "알 수 없는 매장 종류입니다.",
		"This member's profile has not been analysed.": "이 회원의 프로필은 아직 분석되지 않았습니다.",
	})
}
