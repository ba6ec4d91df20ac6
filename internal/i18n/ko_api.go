package i18n

// Korean for the JSON API's own errors (internal/web/api).
func init() {
	Register(map[string]string{
		"Send an API token in the Authorization header: Bearer <token>.":  "Authorization 헤더에 API 토큰을 보내 주세요: Bearer <토큰>.",
		"The API token's role may not do this.":                           "이 API 토큰의 역할로는 이 작업을 할 수 없습니다.",
		"Send the request body as JSON (Content-Type: application/json).": "요청 본문을 JSON으로 보내 주세요(Content-Type: application/json).",
		"The request body must hold a single JSON object.":                "요청 본문에는 JSON 객체 하나만 있어야 합니다.",
		"The request body is too large.":                                  "요청 본문이 너무 큽니다.",
		"The request body is empty; send a JSON object.":                  "요청 본문이 비어 있습니다. JSON 객체를 보내 주세요.",
		"The request body is not valid JSON.":                             "요청 본문이 올바른 JSON이 아닙니다.",
		"The request body must be a JSON object.":                         "요청 본문은 JSON 객체여야 합니다.",
		"This field has the wrong type.":                                  "이 필드의 값 형식이 맞지 않습니다.",
		"Unknown field.":                                                  "알 수 없는 필드입니다.",
		"This parameter must be a whole number.":                          "이 매개변수는 정수여야 합니다.",
		"This parameter must be true or false.":                           "이 매개변수는 true 또는 false여야 합니다.",
		"The limit must be between 1 and 200.":                            "limit는 1에서 200 사이여야 합니다.",
		"Send brand_ids, an array of brand ids ([] for none).":            "brand_ids에 브랜드 ID 배열을 보내 주세요(없으면 []).",
		"Unknown shelf; use new, previous or sale.":                       "알 수 없는 진열대입니다. new, previous, sale 중 하나를 쓰세요.",
		"There is no such API endpoint.":                                  "그런 API 엔드포인트가 없습니다.",
		"This endpoint does not accept this HTTP method.":                 "이 엔드포인트는 이 HTTP 메서드를 받지 않습니다.",
		"Member not found.":                                               "회원을 찾을 수 없습니다.",
	})
}
