package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The progress notice of the example ledger reproduces the public notice the
// example comes from: 25 problems, 21 done, 4 still being rectified, in four
// categories, and lists the four unfinished ones with their units and
// deadlines. The done items' completion days are given (完成日期), so that
// the notice as of its day counts them done whatever day the test runs.
func TestReportOfExampleLedger(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		c.ok("import", c.writeCSV("ledger.csv", withCompletion(t, "2025-03-31")))

		md := c.ok("report", "--format", "md", "--as-of", "2026-11-25")
		for _, want := range []string{
			"# 关于市委第七巡察组反馈意见整改进展情况的通报\n",
			"截至2026年11月25日，巡察反馈问题共25个，已完成整改21个，正在整改4个。",
			"| 问题总数 | 已完成 | 正在整改 |",
			"| 25 | 21 | 4 |",
			"## 一、关于贯彻落实党中央重大决策部署和省委工作要求、市委工作安排不够有力,推动新时代工会工作创新发展有差距方面问题\n",
			"## 二、管党治党责任落实不力,纪律规矩意识树得不牢方面\n",
			"## 三、践行新时代党的组织路线不够严实、队伍建设存在短板方面\n",
			"## 四、对巡察、审计整改工作重视不够,未做到深化整改、持续整改方面\n",
			"### 一.1.(1) 理论学习不够深入\n",
			"### 三.1 “三重一大”事项把关不严\n",
			"## 尚未完成整改的问题(4个)",
			"| 一.3.(1) | 推动新就业形态劳动者群体建会入会不力 | 基层工作部 | 刘某某 | 2026-12-15 |",
			"| 二.3.(3) | 内部审计流于形式 | 经费审查办公室、财务资产部 | 陈某某 | 长期坚持 |",
			"| 四.1 | 巡察整改推进不够有力 | 职工文化事业发展中心、办公室、财务资产部 | 李某某 | 2026-11-30 |",
			"| 四.2 | 审计发现问题整改抓得不紧 | 财务资产部、组织部、离退休党支部 | 李某某 | 2026-11-20(已逾期5天) |",
		} {
			if !strings.Contains(md, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		if n := strings.Count(md, "\n### "); n != 25 {
			t.Errorf("report lists %d problems, want 25", n)
		}
		if done, open := strings.Count(md, "整改结果：已完成\n"), strings.Count(md, "整改结果：未完成(正在整改)\n"); done != 21 || open != 4 {
			t.Errorf("report gives %d results 已完成 and %d 未完成(正在整改), want 21 and 4", done, open)
		}
		// 整改情况 is the ledger's progress text.
		if !strings.Contains(md, "整改情况：一是严格按照《中共济南市总工会党组理论学习中心组2024年理论学习安排意见》要求") {
			t.Error("report lacks the 整改情况 of 一.1.(1)")
		}

		html := c.ok("report", "--format", "html", "--as-of", "2026-11-25")
		if !strings.Contains(html, "<h1>关于市委第七巡察组反馈意见整改进展情况的通报</h1>") || !strings.Contains(html, `<td class="num">25</td>`) {
			t.Errorf("html report:\n%s", html[:min(len(html), 2000)])
		}

		path := filepath.Join(t.TempDir(), "通报.xlsx")
		c.ok("report", "--format", "xlsx", "--as-of", "2026-11-25", "--output", path)
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3+25 {
			t.Fatalf("xlsx has %d rows, want title, totals, header and 25 items", len(rows))
		}
		last := rows[len(rows)-1]
		if last[1] != "四.2" || last[len(last)-1] != "红灯" {
			t.Errorf("last xlsx row %q, want 四.2 with 红灯", last)
		}
	})
}

func TestReportRejectsBadUsage(t *testing.T) {
	t.Parallel()
	c := exampleCLI(t, "sqlite:"+filepath.Join(t.TempDir(), "duban.db"))
	for _, args := range [][]string{
		{"report", "--format", "pdf"},
		{"report", "--round", "no-such-round"},
		{"report", "--as-of", "yesterday"},
	} {
		if r := c.run(args...); r.code != 2 {
			t.Errorf("duban %s: exit %d, want 2\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}
