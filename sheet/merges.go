package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sheetScan is what a first pass over the workbook's first worksheet, as
// XML, finds before excelize reads its rows: the merged ranges, and the
// first row with more cells than any ledger has (0: none), which excelize
// would otherwise build in memory whole, however many cells it holds.
type sheetScan struct {
	merges   []excelize.MergeCell
	wideRow  int
	tooLarge bool // the worksheet expands beyond maxUnzipSize
}

// scanSheet reads the worksheet's XML as a stream of tags, holding none of
// it: its <mergeCell ref="A1:B2"/> elements (excelize's GetMergeCells
// parses the whole worksheet into structures first, kept while the rows
// are read) and the cells of each <row>. It looks at tag names and two
// attributes only, which keeps a pass over a large worksheet quick; the
// rows themselves are excelize's to read. ok is false when the workbook's
// layout is not the usual one; the caller then asks excelize for the
// merges.
func scanSheet(data []byte) (scan sheetScan, ok bool) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return scan, false
	}
	sheetPath, err := firstSheetPath(zr)
	if err != nil {
		return scan, false
	}
	part, err := openZipFile(zr, sheetPath)
	if err != nil {
		return scan, false
	}
	defer part.Close()
	limited := &io.LimitedReader{R: part, N: maxUnzipSize + 1}
	var t tagScanner
	buf := make([]byte, 0, scanChunk+maxTag)
	for {
		n, err := io.ReadFull(limited, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if limited.N <= 0 {
			scan.tooLarge = true
			return scan, true
		}
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return scan, false
		}
		rest := t.scan(buf, eof, &scan)
		if scan.wideRow > 0 || eof {
			return scan, true
		}
		buf = buf[:copy(buf, rest)]
	}
}

const (
	scanChunk = 256 << 10 // bytes of the worksheet read at a time
	maxTag    = 4 << 10   // a tag longer than this is skipped, not read
)

// tagScanner counts the cells of each row over a worksheet's chunks.
type tagScanner struct {
	row, cells int
}

// scan handles the tags of b and returns the incomplete tag at its end,
// to be read again with the next chunk (none at eof).
func (t *tagScanner) scan(b []byte, eof bool, scan *sheetScan) []byte {
	for {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			return nil
		}
		b = b[i:]
		end := bytes.IndexByte(b, '>')
		if end < 0 {
			if eof || len(b) > maxTag {
				return nil
			}
			return b
		}
		t.tag(b[1:end], scan)
		if scan.wideRow > 0 {
			return nil
		}
		b = b[end+1:]
	}
}

// tag handles one tag, its text between < and >.
func (t *tagScanner) tag(tag []byte, scan *sheetScan) {
	name := tag
	if i := bytes.IndexAny(tag, " \t\r\n/"); i >= 0 {
		name = tag[:i]
	}
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	switch string(name) {
	case "row":
		t.row, t.cells = t.row+1, 0
		if n, err := strconv.Atoi(attr(tag, "r")); err == nil && n > 0 {
			t.row = n
		}
	case "c":
		if t.cells++; t.cells > MaxFields {
			scan.wideRow = t.row
		}
	case "mergeCell":
		if ref := attr(tag, "ref"); ref != "" {
			scan.merges = append(scan.merges, excelize.MergeCell{ref, ""})
		}
	}
}

// attr is the value of the attribute name in a tag's text, "" when absent.
func attr(tag []byte, name string) string {
	for _, q := range []string{`"`, `'`} {
		key := []byte(" " + name + "=" + q)
		if i := bytes.Index(tag, key); i >= 0 {
			v := tag[i+len(key):]
			if j := bytes.IndexByte(v, q[0]); j >= 0 {
				return string(v[:j])
			}
		}
	}
	return ""
}

// firstSheetPath follows the package relationships to the part of the
// workbook's first sheet.
func firstSheetPath(zr *zip.Reader) (string, error) {
	workbook := "xl/workbook.xml"
	if rels, err := readRels(zr, "_rels/.rels"); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				workbook = strings.TrimPrefix(r.Target, "/")
			}
		}
	}
	doc, err := readZipFile(zr, workbook)
	if err != nil {
		return "", err
	}
	var wb struct {
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(doc, &wb); err != nil {
		return "", err
	}
	if len(wb.Sheets) == 0 {
		return "", errors.New("no sheet")
	}
	id := ""
	for _, a := range wb.Sheets[0].Attrs {
		if a.Name.Local == "id" && strings.Contains(a.Name.Space, "relationships") {
			id = a.Value
		}
	}
	dir := path.Dir(workbook)
	rels, err := readRels(zr, path.Join(dir, "_rels", path.Base(workbook)+".rels"))
	if err != nil {
		return "", err
	}
	for _, r := range rels {
		if r.ID == id {
			if strings.HasPrefix(r.Target, "/") {
				return strings.TrimPrefix(r.Target, "/"), nil
			}
			return path.Join(dir, r.Target), nil
		}
	}
	return "", errors.New("first sheet not found")
}

type relationship struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

func readRels(zr *zip.Reader, name string) ([]relationship, error) {
	doc, err := readZipFile(zr, name)
	if err != nil {
		return nil, err
	}
	var rels struct {
		List []relationship `xml:"Relationship"`
	}
	if err := xml.Unmarshal(doc, &rels); err != nil {
		return nil, err
	}
	return rels.List, nil
}

// openZipFile opens one part of the workbook.
func openZipFile(zr *zip.Reader, name string) (io.ReadCloser, error) {
	for _, f := range zr.File {
		if f.Name == name {
			return f.Open()
		}
	}
	return nil, errors.New("no part " + name)
}

// readZipFile reads one part, bounded like the whole workbook.
func readZipFile(zr *zip.Reader, name string) ([]byte, error) {
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, maxUnzipSize+1))
		if err != nil {
			return nil, err
		}
		if len(data) > maxUnzipSize {
			return nil, errors.New("part too large")
		}
		return data, nil
	}
	return nil, errors.New("no part " + name)
}
