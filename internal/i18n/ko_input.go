package i18n

// Refusals of malformed input (web.CheckInput, web.CheckJSON).
func init() {
	Register(map[string]string{
		"The form is too large.":                                                       "양식의 내용이 너무 큽니다.",
		"The form or the address could not be read.":                                   "양식이나 주소를 읽을 수 없습니다.",
		"The request holds text that is not valid UTF-8 or contains a NUL character.":  "요청에 올바른 UTF-8이 아니거나 NUL 문자가 든 글이 있습니다.",
		"The field %s holds text that is not valid UTF-8 or contains a NUL character.": "%s 항목에 올바른 UTF-8이 아니거나 NUL 문자가 든 글이 있습니다.",
		"This field cannot be null.":                                                   "이 항목은 null일 수 없습니다.",
	})
}
