package ledger

import (
	"strconv"
	"strings"
	"unicode"
)

// The house style of every Chinese text duban writes (emails, robots'
// messages, the console, the progress notice): full-width punctuation
// between Chinese words, dates in prose as 2025年6月16日, periods as
// 2025年第2季度 (Period.Label), leaders by title and name as the config
// gives them. Machine-facing places (CSV, JSON, file names, the CLI's
// table columns) keep ISO dates, and so do the console's date columns and
// time stamps; its sentences use the prose form.

// Label is the date as prose writes it: 2025年6月16日; "" for no date.
func (d Date) Label() string {
	if d.IsZero() {
		return ""
	}
	return strconv.Itoa(d.Year()) + "年" + strconv.Itoa(int(d.Month())) + "月" + strconv.Itoa(d.Day()) + "日"
}

// DateLabel is an ISO date or date and time ("2025-06-16", "2025-06-16
// 09:30") as prose writes it ("2025年6月16日", "2025年6月16日 09:30"); any
// other text is returned as it is, so that a label already in words passes.
func DateLabel(s string) string {
	day, rest, _ := strings.Cut(s, " ")
	d, err := ParseDate(day)
	if err != nil || len(day) != len("2006-01-02") {
		return s
	}
	if rest = strings.TrimSpace(rest); rest != "" {
		return d.Label() + " " + rest
	}
	return d.Label()
}

// Address is how a message addresses the leader: the title and the name
// as the config gives them (党组书记、主席王某某), or the name alone.
func (l Leader) Address() string { return l.Title + l.Name }

// fullWidth are the full-width forms of the ASCII punctuation the house
// style replaces in Chinese text.
var fullWidth = map[rune]rune{',': '，', ':': '：', ';': '；', '(': '（', ')': '）'}

// FullWidthPunct rewrites the ASCII , : ; ( ) that stand in Chinese text as
// their full-width forms (，：；（）), so that a text typed with a
// half-width keyboard reads as the office's documents do. A comma, colon or
// semicolon is Chinese when a Chinese character stands next to it (blanks
// skipped): "1,000", "09:30" and "http://" stay as they are. A pair of
// brackets is Chinese when it holds Chinese or a Chinese character stands
// next to it: "(1)理论学习" and "山东(济南)" change, "f(x)" does not. Blanks
// after a replaced mark go: the full-width mark carries its own space.
func FullWidthPunct(s string) string {
	if !strings.ContainsAny(s, ",:;()") {
		return s
	}
	rs := []rune(s)
	change := make([]bool, len(rs))
	// Brackets first, so that a comma or colon next to a bracket made
	// full-width is next to Chinese punctuation.
	var open []int // positions of the unmatched "("
	for i, r := range rs {
		switch r {
		case '(':
			open = append(open, i)
		case ')':
			if len(open) == 0 {
				change[i] = chineseNear(rs, change, i-1, -1) || chineseNear(rs, change, i+1, 1)
				continue
			}
			o := open[len(open)-1]
			open = open[:len(open)-1]
			if chineseNear(rs, change, o-1, -1) || chineseNear(rs, change, i+1, 1) || containsChinese(rs[o+1:i]) {
				change[o], change[i] = true, true
			}
		}
	}
	for _, o := range open {
		change[o] = chineseNear(rs, change, o-1, -1) || chineseNear(rs, change, o+1, 1)
	}
	for i, r := range rs {
		if r == ',' || r == ':' || r == ';' {
			change[i] = chineseNear(rs, change, i-1, -1) || chineseNear(rs, change, i+1, 1)
		}
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	skipBlanks := false
	for i, r := range rs {
		if skipBlanks && r == ' ' {
			continue
		}
		skipBlanks = false
		if change[i] {
			b.WriteRune(fullWidth[r])
			skipBlanks = r != '('
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// chineseNear reports whether the first non-blank rune from i in direction
// step is Chinese, or a bracket made full-width.
func chineseNear(rs []rune, changed []bool, i, step int) bool {
	for ; i >= 0 && i < len(rs); i += step {
		if rs[i] != ' ' {
			return IsChinese(rs[i]) || changed[i]
		}
	}
	return false
}

func containsChinese(rs []rune) bool {
	for _, r := range rs {
		if IsChinese(r) {
			return true
		}
	}
	return false
}

// IsChinese reports whether r is a Chinese character or Chinese
// punctuation (、。《》“”（）： and the like).
func IsChinese(r rune) bool {
	switch {
	case unicode.Is(unicode.Han, r):
		return true
	case r >= 0x3000 && r <= 0x303F: // CJK symbols and punctuation: 、。《》「」
		return true
	case r >= 0xFF01 && r <= 0xFF60: // full-width forms: （），：；
		return true
	case r >= 0x2018 && r <= 0x201D: // the quotation marks Chinese uses: ‘’“”
		return true
	case r == '—' || r == '…':
		return true
	}
	return false
}

// documentEndings are how the names of documents end: a duty whose name
// ends so is the filing of a document (《三重一大事项情况报告表》), any other
// (年度廉政谈话, “三会一课”落实情况) an act.
var documentEndings = []string{"表", "报告", "报表", "方案", "计划", "总结", "清单", "台账", "意见", "办法",
	"规定", "制度", "细则", "通知", "通报", "纪要", "记录", "简报", "材料", "说明"}

// DocumentName is a duty's name as prose writes it: in 《》 when it names a
// document (the config's own marks kept), else as it is. Book-title marks
// belong around the names of documents only.
func DocumentName(name string) string {
	name = strings.TrimSpace(name)
	if strings.HasPrefix(name, "《") {
		return name
	}
	for _, end := range documentEndings {
		if strings.HasSuffix(name, end) {
			return "《" + name + "》"
		}
	}
	return name
}
