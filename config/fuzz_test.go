package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duban/config"
)

// FuzzLoad feeds arbitrary files and environments to Load. Load must never
// panic, and whatever it accepts must print (Redacted) to a file it accepts
// again.
func FuzzLoad(f *testing.F) {
	example, err := os.ReadFile(examplePath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example), "")
	f.Add(base, "DUBAN_MAIL__SMTP__PORT=1025\nDUBAN_POLICY__LEAD_DAYS=5,2")
	f.Add(withSecrets, "DUBAN_ADMIN_PASSWORD=x")
	f.Add(base+"[jobs.summary]\nschedule = \"TZ=\"\n", "")
	f.Add("units = [{code = \"a\", emails = [1]}, 2]\n[[duties]]\nunits = \"*\"", "DUBAN_UNITS__X=1")
	f.Add("[a]\nb.c = [[1], {d = 2}]\n[[a.e]]\n[a.e.f]\n", "DUBAN_A__B__C=1")
	f.Add("\ufeff[mail]\nfrom = \"\"\"x\n\"\"\"", "DUBAN_=1\nDUBAN___=2")

	f.Fuzz(func(t *testing.T, body, env string) {
		path := filepath.Join(t.TempDir(), "duban.toml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(path, strings.Split(env, "\n"))
		if err != nil {
			if err.Error() == "" {
				t.Error("empty error message")
			}
			return
		}
		if c.Mail.SMTP.PasswordFile != "" {
			return // the printed form names both the file and a password
		}
		again := filepath.Join(t.TempDir(), "again.toml")
		if err := os.WriteFile(again, []byte(c.Redacted()), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := config.Load(again, nil); err != nil {
			t.Errorf("Redacted output does not load: %v\n%s", err, c.Redacted())
		}
	})
}
