package web

import (
	"testing"

	"duban/config"
)

func TestCheckAccess(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		admin config.AdminConfig
		ok    bool
	}{
		{config.AdminConfig{Listen: "127.0.0.1:8080"}, true},
		{config.AdminConfig{Listen: "0.0.0.0:8080"}, false},
		{config.AdminConfig{Listen: ":8080", Password: "x"}, true},
		{config.AdminConfig{Listen: "127.0.0.1:8080", PasswordHash: "not a hash"}, false},
	} {
		if err := CheckAccess(tt.admin); (err == nil) != tt.ok {
			t.Errorf("CheckAccess(%+v) = %v, want ok %v", tt.admin, err, tt.ok)
		}
	}
}
