package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"duban/store/storetest"
)

// The example ledger, as records: the header first.
func exampleRecords(t *testing.T) [][]string {
	t.Helper()
	raw, err := os.ReadFile("../../examples/ledger.csv")
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return records
}

// writeCSV writes records as a CSV ledger named name in the test's directory.
func (c *cli) writeCSV(name string, records [][]string) string {
	c.t.Helper()
	var b bytes.Buffer
	if err := csv.NewWriter(&b).WriteAll(records); err != nil {
		c.t.Fatal(err)
	}
	return c.write(name, b.String())
}

// rowOf finds the record of item no; its index is its row in the file.
func rowOf(t *testing.T, records [][]string, no string) int {
	t.Helper()
	i := slices.IndexFunc(records, func(r []string) bool { return r[0] == no })
	if i < 0 {
		t.Fatalf("no row %s", no)
	}
	return i
}

// column is the index of the column named name.
func column(t *testing.T, records [][]string, name string) int {
	t.Helper()
	i := slices.Index(records[0], name)
	if i < 0 {
		t.Fatalf("no column %s", name)
	}
	return i
}

// withCompletion is the example ledger with a 完成日期 column: day for the
// items done.
func withCompletion(t *testing.T, day string) [][]string {
	records := exampleRecords(t)
	status := column(t, records, "整改状态")
	records[0] = append(records[0], "完成日期")
	for i, r := range records[1:] {
		cell := ""
		if strings.HasPrefix(r[status], "已") {
			cell = day
		}
		records[i+1] = append(r, cell)
	}
	return records
}

func itemByNo(t *testing.T, c *cli, no string) itemJSON {
	t.Helper()
	var items []itemJSON
	c.jsonOut(&items, "items")
	for _, it := range items {
		if it.No == no {
			return it
		}
	}
	t.Fatalf("no item %s", no)
	return itemJSON{}
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// A progress note is a dated entry of the timeline; 整改情况 changes only by
// an edit, recorded before → after with who made it, and the notice prints
// 整改情况 and then the latest notes.
func TestNotesAreNotes(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		path := c.write("duban.toml", strings.Replace(readFile(t, c.config), "latest_notes = 0", "latest_notes = 3", 1))
		c.config = path
		records := exampleRecords(t)
		ledgerText := records[rowOf(t, records, "一.3.(1)")][column(t, records, "整改情况")]
		c.ok("import", "../../examples/ledger.csv")

		c.ok("item", "progress", "一.3.(1)", "--note", "已召开推进会", "--date", "2026-11-20", "--by", "张三")
		if it := itemByNo(t, c, "一.3.(1)"); it.Progress != ledgerText {
			t.Errorf("整改情况 after a note = %q, want the ledger's", it.Progress)
		}
		md := c.ok("report", "--as-of", "2026-11-25")
		contains(t, "report", md, "整改情况："+ledgerText[:30], "最新进展：2026年11月20日 已召开推进会")
		if strings.Contains(md, "整改情况：已召开推进会") {
			t.Error("the note took the place of 整改情况")
		}

		out := c.ok("item", "edit", "一.3.(1)", "--progress", "已推动12家平台企业建会", "--by", "李四")
		contains(t, "edit output", out, "修改 整改情况:", `→ "已推动12家平台企业建会"`)
		if it := itemByNo(t, c, "一.3.(1)"); it.Progress != "已推动12家平台企业建会" {
			t.Errorf("整改情况 after an edit = %q", it.Progress)
		}
		if r := c.run("item", "edit", "一.3.(1)", "--deadline", "2027-01-31"); r.code != 2 || !strings.Contains(r.stderr, "--reason") {
			t.Errorf("an extension without a reason: exit %d %s", r.code, r.stderr)
		}
		out = c.ok("item", "edit", "一.3.(1)", "--deadline", "2027-01-31", "--reason", "等待上级文件", "--by", "李四")
		contains(t, "edit output", out, "延期 完成时限: 2026-12-15 → 2027-01-31")
		show := c.ok("item", "show", "一.3.(1)")
		contains(t, "item show", show,
			"整改进展(2026-11-20):已召开推进会 [张三]",
			"修改 整改情况 \""+shorten(ledgerText)+"\" → \"已推动12家平台企业建会\"",
			"延期 完成时限 2026-12-15 → 2027-01-31",
			":等待上级文件 [李四]",
			"导入台账 正在整改(",
		)
		contains(t, "report", c.ok("report", "--as-of", "2026-11-25"), "整改情况：已推动12家平台企业建会")

		for _, args := range [][]string{
			{"item", "edit", "一.3.(1)"},                                 // nothing to change
			{"item", "edit", "一.3.(1)", "--units", "不存在的部门"},            // unknown unit
			{"item", "edit", "一.3.(1)", "--completed-on", "2026-11-01"}, // an open item
			{"item", "edit", "一.3.(1)", "--problem", " "},               // no problem
			{"item", "edit", "一.3.(1)", "--deadline", "下个月"},            // not a date
		} {
			if r := c.run(args...); r.code != 2 {
				t.Errorf("%q: exit %d, want 2\n%s", args, r.code, r.stderr)
			}
		}
	})
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Done in duban, then the same spreadsheet imported again: a conflict,
// nothing written, exit 2, unless --keep or --overwrite says who wins.
func TestReimportConflicts(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		c.ok("import", "../../examples/ledger.csv")
		c.ok("item", "done", "一.3.(1)", "--by", "张三")

		for _, args := range [][]string{{"import", "../../examples/ledger.csv"}, {"import", "--dry-run", "../../examples/ledger.csv"}} {
			r := c.run(args...)
			if r.code != 2 {
				t.Fatalf("%q: exit %d, want 2\n%s%s", args, r.code, r.stdout, r.stderr)
			}
			contains(t, "conflict", r.stderr, "ledger.csv：1 处与 duban 中的修改冲突",
				"第9行 一.3.(1) 整改状态：文件为 正在整改，duban 中为 已完成（", " 由 张三 修改）", "--overwrite", "--keep")
		}
		if it := itemByNo(t, c, "一.3.(1)"); it.Status != "done" {
			t.Fatalf("a refused import wrote: %+v", it)
		}
		if r := c.run("import", "--keep", "--overwrite", "../../examples/ledger.csv"); r.code != 2 {
			t.Errorf("--keep with --overwrite: exit %d", r.code)
		}

		out := c.ok("import", "--keep", "../../examples/ledger.csv")
		contains(t, "import --keep", out, "kept duban's 一.3.(1)  row 9 整改状态: 已完成 (file: 正在整改)")
		if it := itemByNo(t, c, "一.3.(1)"); it.Status != "done" {
			t.Errorf("--keep gave %s", it.Status)
		}
		if r := c.run("import", "../../examples/ledger.csv"); r.code != 2 {
			t.Errorf("the same file after --keep: exit %d, want the conflict again", r.code)
		}
		out = c.ok("import", "--overwrite", "../../examples/ledger.csv")
		contains(t, "import --overwrite", out, "overwrote duban's 一.3.(1)  row 9 整改状态", "0 new, 1 changed, 24 unchanged")
		if it := itemByNo(t, c, "一.3.(1)"); it.Status != "open" || it.CompletedOn != nil {
			t.Errorf("--overwrite gave %+v", it)
		}
		c.ok("import", "../../examples/ledger.csv") // agreed again: nothing to say
	})
}

// --dry-run lists every new item and every change; a column the file
// lacks leaves its field alone; a later deadline is 延期.
func TestImportListsChanges(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		c.ok("import", "../../examples/ledger.csv")
		records := exampleRecords(t)
		progress, deadline := column(t, records, "整改情况"), column(t, records, "完成时限")
		records[rowOf(t, records, "一.1.(1)")][progress] = "新的整改情况"
		records[rowOf(t, records, "四.1")][deadline] = "2026-12-31"
		records = append(records, []string{"五.1", "新问题类别", "", "新发现的问题", "", "", "办公室", "2027-03-31", "正在整改", ""})
		path := c.writeCSV("ledger2.csv", records)

		out := c.ok("import", "--dry-run", path)
		var listed []string
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "new") || strings.HasPrefix(line, "change") {
				listed = append(listed, line)
			}
		}
		want := []string{
			"new     五.1  新发现的问题",
			"change  一.1.(1)  整改情况: \"" + shorten(exampleRecords(t)[1][progress]) + "\" → \"新的整改情况\"",
			"change  四.1  完成时限: 2026-11-30 → 2026-12-31",
		}
		if !slices.Equal(listed, want) {
			t.Errorf("dry run lists\n%q\nwant\n%q", listed, want)
		}
		contains(t, "dry run", out, "1 new, 2 changed, 23 unchanged")
		c.ok("import", path, "--by", "王五")
		contains(t, "item show", c.ok("item", "show", "四.1"), "延期 完成时限 2026-11-30 → 2026-12-31", "[王五, ledger2.csv]")

		// Without the 整改情况 and 整改措施 columns, those fields stay.
		var narrow [][]string
		measures := column(t, records, "整改措施")
		for _, r := range records {
			var kept []string
			for i, cell := range r {
				if i != progress && i != measures {
					kept = append(kept, cell)
				}
			}
			narrow = append(narrow, kept)
		}
		out = c.ok("import", "--dry-run", c.writeCSV("narrow.csv", narrow))
		contains(t, "narrow dry run", out, "0 new, 0 changed, 26 unchanged")
		if it := itemByNo(t, c, "一.1.(1)"); it.Progress != "新的整改情况" || it.Measures == "" {
			t.Errorf("after a file without the columns: %+v", it)
		}
	})
}

// export → import into an empty database gives the same items; into the
// same database it changes nothing; one cell edited in Excel changes that
// one field.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			c := exampleCLI(t, storetest.URL(t, dialect))
			c.ok("import", c.writeCSV("ledger.csv", withCompletion(t, "2025-01-20")))
			c.ok("item", "done", "四.2", "--date", "2026-11-24")   // known completion day
			c.ok("item", "edit", "一.1.(1)", "--completed-on", "") // unknown again
			var before []itemJSON
			c.jsonOut(&before, "items")

			xlsx := filepath.Join(c.dir, "导出.xlsx")
			contains(t, "export", c.ok("export", "--output", xlsx), "25 items of round 2024-7 exported to")
			csvText := c.ok("export", "--format", "csv")
			if !strings.HasPrefix(csvText, "\ufeff编号,问题类别,问题子类,问题,整改措施,责任领导,责任部门,完成时限,整改状态,完成日期,整改情况\n") {
				t.Errorf("CSV export starts %q", csvText[:min(len(csvText), 200)])
			}
			csvPath := c.write("导出.csv", csvText)

			for _, file := range []string{xlsx, csvPath} {
				fresh := exampleCLI(t, storetest.URL(t, dialect))
				fresh.ok("import", file)
				var after []itemJSON
				fresh.jsonOut(&after, "items")
				for i := range after { // the day each was seen done is the day of each import
					after[i].DoneSeenOn = before[i].DoneSeenOn
				}
				if !reflect.DeepEqual(before, after) {
					t.Errorf("%s into an empty database:\n got %+v\nwant %+v", filepath.Base(file), after, before)
				}
				out := c.ok("import", "--dry-run", file)
				if strings.Contains(out, "change ") || !strings.Contains(out, "0 new, 0 changed, 25 unchanged") {
					t.Errorf("%s into the same database: %s", filepath.Base(file), out)
				}
			}

			f, err := excelize.OpenFile(xlsx)
			if err != nil {
				t.Fatal(err)
			}
			sheet := f.GetSheetList()[0]
			if err := f.SetCellValue(sheet, "E3", "修订后的整改措施"); err != nil {
				t.Fatal(err)
			}
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
			f.Close()
			out := c.ok("import", "--dry-run", xlsx)
			if n := strings.Count(out, "change "); n != 1 || !strings.Contains(out, "change  一.1.(2)  整改措施:") {
				t.Errorf("one cell edited: %s", out)
			}
			c.ok("import", xlsx)
			var edited []itemJSON
			c.jsonOut(&edited, "items")
			before[1].Measures = "修订后的整改措施"
			if !reflect.DeepEqual(before, edited) {
				t.Errorf("after importing the edited cell:\n got %+v\nwant %+v", edited, before)
			}
			if r := c.run("export", "--format", "pdf"); r.code != 2 {
				t.Errorf("export --format pdf: exit %d", r.code)
			}
		})
	}
}

// As of a day, an item counts as done only if done by then; a completion
// day that is unknown counts from the day duban saw it done, and the
// notice says so.
func TestReportAsOfCountsCompletionDays(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		c.ok("import", "../../examples/ledger.csv") // no 完成日期: seen done today
		md := c.ok("report", "--as-of", "2024-06-01")
		contains(t, "report as of 2024", md, "巡察反馈问题共25个，已完成整改0个，正在整改25个。")
		md = c.ok("report")
		contains(t, "report today", md, "已完成整改21个", "共21个问题的完成日期未登记，按登记完成日期统计。")
		if it := itemByNo(t, c, "一.1.(1)"); it.CompletedOn != nil || it.DoneSeenOn == nil {
			t.Errorf("imported done without a day: %+v", it)
		}
		contains(t, "item show", c.ok("item", "show", "一.1.(1)"), "完成日期：未登记（登记完成于")

		c.ok("import", "--overwrite", c.writeCSV("dated.csv", withCompletion(t, "2025-01-20")))
		md = c.ok("report", "--as-of", "2025-01-19")
		contains(t, "report before the day", md, "已完成整改0个")
		md = c.ok("report", "--as-of", "2025-01-20")
		contains(t, "report on the day", md, "已完成整改21个")
		if strings.Contains(md, "未登记") {
			t.Error("the notice calls known completion days unknown")
		}
	})
}

// Every change records who made it: --by, DUBAN_ACTOR, else the OS user;
// an import also its file.
func TestActors(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		c.ok("import", "../../examples/ledger.csv")
		c.ok("item", "progress", "四.2", "--note", "甲")
		c.env = append(c.env, "DUBAN_ACTOR=环境变量")
		c.ok("item", "progress", "四.2", "--note", "乙")
		c.ok("item", "progress", "四.2", "--note", "丙", "--by", "参数")
		show := c.ok("item", "show", "四.2")
		contains(t, "item show", show, "导入台账 正在整改(", " ["+osUser(t)+", ledger.csv]",
			":甲 ["+osUser(t)+"]", ":乙 [环境变量]", ":丙 [参数]")
		if r := c.run("item", "progress", "四.2", "--note", "丁", "--by", "a\nb"); r.code != 2 {
			t.Errorf("--by with a line break: exit %d", r.code)
		}
	})
}

// `items --format csv` is a listing, not a ledger; imported anyway, it
// blanks nothing.
func TestItemsCSVBlanksNothing(t *testing.T) {
	t.Parallel()
	c := exampleCLI(t, "sqlite:"+filepath.Join(t.TempDir(), "d.db"))
	c.ok("import", "../../examples/ledger.csv")
	out := c.ok("import", "--dry-run", c.write("items.csv", c.ok("items", "--format", "csv")))
	contains(t, "import of the listing", out, "0 new, 0 changed, 25 unchanged")
	contains(t, "items --help", c.ok("items", "--help"), "duban export")
}

// osUser is the user the tests run as: the actor of a change made without
// --by or DUBAN_ACTOR.
func osUser(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	return u.Username
}
