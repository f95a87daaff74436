package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLinkKeys(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, base)
	if c.Admin.LinkTTL.Duration != 30*24*time.Hour || c.Admin.MaxUploadBytes() != 20<<20 || c.Admin.SecretKey != "" {
		t.Errorf("defaults: link_ttl %s, upload %d, key set %v", c.Admin.LinkTTL, c.Admin.MaxUploadBytes(), c.Admin.SecretKey != "")
	}
	key := strings.Repeat("k", 40)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c = mustLoad(t, base+"[admin]\nsecret_key_file = \""+keyFile+"\"\nlink_ttl = \"168h\"\nmax_upload_mb = 5\n")
	if c.Admin.SecretKey != key || c.Admin.LinkTTL.Duration != 7*24*time.Hour || c.Admin.MaxUploadBytes() != 5<<20 {
		t.Errorf("from the file: key %q, ttl %s, upload %d", c.Admin.SecretKey, c.Admin.LinkTTL, c.Admin.MaxUploadBytes())
	}
	env := mustLoad(t, base+"[admin]\nsecret_key_file = \"/no/such/file\"\n", "DUBAN_SECRET_KEY="+strings.Repeat("e", 32))
	if env.Admin.SecretKey != strings.Repeat("e", 32) {
		t.Errorf("DUBAN_SECRET_KEY did not win over the file")
	}
	if strings.Contains(env.Redacted(), strings.Repeat("e", 32)) {
		t.Error("Redacted prints the secret key")
	}
}

func TestLinkKeysRefused(t *testing.T) {
	t.Parallel()
	short := filepath.Join(t.TempDir(), "short")
	if err := os.WriteFile(short, []byte("too short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		body string
		env  []string
		want string
	}{
		{"link_ttl = \"10m\"\n", nil, "admin.link_ttl: must be between 1h and"},
		{"max_upload_mb = 0\n", nil, "admin.max_upload_mb: must be 1 to 100"},
		{"secret_key_file = \"" + short + "\"\n", nil, "admin.secret_key_file: the key in"},
		{"secret_key_file = \"/no/such/key\"\n", nil, "admin.secret_key_file: cannot read secret key file"},
		{"", []string{"DUBAN_SECRET_KEY=short"}, "admin.secret_key: has 5 characters: want at least 32"},
	} {
		_, _, err := load(t, base+"[admin]\n"+tt.body, tt.env...)
		e := findError(t, err, []string{tt.want})
		if strings.Contains(e.Error(), "too short") || strings.Contains(e.Error(), "=short") {
			t.Errorf("error quotes the key: %v", e)
		}
	}
}
