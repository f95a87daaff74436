package report

import "strconv"

// The notice is laid out once as a list of blocks, which each format
// renders in its own markup: the three formats cannot drift apart.

// Kinds of block, by the level of the 公文 they stand for.
const (
	blockTitle           = "title"            // the title: 方正小标宋, centred
	blockPara            = "para"             // a body paragraph: 仿宋, indented two characters
	blockH1              = "h1"               // 一、 黑体
	blockH2              = "h2"               // （一） 楷体
	blockH3              = "h3"               // 1. 仿宋 bold
	blockH4              = "h4"               // （1） 仿宋
	blockIssuer          = "issuer"           // the issuer's signature, right
	blockDate            = "date"             // the date, right
	blockAttachmentNote  = "attachment-note"  // 附件：…, below the body
	blockAttachment      = "attachment"       // 附件, on a page of its own
	blockAttachmentTitle = "attachment-title" // the attachment's title, centred
	blockTable           = "table"            // the problems still open
)

// block is one paragraph, heading or table of the notice.
//
// A title's blanks break its lines: a long 公文 title is set on two or
// three lines, broken where the office chooses (after the issuer, as a
// rule), and Chinese has no other use for a blank there.
type block struct {
	Kind  string
	Label string // printed before the text: 整改情况：
	Text  string
	Rows  [][]string // a table's rows, the header first
}

// tableHeader are the columns of the table of the problems still open.
var tableHeader = []string{"编号", "问题", "责任部门", "责任领导", "完成时限"}

// layout is the notice as blocks, in reading order.
func layout(n Notice) []block {
	var out []block
	add := func(kind, label, text string) { out = append(out, block{Kind: kind, Label: label, Text: text}) }
	add(blockTitle, "", n.Title)
	for _, p := range n.Opening {
		add(blockPara, "", p)
	}
	for _, s := range n.Sections {
		add(blockH1, "", s.Ordinal+"、"+s.Heading)
		for _, p := range s.Paragraphs {
			add(blockPara, "", p)
		}
		if !s.Progress {
			continue
		}
		add(blockPara, "", n.Summary())
		if u := n.UnknownText(); u != "" {
			add(blockPara, "", u)
		}
		for _, c := range n.Categories {
			add(blockH2, "", "（"+c.Ordinal+"）"+c.Text)
			for _, g := range c.Groups {
				add(blockH3, "", strconv.Itoa(g.Number)+"."+g.Text)
				for _, p := range g.Problems {
					if !g.Alone {
						add(blockH4, "", p.Heading())
					}
					out = append(out, problemBlocks(p)...)
				}
			}
		}
	}
	for _, p := range n.Closing {
		add(blockPara, "", p)
	}
	for _, p := range n.Contacts {
		add(blockPara, "", p)
	}
	if len(n.Unfinished) > 0 {
		add(blockAttachmentNote, "", "附件："+AttachmentTitle)
	}
	if n.Issuer != "" {
		add(blockIssuer, "", n.Issuer)
	}
	add(blockDate, "", n.DateText())
	if len(n.Unfinished) > 0 {
		add(blockAttachment, "", "附件")
		add(blockAttachmentTitle, "", AttachmentTitle)
		rows := [][]string{tableHeader}
		for _, p := range n.Unfinished {
			rows = append(rows, []string{p.No, p.Problem, p.UnitList(), p.Leader, p.DeadlineNote()})
		}
		out = append(out, block{Kind: blockTable, Rows: rows})
	}
	return out
}

// problemBlocks are a problem's 整改情况 (one paragraph per line of the
// ledger's text), its latest progress notes and its 整改结果.
func problemBlocks(p Problem) []block {
	var out []block
	for i, para := range p.Paragraphs() {
		label := ""
		if i == 0 {
			label = "整改情况："
		}
		out = append(out, block{Kind: blockPara, Label: label, Text: para})
	}
	if len(p.Notes) > 0 {
		out = append(out, block{Kind: blockPara, Label: "最新进展：", Text: p.NotesText()})
	}
	return append(out, block{Kind: blockPara, Label: "整改结果：", Text: p.Result})
}
