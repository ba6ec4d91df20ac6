package i18n

// Messages of the campaign engine (internal/campaign, the campaign vocabulary
// of the root package and the campaign store). Template errors name a line;
// the reasons Go's template parser gives ("unexpected EOF") stay English.
func init() {
	Register(map[string]string{
		"Template line %d: %s.":  "템플릿 %d번째 줄: %s.",
		"Subject line %d: %s.":   "제목 %d번째 줄: %s.",
		"Template: %s.":          "템플릿: %s.",
		"Subject: %s.":           "제목: %s.",
		"unknown merge field %s": "알 수 없는 병합 필드 %s",
		"member fields can only be printed, as in {{.Member.Name}} or {{default \"고객\" .Member.Name}}": "회원 필드는 {{.Member.Name}} 또는 {{default \"고객\" .Member.Name}}처럼 출력만 할 수 있습니다",
		"{{template}} is not supported":                                     "{{template}}은 지원하지 않습니다",
		"conditions and loops cannot use member fields":                     "조건문과 반복문에는 회원 필드를 쓸 수 없습니다",
		"unknown brand %q":                                                  "알 수 없는 브랜드 %q",
		"unknown shelf %q (use new, previous, sale or \"\")":                "알 수 없는 진열대 %q (new, previous, sale 또는 \"\")",
		"Sender name is required.":                                          "발신자 이름을 입력하세요.",
		"From name is required.":                                            "보내는 사람 이름을 입력하세요.",
		"Sender kind must be brand, shop or centre.":                        "발신자 종류는 브랜드, 매장 또는 센터여야 합니다.",
		"From address is not valid.":                                        "보내는 주소가 올바르지 않습니다.",
		"Reply-to address is not valid.":                                    "회신 주소가 올바르지 않습니다.",
		"Sender not found.":                                                 "발신자를 찾을 수 없습니다.",
		"This sender is used by a campaign.":                                "캠페인이 이 발신자를 쓰고 있어 삭제할 수 없습니다.",
		"Campaign name is required.":                                        "캠페인 이름을 입력하세요.",
		"Campaign kind must be marketing or transactional.":                 "캠페인 종류는 마케팅 또는 거래 안내여야 합니다.",
		"A transactional mail cannot be an advertisement.":                  "거래 안내 메일은 광고일 수 없습니다.",
		"Subject is too long.":                                              "제목이 너무 깁니다.",
		"Subject must be one line.":                                         "제목은 한 줄이어야 합니다.",
		"Unknown time zone.":                                                "알 수 없는 시간대입니다.",
		"Only a draft can be scheduled.":                                    "임시 저장 상태의 캠페인만 예약할 수 있습니다.",
		"Only a draft can be changed.":                                      "임시 저장 상태의 캠페인만 고칠 수 있습니다.",
		"Subject is required.":                                              "제목을 입력하세요.",
		"The mail has no content.":                                          "메일 본문이 없습니다.",
		"Choose a sender.":                                                  "발신자를 고르세요.",
		"The send time is in the past.":                                     "발송 시각이 이미 지났습니다.",
		"Campaign not found.":                                               "캠페인을 찾을 수 없습니다.",
		"Nobody is in the audience of this campaign.":                       "이 캠페인을 받을 회원이 없습니다.",
		"The campaign's status has changed; reload and try again.":          "캠페인 상태가 바뀌었습니다. 새로 고친 뒤 다시 시도하세요.",
		"No SMTP server is configured for campaigns.":                       "캠페인용 SMTP 서버가 설정되지 않았습니다.",
		"The SMTP server could not be reached.":                             "SMTP 서버에 연결할 수 없습니다.",
		"The SMTP server refused the test mail.":                            "SMTP 서버가 테스트 메일을 거부했습니다.",
		"The mail has no unsubscribe link. Add {{footer}} to the template.": "메일에 수신거부 링크가 없습니다. 템플릿에 {{footer}}를 넣으세요.",
		"An advertisement must show the sender's name, address and phone. Add {{footer}} to the template.": "광고 메일에는 발신자 이름, 주소, 연락처가 있어야 합니다. 템플릿에 {{footer}}를 넣으세요.",
		"The sender has no address; an advertisement must show it.":                                        "발신자 주소가 없습니다. 광고 메일에는 주소가 있어야 합니다.",
		"The sender has no phone number; an advertisement must show it.":                                   "발신자 연락처가 없습니다. 광고 메일에는 연락처가 있어야 합니다.",
		"The sender has no name; an advertisement must show it.":                                           "발신자 이름이 없습니다. 광고 메일에는 이름이 있어야 합니다.",
	})
}
