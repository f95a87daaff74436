package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// Formats of Write.
const (
	FormatMarkdown = "md"
	FormatHTML     = "html"
	FormatXLSX     = "xlsx"
	FormatDOCX     = "docx"
)

// Formats are the formats of Write, as the CLI and the console name them.
var Formats = []string{FormatMarkdown, FormatHTML, FormatDOCX, FormatXLSX}

// Write renders the notice to w as Markdown, HTML, a Word document or an
// XLSX workbook.
func Write(w io.Writer, n Notice, format string) error {
	switch format {
	case FormatMarkdown:
		_, err := io.WriteString(w, Markdown(n))
		return err
	case FormatHTML:
		html, err := HTML(n)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, html)
		return err
	case FormatXLSX:
		return WriteXLSX(w, n)
	case FormatDOCX:
		return WriteDOCX(w, n)
	}
	return fmt.Errorf("report: unknown format %q: want md, html, docx or xlsx", format)
}

//go:embed notice.html.tmpl
var noticeHTML string

// noticeTemplate is parsed once per call: a report is rendered once per
// command, and a package-level template would be work done at init.
func noticeTemplate() (*template.Template, error) {
	return template.New("notice").Funcs(template.FuncMap{"lines": strings.Fields}).Parse(noticeHTML)
}

// HTML renders the notice as a standalone HTML document, styled for the
// screen and for printing; every ledger text is escaped.
func HTML(n Notice) (string, error) {
	t, err := noticeTemplate()
	if err != nil {
		return "", fmt.Errorf("report: parse html template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, struct {
		Title  string
		Blocks []block
	}{n.Title, layout(n)}); err != nil {
		return "", fmt.Errorf("report: render html: %w", err)
	}
	return b.String(), nil
}
