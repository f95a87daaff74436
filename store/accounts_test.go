package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"duban/store"
	"duban/store/storetest"
)

// console is an office user acting in the console, as the tests' actor.
var console = store.Actor{Name: "zhang", Kind: store.ActorUser, Addr: "192.0.2.7"}

// cliActor is a command on the server.
var cliActor = store.Actor{Name: "root", Kind: store.ActorCLI}

// auditOf lists the audit entries about one object, oldest first.
func auditOf(t *testing.T, s *store.Store, objectType, key string) []store.AuditEntry {
	t.Helper()
	entries, err := s.ListAudit(t.Context(), store.AuditFilter{ObjectType: objectType, ObjectKey: key})
	must(t, err)
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	return entries
}

func TestUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		active, err := s.HasActiveUsers(ctx)
		must(t, err)
		if active {
			t.Fatal("a new database has active users")
		}
		must(t, s.AddUser(ctx, store.User{Name: "李纪检", Role: store.RoleViewer, PasswordHash: "$2a$10$hash-one"}, cliActor, t0))
		must(t, s.AddUser(ctx, store.User{Name: "zhang", Role: store.RoleAdmin, PasswordHash: "$2a$10$hash-two"}, cliActor, t0))
		wantErr(t, s.AddUser(ctx, store.User{Name: "zhang", Role: store.RoleViewer, PasswordHash: "x"}, cliActor, t0), store.ErrConflict)
		for _, bad := range []store.User{
			{Name: "admin", Role: store.RoleAdmin, PasswordHash: "x"},
			{Name: "Admin", Role: store.RoleViewer, PasswordHash: "x"},
			{Name: "two words", Role: store.RoleViewer, PasswordHash: "x"},
			{Name: "", Role: store.RoleViewer, PasswordHash: "x"},
			{Name: "wang", Role: "owner", PasswordHash: "x"},
			{Name: "wang", Role: store.RoleViewer},
		} {
			if err := s.AddUser(ctx, bad, cliActor, t0); err == nil {
				t.Errorf("AddUser(%+v) accepted", bad)
			}
		}

		users, err := s.ListUsers(ctx)
		must(t, err)
		if len(users) != 2 || users[0].Name != "zhang" || users[1].Name != "李纪检" || users[1].Role != store.RoleViewer || users[1].Disabled {
			t.Fatalf("users = %+v", users)
		}
		sameTime(t, "PasswordChangedAt", users[0].PasswordChangedAt, t0)

		must(t, s.SetUserDisabled(ctx, "李纪检", true, cliActor, t0.Add(time.Minute)))
		u, err := s.GetUser(ctx, "李纪检")
		must(t, err)
		if !u.Disabled {
			t.Error("a disabled user is not disabled")
		}
		must(t, s.SetUserDisabled(ctx, "zhang", true, cliActor, t0.Add(time.Minute)))
		if active, err := s.HasActiveUsers(ctx); err != nil || active {
			t.Errorf("HasActiveUsers with every user disabled = %v, %v", active, err)
		}
		must(t, s.SetUserDisabled(ctx, "zhang", false, cliActor, t0.Add(2*time.Minute)))
		if active, err := s.HasActiveUsers(ctx); err != nil || !active {
			t.Errorf("HasActiveUsers with zhang enabled again = %v, %v", active, err)
		}

		must(t, s.SetUserPassword(ctx, "zhang", "$2a$10$hash-three", cliActor, t0.Add(time.Hour)))
		u, err = s.GetUser(ctx, "zhang")
		must(t, err)
		if u.PasswordHash != "$2a$10$hash-three" {
			t.Errorf("hash after passwd = %q", u.PasswordHash)
		}
		sameTime(t, "PasswordChangedAt after passwd", u.PasswordChangedAt, t0.Add(time.Hour))
		wantErr(t, s.SetUserPassword(ctx, "nobody", "$2a$10$x", cliActor, t0), store.ErrNotFound)
		wantErr(t, s.SetUserDisabled(ctx, "nobody", true, cliActor, t0), store.ErrNotFound)
		_, err = s.GetUser(ctx, "nobody")
		wantErr(t, err, store.ErrNotFound)

		// Each change is in the audit log, with who did it; no hash ever is.
		got := auditOf(t, s, store.ObjectUser, "zhang")
		want := []struct{ action, before, after string }{
			{store.ActionUserAdd, ``, `{"role":"admin","disabled":false}`},
			{store.ActionUserDisable, `{"role":"admin","disabled":false}`, `{"role":"admin","disabled":true}`},
			{store.ActionUserEnable, `{"role":"admin","disabled":true}`, `{"role":"admin","disabled":false}`},
			{store.ActionUserPasswd, ``, ``},
		}
		if len(got) != len(want) {
			t.Fatalf("audit of zhang: %+v", got)
		}
		for i, w := range want {
			e := got[i]
			if e.Action != w.action || e.Before != w.before || e.After != w.after || e.Actor != cliActor {
				t.Errorf("audit entry %d = %+v, want %+v by %+v", i, e, w, cliActor)
			}
			if strings.Contains(e.Before+e.After, "$2a$") {
				t.Errorf("audit entry %d shows a password hash: %+v", i, e)
			}
		}
	})
}

// An audit entry is written in the transaction of its change: a change
// whose entry cannot be recorded does not happen, and a refused change
// leaves no entry.
func TestAuditInTheWritesTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		queue(t, s, 0, t0, "a@example.org")
		d := claimOne(t, s)
		wantSettled(t, s, "w", t0, store.Outcome{ID: d.ID, State: store.StateFailed, Error: "550 no"})

		nobody := store.Actor{Name: "zhang"} // no kind: the entry cannot be recorded
		if err := s.RetryDispatch(ctx, d.ID, t0.Add(time.Hour), nobody); err == nil {
			t.Fatal("a retry without a valid actor succeeded")
		}
		if got, _ := s.GetDispatch(ctx, d.ID); got.State != store.StateFailed {
			t.Fatalf("a retry whose audit entry failed changed the dispatch to %s", got.State)
		}
		if err := s.AddUser(ctx, store.User{Name: "wang", Role: store.RoleViewer, PasswordHash: "x"}, nobody, t0); err == nil {
			t.Fatal("AddUser without a valid actor succeeded")
		}
		if _, err := s.GetUser(ctx, "wang"); err == nil {
			t.Fatal("a user was added although its audit entry failed")
		}

		must(t, s.RetryDispatch(ctx, d.ID, t0.Add(time.Hour), console))
		wantErr(t, s.RetryDispatch(ctx, d.ID, t0.Add(2*time.Hour), console), store.ErrConflict)
		key := fmt.Sprint(d.ID)
		got := auditOf(t, s, store.ObjectDispatch, key)
		if len(got) != 1 {
			t.Fatalf("audit of dispatch %s = %+v, want the one retry", key, got)
		}
		e := got[0]
		if e.Action != store.ActionDispatchRetry || e.Actor != console || e.Before != `{"state":"failed","attempts":1}` ||
			e.After != `{"state":"pending","attempts":0}` {
			t.Errorf("retry entry = %+v", e)
		}
		sameTime(t, "retry entry At", e.At, t0.Add(time.Hour))
	})
}

// claimOne claims the one due dispatch for owner "w".
func claimOne(t *testing.T, s *store.Store) store.Dispatch {
	t.Helper()
	ds, err := s.ClaimDispatches(t.Context(), "w", t0, time.Minute, 1, true)
	must(t, err)
	if len(ds) != 1 {
		t.Fatalf("claimed %d dispatches, want 1", len(ds))
	}
	return ds[0]
}

func TestListAuditFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		record := func(at time.Time, by store.Actor, action, objectType, key string) {
			must(t, s.RecordAudit(ctx, store.AuditEntry{At: at, Actor: by, Action: action, ObjectType: objectType, ObjectKey: key}))
		}
		li := store.Actor{Name: "李", Kind: store.ActorUser, Addr: "198.51.100.1"}
		for i := range 5 {
			record(t0.Add(time.Duration(i)*time.Hour), console, store.ActionLogin, store.ObjectUser, "zhang")
		}
		record(t0.Add(30*time.Minute), li, store.ActionLogout, store.ObjectUser, "李")
		record(t0.Add(90*time.Minute), cliActor, store.ActionDispatchRetry, store.ObjectDispatch, "7")
		if err := s.RecordAudit(ctx, store.AuditEntry{Actor: console, Action: store.ActionLogin}); err == nil {
			t.Error("an entry without a time was recorded")
		}
		bad := store.Actor{Name: "x", Kind: "robot"}
		if err := s.RecordAudit(ctx, store.AuditEntry{At: t0, Actor: bad, Action: store.ActionLogin}); err == nil {
			t.Error("an entry of an unknown actor kind was recorded")
		}

		for _, tt := range []struct {
			name string
			f    store.AuditFilter
			want []string // actions, newest first
		}{
			{"all", store.AuditFilter{}, []string{"login", "login", "login", "dispatch.retry", "login", "logout", "login"}},
			{"actor", store.AuditFilter{Actor: "李"}, []string{"logout"}},
			{"action", store.AuditFilter{Action: store.ActionDispatchRetry}, []string{"dispatch.retry"}},
			{"object", store.AuditFilter{ObjectType: store.ObjectDispatch, ObjectKey: "7"}, []string{"dispatch.retry"}},
			{"object type", store.AuditFilter{ObjectType: store.ObjectUser}, []string{"login", "login", "login", "login", "logout", "login"}},
			{"time range", store.AuditFilter{Since: t0.Add(30 * time.Minute), Until: t0.Add(2 * time.Hour)}, []string{"dispatch.retry", "login", "logout"}},
			{"page 2", store.AuditFilter{Limit: 2, Offset: 2}, []string{"login", "dispatch.retry"}},
			{"offset alone", store.AuditFilter{Offset: 5}, []string{"logout", "login"}},
			{"nothing", store.AuditFilter{Actor: "nobody"}, nil},
		} {
			got, err := s.ListAudit(ctx, tt.f)
			must(t, err)
			var actions []string
			for _, e := range got {
				actions = append(actions, e.Action)
			}
			if strings.Join(actions, " ") != strings.Join(tt.want, " ") {
				t.Errorf("%s: %v, want %v", tt.name, actions, tt.want)
			}
		}
		got, err := s.ListAudit(ctx, store.AuditFilter{Actor: "李"})
		must(t, err)
		if got[0].Actor != li || got[0].ID == 0 {
			t.Errorf("entry = %+v", got[0])
		}
	})
}

// Two stores on one database are two replicas: a session one commits the
// other finds, and a store opened later (a restart) too.
func TestSessionsSharedByReplicas(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			u := storetest.URL(t, dialect)
			a, b := openURL(t, u), openURL(t, u)
			sa, sb := a.SessionStore(), b.SessionStore()
			must(t, sa.Commit("tok-live", []byte("data"), time.Now().Add(time.Hour)))
			must(t, sa.Commit("tok-old", []byte("old"), time.Now().Add(-time.Minute)))
			data, found, err := sb.Find("tok-live")
			if err != nil || !found || string(data) != "data" {
				t.Fatalf("the other replica finds %q, %v, %v", data, found, err)
			}
			if _, found, err := sb.Find("tok-old"); err != nil || found {
				t.Errorf("an expired session is found: %v, %v", found, err)
			}
			must(t, b.DeleteExpiredSessions(t.Context()))
			var n int
			must(t, a.DB().Get(&n, "SELECT COUNT(*) FROM sessions"))
			if n != 1 {
				t.Errorf("%d sessions after deleting the expired, want 1", n)
			}
			must(t, a.Close())
			c := openURL(t, u)
			if _, found, err := c.SessionStore().Find("tok-live"); err != nil || !found {
				t.Errorf("after a restart the session is gone: %v, %v", found, err)
			}
			must(t, c.SessionStore().Delete("tok-live"))
			if _, found, _ := sb.Find("tok-live"); found {
				t.Error("a deleted session is found by the other replica")
			}
		})
	}
}

func openURL(t *testing.T, u string) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), u)
	must(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// Concurrent attempts from one address are counted one by one: exactly
// the limit get through, whatever the interleaving.
func TestReserveLoginConcurrently(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		const limit, tries = 5, 60
		window := time.Minute
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for range tries {
			wg.Go(func() {
				ok, err := s.ReserveLogin(ctx, "203.0.113.9", t0, window, limit)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if allowed != limit {
			t.Fatalf("%d of %d concurrent attempts allowed, want %d", allowed, tries, limit)
		}
		// Another address has its own budget.
		if ok, err := s.ReserveLogin(ctx, "203.0.113.10", t0, window, limit); err != nil || !ok {
			t.Errorf("another address refused: %v, %v", ok, err)
		}
		// Still refused within the window; a released attempt does not
		// reopen it once the count is past the limit.
		must(t, s.ReleaseLogin(ctx, "203.0.113.9", t0.Add(30*time.Second), window))
		if ok, _ := s.ReserveLogin(ctx, "203.0.113.9", t0.Add(59*time.Second), window, limit); ok {
			t.Error("allowed within the window")
		}
		// A new window begins a minute after the first attempt.
		if ok, err := s.ReserveLogin(ctx, "203.0.113.9", t0.Add(window), window, limit); err != nil || !ok {
			t.Errorf("refused in a new window: %v, %v", ok, err)
		}
		// Released attempts (a success) give the budget back.
		for range 10 {
			ok, err := s.ReserveLogin(ctx, "198.51.100.5", t0, window, limit)
			must(t, err)
			if !ok {
				t.Fatal("an address whose attempts are all released is refused")
			}
			must(t, s.ReleaseLogin(ctx, "198.51.100.5", t0, window))
		}
		must(t, s.DeleteStaleLogins(ctx, t0.Add(2*window-time.Second), window))
		var n int
		must(t, s.DB().Get(&n, "SELECT COUNT(*) FROM login_throttle"))
		if n != 1 { // 203.0.113.9's window began at t0+window
			t.Errorf("%d addresses kept after deleting the stale ones, want 1", n)
		}
	})
}

// cli is a command on the server run by name.
func cli(name string) store.Actor { return store.Actor{Name: name, Kind: store.ActorCLI} }
