package main

import (
	"strings"
	"testing"
	"time"

	"duban/store"
)

// Every ledger command leaves its entry in the audit log, in the name of
// --by as a command on the server; an import's items are the file's, the
// import as a whole is the one who ran it.
func TestLedgerCommandsAudited(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
		c.okAt(at.AddDate(0, -6, 0), "import", "../../examples/ledger.csv", "--by", "张三") // the duties are first seen then
		c.okAt(at, "item", "progress", "一.3.(1)", "--note", "已召开推进会", "--by", "张三")
		c.okAt(at, "item", "edit", "一.3.(1)", "--deadline", "2027-01-31", "--reason", "等待上级文件", "--by", "李四")
		c.okAt(at, "item", "done", "一.3.(1)", "--date", "2026-11-24", "--by", "李四")
		c.okAt(at, "item", "confirm", "一.3.(1)", "--by", "李四")
		c.okAt(at, "item", "close", "一.3.(1)", "--by", "李四")
		c.okAt(at, "item", "reopen", "一.3.(1)", "--note", "问题反弹", "--by", "李四")
		c.okAt(at, "submit", "sanzhongyida", "--unit", "bgs", "--period", "2026-10", "--by", "王五")
		c.okAt(at, "submit", "sanzhongyida", "--unit", "bgs", "--period", "2026-10", "--withdraw", "--note", "报错了表", "--by", "王五")
		c.refusedAt(at, []string{"item", "done", "一.3.(1)", "--date", "2026-11-26"}, "in the future")

		entries, err := openStoreOf(t, c).ListAudit(t.Context(), store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			if e.Action == store.ActionItemCreate {
				if e.Kind != store.ActorImport || e.Name != "ledger.csv" {
					t.Errorf("an imported item's entry %+v, want the file's", e)
				}
				continue
			}
			got = append(got, e.Name+" "+e.Kind+" "+e.Action+" "+e.ObjectKey)
		}
		want := []string{
			"王五 cli submission.withdraw sanzhongyida/bgs/2026-10",
			"王五 cli submission.add sanzhongyida/bgs/2026-10",
			"李四 cli item.reopen 2024-7/一.3.(1)",
			"李四 cli item.close 2024-7/一.3.(1)",
			"李四 cli item.confirm 2024-7/一.3.(1)",
			"李四 cli item.done 2024-7/一.3.(1)",
			"李四 cli item.edit 2024-7/一.3.(1)",
			"张三 cli item.progress 2024-7/一.3.(1)",
			"张三 cli ledger.import ledger.csv",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if n := len(entries) - len(got); n != 25 {
			t.Errorf("%d entries of imported items, want the ledger's 25", n)
		}
	})
}
