package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The progress notice of the example ledger under the example config's
// [notice] reproduces the public notice the example comes from
// (examples/notice.txt): its title, sections, 25 problems (21 done, 4
// still being rectified) under their categories and sub-categories, the
// office's texts, the issuer and the date, with the four unfinished ones in
// the attachment. The done items' completion days are given (完成日期), so
// that the notice as of its day counts them done whatever day the test
// runs.
func TestReportOfExampleLedger(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		c.ok("import", c.writeCSV("ledger.csv", withCompletion(t, "2025-03-10")))

		md := c.ok("report", "--format", "md", "--as-of", "2025-03-14")
		for _, want := range []string{
			"# 中共济南市总工会党组 关于市委第五轮巡察集中整改进展情况的通报\n",
			"\n根据市委统一部署，2024年4月9日至6月28日，市委第七巡察组对市总工会党组开展巡察。",
			"\n## 一、党组及主要负责人组织整改落实情况\n",
			"\n## 二、市委巡察组反馈意见整改进展情况\n\n截至2025年3月14日，巡察反馈问题共25个，已完成整改21个，正在整改4个。\n",
			"\n### （一）关于贯彻落实党中央重大决策部署和省委工作要求、市委工作安排不够有力，推动新时代工会工作创新发展有差距方面问题\n",
			"\n#### 1.关于政治站位不够高，学习贯彻习近平新时代中国特色社会主义思想不够到位问题\n\n##### （1）理论学习不够深入\n\n整改情况：一是严格按照《中共济南市总工会党组理论学习中心组2024年理论学习安排意见》要求，",
			"\n#### 1.把方向管大局保落实作用发挥不好\n\n##### “三重一大”事项把关不严\n",
			"\n### （四）对巡察、审计整改工作重视不够，未做到深化整改、持续整改方面\n\n#### 1.巡察整改推进不够有力\n\n整改情况：",
			"\n## 三、下一步整改工作安排\n",
			"\n电子邮箱：jnszghzzb@jn.shandong.cn\n\n附件：尚未完成整改的问题清单\n\n中共济南市总工会党组\n\n2025年3月14日\n",
			"| 四.2 | 审计发现问题整改抓得不紧 | 财务资产部、组织部、离退休党支部 | 李某某 | 2026年11月20日 |",
		} {
			if !strings.Contains(md, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		if done, open := strings.Count(md, "整改结果：已完成\n"), strings.Count(md, "整改结果：未完成（正在整改）\n"); done != 21 || open != 4 {
			t.Errorf("report gives %d results 已完成 and %d 未完成（正在整改）, want 21 and 4", done, open)
		}

		html := c.ok("report", "--format", "html", "--as-of", "2025-03-14")
		if !strings.Contains(html, "<h1>中共济南市总工会党组<br>关于市委第五轮巡察集中整改进展情况的通报</h1>") ||
			!strings.Contains(html, `<p class="date">2025年3月14日</p>`) {
			t.Errorf("html report:\n%s", html[:min(len(html), 2000)])
		}

		docx := filepath.Join(t.TempDir(), "通报.docx")
		contains(t, "docx report", c.ok("report", "--format", "docx", "--as-of", "2025-03-14", "--output", docx), "report written to")
		document := docxPart(t, docx, "word/document.xml")
		for _, want := range []string{
			"巡察反馈问题共25个，已完成整改21个，正在整改4个。",
			`<w:pStyle w:val="Signature"/><w:spacing w:before="560"/><w:ind w:rightChars="200" w:right="640"/></w:pPr><w:r><w:t xml:space="preserve">中共济南市总工会党组</w:t>`,
			`<w:t xml:space="preserve">2025年3月14日</w:t>`,
			`<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587"`,
		} {
			if !strings.Contains(document, want) {
				t.Errorf("docx document lacks %q", want)
			}
		}
		if n := strings.Count(document, "整改结果："); n != 25 {
			t.Errorf("docx has %d 整改结果, want 25", n)
		}
		convertsToPDF(t, docx)

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

// --notice FILE replaces the configured texts it names for one notice; a
// bad file names its line and key.
func TestReportNoticeFile(t *testing.T) {
	t.Parallel()
	c := exampleCLI(t, "sqlite:"+filepath.Join(t.TempDir(), "duban.db"))
	c.ok("import", "../../examples/ledger.csv")
	file := c.write("notice.toml", "issuer = \"中共某某委员会\"\nclosing = [\"欢迎监督（{date}前反馈）。\"]\n")
	md := c.ok("report", "--as-of", "2025-03-14", "--notice", file)
	contains(t, "report --notice", md, "# 中共某某委员会 关于市委第五轮巡察集中整改进展情况的通报\n",
		"\n欢迎监督（2025年3月14日前反馈）。\n", "\n中共某某委员会\n\n2025年3月14日\n",
		"\n## 一、党组及主要负责人组织整改落实情况\n") // the rest as configured
	bad := c.write("bad.toml", "issuer = \"甲\"\nopening = [\"{when}\"]\n")
	r := c.run("report", "--notice", bad)
	if r.code != 2 || !strings.Contains(r.stderr, "bad.toml:2: opening[0]: unknown placeholder {when}") {
		t.Errorf("bad --notice: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestReportRejectsBadUsage(t *testing.T) {
	t.Parallel()
	c := exampleCLI(t, "sqlite:"+filepath.Join(t.TempDir(), "duban.db"))
	for _, args := range [][]string{
		{"report", "--format", "pdf"},
		{"report", "--round", "no-such-round"},
		{"report", "--as-of", "yesterday"},
		{"report", "--notice", filepath.Join(t.TempDir(), "missing.toml")},
	} {
		if r := c.run(args...); r.code != 2 {
			t.Errorf("duban %s: exit %d, want 2\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

// docxPart reads one part of a DOCX package.
func docxPart(t *testing.T, path, part string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("%s is not a zip: %v", path, err)
	}
	defer zr.Close()
	f, err := zr.Open(part)
	if err != nil {
		t.Fatalf("%s: %v", part, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// convertsToPDF has LibreOffice (a reader of Word documents we did not
// write) convert the document to PDF: it skips without LibreOffice, except
// under CI=true, where .ci/run installs it.
func convertsToPDF(t *testing.T, docx string) {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("soffice not found (CI=true: .ci/run installs libreoffice-writer-nogui): %v", err)
		}
		t.Log("soffice not found: the DOCX is not converted to PDF")
		return
	}
	out := t.TempDir()
	// A profile of its own, so that parallel conversions do not wait for
	// each other's lock.
	profile := "-env:UserInstallation=file://" + filepath.ToSlash(t.TempDir())
	cmd := exec.CommandContext(t.Context(), soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", out, docx)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice --convert-to pdf: %v\n%s", err, msg)
	}
	pdf, err := os.ReadFile(filepath.Join(out, strings.TrimSuffix(filepath.Base(docx), ".docx")+".pdf"))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("/Type /Page")) && !bytes.Contains(pdf, []byte("/Type/Page")) {
		t.Fatalf("soffice made no PDF of %s: %v", docx, err)
	}
}
