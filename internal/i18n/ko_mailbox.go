package i18n

// Korean text of the built-in mailbox: its pages, the banner of every admin
// page and the dashboard's mail status.
func init() {
	Register(map[string]string{
		"Mailbox":               "메일함",
		"Open the mailbox":      "메일함 열기",
		"How to send real mail": "실제 메일 보내는 방법",
		"Mail is not leaving this machine: with no SMTP relay set, fanmail keeps every mail in its built-in mailbox.": "메일이 이 서버 밖으로 나가지 않습니다. SMTP 릴레이가 설정되지 않아 모든 메일을 내장 메일함에 보관합니다.",
		"Mail is not leaving this machine: it is printed to the console (FANMAIL_SMTP_URL=console).":                  "메일이 이 서버 밖으로 나가지 않습니다. 콘솔에 출력만 합니다(FANMAIL_SMTP_URL=console).",
		"Mail goes out through the SMTP relay.":                                 "메일은 SMTP 릴레이를 통해 발송됩니다.",
		"Mail is kept in the built-in mailbox and does not leave this machine.": "메일은 내장 메일함에 보관되며 이 서버 밖으로 나가지 않습니다.",
		"Mail is printed to the console and does not leave this machine.":       "메일은 콘솔에 출력만 되며 이 서버 밖으로 나가지 않습니다.",
		"No SMTP relay is set, so every mail fanmail sends (confirmations, sign-in links, orders, chips, surveys, campaigns, test mails) is kept here instead of leaving this machine. It counts as sent: once a relay is set, new mail goes out and mail kept here is never sent.": "SMTP 릴레이가 설정되지 않아 fanmail이 보내는 모든 메일(가입 확인, 로그인 링크, 주문, 칩, 설문, 캠페인, 테스트 메일)이 이 서버 밖으로 나가지 않고 여기에 보관됩니다. 보관된 메일은 발송된 것으로 처리되므로, 릴레이를 설정하면 새 메일부터 실제로 발송되고 여기 있는 메일은 다시 발송되지 않습니다.",
		"Mail goes out through the SMTP relay. The mailbox keeps what was sent before the relay was set.": "메일은 SMTP 릴레이를 통해 발송됩니다. 메일함에는 릴레이를 설정하기 전에 보낸 메일이 남아 있습니다.",
		"recipient or subject": "받는 사람 또는 제목",
		"%d older mails were removed to keep the mailbox small (FANMAIL_MAILBOX_KEEP).": "메일함 크기를 유지하려고 오래된 메일 %d통을 삭제했습니다(FANMAIL_MAILBOX_KEEP).",
		"Received":          "받은 시각",
		"no subject":        "제목 없음",
		"Older mails":       "이전 메일",
		"No mail matches.":  "검색 결과가 없습니다.",
		"No mail yet.":      "아직 메일이 없습니다.",
		"Sending real mail": "실제 메일 발송",
		"Set FANMAIL_SMTP_URL to your SMTP relay and restart fanmail, for example:":                                                                                                                 "FANMAIL_SMTP_URL에 SMTP 릴레이를 지정하고 fanmail을 다시 시작하세요. 예:",
		"smtps:// for implicit TLS on port 465; percent-encode special characters in the user name and password. FANMAIL_CAMPAIGN_SMTP_URLS spreads campaigns over several relays. See the README.": "465번 포트의 암시적 TLS에는 smtps://를 쓰고, 사용자 이름과 비밀번호의 특수 문자는 퍼센트 인코딩하세요. FANMAIL_CAMPAIGN_SMTP_URLS로 캠페인을 여러 릴레이에 나눠 보낼 수 있습니다. 자세한 내용은 README를 참고하세요.",
		"Download the raw message (.eml)": "원본 메일 내려받기(.eml)",
		"Headers":                         "헤더",
		"The mailbox is not available on this server.": "이 서버에서는 메일함을 사용할 수 없습니다.",
		"This parameter must be raw or json.":          "이 값은 raw 또는 json이어야 합니다.",
		"Mailbox message not found.":                   "메일함에 없는 메일입니다.",
	})
}
