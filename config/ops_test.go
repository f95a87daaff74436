package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"duban/config"
)

func TestOperationsKnobs(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, base)
	if c.Mail.Lease.Duration != 2*time.Minute || c.Mail.PollEvery != 30*time.Second || c.Mail.RetryBase.Duration != time.Minute {
		t.Errorf("defaults: lease %s, poll every %s, retry_base %s; want 2m, 30s, 1m", c.Mail.Lease, c.Mail.PollEvery, c.Mail.RetryBase)
	}
	if c.Heartbeat.URL != "" || c.Heartbeat.Timeout.Duration != 10*time.Second {
		t.Errorf("heartbeat defaults = %+v", c.Heartbeat)
	}
	c = mustLoad(t, base+"\n[heartbeat]\nurl = \"https://hc.example.org/ping/abc\"\ntimeout = \"3s\"\n",
		"DUBAN_MAIL__LEASE=10s", "DUBAN_MAIL__RETRY_BASE=1s")
	if c.Mail.Lease.Duration != 10*time.Second || c.Mail.PollEvery != 5*time.Second || c.Mail.RetryBase.Duration != time.Second {
		t.Errorf("lease %s, poll every %s, retry_base %s; want 10s, 5s, 1s", c.Mail.Lease, c.Mail.PollEvery, c.Mail.RetryBase)
	}
	if c.Heartbeat.URL != "https://hc.example.org/ping/abc" || c.Heartbeat.Timeout.Duration != 3*time.Second {
		t.Errorf("heartbeat = %+v", c.Heartbeat)
	}
}

// TestDeliveryLeaseDerived checks the effective lease and idle poll when
// the file leaves the lease at 0s.
func TestDeliveryLeaseDerived(t *testing.T) {
	t.Parallel()
	smtp := []string{"DUBAN_MAIL__TRANSPORT=smtp", "DUBAN_MAIL__SMTP__HOST=smtp.example.org"}
	for _, tc := range []struct {
		name             string
		env              []string
		lease, pollEvery time.Duration
	}{
		{"outbox", nil, 2 * time.Minute, 30 * time.Second},
		{"smtp: four times the timeout", append(smtp, "DUBAN_MAIL__SMTP__TIMEOUT=5s"), 20 * time.Second, 10 * time.Second},
		{"smtp, long timeout: poll at most every 30s", smtp, 2 * time.Minute, 30 * time.Second},
		{"short lease: poll at least every second", []string{"DUBAN_MAIL__LEASE=1500ms"}, 1500 * time.Millisecond, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustLoad(t, base, tc.env...)
			if c.Mail.Lease.Duration != tc.lease || c.Mail.PollEvery != tc.pollEvery {
				t.Errorf("lease %s, poll every %s; want %s, %s", c.Mail.Lease, c.Mail.PollEvery, tc.lease, tc.pollEvery)
			}
		})
	}
}

func TestOperationsKnobErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, extra string
		want        string
	}{
		{"lease too short", "DUBAN_MAIL__LEASE=10ms", "environment DUBAN_MAIL__LEASE: mail.lease: must be 1s or more (or 0s: four times mail.smtp.timeout), got 10ms"},
		{"retry base zero", "DUBAN_MAIL__RETRY_BASE=0s", "environment DUBAN_MAIL__RETRY_BASE: mail.retry_base: must be positive, got 0s"},
		{"heartbeat scheme", "DUBAN_HEARTBEAT__URL=ftp://hc.example.org/x", `environment DUBAN_HEARTBEAT__URL: heartbeat.url: want an http:// or https:// URL, got scheme "ftp"`},
		{"heartbeat relative", "DUBAN_HEARTBEAT__URL=/ping", `heartbeat.url: want an http:// or https:// URL, got scheme ""`},
		{"heartbeat no host", "DUBAN_HEARTBEAT__URL=https:///ping", "heartbeat.url: has no host: want like https://hc-ping.com/UUID"},
		{"heartbeat bad url", "DUBAN_HEARTBEAT__URL=http://a b.example/", "heartbeat.url: invalid URL: invalid character \" \" in host name"},
		{"heartbeat timeout", "DUBAN_HEARTBEAT__TIMEOUT=0s", "heartbeat.timeout: must be positive, got 0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := load(t, base, tc.extra)
			findError(t, err, []string{tc.want})
		})
	}
}

func TestHeartbeatURLRedacted(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, base+"\n[heartbeat]\nurl = \"https://monitor:hb-Secret9@hc.example.org/ping?token=hb-Secret9\"\n")
	out := c.Redacted()
	for _, secret := range []string{"hb-Secret9", "monitor", "/ping"} {
		if strings.Contains(out, secret) {
			t.Fatalf("Redacted() shows %q of the heartbeat URL:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "url = 'https://hc.example.org/******'") {
		t.Errorf("Redacted() lacks the redacted heartbeat url:\n%s", out)
	}
}

func TestConfigFileSizeLimit(t *testing.T) {
	t.Parallel()
	body := base + "\n# " + strings.Repeat("x", config.MaxFileSize) + "\n"
	_, path, err := load(t, body)
	if err == nil || err.Error() != path+": config file is larger than the 1 MiB limit" {
		t.Fatalf("Load of a %d-byte file: %v", len(body), err)
	}
}

func TestWarnsWhenOthersMayReadPasswords(t *testing.T) {
	t.Parallel()
	withAdmin := base + "\n[admin]\npassword = \"adm-Secret7\"\n"
	pwFile := filepath.Join(t.TempDir(), "smtp.pw")
	if err := os.WriteFile(pwFile, []byte("pw-Secret8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	withPwFile := base + "\n[mail.smtp]\nhost = \"smtp.example.org\"\npassword_file = \"" + pwFile + "\"\n"
	for _, tc := range []struct {
		name string
		body string
		env  []string
		mode os.FileMode
		want []string // substrings of the one warning; nil = no warning
	}{
		{"secret, private file", withAdmin, nil, 0o600, nil},
		{"secret, group-readable", withAdmin, nil, 0o640, []string{"is readable by group or others (mode 0640) and holds secrets (admin.password)"}},
		{"secret, world-readable", withAdmin, nil, 0o644, []string{"(mode 0644) and holds secrets (admin.password)", "chmod 600"}},
		{"database password", base + "\n[database]\nurl = \"postgres://u:db-Secret@h/d\"\n", nil, 0o644, []string{"holds secrets (database.url)"}},
		{"database password in the query", base + "\n[database]\nurl = \"postgres://u@h/d?PASSWORD=db-Secret\"\n", nil, 0o644, []string{"holds secrets (database.url)"}},
		{"database password spelt in percent codes", base + "\n[database]\nurl = \"postgres://u@h/d?pass%77ord=db-Secret\"\n", nil, 0o644, []string{"holds secrets (database.url)"}},
		{"database url without a password", base + "\n[database]\nurl = \"postgres://u@h/d?sslmode=disable\"\n", nil, 0o644, nil},
		{"heartbeat url", base + "\n[heartbeat]\nurl = \"https://hc.example.org/ping/hb-Secret\"\n", nil, 0o644, []string{"holds secrets (heartbeat.url)"}},
		{"no secret in the file", base, []string{"DUBAN_ADMIN_PASSWORD=env-Secret"}, 0o644, nil},
		{"readable password file", withPwFile, nil, 0o600, []string{"mail.smtp.password_file " + pwFile + " is readable by group or others (mode 0644)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeConfig(t, tc.body)
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			c, err := config.Load(path, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil {
				if len(c.Warnings) != 0 {
					t.Fatalf("warnings %q, want none", c.Warnings)
				}
				return
			}
			if len(c.Warnings) != 1 || !containsAll(c.Warnings[0], tc.want) {
				t.Fatalf("warnings %q, want one with %q", c.Warnings, tc.want)
			}
			for _, w := range c.Warnings {
				if strings.Contains(w, "-Secret") {
					t.Errorf("warning shows a secret: %s", w)
				}
			}
		})
	}
}
