package web

import (
	"errors"
	"testing"
	"time"

	"duban/config"
	"duban/store"
	"duban/store/storetest"
)

func TestCheckAccess(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		for _, tt := range []struct {
			admin config.AdminConfig
			ok    bool
		}{
			{config.AdminConfig{Listen: "127.0.0.1:8080"}, true},
			{config.AdminConfig{Listen: "0.0.0.0:8080"}, false},
			{config.AdminConfig{Listen: ":8080", Password: "x"}, true},
		} {
			if err := CheckAccess(ctx, tt.admin, st); (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrOpenToNetwork)) {
				t.Errorf("CheckAccess(%+v) = %v, want ok %v", tt.admin, err, tt.ok)
			}
		}
		// An account that may log in closes the console without the
		// bootstrap password; a disabled one does not.
		by := store.Actor{Name: "root", Kind: store.ActorCLI}
		if err := st.AddUser(ctx, store.User{Name: "zhang", Role: store.RoleAdmin, PasswordHash: "$2a$10$x"}, by, asOf); err != nil {
			t.Fatal(err)
		}
		if err := CheckAccess(ctx, config.AdminConfig{Listen: "0.0.0.0:8080"}, st); err != nil {
			t.Errorf("CheckAccess with an account: %v", err)
		}
		if err := st.SetUserDisabled(ctx, "zhang", true, by, asOf.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := CheckAccess(ctx, config.AdminConfig{Listen: "0.0.0.0:8080"}, st); !errors.Is(err, ErrOpenToNetwork) {
			t.Errorf("CheckAccess with the only account disabled: %v", err)
		}
	})
}
