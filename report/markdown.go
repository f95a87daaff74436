package report

import (
	"strings"
)

// mdHeading is the Markdown heading of each level of the notice.
var mdHeading = map[string]string{
	blockTitle: "# ", blockH1: "## ", blockH2: "### ", blockH3: "#### ", blockH4: "##### ",
	blockAttachmentTitle: "## ",
}

// Markdown renders the notice as Markdown: the title and the headings of
// each level as headings, the paragraphs, and the attachment's table.
func Markdown(n Notice) string {
	var b strings.Builder
	for i, bl := range layout(n) {
		if i > 0 {
			b.WriteString("\n")
		}
		switch bl.Kind {
		case blockTable:
			writeMDTable(&b, bl.Rows)
		case blockAttachment:
			b.WriteString("---\n\n" + mdText(bl.Text) + "\n")
		default:
			b.WriteString(mdHeading[bl.Kind] + mdText(bl.Label+bl.Text) + "\n")
		}
	}
	return b.String()
}

func writeMDTable(b *strings.Builder, rows [][]string) {
	for i, row := range rows {
		cells := make([]string, len(row))
		for j, c := range row {
			cells[j] = mdCell(c)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
		if i == 0 {
			b.WriteString(strings.Repeat("| --- ", len(row)) + "|\n")
		}
	}
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
