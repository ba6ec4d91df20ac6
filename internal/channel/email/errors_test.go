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
