package config

import (
	"io"
	"testing"
)

func TestLoad(t *testing.T) {
	env := map[string]string{"FANMAIL_DATABASE_URL": "postgres://db.example/fanmail", "FANMAIL_HTTP_ADDR": ":9090"}
	getenv := func(k string) string { return env[k] }

	t.Run("Defaults", func(t *testing.T) {
		c, _, err := Load("serve", nil, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.HTTPAddr != ":8080" || c.DatabaseURL != "sqlite:fanmail.db" || c.BaseURL != "http://localhost:8080" || c.SMTPURL != "" {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("EnvironmentThenFlags", func(t *testing.T) {
		c, rest, err := Load("serve", []string{"--http-addr", ":7070", "--no-demo", "extra"}, getenv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.HTTPAddr != ":7070" || c.DatabaseURL != "postgres://db.example/fanmail" || !c.NoDemo {
			t.Errorf("got %+v", c)
		}
		if len(rest) != 1 || rest[0] != "extra" {
			t.Errorf("rest = %v", rest)
		}
	})
	t.Run("ErrBadAgeBands", func(t *testing.T) {
		if _, _, err := Load("serve", []string{"--age-bands", "20-10"}, getenv, io.Discard); err == nil {
			t.Error("want error for descending band")
		}
	})
	t.Run("ErrBadBaseURL", func(t *testing.T) {
		if _, _, err := Load("serve", []string{"--base-url", "ftp://x"}, getenv, io.Discard); err == nil {
			t.Error("want error for ftp base URL")
		}
	})
}
