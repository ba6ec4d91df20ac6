package i18n

func init() {
	// Labels of the root package's enums (label.go): consent purposes in the
	// words of the Network Act (광고성 정보) and PIPA (수집·이용), then
	// sources, genders and member statuses.
	Register(map[string]string{
		"Terms of service":                           "이용약관",
		"Collection and use of personal information": "개인정보 수집·이용",
		"Advertising by e-mail":                      "이메일 광고성 정보 수신",
		"Advertising by SMS":                         "문자 광고성 정보 수신",
		"SMS advertising at night (21:00–08:00)":     "야간 문자 광고성 정보 수신 (21:00~08:00)",

		"Website":                    "웹사이트",
		"Shop":                       "매장",
		"Import":                     "가져오기",
		"API":                        "API",
		"Staff":                      "직원",
		"Unsubscribe link in a mail": "메일의 수신 거부 링크",

		"Female":    "여성",
		"Male":      "남성",
		"Other":     "기타",
		"Not given": "미입력",

		"Pending":  "확인 대기",
		"Active":   "활성",
		"Inactive": "비활성",
	})
}
