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
	})
}
