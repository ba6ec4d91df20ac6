package i18n

// Korean for leaving (탈퇴), erasure on request and the member's copy of
// their data: the portal's leave pages, the admin erase page, errors, and
// what an erasure keeps (fanmail.ErasureKeeps).
func init() {
	Register(map[string]string{
		// What an erasure keeps, and why
		"Tax and accounting records must be kept.":                                                                                "세무·회계 기록은 보관해야 합니다.",
		"Order number, date, amounts and items, without name, address or any contact detail.":                                     "주문번호, 날짜, 금액, 품목만 남고 이름, 주소, 연락처는 남지 않습니다.",
		"We must be able to prove when consent to advertising was given and withdrawn.":                                           "광고 수신 동의를 언제 받고 언제 철회했는지 증명할 수 있어야 합니다.",
		"Purpose, channel, granted or withdrawn, wording version and time, under a member number only; no address or IP address.": "목적, 채널, 동의 또는 철회, 문구 버전, 시각만 회원번호로 남고 주소와 IP 주소는 남지 않습니다.",
		"Chip and point ledger": "칩·포인트 원장",
		"Balances and redemptions must add up for every shop and brand.":                                                                        "매장과 브랜드마다 잔액과 사용 내역이 맞아야 합니다.",
		"Amounts, dates and reasons under a member number only; staff notes are removed.":                                                       "금액, 날짜, 사유만 회원번호로 남고 직원 메모는 지워집니다.",
		"Gift certificates and redemptions":                                                                                                     "상품권 및 사용 내역",
		"A redeemed certificate is part of the shop's accounts.":                                                                                "사용된 상품권은 매장 회계의 일부입니다.",
		"Value, state and dates under a member number only; unused certificates are voided.":                                                    "금액, 상태, 날짜만 회원번호로 남고 쓰지 않은 상품권은 무효가 됩니다.",
		"A salted hash of the e-mail address on the suppression list":                                                                           "수신 차단 목록의 이메일 주소 해시",
		"So that a later import or list never mails the person again.":                                                                          "나중에 가져온 명단 때문에 다시 메일이 가지 않도록 하기 위해서입니다.",
		"A keyed hash (HMAC-SHA256) that cannot be turned back into the address. Joining again on the join page with fresh consent removes it.": "주소로 되돌릴 수 없는 키 해시(HMAC-SHA256)입니다. 가입 페이지에서 새로 동의하고 다시 가입하면 지워집니다.",
		"Anonymous statistics": "익명 통계",
		"Counts per brand, survey answer, gender and age band hold no one's identity.": "브랜드, 설문 답변, 성별, 연령대별 집계에는 누구인지 알 수 있는 정보가 없습니다.",
		"Only counts; campaign open and click counts lose the link to the person.":     "집계만 남고 캠페인 열람·클릭 수는 개인과의 연결이 끊어집니다.",

		// Errors
		"This address was erased on request. Only the person can join again, on the join page.":                                       "요청에 따라 삭제된 주소입니다. 본인만 가입 페이지에서 다시 가입할 수 있습니다.",
		"Erased on request: only the person can join again, on the join page.":                                                        "요청에 따라 삭제됨: 본인만 가입 페이지에서 다시 가입할 수 있습니다.",
		"This member was already erased.":                                                                                             "이미 삭제된 회원입니다.",
		"The member holds %d unused gift certificate(s). Void them with the erasure (void certificates) or wait until they are used.": "회원에게 쓰지 않은 상품권이 %d장 있습니다. 삭제와 함께 무효로 하거나(상품권 무효) 사용될 때까지 기다려 주세요.",
		"Give the reason for the erasure, e.g. the request's date and channel.":                                                       "삭제 사유를 적어 주세요(예: 요청 날짜와 경로).",
		"The reason is too long (at most 500 characters).":                                                                            "사유가 너무 깁니다(최대 500자).",
		"You have no password. Ask for a link by e-mail instead.":                                                                     "비밀번호가 없습니다. 이메일로 링크를 받아 주세요.",
		"The password is wrong.": "비밀번호가 틀렸습니다.",
		"Mail is not configured, so no link can be sent. Set a password and leave with it.": "메일이 설정되지 않아 링크를 보낼 수 없습니다. 비밀번호를 정한 뒤 비밀번호로 탈퇴해 주세요.",
		"Format must be json or csv.": "형식은 json 또는 csv여야 합니다.",

		// Portal
		"Leave fanmail":       "fanmail 탈퇴",
		"My data and leaving": "내 데이터 받기와 탈퇴",
		"A copy of my data":   "내 데이터 사본",
		"Download everything we hold about you: profile, answers, consents with their history, brands, chips, gift certificates, orders and the mails we sent you.": "저희가 가진 회원님의 모든 정보를 내려받으세요: 프로필, 답변, 동의와 그 이력, 브랜드, 칩, 상품권, 주문, 보내 드린 메일.",
		"Download as JSON":        "JSON으로 받기",
		"Download as CSV":         "CSV로 받기",
		"Leave and erase my data": "탈퇴하고 내 정보 삭제",
		"Leaving cannot be undone. Your chips and unused gift certificates are lost. You can join again later as a new member.": "탈퇴는 되돌릴 수 없습니다. 칩과 쓰지 않은 상품권은 사라집니다. 나중에 새 회원으로 다시 가입할 수 있습니다.",
		"We mailed you a link. Open it and press the button to leave.":                                                          "링크를 메일로 보냈습니다. 링크를 열고 버튼을 누르면 탈퇴됩니다.",
		"Your password":                                                   "비밀번호",
		"I give up my unused gift certificates":                           "쓰지 않은 상품권을 포기합니다",
		"Or confirm with a link we mail you.":                             "또는 메일로 받은 링크로 확인할 수 있습니다.",
		"To confirm, we mail you a link.":                                 "확인을 위해 링크를 메일로 보내 드립니다.",
		"Mail me a link to leave":                                         "탈퇴 링크 메일 받기",
		"Leave fanmail as %s and erase your data? This cannot be undone.": "%s님, fanmail에서 탈퇴하고 정보를 삭제할까요? 되돌릴 수 없습니다.",
		"You have left fanmail":                                           "fanmail에서 탈퇴했습니다",
		"Your personal data was erased. We will not mail you again. You are welcome to join again at any time.": "개인정보가 삭제되었습니다. 앞으로 메일을 보내지 않습니다. 언제든 다시 가입하실 수 있습니다.",
		"What is kept after you leave, and why": "탈퇴 후에도 남는 정보와 그 이유",
		"Everything else about you is deleted or made anonymous for good: name, e-mail address, phone, birth year, gender, address, member id, password, answers, favourite brands, sessions and the mails we sent you.": "그 밖의 정보는 모두 영구히 삭제되거나 익명 처리됩니다: 이름, 이메일 주소, 전화번호, 출생연도, 성별, 주소, 회원 아이디, 비밀번호, 답변, 좋아하는 브랜드, 로그인 세션, 보내 드린 메일.",
		"Kept":         "남는 정보",
		"What exactly": "남는 내용",

		"To leave, first set a password, then confirm with it here.": "탈퇴하려면 먼저 비밀번호를 정한 뒤 여기에서 비밀번호로 확인해 주세요.",
		"Erasure": "삭제",

		// Admin
		"What an erasure keeps, and why": "삭제 후에도 남는 정보와 그 이유",
		"Erase member":                   "회원 삭제",
		"Erase this member's personal data on request. This cannot be undone.": "요청에 따라 이 회원의 개인정보를 삭제합니다. 되돌릴 수 없습니다.",
		"Reason (the request's date and channel)":                              "사유(요청 날짜와 경로)",
		"Void unused gift certificates":                                        "쓰지 않은 상품권 무효 처리",
		"Erase for good":                                                       "영구 삭제",
		"Member erased.":                                                       "회원을 삭제했습니다.",
		"Erased":                                                               "삭제됨",
		"This member was erased on %s.":                                        "이 회원은 %s에 삭제되었습니다.",
		"Data copy (JSON)":                                                     "데이터 사본(JSON)",
		"Data copy (CSV)":                                                      "데이터 사본(CSV)",
	})
}
