package survey

import "testing"

func TestMarkedText_Fill(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"no markers", "no markers"},
		{nameMarker, "지수"},
		{"Dear " + nameMarker + ", answer at /s/" + tokenMarker + "?q=1 or /s/" + tokenMarker + ". " + nameMarker + "!",
			"Dear 지수, answer at /s/TOK?q=1 or /s/TOK. 지수!"},
		{tokenMarker + tokenMarker + nameMarker, "TOKTOK지수"},
	} {
		if got := splitMarkers(tc.in).fill("지수", "TOK"); got != tc.want {
			t.Errorf("fill(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
