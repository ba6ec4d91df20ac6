package web_test

import (
	"bytes"
	"html/template"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/web"
)

// Times show in the company time zone with its label.
func TestTimeFuncs(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	tests := []struct {
		loc  *time.Location
		want string
	}{
		{seoul, "2026-03-01 19:00 KST|2026-03-01 19:00 KST|"},
		{tokyo, "2026-03-01 19:00 JST|2026-03-01 19:00 JST|"},
		{time.UTC, "2026-03-01 10:00 UTC|2026-03-01 10:00 UTC|"},
	}
	for _, tt := range tests {
		tmpl := template.Must(template.New("").Funcs(web.TimeFuncs(tt.loc)).Parse(`{{date .At}}|{{dateptr .Ptr}}|{{dateptr .Nil}}{{date .Zero}}`))
		var b bytes.Buffer
		err := tmpl.Execute(&b, struct {
			At, Zero time.Time
			Ptr, Nil *time.Time
		}{At: at, Ptr: &at})
		if err != nil || b.String() != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.loc, b.String(), err, tt.want)
		}
	}
}
