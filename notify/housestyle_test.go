package notify_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"duban/ledger"
	"duban/notify"
)

// The house style of every text the templates write, checked on every
// embedded template (digest, summary and decision: subject, text, HTML and
// the robots' markdown) rendered with varied data, including ledger texts
// typed with half-width punctuation and duties with and without 《》:
//   - no ASCII , : ; ( ) next to a Chinese character;
//   - dates as 2025年6月16日, never 2025-06-16;
//   - the office and 督办系统, never the program's name duban;
//   - 《》 only around a document's name: where the data has them, or
//     around a duty named as a document is (月度工作报告), never around
//     a meeting or a talk (年度廉政谈话, “三会一课”落实情况).

// documents are the names of the data's duties that are documents.
var documents = []string{"《月度工作报告》"}

var (
	// chinese is a Chinese character or Chinese punctuation.
	chinese = `[\p{Han}\x{3000}-\x{303F}\x{FF01}-\x{FF60}“”‘’]`
	// asciiNextToChinese is an ASCII , : ; ( or ) with Chinese on either side.
	asciiNextToChinese = regexp.MustCompile(chinese + `[,:;()]|[,:;()]` + chinese)
	isoDate            = regexp.MustCompile(`\b\d{4}-\d{1,2}-\d{1,2}\b`)
	bookTitle          = regexp.MustCompile(`《[^》]*》`)
	htmlTag            = regexp.MustCompile(`<[^>]*>`)
	markdownLink       = regexp.MustCompile(`\]\([^)]*\)`)
	webAddress         = regexp.MustCompile(`https?://[^\s<>"]+`)
)

// styleDigests are digests of every kind, with texts typed the careless way.
func styleDigests() map[string]notify.DigestData {
	out := goldenDigests()
	sloppy := deadlineEntry("一.2.(3)", -5, "2025-06-11")
	sloppy.Problem = "台账不全(部分单位),整改不到位;责任未压实:"
	sloppy.Measures = "一是全面清查;二是建立台账(年底前完成)"
	book := notify.Entry{Kind: ledger.RuleDuty, Stage: "due", StageLabel: "催办", DutyName: "《三重一大事项情况报告表》",
		Period: "2025年5月", DueDate: "2025-06-05", DaysLeft: -11, UnitNames: []string{"办公室"}}
	talk := notify.Entry{Kind: ledger.RuleDuty, Stage: "open", StageLabel: "提醒", DutyName: "年度廉政谈话",
		Period: "2024年度", DueDate: "2025-01-31", DaysLeft: 3, UnitNames: []string{"机关党委"}}
	report := notify.Entry{Kind: ledger.RuleDuty, Stage: "open", StageLabel: "提醒", DutyName: "月度工作报告",
		Period: "2025年5月", DueDate: "2025-06-05", DaysLeft: 1, UnitNames: []string{"机关党委"}}
	out["sloppy"] = notify.DigestData{To: "bgs@example.org", ToName: "党组书记、主席王某某", Role: ledger.RoleLeader,
		AsOf: "2025-06-16", Office: "整改办", Concerns: []string{"办公室"}, OtherOpen: 2, Omitted: 3,
		Link: "https://dcs.example.org/units/bgs", Entries: []notify.Entry{sloppy, book, talk, report}}
	return out
}

func styleSummaries() map[string]notify.SummaryData {
	busy := sampleSummary()
	busy.Red[0].Problem = "固定资产管理不规范(部分),台账缺失"
	busy.Link = "https://dcs.example.org/"
	quiet := sampleSummary()
	quiet.Red, quiet.Yellow, quiet.Duties, quiet.Failed = nil, nil, nil, nil
	return map[string]notify.SummaryData{"busy": busy, "quiet": quiet}
}

// styleDecisions are decisions of every kind: approved and rejected, with
// and without a link, the office's note typed the careless way.
func styleDecisions() map[string]notify.DecisionData {
	base := notify.DecisionData{ToName: "财务资产部", Kind: "申请销号", What: "一.3.(1) 固定资产管理不规范",
		Body: "已完成清查,台账见附件(共3页)", FiledOn: "2025-06-12", Office: "整改办"}
	approved := base
	approved.Approved, approved.Outcome = true, "该事项已登记为已完成(完成日期:2025年6月12日)。"
	approved.Link, approved.LinkExpires = "https://duban.example.org/u/YmF.0.t1.sig", "2025-07-16"
	rejected := base
	rejected.Note, rejected.Contact = "请补充盘点表;附件不全(缺第2页)", "电话:0531-12345678"
	rejected.Outcome = "请根据审核意见补充完善后重新提交。"
	duty := notify.DecisionData{ToName: "机关党委", Kind: "报送材料", What: "《月度工作报告》2025年5月",
		FiledOn: "2025-06-03", Approved: true, Outcome: "该期报送已确认。"}
	return map[string]notify.DecisionData{"approved": approved, "rejected": rejected, "duty": duty}
}

// checkHouseStyle reports where text breaks the house style; data are the
// texts the data carried, where 《》 may come from.
func checkHouseStyle(t *testing.T, what, text string, data []string) {
	t.Helper()
	// Markup is not text: a tag parts two cells, a link's brackets are
	// Markdown's.
	text = html.UnescapeString(htmlTag.ReplaceAllString(text, " "))
	text = markdownLink.ReplaceAllString(text, "]")
	// A unit's link is an address, not prose; its host may name anything.
	text = webAddress.ReplaceAllString(text, "URL")
	for _, m := range asciiNextToChinese.FindAllStringIndex(text, -1) {
		t.Errorf("%s: ASCII punctuation next to Chinese: %q", what, around(text, m[0]))
	}
	if m := isoDate.FindString(text); m != "" {
		t.Errorf("%s: date %s not written as 2025年6月16日", what, m)
	}
	if strings.Contains(strings.ToLower(text), "duban") {
		t.Errorf("%s: names the program duban:\n%s", what, text)
	}
	if !strings.Contains(text, "督办系统") && !strings.Contains(what, "subject") {
		t.Errorf("%s: does not say 督办系统:\n%s", what, text)
	}
	for _, b := range bookTitle.FindAllString(text, -1) {
		if !containsAny(data, b) && !containsAny(documents, b) {
			t.Errorf("%s: 《》 around %s, which is no document's name of the data", what, b)
		}
	}
}

func around(s string, i int) string {
	r := []rune(s[:i])
	start := max(0, len(r)-8)
	rest := []rune(s[i:])
	return string(r[start:]) + string(rest[:min(len(rest), 8)])
}

func containsAny(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func TestTemplatesKeepTheHouseStyle(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	for name, d := range styleDigests() {
		var data []string
		for _, e := range d.Entries {
			data = append(data, e.DutyName, e.Problem, e.Measures)
		}
		subject, text, htmlBody, err := tm.RenderDigest(d)
		if err != nil {
			t.Fatal(err)
		}
		mdSubject, md, err := tm.RenderDigestMarkdown(d)
		if err != nil {
			t.Fatal(err)
		}
		checkHouseStyle(t, "digest "+name+" subject", subject, data)
		checkHouseStyle(t, "digest "+name+" text", text, data)
		checkHouseStyle(t, "digest "+name+" html", htmlBody, data)
		checkHouseStyle(t, "digest "+name+" markdown subject", mdSubject, data)
		checkHouseStyle(t, "digest "+name+" markdown", md, data)
		if name == "sloppy" && (!strings.Contains(text, "【提醒】《月度工作报告》2025年5月") ||
			!strings.Contains(text, "【提醒】年度廉政谈话2024年度") || !strings.Contains(text, "党组书记、主席王某某：")) {
			t.Errorf("digest sloppy: the duties' names or the leader's address:\n%s", text)
		}
		if d.Office != "" && !strings.Contains(md, "（"+d.Office+"督办系统自动发送）") {
			t.Errorf("digest %s markdown: does not end with the office's 督办系统:\n%s", name, md)
		}
	}
	for name, d := range styleDecisions() {
		subject, text, htmlBody, err := tm.RenderDecision(d)
		if err != nil {
			t.Fatal(err)
		}
		mdSubject, md, err := tm.RenderDecisionMarkdown(d)
		if err != nil {
			t.Fatal(err)
		}
		data := []string{d.What}
		checkHouseStyle(t, "decision "+name+" subject", subject, data)
		checkHouseStyle(t, "decision "+name+" text", text, data)
		checkHouseStyle(t, "decision "+name+" html", htmlBody, data)
		checkHouseStyle(t, "decision "+name+" markdown subject", mdSubject, data)
		checkHouseStyle(t, "decision "+name+" markdown", md, data)
		if !strings.Contains(md, "（"+d.Office+"督办系统自动发送）") {
			t.Errorf("decision %s markdown: does not end with the office's 督办系统:\n%s", name, md)
		}
	}
	for name, d := range styleSummaries() {
		var data []string
		for _, duty := range d.Duties {
			data = append(data, duty.DutyName)
		}
		subject, text, htmlBody, err := tm.RenderSummary(d)
		if err != nil {
			t.Fatal(err)
		}
		mdSubject, md, err := tm.RenderSummaryMarkdown(d)
		if err != nil {
			t.Fatal(err)
		}
		checkHouseStyle(t, "summary "+name+" subject", subject, data)
		checkHouseStyle(t, "summary "+name+" text", text, data)
		checkHouseStyle(t, "summary "+name+" html", htmlBody, data)
		checkHouseStyle(t, "summary "+name+" markdown subject", mdSubject, data)
		checkHouseStyle(t, "summary "+name+" markdown", md, data)
	}
}

// The check itself catches what it is for.
func TestHouseStyleCheckFails(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"截至2025-06-16,以下", "完成时限:2025年6月1日", "（duban 督办系统自动发送）", "《年度廉政谈话》"} {
		if asciiNextToChinese.MatchString(bad) || isoDate.MatchString(bad) || strings.Contains(bad, "duban") ||
			(bookTitle.MatchString(bad) && !containsAny([]string{"年度廉政谈话"}, bookTitle.FindString(bad))) {
			continue
		}
		t.Errorf("%q passes the house-style check", bad)
	}
}
