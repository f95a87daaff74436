package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// exampleConfig is config.example.toml pointed at a test database.
func exampleCLI(t *testing.T, dbURL string) *cli {
	t.Helper()
	raw, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(raw), `url = "sqlite:duban.db"`, "url = \""+dbURL+"\"", 1)
	text = strings.Replace(text, `seed_ledger = "examples/ledger.csv"`, `seed_ledger = ""`, 1)
	// Keep .eml files out of the source tree.
	text = strings.Replace(text, `outbox_dir = "outbox"`, fmt.Sprintf("outbox_dir = %q", t.TempDir()), 1)
	return newCLI(t, text)
}

func TestImportExampleLedgers(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		out := c.ok("import", "../../examples/ledger.csv")
		if !strings.Contains(out, "25 new") {
			t.Fatalf("import output %q, want 25 new", out)
		}
		var items []itemJSON
		c.jsonOut(&items, "items")
		if len(items) != 25 {
			t.Fatalf("got %d items, want 25", len(items))
		}
		var open []itemJSON
		c.jsonOut(&open, "items", "--status", "open")
		if len(open) != 4 {
			t.Fatalf("got %d open items, want 4", len(open))
		}

		// The same ledger as XLSX changes nothing.
		out = c.ok("import", "../../examples/ledger.xlsx")
		if !strings.Contains(out, "0 new, 0 changed, 25 unchanged") {
			t.Fatalf("re-import of the XLSX: %q, want everything unchanged", out)
		}
		var again []itemJSON
		c.jsonOut(&again, "items")
		if !reflect.DeepEqual(items, again) {
			t.Fatalf("items differ after importing the XLSX")
		}

		// Filters by light and unit work on the same data.
		var red []itemJSON
		c.jsonOut(&red, "items", "--light", "blue")
		for _, it := range red {
			if !it.LongTerm || it.Light != "blue" {
				t.Errorf("item %s in --light blue: long_term=%v light=%s", it.No, it.LongTerm, it.Light)
			}
		}
		table := c.ok("items", "--unit", "财务资产部")
		if !strings.Contains(table, "财务资产部") {
			t.Errorf("items --unit 财务资产部 lists no item of that unit:\n%s", table)
		}
	})
}

func TestImportOfBadRowsWritesNothing(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		c.ok("import", "../../examples/ledger.csv")
		bad := c.write("bad.csv", "编号,问题,责任部门,完成时限,整改状态\n"+
			"一.1.(1),理论学习不够深入,办公室,2024-12-31,未完成\n"+
			"X.1,新问题,不存在的部门,2025-02-30,已完成\n"+
			"X.2,另一个问题,办公室,2025-01-01,差不多了\n")
		r := c.run("import", bad)
		if r.code != 2 {
			t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
		}
		for _, want := range []string{"第3行", "不存在的部门", "2025-02-30", "第4行", "差不多了"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("error output lacks %q:\n%s", want, r.stderr)
			}
		}
		var items []itemJSON
		c.jsonOut(&items, "items", "--status", "open")
		if len(items) != 4 {
			t.Fatalf("after a failed import: %d open items, want the 4 of before", len(items))
		}
	})
}

func TestDryRunReportsAndWritesNothing(t *testing.T) {
	t.Parallel()
	c := exampleCLI(t, "sqlite:"+filepath.Join(t.TempDir(), "d.db"))
	out := c.ok("import", "--dry-run", "../../examples/ledger.csv")
	if !strings.Contains(out, "25 new") || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run output %q", out)
	}
	var items []itemJSON
	c.jsonOut(&items, "items")
	if len(items) != 0 {
		t.Fatalf("dry run wrote %d items", len(items))
	}
}

func TestBadConfigExitsTwoNamingWhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, config string
		want         []string
	}{
		{"unknown key", testOrg + "\n[policy]\nlead_dayz = [7]\n", []string{"duban.toml:", "lead_dayz", "unknown key"}},
		{"bad schedule", testOrg + "\n[jobs.deadlines]\nschedule = \"0 25 * * *\"\n", []string{"jobs.deadlines.schedule"}},
		{"bad time zone", strings.Replace(testOrg, "Asia/Shanghai", "Asia/Beijing", 1), []string{"duban.toml:2", "timezone"}},
		{"unknown leader", testOrg + "\n[[units]]\ncode = \"ud\"\nname = \"新科\"\nemails = [\"d@jw.example.net\"]\nleader = \"nobody\"\n", []string{"units[3].leader", "nobody"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t, tt.config)
			r := c.run("check-config")
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("message lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}

func TestCheckConfigRedactsSecrets(t *testing.T) {
	t.Parallel()
	c := newCLI(t, testOrg)
	c.env = append(c.env, "DUBAN_SMTP_PASSWORD=s3cret-value", "DUBAN_ADMIN_PASSWORD=adm1n-value")
	out := c.ok("check-config")
	if strings.Contains(out, "s3cret-value") || strings.Contains(out, "adm1n-value") {
		t.Fatalf("check-config shows a secret:\n%s", out)
	}
	if !strings.Contains(out, "******") {
		t.Fatalf("check-config does not show that secrets are set:\n%s", out)
	}
}

func TestItemLifecycle(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		c.ok("import", "../../examples/ledger.csv")
		c.ok("item", "progress", "四.2", "--note", "已追回两笔借款", "--date", "2026-11-10")
		c.ok("item", "done", "四.2", "--date", "2026-11-24", "--note", "全部结算")
		if r := c.run("item", "done", "四.2"); r.code != 2 {
			t.Fatalf("done twice: exit %d, want 2", r.code)
		}
		var done []itemJSON
		c.jsonOut(&done, "items", "--status", "done")
		found := false
		for _, it := range done {
			if it.No == "四.2" {
				found = true
				if it.CompletedOn == nil || *it.CompletedOn != "2026-11-24" {
					t.Errorf("completed_on = %v, want 2026-11-24", it.CompletedOn)
				}
			}
		}
		if !found {
			t.Fatal("四.2 not listed as done")
		}
		show := c.ok("item", "show", "四.2")
		for _, want := range []string{"审计发现问题整改抓得不紧", "已追回两笔借款", "正在整改 → 已完成", "全部结算"} {
			if !strings.Contains(show, want) {
				t.Errorf("item show lacks %q:\n%s", want, show)
			}
		}
		c.ok("item", "reopen", "四.2")
		c.ok("item", "close", "一.1.(1)")
		if r := c.run("item", "show", "九.9"); r.code != 2 || !strings.Contains(r.stderr, "九.9") {
			t.Fatalf("unknown item: exit %d, %s", r.code, r.stderr)
		}
	})
}
