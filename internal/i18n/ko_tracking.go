package i18n

// Korean text of the tracking endpoints: unsubscribe pages, bounces, webhooks,
// the suppression list.
func init() {
	Register(map[string]string{
		"Unsubscribe":  "수신 거부",
		"Unsubscribed": "수신 거부 완료",
		"This unsubscribe link is not valid. Please use the link in the most recent e-mail you received.": "올바르지 않은 수신 거부 링크입니다. 가장 최근에 받은 메일의 링크를 이용해 주세요.",
		"You are unsubscribed: you will no longer receive marketing e-mail from us.":                      "수신 거부되었습니다. 앞으로 광고성 메일을 보내 드리지 않습니다.",
		"You received this e-mail from %s.":                                                               "%s에서 보낸 메일입니다.",
		"This link came in a test mail, so there is no one to unsubscribe and nothing was changed. In the campaign's mail, the same link unsubscribes the member it was sent to.": "테스트 메일의 링크라 수신거부할 회원이 없으며 아무것도 바뀌지 않았습니다. 실제 캠페인 메일에서는 같은 링크로 받는 회원이 수신거부됩니다.",
		"Do you want to stop receiving marketing e-mail from us? Mail you need for your membership or orders will still reach you.":                                               "광고성 메일 수신을 거부하시겠습니까? 회원 가입이나 주문과 관련된 안내 메일은 계속 받으실 수 있습니다.",
		"If you want to keep receiving our news, simply close this page.":                                                                                                         "계속 소식을 받으시려면 이 페이지를 닫으시면 됩니다.",
		"Changed your mind? You can agree to marketing e-mail again on your member page.":                                                                                         "마음이 바뀌셨나요? 마이페이지에서 언제든 광고성 메일 수신에 다시 동의하실 수 있습니다.",
		"The service is shutting down; try again.":                                                                                                                                "서비스를 종료하는 중입니다. 잠시 후 다시 시도해 주세요.",
		"Unknown bounce type.":                                      "알 수 없는 반송 유형입니다.",
		"A bounce needs a send token or an address.":                "반송 정보에는 발송 토큰이나 메일 주소가 있어야 합니다.",
		"The webhook body is not valid JSON of the expected shape.": "웹훅 본문이 올바른 형식의 JSON이 아닙니다.",
		"Too many events in one webhook request.":                   "웹훅 요청 하나에 이벤트가 너무 많습니다.",
		"The webhook signature is missing or wrong.":                "웹훅 서명이 없거나 올바르지 않습니다.",
		"The webhook body is too large.":                            "웹훅 본문이 너무 큽니다.",
		"The webhook body could not be read.":                       "웹훅 본문을 읽을 수 없습니다.",
		"This address is not suppressed.":                           "수신 차단 목록에 없는 주소입니다.",
		"No bounces recorded for this address.":                     "이 주소의 반송 기록이 없습니다.",
		"Enter an e-mail address.":                                  "메일 주소를 입력해 주세요.",
	})
}
