package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// The WordprocessingML the tests read back: paragraphs and tables of the
// body in order, with each paragraph's style and text, the section's page,
// and the styles' fonts and spacing.

type wDocument struct {
	Body struct {
		Items []wBodyItem `xml:",any"`
		Sect  wSect       `xml:"sectPr"`
	} `xml:"body"`
}

// wBodyItem is a paragraph (w:p) or a table (w:tbl).
type wBodyItem struct {
	XMLName xml.Name
	PPr     wPPr   `xml:"pPr"`
	Runs    []wRun `xml:"r"`
	Rows    []struct {
		Cells []struct {
			P wBodyItem `xml:"p"`
		} `xml:"tc"`
	} `xml:"tr"`
}

type wVal struct {
	Val string `xml:"val,attr"`
}

type wPPr struct {
	Style   wVal `xml:"pStyle"`
	Spacing struct {
		Before   string `xml:"before,attr"`
		Line     string `xml:"line,attr"`
		LineRule string `xml:"lineRule,attr"`
	} `xml:"spacing"`
	Ind struct {
		FirstLineChars string `xml:"firstLineChars,attr"`
		RightChars     string `xml:"rightChars,attr"`
		LeftChars      string `xml:"leftChars,attr"`
	} `xml:"ind"`
	Jc              wVal      `xml:"jc"`
	OutlineLvl      *wVal     `xml:"outlineLvl"`
	PageBreakBefore *struct{} `xml:"pageBreakBefore"`
}

type wRun struct {
	T     []string `xml:"t"`
	Instr []string `xml:"instrText"`
}

type wSect struct {
	PgSz struct {
		W      string `xml:"w,attr"`
		H      string `xml:"h,attr"`
		Orient string `xml:"orient,attr"`
	} `xml:"pgSz"`
	PgMar struct {
		Top    string `xml:"top,attr"`
		Bottom string `xml:"bottom,attr"`
		Left   string `xml:"left,attr"`
		Right  string `xml:"right,attr"`
	} `xml:"pgMar"`
	Footers []struct {
		Type string `xml:"type,attr"`
		ID   string `xml:"id,attr"`
	} `xml:"footerReference"`
}

type wStyles struct {
	Styles []struct {
		ID  string `xml:"styleId,attr"`
		PPr wPPr   `xml:"pPr"`
		RPr struct {
			Fonts struct {
				EastAsia string `xml:"eastAsia,attr"`
				ASCII    string `xml:"ascii,attr"`
			} `xml:"rFonts"`
			B  *struct{} `xml:"b"`
			Sz wVal      `xml:"sz"`
		} `xml:"rPr"`
	} `xml:"style"`
}

// text is a paragraph's text, its runs joined.
func (p wBodyItem) text() string {
	var b strings.Builder
	for _, r := range p.Runs {
		for _, t := range r.T {
			b.WriteString(t)
		}
	}
	return b.String()
}

// docxPackage is a written DOCX: its parts by path.
type docxPackage map[string][]byte

func openDOCX(t *testing.T, data []byte) docxPackage {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("docx is not a zip: %v", err)
	}
	pkg := docxPackage{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		pkg[f.Name] = b
		if err := wellFormed(b); err != nil {
			t.Errorf("%s is not well-formed XML: %v", f.Name, err)
		}
	}
	if zr.File[0].Name != "[Content_Types].xml" {
		t.Errorf("first part %s, want [Content_Types].xml", zr.File[0].Name)
	}
	return pkg
}

// wellFormed reads every token of an XML document.
func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (pkg docxPackage) document(t *testing.T) wDocument {
	t.Helper()
	var doc wDocument
	if err := xml.Unmarshal(pkg["word/document.xml"], &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func (pkg docxPackage) styles(t *testing.T) wStyles {
	t.Helper()
	var s wStyles
	if err := xml.Unmarshal(pkg["word/styles.xml"], &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// paragraphs are the body's paragraphs as "Style|text", tables left out.
func (doc wDocument) paragraphs() []string {
	var out []string
	for _, it := range doc.Body.Items {
		if it.XMLName.Local == "p" {
			out = append(out, it.PPr.Style.Val+"|"+it.text())
		}
	}
	return out
}

func writeDOCX(t *testing.T, n Notice) docxPackage {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteDOCX(&buf, n); err != nil {
		t.Fatal(err)
	}
	return openDOCX(t, buf.Bytes())
}

// The page, the styles of each level and the footer are GB/T 9704-2012's.
func TestDOCXLayout(t *testing.T) {
	t.Parallel()
	pkg := writeDOCX(t, Build(testItems(t), nil, testNames, date(t, "2026-11-25"), 7))
	for _, part := range []string{"[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels",
		"word/styles.xml", "word/settings.xml", "word/fontTable.xml", "word/footer1.xml", "word/footer2.xml",
		"docProps/core.xml", "docProps/app.xml"} {
		if _, ok := pkg[part]; !ok {
			t.Errorf("no part %s", part)
		}
	}
	doc := pkg.document(t)
	s := doc.Body.Sect
	// A4 portrait; margins 37, 35, 28, 26 mm in twips.
	if s.PgSz.W != "11906" || s.PgSz.H != "16838" || s.PgSz.Orient != "" {
		t.Errorf("page %+v, want A4 portrait", s.PgSz)
	}
	if m := s.PgMar; m.Top != "2098" || m.Bottom != "1984" || m.Left != "1587" || m.Right != "1474" {
		t.Errorf("margins %+v, want top 2098 bottom 1984 left 1587 right 1474", m)
	}
	if len(s.Footers) != 2 || s.Footers[0].Type != "default" || s.Footers[1].Type != "even" {
		t.Errorf("footers %+v, want odd and even", s.Footers)
	}
	if !bytes.Contains(pkg["word/settings.xml"], []byte("<w:evenAndOddHeaders/>")) {
		t.Error("settings lack evenAndOddHeaders: the even pages' footer would not show")
	}
	for _, footer := range []string{"word/footer1.xml", "word/footer2.xml"} {
		var ftr struct {
			P wBodyItem `xml:"p"`
		}
		if err := xml.Unmarshal(pkg[footer], &ftr); err != nil {
			t.Fatal(err)
		}
		var instr string
		for _, r := range ftr.P.Runs {
			instr += strings.Join(r.Instr, "")
		}
		if ftr.P.text() != "— 1 —" || strings.TrimSpace(instr) != "PAGE" {
			t.Errorf("%s: text %q field %q, want — PAGE —", footer, ftr.P.text(), instr)
		}
	}
	if j := footerJc(t, pkg, "word/footer1.xml"); j != "right" {
		t.Errorf("odd pages' number %s, want right", j)
	}
	if j := footerJc(t, pkg, "word/footer2.xml"); j != "left" {
		t.Errorf("even pages' number %s, want left", j)
	}

	type font struct {
		eastAsia, size string
		bold           bool
	}
	want := map[string]font{
		"Normal":          {"仿宋_GB2312", "32", false},
		"NoticeTitle":     {"方正小标宋简体", "44", false},
		"Heading1":        {"黑体", "", false},
		"Heading2":        {"楷体_GB2312", "", false},
		"Heading3":        {"仿宋_GB2312", "", true},
		"Heading4":        {"仿宋_GB2312", "", false},
		"AttachmentLabel": {"黑体", "", false},
		"AttachmentTitle": {"方正小标宋简体", "44", false},
		"TableText":       {"仿宋_GB2312", "24", false},
		"TableHeader":     {"黑体", "24", false},
		"Footer":          {"宋体", "28", false},
	}
	seen := map[string]bool{}
	for _, st := range pkg.styles(t).Styles {
		w, ok := want[st.ID]
		if !ok {
			continue
		}
		seen[st.ID] = true
		got := font{st.RPr.Fonts.EastAsia, st.RPr.Sz.Val, st.RPr.B != nil}
		if got != w {
			t.Errorf("style %s: font %+v, want %+v", st.ID, got, w)
		}
		switch st.ID {
		case "Normal": // 28 pt lines, two characters' indent
			if sp := st.PPr.Spacing; sp.Line != "560" || sp.LineRule != "exact" || st.PPr.Ind.FirstLineChars != "200" {
				t.Errorf("Normal: spacing %+v indent %+v, want exact 560 and 200", sp, st.PPr.Ind)
			}
		case "NoticeTitle", "AttachmentTitle":
			if st.PPr.Jc.Val != "center" {
				t.Errorf("%s is not centred", st.ID)
			}
		case "Heading1", "Heading2", "Heading3":
			if st.PPr.OutlineLvl == nil || st.PPr.Ind.FirstLineChars != "200" {
				t.Errorf("%s: outline %v indent %+v", st.ID, st.PPr.OutlineLvl, st.PPr.Ind)
			}
		case "AttachmentLabel":
			if st.PPr.PageBreakBefore == nil {
				t.Error("the attachment does not start a page")
			}
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("no style %s", id)
		}
	}
	// Every paragraph's style exists (Normal when none is named).
	for _, p := range doc.paragraphs() {
		style, _, _ := strings.Cut(p, "|")
		if _, ok := want[style]; style != "" && style != "Signature" && !ok {
			t.Errorf("paragraph %q has the unknown style %s", p, style)
		}
	}
}

func footerJc(t *testing.T, pkg docxPackage, part string) string {
	t.Helper()
	var ftr struct {
		P wBodyItem `xml:"p"`
	}
	if err := xml.Unmarshal(pkg[part], &ftr); err != nil {
		t.Fatal(err)
	}
	return ftr.P.PPr.Jc.Val
}

// The document holds the notice's blocks in order, each in its level's
// style, and the table of the problems still open.
func TestDOCXContent(t *testing.T) {
	t.Parallel()
	n := Build(testItems(t), nil, testNames, date(t, "2026-11-25"), 7)
	doc := writeDOCX(t, n).document(t)
	want := []string{
		"NoticeTitle|中共某某党组关于市委第五轮巡察集中整改进展情况的通报",
		"|根据统一部署，现将市委第五轮巡察整改进展情况予以通报。",
		"Heading1|一、组织整改落实情况",
		"|党组高度重视。",
		"|主要负责同志亲自督办。",
		"Heading1|二、巡察反馈意见整改进展情况",
		"|截至2026年11月25日，巡察反馈问题共4个，已完成整改2个（其中已销号1个），正在整改2个。",
		"|注：一.1、二.2共2个问题的完成日期未登记，按登记完成日期统计。",
		"Heading2|（一）甲方面问题",
		"Heading3|1.关于学习问题",
		"Heading4|（1）学习不够 <深入>",
		"|整改情况：已完成*全部*学习",
		"|整改结果：已完成",
		"Heading4|（2）建会入会不力",
		"|整改结果：未完成（正在整改）",
		"Heading2|（二）乙方面问题",
		"Heading3|1.内部审计流于形式",
		"|整改结果：未完成（正在整改）",
		"Heading3|2.合同管理不严格",
		"|整改结果：已完成（已销号）",
		"Heading1|三、下一步整改工作安排",
		"|下一步，继续抓好整改。",
		"|欢迎监督。",
		"|电话：0531-12345678",
		"|附件：尚未完成整改的问题清单",
		"Signature|中共某某党组",
		"Signature|2026年11月25日",
		"AttachmentLabel|附件",
		"AttachmentTitle|尚未完成整改的问题清单",
		"TableText|", // the paragraph Word wants after a table
	}
	if got := doc.paragraphs(); !slices.Equal(got, want) {
		t.Errorf("paragraphs\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var rows []string
	for _, it := range doc.Body.Items {
		for _, r := range it.Rows {
			var cells []string
			for _, c := range r.Cells {
				cells = append(cells, c.P.PPr.Style.Val+":"+c.P.text())
			}
			rows = append(rows, strings.Join(cells, " "))
		}
	}
	wantRows := []string{
		"TableHeader:编号 TableHeader:问题 TableHeader:责任部门 TableHeader:责任领导 TableHeader:完成时限",
		"TableText:一.2 TableText:建会入会不力 TableText:基层工作部、办公室 TableText:刘某某 TableText:2026年11月20日（已逾期5天）",
		"TableText:二.1 TableText:内部审计流于形式 TableText:经费审查办公室 TableText:陈某某 TableText:长期坚持",
	}
	if !slices.Equal(rows, wantRows) {
		t.Errorf("table\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(wantRows, "\n"))
	}
	// The issuer signs two characters from the right; the date starts two
	// characters right of the issuer's first: 6 characters of name against
	// the date's 6.5 (digits are half as wide).
	for _, it := range doc.Body.Items {
		switch it.text() {
		case "中共某某党组":
			if it.PPr.Ind.RightChars != "200" {
				t.Errorf("issuer's right indent %s, want 200", it.PPr.Ind.RightChars)
			}
		case "2026年11月25日":
			if it.PPr.Ind.RightChars != "0" {
				t.Errorf("date's right indent %s, want 0", it.PPr.Ind.RightChars)
			}
		}
	}
}

// Ledger text is XML-escaped in every part: markup, entities and
// characters XML cannot hold never break the document.
func TestDOCXEscapes(t *testing.T) {
	t.Parallel()
	items := testItems(t)
	items[0].Problem = `</w:t></w:r><w:r><w:t>注入 & "引号" ]]> <!--`
	items[0].Category = "甲&乙\x01方面"
	names := testNames
	names.Texts.Issuer = `<党组> & "某"`
	pkg := writeDOCX(t, Build(items, nil, names, date(t, "2026-11-25"), 7))
	doc := pkg.document(t)
	got := doc.paragraphs()
	for _, want := range []string{
		`Heading4|</w:t></w:r><w:r><w:t>注入 & "引号" ]]> <!--`, // the only one of its sub-category in its new category
		"Heading2|（一）甲&乙\uFFFD方面",
		`Signature|<党组> & "某"`,
	} {
		if !slices.Contains(got, want) {
			t.Errorf("paragraphs lack %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	if !bytes.Contains(pkg["docProps/core.xml"], []byte("&lt;党组&gt; &amp; &#34;某&#34;")) {
		t.Errorf("core.xml: %s", pkg["docProps/core.xml"])
	}
}

// One notice is one file, byte for byte: nothing of the moment it was
// written goes in.
func TestDOCXIsReproducible(t *testing.T) {
	t.Parallel()
	n := Build(testItems(t), nil, testNames, date(t, "2026-11-25"), 7)
	var a, b bytes.Buffer
	if err := WriteDOCX(&a, n); err != nil {
		t.Fatal(err)
	}
	if err := WriteDOCX(&b, n); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes of one notice differ")
	}
}
