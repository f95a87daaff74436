package config_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"duban/config"
)

func TestAdminKeys(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, base+"[admin]\npublic_url = \"https://duban.example.org\"\ntrusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\", \"::1\"]\n")
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	if !slices.Equal(c.Admin.Proxies, want) {
		t.Errorf("proxies = %v, want %v", c.Admin.Proxies, want)
	}
	if !c.Admin.SecureCookies() {
		t.Error("an https public_url does not make the cookies Secure")
	}
	if mustLoad(t, base+"[admin]\npublic_url = \"http://10.1.2.3:8080/duban/\"\n").Admin.SecureCookies() {
		t.Error("an http public_url makes the cookies Secure")
	}
	env := mustLoad(t, base, "DUBAN_ADMIN__TRUSTED_PROXIES=192.168.0.0/16, 172.16.0.1")
	if len(env.Admin.Proxies) != 2 || env.Admin.Proxies[1] != netip.MustParsePrefix("172.16.0.1/32") {
		t.Errorf("proxies from the environment = %v", env.Admin.Proxies)
	}
}

func TestAdminKeysRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		line string
		want string
	}{
		{`public_url = "duban.example.org"`, `admin.public_url: want an http:// or https:// URL`},
		{`public_url = "ftp://duban.example.org"`, `admin.public_url: want an http:// or https:// URL`},
		{`public_url = "https://"`, `admin.public_url: has no host`},
		{`public_url = "https://duban.example.org/?next=x"`, `admin.public_url: want the console's address alone`},
		{`public_url = "https://user:pw@duban.example.org"`, `admin.public_url: want the console's address alone`},
		{`trusted_proxies = ["10.0.0.0/33"]`, `admin.trusted_proxies[0]: invalid address "10.0.0.0/33"`},
		{`trusted_proxies = ["127.0.0.1", "proxy.internal"]`, `admin.trusted_proxies[1]: invalid address "proxy.internal"`},
	} {
		_, _, err := load(t, base+"[admin]\n"+tt.line+"\n")
		e := findError(t, err, []string{tt.want})
		if e.Line == 0 {
			t.Errorf("%s: error names no line: %v", tt.line, e)
		}
	}
}

func TestCheckSecrets(t *testing.T) {
	t.Parallel()
	const hash = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	for _, tt := range []struct {
		name  string
		admin config.AdminConfig
		want  string // "" = accepted
	}{
		{"short password on loopback", config.AdminConfig{Listen: "127.0.0.1:8080", Password: "short"}, ""},
		{"short password off loopback", config.AdminConfig{Listen: "0.0.0.0:8080", Password: "short-pw"},
			"admin.password (DUBAN_ADMIN_PASSWORD): the password has 8 characters: use at least 10"},
		{"ten characters off loopback", config.AdminConfig{Listen: ":8080", Password: "督办-test-口令"}, ""},
		{"a bcrypt hash", config.AdminConfig{Listen: ":8080", PasswordHash: hash}, ""},
		{"not a hash", config.AdminConfig{Listen: "127.0.0.1:8080", PasswordHash: "plain-Secret-7"}, "admin.password_hash: not a bcrypt hash"},
		{"a truncated hash", config.AdminConfig{Listen: "127.0.0.1:8080", PasswordHash: hash[:40]}, "admin.password_hash: not a bcrypt hash"},
	} {
		err := tt.admin.CheckSecrets()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		case err != nil && (strings.Contains(err.Error(), "short-pw") || strings.Contains(err.Error(), "Secret")):
			t.Errorf("%s: the error quotes the secret: %v", tt.name, err)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for listen, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true, "127.0.0.2:80": true,
		"0.0.0.0:8080": false, ":8080": false, "192.168.1.10:8080": false, "[::]:8080": false, "duban.example:80": false,
		"nonsense": false,
	} {
		if got := config.IsLoopback(listen); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", listen, got, want)
		}
	}
}
