package notify

import (
	"strconv"
	"strings"
)

// The embedded digest templates (templates/digest.*.tmpl), written out in
// Go.
//
// A deadline run renders a message per recipient: on SQLite, rendering
// them with text/template and html/template was more than a third of a
// daily run (64 µs a message, most of it reflection: every field, every
// escaper is a reflective call). duban renders the embedded templates with
// these functions instead; they write the same bytes, which
// TestBuiltinDigestMatchesTemplates checks over thousands of generated
// digests. A templates_dir file of the same name is still executed by
// text/template or html/template, and the .tmpl files remain what an
// override starts from. A change to an embedded digest template must be
// made here too: that test fails until it is.

// builtinSubject writes digest.subject.tmpl.
func builtinSubject(v *digestView) string {
	return "【" + v.Tag + "】" + v.Summary + "\n"
}

// builtinText writes digest.txt.tmpl.
func builtinText(v *digestView) string {
	var w builder
	w.Grow(512 + 512*len(v.Rows))
	if v.ToName != "" {
		w.put(v.ToName, ":")
	} else {
		w.WriteString("您好:")
	}
	w.WriteString("\n\n")
	switch {
	case v.Roll:
		textAsOf(&w, v.AsOf)
		w.put("以下", strconv.Itoa(len(v.Entries)), "项定期任务已过报送期限,仍有单位未报送,请督促落实:\n")
	default:
		if v.Copy {
			w.WriteString("本邮件抄送您")
			if len(v.Concerns) > 0 {
				w.put(",涉及:", joinNames(v.Concerns))
			}
			w.WriteString("。\n")
		}
		textAsOf(&w, v.AsOf)
		w.put("以下", strconv.Itoa(len(v.Entries)), "项事项需要关注(按紧急程度排列):\n")
	}
	for i := range v.Rows {
		textRow(&w, &v.Rows[i])
	}
	if v.Omitted != 0 {
		w.WriteString("\n另有" + strconv.Itoa(v.Omitted) + "项同批提醒事项未逐项列出(以上为最紧急的" +
			strconv.Itoa(len(v.Entries)) + "项),请登录督办系统查看。\n")
	}
	if v.OtherOpen != 0 {
		w.put("\n此外,您还有", strconv.Itoa(v.OtherOpen), "项整改事项正在推进,请一并抓紧落实。\n")
	}
	w.WriteString("\n--")
	switch {
	case v.Roll:
		w.put("\n", footerRoll)
	case v.Copy:
		w.put("\n", footerCopy)
	default:
		if v.HasDeadline {
			w.put("\n", footerDeadline)
		}
		if v.HasDuty {
			w.put("\n", footerDuty)
		}
		if v.HasFollowup {
			w.put("\n", footerFollowup)
		}
	}
	w.put("\n", footerAuto, "\n")
	if v.Office != "" {
		w.put(v.Office, "\n")
	}
	return w.String()
}

func textAsOf(w *builder, asOf string) {
	if asOf != "" {
		w.put("截至", asOf, ",")
	}
}

func textRow(w *builder, e *entryView) {
	w.put("\n", strconv.Itoa(e.N), ". 【", e.StageLabel, "】")
	if e.IsDuty {
		w.put(e.Book, e.Period, "\n   报送截止:", e.DueDate, "(", e.DaysText, ")")
		if e.Units != "" {
			w.put("\n   报送单位:", e.Units)
		}
		if e.MissingNames != "" {
			w.put("\n   尚未报送(", strconv.Itoa(e.MissingCount), "个):", e.MissingNames)
		}
		w.WriteString("\n")
		return
	}
	w.put(e.No, " ", e.Problem)
	switch {
	case e.IsFollowup:
		w.put("\n   ", followupAsk)
		if e.CompletedOn != "" {
			w.put("\n   完成日期:", e.CompletedOn)
		}
		if e.Deadline != "" {
			w.put("\n   原完成时限:", e.Deadline)
		}
	case e.Deadline != "":
		w.put("\n   完成时限:", e.Deadline, "(", e.DaysText, ")")
	default:
		w.WriteString("\n   完成时限:长期坚持")
	}
	if e.Measures != "" {
		w.put("\n   整改措施:", e.Measures)
	}
	if e.LeaderName != "" {
		w.put("\n   责任领导:", e.LeaderName)
	}
	if e.Units != "" {
		w.put("\n   责任部门:", e.Units)
	}
	w.WriteString("\n")
}

// The sentences both bodies share.
const (
	followupAsk    = "该事项已完成,请开展“回头看”,确认整改成效是否巩固、问题有无反弹。"
	footerRoll     = "各单位报送后由整改办登记报送情况;仍未报送的单位将列入每周调度汇总。"
	footerCopy     = "责任部门完成后,由整改办在台账中登记,提醒即停止。"
	footerDeadline = "完成后请将整改情况报送整改办,由整改办在台账中登记完成,提醒即停止。"
	footerDuty     = "报送后由整改办登记报送情况,该期提醒即停止。"
	footerFollowup = "回头看完成后请将情况报送整改办登记,提醒即停止。"
	footerAuto     = "本邮件由 duban 督办系统自动发送,请勿直接回复。"
)

// The HTML body's fixed parts, as in digest.html.tmpl.
const (
	htmlHead = `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>`
	htmlBodyStart = `</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f4;">
<table width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f4;">
<tr><td align="center" style="padding:16px 8px;">
<table width="680" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:680px;background-color:#ffffff;border:1px solid #e0e0e0;font-family:'Microsoft YaHei','PingFang SC','Hiragino Sans GB',SimSun,Arial,sans-serif;font-size:14px;line-height:1.7;color:#333333;">
<tr><td style="padding:14px 20px;background-color:#b22222;color:#ffffff;font-size:18px;font-weight:bold;">`
	htmlGreeting = `</td></tr>
<tr><td style="padding:16px 20px 4px 20px;">
<p style="margin:0 0 10px 0;">`
	htmlNote     = "\n" + `<p style="margin:0 0 12px 0;padding:8px 10px;background-color:#fff8e1;border-left:4px solid #f0ad4e;">`
	htmlCopyNote = "\n" + `<p style="margin:0 0 10px 0;padding:8px 10px;background-color:#fff8e1;border-left:4px solid #f0ad4e;">本邮件抄送您`
	htmlIntro    = "\n" + `<p style="margin:0 0 12px 0;">`
	htmlRowStart = "\n" + `<tr><td style="padding:0 20px 12px 20px;">
<table width="100%" cellpadding="6" cellspacing="0" border="0" style="border-collapse:collapse;border:1px solid #dddddd;font-size:14px;line-height:1.6;">
<tr><td colspan="2" style="background-color:#f2f2f2;border-bottom:1px solid #dddddd;font-weight:bold;">`
	htmlFirstField = "\n" + `<tr><td width="84" style="width:84px;color:#666666;vertical-align:top;white-space:nowrap;border-bottom:1px solid #eeeeee;">`
	htmlField      = "\n" + `<tr><td style="color:#666666;vertical-align:top;white-space:nowrap;border-bottom:1px solid #eeeeee;">`
	htmlValue      = `</td><td style="vertical-align:top;border-bottom:1px solid #eeeeee;">`
	htmlFieldEnd   = `</td></tr>`
	htmlRowEnd     = "\n" + `</table>
</td></tr>`
	htmlFooter = "\n" + `<tr><td style="padding:4px 20px 16px 20px;">`
	htmlPara   = "\n" + `<p style="margin:0 0 10px 0;">`
	htmlSmall  = "\n" + `<p style="margin:12px 0 0 0;padding-top:10px;border-top:1px solid #e0e0e0;color:#888888;font-size:12px;">`
	htmlEnd    = `</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`
)

// builtinHTML writes digest.html.tmpl, escaping as html/template does.
func builtinHTML(v *digestView) string {
	var w htmlWriter
	w.Grow(2048 + 2048*len(v.Rows))
	title := func() {
		w.WriteString("【")
		w.text(v.Tag)
		w.WriteString("】")
		w.text(v.Summary)
	}
	w.WriteString(htmlHead)
	title()
	w.WriteString(htmlBodyStart)
	title()
	w.WriteString(htmlGreeting)
	if v.ToName != "" {
		w.text(v.ToName)
		w.WriteString(":")
	} else {
		w.WriteString("您好:")
	}
	w.WriteString("</p>")
	switch {
	case v.Roll:
		w.WriteString(htmlNote)
		w.asOf(v.AsOf)
		w.put("以下", strconv.Itoa(len(v.Entries)), "项定期任务已过报送期限,仍有单位未报送,请督促落实:</p>")
	default:
		if v.Copy {
			w.WriteString(htmlCopyNote)
			if len(v.Concerns) > 0 {
				w.WriteString(",涉及:<b>")
				w.text(joinNames(v.Concerns))
				w.WriteString("</b>")
			}
			w.WriteString("。</p>")
		}
		w.WriteString(htmlIntro)
		w.asOf(v.AsOf)
		w.put("以下", strconv.Itoa(len(v.Entries)), "项事项需要关注(按紧急程度排列):</p>")
	}
	w.WriteString("\n</td></tr>")
	for i := range v.Rows {
		w.row(&v.Rows[i])
	}
	w.WriteString(htmlFooter)
	if v.Omitted != 0 {
		w.WriteString(htmlPara + "另有" + strconv.Itoa(v.Omitted) + "项同批提醒事项未逐项列出(以上为最紧急的" +
			strconv.Itoa(len(v.Entries)) + "项),请登录督办系统查看。</p>")
	}
	if v.OtherOpen != 0 {
		w.put(htmlPara, "此外,您还有", strconv.Itoa(v.OtherOpen), "项整改事项正在推进,请一并抓紧落实。</p>")
	}
	w.WriteString(htmlSmall)
	switch {
	case v.Roll:
		w.put(footerRoll, "<br>")
	case v.Copy:
		w.put(footerCopy, "<br>")
	default:
		if v.HasDeadline {
			w.put(footerDeadline, "<br>")
		}
		if v.HasDuty {
			w.put(footerDuty, "<br>")
		}
		if v.HasFollowup {
			w.put(footerFollowup, "<br>")
		}
	}
	w.put("\n", footerAuto)
	if v.Office != "" {
		w.WriteString("<br>")
		w.text(v.Office)
	}
	w.WriteString(htmlEnd)
	return w.String()
}

// builder writes a body; put writes its parts one after the other, without
// concatenating them first.
type builder struct{ strings.Builder }

func (w *builder) put(parts ...string) {
	for _, p := range parts {
		w.WriteString(p)
	}
}

// htmlWriter builds an HTML body.
type htmlWriter struct{ builder }

// text writes s escaped as html/template escapes a string in text, in
// RCDATA and in a quoted attribute alike (its htmlReplacementTable).
func (w *htmlWriter) text(s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		w.WriteString(s[start:i])
		w.WriteString(repl)
		start = i + 1
	}
	w.WriteString(s[start:])
}

func (w *htmlWriter) asOf(asOf string) {
	if asOf != "" {
		w.WriteString("截至")
		w.text(asOf)
		w.WriteString(",")
	}
}

// field writes one labelled line of an entry's table; first is the line
// that sets the label column's width.
func (w *htmlWriter) field(first bool, label, value string) {
	if first {
		w.WriteString(htmlFirstField)
	} else {
		w.WriteString(htmlField)
	}
	w.put(label, htmlValue)
	w.text(value)
	w.WriteString(htmlFieldEnd)
}

func (w *htmlWriter) row(e *entryView) {
	w.put(htmlRowStart, strconv.Itoa(e.N), ". 【")
	w.text(e.StageLabel)
	w.WriteString("】")
	if e.IsDuty {
		w.text(e.Book)
		w.text(e.Period)
	} else {
		w.text(e.No)
	}
	if !e.IsFollowup {
		// DaysColor is one of daysColor's constants: nothing to escape.
		w.put(` <span style="color:`, e.DaysColor, `;">`)
		w.text(e.DaysText)
		w.WriteString("</span>")
	}
	w.WriteString(htmlFieldEnd)
	if e.IsDuty {
		w.field(true, "报送截止", e.DueDate)
		if e.Units != "" {
			w.field(false, "报送单位", e.Units)
		}
		if e.MissingNames != "" {
			w.WriteString(htmlField + "尚未报送" +
				`</td><td style="vertical-align:top;border-bottom:1px solid #eeeeee;color:#c0392b;">`)
			w.text(e.MissingNames)
			w.put("(", strconv.Itoa(e.MissingCount), "个)", htmlFieldEnd)
		}
		w.WriteString(htmlRowEnd)
		return
	}
	w.field(true, "问题", e.Problem)
	switch {
	case e.IsFollowup:
		w.field(false, "回头看", followupAsk)
		if e.CompletedOn != "" {
			w.field(false, "完成日期", e.CompletedOn)
		}
	case e.Deadline != "":
		w.field(false, "完成时限", e.Deadline)
	default:
		w.field(false, "完成时限", "长期坚持")
	}
	if e.Measures != "" {
		w.field(false, "整改措施", e.Measures)
	}
	if e.LeaderName != "" {
		w.field(false, "责任领导", e.LeaderName)
	}
	if e.Units != "" {
		// The last line has no rule under it.
		w.put("\n", `<tr><td style="color:#666666;vertical-align:top;white-space:nowrap;">责任部门</td><td style="vertical-align:top;">`)
		w.text(e.Units)
		w.WriteString(htmlFieldEnd)
	}
	w.WriteString(htmlRowEnd)
}
