package report

import (
	"strconv"
	"strings"
)

// Markdown renders the notice as Markdown: a title, the totals, a section
// per category with its problems, and a table of the unfinished ones.
func Markdown(n Notice) string {
	var b strings.Builder
	line := func(s ...string) {
		for _, p := range s {
			b.WriteString(p)
		}
		b.WriteString("\n")
	}
	line("# ", mdText(n.Title))
	line()
	line(mdText(n.Summary()))
	line()
	line("| 问题总数 | 已完成 | 正在整改 |")
	line("| ---: | ---: | ---: |")
	line("| ", strconv.Itoa(n.Total), " | ", strconv.Itoa(n.Done), " | ", strconv.Itoa(n.Open), " |")
	if u := n.UnknownText(); u != "" {
		line()
		line(mdText(u))
	}
	for _, c := range n.Categories {
		line()
		line("## ", c.Ordinal, "、", mdText(c.Text))
		for _, p := range c.Problems {
			line()
			line("### ", mdText(p.No), " ", mdText(p.Problem))
			line()
			if p.Progress != "" {
				line("整改情况：", mdText(p.Progress))
				line()
			}
			if len(p.Notes) > 0 {
				line("最新进展：", mdText(p.NotesText()))
				line()
			}
			line("整改结果：", mdText(p.Result))
		}
	}
	line()
	line("## 尚未完成整改的问题(", strconv.Itoa(len(n.Unfinished)), "个)")
	line()
	if len(n.Unfinished) == 0 {
		line("巡察反馈问题已全部完成整改。")
		return b.String()
	}
	line("| 编号 | 问题 | 责任部门 | 责任领导 | 完成时限 | 整改措施 |")
	line("| --- | --- | --- | --- | --- | --- |")
	for _, p := range n.Unfinished {
		line("| ", mdCell(p.No), " | ", mdCell(p.Problem), " | ", mdCell(p.UnitList()), " | ",
			mdCell(p.Leader), " | ", mdCell(p.DeadlineNote()), " | ", mdCell(p.Measures), " |")
	}
	return b.String()
}

// mdText escapes what Markdown would read as markup and folds line breaks,
// so that a ledger's text prints as written.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return mdEscaper.Replace(s)
}

var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `#`, `\#`, `|`, `\|`,
)

// mdCell is mdText for a table cell, where an empty cell gets a dash.
func mdCell(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return mdText(s)
}
