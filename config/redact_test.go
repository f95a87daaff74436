package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"duban/config"
)

const withSecrets = base + `
[database]
url = "postgres://duban:pg-Secret1@db.example.org/duban?sslmode=disable&password=pg-Secret2"

[mail.smtp]
host = "smtp.exmail.qq.com"
tls = "tls"
username = "zgb@zgh.example.org"
password = "smtp-Secret3"

[admin]
password_hash = "hash-Secret4"
`

func TestRedactedHidesSecrets(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, withSecrets, "DUBAN_ADMIN_PASSWORD=admin-Secret5")
	out := c.Redacted()
	if strings.Contains(out, "Secret") {
		t.Fatalf("Redacted() shows a secret:\n%s", out)
	}
	for _, want := range []string{
		"url = 'postgres://duban:******@db.example.org/duban?sslmode=disable&password=******'",
		"password = '******'",
		"password_hash = '******'",
		"username = 'zgb@zgh.example.org'",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Redacted() lacks %q:\n%s", want, out)
		}
	}
	// The secrets themselves are untouched.
	if c.Mail.SMTP.Password != "smtp-Secret3" || c.Admin.Password != "admin-Secret5" {
		t.Errorf("Redacted changed the config: %q %q", c.Mail.SMTP.Password, c.Admin.Password)
	}
}

func TestRedactedUnsetSecretsAreEmpty(t *testing.T) {
	t.Parallel()
	out := mustLoad(t, base).Redacted()
	if strings.Contains(out, "******") {
		t.Errorf("Redacted() marks an unset secret as set:\n%s", out)
	}
	for _, want := range []string{"password = ''", "password_hash = ''", "url = 'sqlite:duban.db'"} {
		if !strings.Contains(out, want) {
			t.Errorf("Redacted() lacks %q", want)
		}
	}
}

// TestRedactedLoadsAgain checks that the printed config is complete: loading
// it gives the same config, secrets aside.
func TestRedactedLoadsAgain(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile(filepath.Join("..", "config.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"base": base, "secrets": withSecrets, "example": string(example)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			first := mustLoad(t, body)
			second := mustLoad(t, first.Redacted())
			for _, c := range []*config.Config{first, second} {
				c.Location = nil
				c.Database.URL = ""
				c.Mail.SMTP.Password = ""
				c.Admin.PasswordHash = ""
			}
			if !reflect.DeepEqual(first, second) {
				t.Errorf("config changed through Redacted:\nfirst  %+v\nsecond %+v", first, second)
			}
		})
	}
}

func TestRedactedDatabaseURLs(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, want string }{
		{"sqlite:duban.db", "sqlite:duban.db"},
		{"postgres://duban@db/duban?sslmode=disable", "postgres://duban@db/duban?sslmode=disable"},
		{"postgres://duban:pa%40ss@db/duban", "postgres://duban:******@db/duban"},
		{"postgresql://:pw@db/duban", "postgresql://:******@db/duban"},
		{"postgres://db/duban?user=duban&Password=pw", "postgres://db/duban?user=duban&Password=******"},
		{"postgres://duban:pw@db:bad/duban", "******"},
		{"postgres://db/duban?pass%77ord=pw", "postgres://db/duban?pass%77ord=******"},
		{"postgres://db/duban?PASSWORD=pw&sslmode=disable", "postgres://db/duban?PASSWORD=******&sslmode=disable"},
		{"postgres://db/duban?sslmode=disable;password=pw", "postgres://db/duban?sslmode=disable&password=******"},
		{"postgres://db/duban?sslpassword=pw", "postgres://db/duban?sslpassword=******"},
		{"postgres://db/duban?%70assword=pw", "postgres://db/duban?%70assword=******"},
		{"postgres://db/duban?pass%zzword=pw", "postgres://db/duban?pass%zzword=******"},
		{"postgres://u:p@ss@db/duban?x=1", "postgres://u:******@db/duban?x=1"},
	}
	for _, tt := range tests {
		c := &config.Config{Database: config.DatabaseConfig{URL: tt.url}}
		if out := c.Redacted(); !strings.Contains(out, "url = '"+tt.want+"'") {
			t.Errorf("Redacted() of %q:\n%s\nwant url = %q", tt.url, out, tt.want)
		}
	}
}
