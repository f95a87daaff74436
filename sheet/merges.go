package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// mergedRanges returns the merged ranges of the workbook's first worksheet
// by scanning the worksheet's XML for its <mergeCell ref="A1:B2"/>
// elements. excelize's GetMergeCells parses the whole worksheet into
// structures first: for a ledger of 100,000 rows that is over a GiB, kept
// while the rows are read. ok is false when the workbook's layout is not
// the usual one; the caller then asks excelize.
func mergedRanges(data []byte) (merges []excelize.MergeCell, ok bool) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, false
	}
	sheetPath, err := firstSheetPath(zr)
	if err != nil {
		return nil, false
	}
	sheetXML, err := readZipFile(zr, sheetPath)
	if err != nil {
		return nil, false
	}
	start := indexElement(sheetXML, "mergeCells")
	if start < 0 {
		return nil, true // no merged cells
	}
	dec := xml.NewDecoder(bytes.NewReader(sheetXML[start:]))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "mergeCell" {
				continue
			}
			for _, a := range t.Attr {
				if a.Name.Local == "ref" {
					merges = append(merges, excelize.MergeCell{a.Value, ""})
				}
			}
		case xml.EndElement:
			if t.Name.Local == "mergeCells" {
				return merges, true
			}
		}
	}
}

// indexElement finds the start tag of the element local, with or without a
// namespace prefix.
func indexElement(doc []byte, local string) int {
	for from := 0; ; {
		i := bytes.Index(doc[from:], []byte(local))
		if i < 0 {
			return -1
		}
		i += from
		j := i + len(local)
		if j < len(doc) && (doc[j] == ' ' || doc[j] == '>' || doc[j] == '/') {
			// Walk back over a prefix ("x:") to the '<'.
			k := i - 1
			for k >= 0 && doc[k] != '<' && doc[k] != '>' && doc[k] != ' ' {
				k--
			}
			if k >= 0 && doc[k] == '<' && (k == i-1 || doc[i-1] == ':') {
				return k
			}
		}
		from = j
	}
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
