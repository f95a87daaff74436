package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"duban/config"
	"duban/store"
)

// runInput runs args with input on standard input.
func (c *cli) runInput(input string, args ...string) result {
	c.t.Helper()
	var out, errOut bytes.Buffer
	code := runWithInput(context.Background(), append([]string{"--config", c.config}, args...),
		strings.NewReader(input), &out, &errOut, c.env)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// openStoreOf opens the CLI's database, as another process would.
func openStoreOf(t *testing.T, c *cli) *store.Store {
	t.Helper()
	cfg, err := config.Load(c.config, c.env)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), cfg.Database.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestUserCommands(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := newCLI(t, configWith(dbURL, ""))
		if r := c.runInput("只读-viewer-口令\n", "user", "add", "李纪检", "--role", "viewer", "--password-stdin"); r.code != 0 ||
			r.stdout != "user 李纪检 added (viewer)\n" {
			t.Fatalf("user add: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		c.env = append(c.env, "DUBAN_ACTOR=张主任")
		if r := c.runInput("admin-口令-1234\r\n", "user", "add", "zhang", "--role", "admin", "--password-stdin"); r.code != 0 {
			t.Fatalf("user add zhang: exit %d\n%s", r.code, r.stderr)
		}

		for _, tt := range []struct {
			name, input string
			args        []string
			want        string
		}{
			{"taken", "another-password\n", []string{"add", "zhang", "--role", "viewer", "--password-stdin"}, `user "zhang" exists already`},
			{"bootstrap name", "another-password\n", []string{"add", "admin", "--role", "admin", "--password-stdin"}, "bootstrap account"},
			{"no role", "another-password\n", []string{"add", "wang", "--password-stdin"}, "--role is required"},
			{"bad role", "another-password\n", []string{"add", "wang", "--role", "owner", "--password-stdin"}, `unknown role "owner"`},
			{"short password", "short\n", []string{"add", "wang", "--role", "viewer", "--password-stdin"}, "use at least 10"},
			{"no password", "", []string{"add", "wang", "--role", "viewer", "--password-stdin"}, "the password has 0 characters"},
			{"no terminal", "", []string{"add", "wang", "--role", "viewer"}, "--password-stdin"},
			{"name with a space", "another-password\n", []string{"add", "wang wu", "--role", "viewer", "--password-stdin"}, "space"},
			{"unknown user", "", []string{"disable", "nobody"}, `no user "nobody"`},
			{"unknown user's password", "another-password\n", []string{"passwd", "nobody", "--password-stdin"}, `no user "nobody"`},
			{"no name", "", []string{"enable"}, "accepts 1 arg"},
		} {
			r := c.runInput(tt.input, append([]string{"user"}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("%s: exit %d, want 2 with %q\n%s", tt.name, r.code, tt.want, r.stderr)
			}
		}

		c.ok("user", "disable", "李纪检")
		var users []userJSON
		c.jsonOut(&users, "user", "list")
		if len(users) != 2 || users[0].Name != "zhang" || users[0].Role != "admin" || users[1].Name != "李纪检" || !users[1].Disabled {
			t.Fatalf("user list: %+v", users)
		}
		table := c.ok("user", "list")
		if !regexp.MustCompile(`(?m)^李纪检\s+viewer\s+disabled\s`).MatchString(table) {
			t.Errorf("user list table:\n%s", table)
		}
		c.ok("user", "enable", "李纪检")
		if r := c.runInput("新的-viewer-口令\n", "user", "passwd", "李纪检", "--password-stdin"); r.code != 0 ||
			r.stdout != "password of 李纪检 changed\n" {
			t.Fatalf("user passwd: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}

		// What the commands did is in the audit log, by whom; the refused
		// ones left nothing.
		st := openStoreOf(t, c)
		entries, err := st.ListAudit(t.Context(), store.AuditFilter{ObjectType: store.ObjectUser})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			if e.Kind != store.ActorCLI || e.Addr != "" {
				t.Errorf("entry %+v, want a CLI actor without an address", e)
			}
			got = append(got, e.Name+" "+e.Action+" "+e.ObjectKey)
		}
		want := []string{
			"张主任 user.passwd 李纪检", "张主任 user.enable 李纪检", "张主任 user.disable 李纪检",
			"张主任 user.add zhang", osUser(t) + " user.add 李纪检",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		u, err := st.GetUser(t.Context(), "zhang")
		if err != nil || strings.Contains(u.PasswordHash, "admin-口令") || !strings.HasPrefix(u.PasswordHash, "$2") {
			t.Errorf("zhang's stored password: %q, %v; want a bcrypt hash", u.PasswordHash, err)
		}
	})
}

// An account added with the CLI logs in to the console that serve runs,
// on its real listener; without the bootstrap password the console is no
// longer open once an account exists.
func TestUserLogsInToServe(t *testing.T) {
	t.Parallel()
	c := exampleCLI(t, "sqlite:"+c0(t))
	c.env = append(c.env, "DUBAN_MAIL__OUTBOX_DIR="+t.TempDir())
	if r := c.runInput("只读-viewer-口令\n", "user", "add", "李纪检", "--role", "viewer", "--password-stdin"); r.code != 0 {
		t.Fatalf("user add: %s", r.stderr)
	}
	p, base := startedConsole(t, c)
	defer p.stop()
	if strings.Contains(p.log.String(), "has no password") {
		t.Errorf("serve warns of an open console although an account exists:\n%s", p.log.String())
	}
	if status, _ := httpGet(t, base); status != http.StatusSeeOther {
		t.Fatalf("console without login: %d, want 303", status)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	res, err := client.Get(base + "login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindSubmatch(page)
	if token == nil {
		t.Fatalf("login page without a token:\n%s", page)
	}
	res, err = client.PostForm(base+"login", url.Values{"token": {string(token[1])}, "user": {"李纪检"}, "password": {"只读-viewer-口令"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "总览") || !strings.Contains(string(body), "只读") {
		t.Fatalf("after login: %d\n%s", res.StatusCode, body)
	}
}

// check-config verifies the bootstrap account's secrets: a password_hash
// that is no bcrypt hash, and a short password off loopback, are bad
// config; neither is quoted.
func TestCheckConfigVerifiesPasswords(t *testing.T) {
	t.Parallel()
	c := newCLI(t, configWith("sqlite:"+c0(t), ""))
	for _, tt := range []struct {
		env  []string
		want string
	}{
		{[]string{"DUBAN_ADMIN__PASSWORD_HASH=not-a-bcrypt-hash"}, "admin.password_hash: not a bcrypt hash"},
		{[]string{"DUBAN_ADMIN__PASSWORD_HASH=$2a$10$abc"}, "admin.password_hash: not a bcrypt hash"},
		{[]string{"DUBAN_ADMIN__LISTEN=0.0.0.0:8080", "DUBAN_ADMIN_PASSWORD=short-pw"}, "use at least 10"},
	} {
		cc := *c
		cc.env = append(append([]string(nil), c.env...), tt.env...)
		r := cc.run("check-config")
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("check-config with %v: exit %d, want 2 with %q\n%s", tt.env, r.code, tt.want, r.stderr)
		}
		if strings.Contains(r.stderr, "not-a-bcrypt-hash") || strings.Contains(r.stderr, "short-pw") {
			t.Errorf("check-config quotes the secret:\n%s", r.stderr)
		}
	}
	ok := *c
	ok.env = append(append([]string(nil), c.env...), "DUBAN_ADMIN__PASSWORD_HASH=$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy")
	if out := ok.ok("check-config"); !strings.Contains(out, "password_hash = '******'") {
		t.Errorf("check-config with a bcrypt hash:\n%s", out)
	}
}
