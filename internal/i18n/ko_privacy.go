package i18n

// Korean for the access log of personal data, the privacy officer's settings,
// the consent wordings and the portal's privacy policy.
func init() {
	Register(map[string]string{
		// Staff UI: access log.
		"Access log": "개인정보 접속기록",
		"Every view, search, edit, export and erasure of member data by staff, API tokens and the command line. Entries are chained by hash and never deleted; only the privacy officer reads them.": "직원, API 토큰, 명령줄이 회원 정보를 조회·검색·수정·내보내기·삭제한 모든 기록입니다. 기록은 해시로 연결되어 있고 삭제되지 않으며, 개인정보 보호책임자만 볼 수 있습니다.",
		"Verify the chain":                                          "위·변조 검증",
		"The chain is broken at entry %d: %s":                       "%d번 기록에서 연결이 끊어졌습니다: %s",
		"The chain is intact: %d entries checked.":                  "위·변조 없음: 기록 %d건을 검증했습니다.",
		"its content does not match its hash: the entry was edited": "내용이 해시와 맞지 않습니다. 기록이 수정되었습니다.",
		"its previous hash is not the hash of the entry before it: an entry was removed or inserted": "이전 해시가 앞 기록의 해시와 다릅니다. 기록이 삭제되었거나 끼워 넣어졌습니다.",
		"the first entry chains to an entry that is not there: earlier entries were removed":         "첫 기록이 없는 기록에 연결되어 있습니다. 앞의 기록이 삭제되었습니다.",
		"Staff (id or e-mail)": "직원 (ID 또는 이메일)",
		"Action":               "행위",
		"All":                  "전체",
		"Target contains":      "대상에 포함된 글자",
		"First day":            "시작일",
		"Last day":             "종료일",
		"Filter":               "조회",
		"Who":                  "누가",
		"Target":               "대상",
		"Records":              "건수",
		"No entries.":          "기록이 없습니다.",
		"Older entries":        "이전 기록",
		"No staff user has this id or e-mail address.":    "이 ID나 이메일 주소의 직원이 없습니다.",
		"An access log entry needs an action.":            "접속기록에는 행위가 있어야 합니다.",
		"An access log entry needs an actor.":             "접속기록에는 행위자가 있어야 합니다.",
		"The number of records cannot be negative.":       "건수는 음수일 수 없습니다.",
		"The reason is too long: at most 500 characters.": "사유가 너무 깁니다. 500자까지 쓸 수 있습니다.",

		// Staff UI: bulk export.
		"Export members": "회원 내보내기",
		"This export holds %d members, more than %d: state the reason for it.":                     "이 내보내기에는 회원 %d명이 들어 있어 %d명을 넘습니다. 사유를 입력하세요.",
		"The reason is kept in the access log with your name, the time and the number of members.": "사유는 이름, 시각, 회원 수와 함께 접속기록에 남습니다.",

		// Staff UI: roles, privacy settings and consent wordings.
		"Privacy officer": "개인정보 보호책임자",
		"Privacy":         "개인정보",
		"Position":        "직위",
		"Shown on the privacy policy (/privacy) as the contact for members' questions and requests about their data.": "개인정보 처리방침(/privacy)에 회원이 자기 정보에 관해 문의하고 요청할 연락처로 표시됩니다.",
		"Enter the privacy officer's name.": "개인정보 보호책임자의 이름을 입력하세요.",
		"This value is too long.":           "값이 너무 깁니다.",
		"Enter an e-mail address or a phone number where members reach the privacy officer.": "회원이 개인정보 보호책임자에게 연락할 이메일 주소나 전화번호를 입력하세요.",
		"This is not a valid e-mail address.":                                                "올바른 이메일 주소가 아닙니다.",
		"Consent wordings":                                                                   "동의 문구",
		"Version":                                                                            "버전",
		"current":                                                                            "현재",
		"Each consent record names the version of the text the member read. Versions are added, never changed.": "동의 기록마다 회원이 읽은 문구의 버전이 남습니다. 버전은 추가될 뿐 바뀌지 않습니다.",

		// API.
		"The limit must be between 1 and %d.":                      "limit는 1에서 %d 사이여야 합니다.",
		"Send a time as RFC 3339, e.g. 2026-12-01T00:00:00+09:00.": "시각을 RFC 3339 형식으로 보내 주세요. 예: 2026-12-01T00:00:00+09:00",

		// Portal: privacy policy.
		"This page states which personal data we collect, why, how long we keep it, what stays after you leave and whom to contact. It follows the Personal Information Protection Act (PIPA).": "이 페이지는 어떤 개인정보를 왜 수집하고 얼마나 보관하는지, 탈퇴 후 무엇이 남는지, 누구에게 문의하면 되는지 알려 드립니다. 개인정보 보호법에 따릅니다.",
		"What we collect and why":                                  "수집하는 항목과 목적",
		"We never ask for or store resident registration numbers.": "주민등록번호는 묻지도 보관하지도 않습니다.",
		"What you agree to when you join (wording version %s). Optional consents can be refused and withdrawn at any time on your page.": "가입할 때 동의하는 내용입니다(문구 버전 %s). 선택 동의는 거부할 수 있고 내 페이지에서 언제든 철회할 수 있습니다.",
		"How long we keep it":    "보유 기간",
		"Data":                   "정보",
		"Kept for":               "보유 기간",
		"%d years":               "%d년",
		"While you are a member": "회원인 동안",
		"When you leave":         "탈퇴하면",
		"Your personal data is deleted or irreversibly anonymised. Only this is kept:": "개인정보는 삭제되거나 되돌릴 수 없게 익명 처리됩니다. 다음만 남습니다.",
		"Your rights": "회원의 권리",
		"You may see, correct and download your data, withdraw any consent and leave at any time on your page. Staff access to your data is recorded and checked by the privacy officer.": "내 페이지에서 언제든 내 정보를 보고 고치고 내려받을 수 있으며, 동의를 철회하고 탈퇴할 수 있습니다. 직원이 회원 정보를 열람한 기록은 남고 개인정보 보호책임자가 점검합니다.",
		"The privacy officer has not been named yet.": "개인정보 보호책임자가 아직 지정되지 않았습니다.",
		"Call our customer centre: %s":                "고객센터로 전화해 주세요: %s",
		"Earlier consent wordings":                    "이전 동의 문구",
		"Text":                                        "문구",

		// Items collected and their purposes (fanmail.PrivacyItems).
		"E-mail address, member id, name, birth year":                      "이메일 주소, 회원 ID, 이름, 출생 연도",
		"Membership, sign-in and age-appropriate offers":                   "회원 관리, 로그인, 연령에 맞는 혜택 안내",
		"Gender, phone number, postal code and address":                    "성별, 전화번호, 우편번호, 주소",
		"Delivery of rewards, service and offers near you":                 "리워드 배송, 서비스, 가까운 매장 혜택 안내",
		"Favourite brands and profile survey answers":                      "좋아하는 브랜드와 프로필 설문 답변",
		"Choosing the new products and offers we mail you":                 "메일로 보내 드릴 신상품과 혜택 선정",
		"Purchases at our shops":                                           "매장 구매 내역",
		"Fan program (chips and rewards) and service":                      "팬 프로그램(칩·리워드)과 서비스",
		"Opens and clicks of our mails, IP address at sign-up and consent": "메일 열람·클릭, 가입·동의 시 IP 주소",
		"Proof of consent, security and campaign statistics":               "동의 증빙, 보안, 캠페인 통계",

		// Retention (fanmail.DefaultRetention).
		"Member profile, brands and survey answers":                "회원 프로필, 브랜드, 설문 답변",
		"Until you leave, then erased or anonymised":               "탈퇴할 때까지 보관 후 삭제 또는 익명 처리",
		"Opens and clicks of our mails":                            "메일 열람·클릭 기록",
		"To measure campaigns; deleted afterwards":                 "캠페인 성과 측정, 기간이 지나면 삭제",
		"Replies and bounce reports":                               "회신과 반송 보고",
		"To answer you and keep addresses deliverable":             "답변과 메일 주소 유효성 관리",
		"Consent and notice records":                               "동의 및 통지 기록",
		"Proof of consent (Network Act art. 50)":                   "동의 증빙(정보통신망법 제50조)",
		"Orders (without identity after you leave)":                "주문 내역(탈퇴 후에는 신원 정보 없이)",
		"Act on Consumer Protection in Electronic Commerce art. 6": "전자상거래법 제6조",
		"Access log of staff who handled your data":                "회원 정보를 다룬 직원의 접속기록",
		"PIPA safety measures: at least two years":                 "개인정보의 안전성 확보조치 기준: 최소 2년",
	})
}
