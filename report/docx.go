package report

import (
	"archive/zip"
	"bytes"
	"embed"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"
)

// The Word document is a WordprocessingML package built from the embedded
// templates: no maintained, freely licensed Go library writes 公文 layout,
// and the package is a handful of small XML files. Every text goes through
// xmlText, so no ledger text can break the markup.

//go:embed docx/*.xml docx/*.rels
var docxFiles embed.FS

// docxParts are the package's parts: the path in the zip and the template
// it is rendered from. [Content_Types].xml comes first, as Word writes it.
var docxParts = []struct{ path, template string }{
	{"[Content_Types].xml", "content_types.xml"},
	{"_rels/.rels", "rels.xml"},
	{"docProps/core.xml", "core.xml"},
	{"docProps/app.xml", "app.xml"},
	{"word/document.xml", "document.xml"},
	{"word/_rels/document.xml.rels", "document.xml.rels"},
	{"word/styles.xml", "styles.xml"},
	{"word/settings.xml", "settings.xml"},
	{"word/fontTable.xml", "fontTable.xml"},
	{"word/footer1.xml", "footer1.xml"}, // odd pages: the number on the right
	{"word/footer2.xml", "footer2.xml"}, // even pages: on the left
}

// The page of GB/T 9704-2012: A4 portrait, margins top 37 mm, bottom 35 mm,
// left 28 mm, right 26 mm, in twips (1/1440 inch); the page number 7 mm
// below the text.
const (
	twipsPerMM = 1440 / 25.4
	// charTwips is the width of one character of the body, 三号 (16 pt).
	charTwips = 16 * 20
)

// docxMargins are the page margins and the footer's distance, in twips.
type docxMargins struct{ Top, Bottom, Left, Right, Footer int }

func gbMargins() docxMargins {
	mm := func(v float64) int { return int(v*twipsPerMM + 0.5) }
	return docxMargins{Top: mm(37), Bottom: mm(35), Left: mm(28), Right: mm(26), Footer: mm(35 - 7 - 5)}
}

// tableWidths are the widths of the columns of the table of open problems,
// in twips, filling the 156 mm of text width.
var tableWidths = []int{1000, 2900, 1900, 1150, 1894}

// indent is a paragraph's right indent in hundredths of a character and
// in twips, for Word (which reads the first) and others.
type indent struct{ Chars, Twips int }

func indentOf(chars float64) indent {
	if chars < 0 {
		chars = 0
	}
	return indent{Chars: int(chars*100 + 0.5), Twips: int(chars*charTwips + 0.5)}
}

// docxData is what the templates see.
type docxData struct {
	Title, Creator, Created string
	Blocks                  []block
	Margins                 docxMargins
	Widths                  []int
	HasIssuer               bool
	// The issuer signs two characters from the right margin; the date
	// below starts two characters right of the issuer's first character
	// (GB/T 9704-2012, 7.3.5.2), or four from the margin without an issuer.
	IssuerRight, DateRight indent
}

// WriteDOCX writes the notice as a Word document in the layout of a 公文
// (GB/T 9704-2012): A4 portrait with its margins, the title in
// 方正小标宋简体 二号, the body in 仿宋_GB2312 三号 on 28 pt lines with a
// two-character indent, 一、 headings in 黑体, （一） in 楷体_GB2312, 1. in
// bold, the page number as "— 1 —" at the foot, the problems still open as
// an attachment table in the same fonts. A machine without these fonts
// shows the nearest it has.
func WriteDOCX(w io.Writer, n Notice) error {
	data := docxData{
		Title: n.Title, Creator: n.Issuer, Created: n.AsOf.In(time.UTC).Format(time.RFC3339),
		Blocks: layout(n), Margins: gbMargins(), Widths: tableWidths,
		HasIssuer: n.Issuer != "", IssuerRight: indentOf(2),
		DateRight: indentOf(textWidth(n.Issuer) - textWidth(n.DateText())),
	}
	if n.AsOf.IsZero() {
		data.Created = time.Unix(0, 0).UTC().Format(time.RFC3339)
	}
	if data.Creator == "" {
		data.Creator = "督办系统"
	}
	if !data.HasIssuer {
		data.DateRight = indentOf(4)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// A fixed time in the zip keeps one notice one file, byte for byte.
	modified := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, part := range docxParts {
		t, err := template.New(part.template).Funcs(docxFuncs).ParseFS(docxFiles, "docx/"+part.template)
		if err != nil {
			return fmt.Errorf("report: docx template %s: %w", part.template, err)
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: part.path, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return fmt.Errorf("report: docx: %w", err)
		}
		if err := t.Execute(f, data); err != nil {
			return fmt.Errorf("report: docx %s: %w", part.path, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("report: docx: %w", err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("report: write docx: %w", err)
	}
	return nil
}

var docxFuncs = template.FuncMap{
	"x":     xmlText,
	"run":   docxRun,
	"lines": docxLines,
}

// docxLines is a title's lines as runs, broken where it has blanks.
func docxLines(s string) string {
	var b strings.Builder
	for i, line := range strings.Fields(s) {
		if i > 0 {
			b.WriteString("<w:r><w:br/></w:r>")
		}
		b.WriteString(docxRun(line))
	}
	return b.String()
}

// xmlText escapes s for XML text and attributes; characters XML cannot
// hold become U+FFFD.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}

// docxRun is a run of text, its blanks kept.
func docxRun(s string) string {
	if s == "" {
		return ""
	}
	return `<w:r><w:t xml:space="preserve">` + xmlText(s) + `</w:t></w:r>`
}

// textWidth is how many characters of the body a text takes: a Chinese
// (full-width) character one, an ASCII one (a digit of a date) half.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r < utf8.RuneSelf {
			w += 0.5
		} else {
			w++
		}
	}
	return w
}
