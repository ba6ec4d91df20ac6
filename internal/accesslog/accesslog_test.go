package accesslog_test

import (
	"testing"

	"github.com/fanmail/fanmail/internal/accesslog"
)

func TestFilterTarget(t *testing.T) {
	for _, tc := range []struct {
		q, want string
	}{
		{"김지우", "q=김지우 status=active members:3,5"},
		{"jiwoo@example.com", "q=(e-mail address) status=active members:3,5"},
		{"010-1234-5678", "q=(phone number) status=active members:3,5"},
		{"", "status=active members:3,5"},
	} {
		got := accesslog.FilterTarget([][2]string{{"q", tc.q}, {"brand", "0"}, {"status", "active"}}, []int64{3, 5})
		if got != tc.want {
			t.Errorf("FilterTarget(q=%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
	ids := make([]int64, 250)
	if got := accesslog.MembersTarget(ids); len(got) > 8+2*200+4 {
		t.Errorf("MembersTarget of 250 ids is %d bytes long", len(got))
	}
}
