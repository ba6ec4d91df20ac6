package email

import "testing"

func TestRedact(t *testing.T) {
	tests := []struct{ in, password, want string }{
		{"550 5.1.1 <jin72@example.com>: no such user", "", "550 5.1.1 <[address]>: no such user"},
		{"535 bad password s3cretpw for mailer@fanmail.example", "s3cretpw", "535 bad password xxxxx for [address]"},
		{"dial tcp 127.0.0.1:1: connection refused", "p", "dial tcp 127.0.0.1:1: connection refused"},
	}
	for _, tt := range tests {
		if got := redact(tt.in, tt.password); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsHardBounce(t *testing.T) {
	reply := func(at string, code int, enhanced string) error {
		return refused(at, &Error{Code: code, Enhanced: enhanced, Temporary: code < 500})
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"no such user at RCPT", reply("RCPT", 550, "5.1.1"), true},
		{"no enhanced code at RCPT", reply("RCPT", 550, ""), true},
		{"mailbox disabled after the data", reply("DATA", 550, "5.2.1"), true},
		{"no such user after the data", reply("DATA", 550, "5.1.1"), true},
		{"no enhanced code after the data", reply("DATA", 554, ""), true},
		{"mailbox full", reply("RCPT", 552, "5.2.2"), false},
		{"too big for the mailbox", reply("DATA", 552, "5.2.3"), false},
		{"message too big", reply("DATA", 552, "5.3.4"), false},
		{"spam", reply("DATA", 554, "5.7.1"), false},
		{"relaying denied", reply("RCPT", 554, "5.7.1"), false},
		{"greylisted", reply("RCPT", 451, "4.7.1"), false},
		{"sender refused", reply("MAIL", 550, "5.1.8"), false},
		{"connection lost", &Error{Temporary: true, msg: "smtp connection lost"}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := IsHardBounce(tt.err); got != tt.want {
			t.Errorf("%s: IsHardBounce = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEnhancedStatus(t *testing.T) {
	for in, want := range map[string]string{
		"5.1.1 No such user here": "5.1.1",
		"4.7.1 Greylisted":        "4.7.1",
		"5.7.26 DMARC":            "5.7.26",
		"No such user":            "",
		"550 5.1.1 x":             "",
		"5.1 x":                   "",
		"":                        "",
	} {
		if got := enhancedStatus(in); got != want {
			t.Errorf("enhancedStatus(%q) = %q, want %q", in, got, want)
		}
	}
}
