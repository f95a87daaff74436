package sheet

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/width"

	"duban/ledger"
)

// field is a column of the ledger that duban knows.
type field int

const (
	fieldNo field = iota
	fieldCategory
	fieldSubCategory
	fieldProblem
	fieldMeasures
	fieldLeader
	fieldUnits
	fieldDeadline
	fieldStatus
	fieldCompleted
	fieldProgress
	numFields
)

// fieldSpec names a field the way the office and the CLI do.
type fieldSpec struct {
	zh, en   string   // canonical names
	synonyms []string // other headers seen in real ledgers
	required bool
}

// fieldSpecs is indexed by field. A function, not a table variable, so the
// package holds no mutable state.
func fieldSpecs() [numFields]fieldSpec {
	return [numFields]fieldSpec{
		fieldNo:       {zh: "编号", en: "no", synonyms: []string{"序号"}, required: true},
		fieldCategory: {zh: "问题类别", en: "category", synonyms: []string{"类别", "一级类别"}},
		fieldSubCategory: {zh: "问题子类", en: "subcategory",
			synonyms: []string{"二级类别", "问题小类", "子类", "sub_category", "sub-category"}},
		fieldProblem:  {zh: "问题", en: "problem", synonyms: []string{"问题描述", "具体问题"}, required: true},
		fieldMeasures: {zh: "整改措施", en: "measures"},
		fieldLeader:   {zh: "责任领导", en: "leader", synonyms: []string{"分管领导"}},
		fieldUnits:    {zh: "责任部门", en: "units", synonyms: []string{"责任处室", "责任单位"}, required: true},
		fieldDeadline: {zh: "完成时限", en: "deadline", synonyms: []string{"整改时限"}, required: true},
		fieldStatus:   {zh: "整改状态", en: "status", synonyms: []string{"状态", "整改结果"}, required: true},
		// 完成时间 is when it was done, never the deadline (完成时限).
		fieldCompleted: {zh: "完成日期", en: "completed_on", synonyms: []string{"完成时间", "办结日期"}},
		fieldProgress:  {zh: "整改情况", en: "progress", synonyms: []string{"进展情况"}},
	}
}

// ledgerField is the item field a column fills; fieldNo fills none.
func (f field) ledgerField() (ledger.Field, bool) {
	switch f {
	case fieldCategory:
		return ledger.FieldCategory, true
	case fieldSubCategory:
		return ledger.FieldSubCategory, true
	case fieldProblem:
		return ledger.FieldProblem, true
	case fieldMeasures:
		return ledger.FieldMeasures, true
	case fieldLeader:
		return ledger.FieldLeader, true
	case fieldUnits:
		return ledger.FieldUnits, true
	case fieldDeadline:
		return ledger.FieldDeadline, true
	case fieldStatus:
		return ledger.FieldStatus, true
	case fieldCompleted:
		return ledger.FieldCompletedOn, true
	case fieldProgress:
		return ledger.FieldProgress, true
	}
	return "", false
}

// fields are the item fields the file has columns for, in ledger order.
func (l *layout) fields() []ledger.Field {
	var out []ledger.Field
	for f := range numFields {
		if lf, ok := f.ledgerField(); ok && l.col[f] >= 0 {
			out = append(out, lf)
		}
	}
	return out
}

// Ranks of a header match: a canonical name beats a synonym.
const (
	rankCanonical = 1
	rankSynonym   = 2
)

// normHeader folds a header cell for matching: no spaces of any width
// anywhere, ASCII letters in lower case, full-width letters folded.
func normHeader(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// matchHeader tells which field a header cell names, and how strongly.
func matchHeader(cell string) (f field, rank int, ok bool) {
	h := normHeader(cell)
	if h == "" {
		return 0, 0, false
	}
	for f, spec := range fieldSpecs() {
		if h == spec.zh || h == spec.en {
			return field(f), rankCanonical, true
		}
		for _, syn := range spec.synonyms {
			if h == syn {
				return field(f), rankSynonym, true
			}
		}
	}
	return 0, 0, false
}

// layout maps fields to column indexes (0-based) for one file.
type layout struct {
	headers []string // header cells as written, trimmed
	col     [numFields]int
	rank    [numFields]int
}

// knownHeaders counts the cells of a row that name a field.
func knownHeaders(cells []string) int {
	n := 0
	for _, c := range cells {
		if _, _, ok := matchHeader(c); ok {
			n++
		}
	}
	return n
}

// newLayout reads the header row. It reports a repeated column and missing
// required columns as errors on the header row.
func newLayout(row int, cells []string, errs *collector) (*layout, bool) {
	l := &layout{headers: make([]string, len(cells))}
	var candidates [numFields][]int // columns naming each field, best rank only
	for i, c := range cells {
		l.headers[i] = trimCell(c)
		f, rank, known := matchHeader(c)
		if !known {
			continue
		}
		switch {
		case len(candidates[f]) == 0 || rank < l.rank[f]:
			candidates[f], l.rank[f] = []int{i}, rank
		case rank == l.rank[f]:
			candidates[f] = append(candidates[f], i)
		}
	}
	ok := true
	for f, cols := range candidates {
		if len(cols) == 0 {
			l.col[f] = -1
			continue
		}
		l.col[f] = cols[0]
		for _, i := range cols[1:] {
			errs.add(RowError{Row: row, Column: l.headers[i],
				Reason: fmt.Sprintf("列重复：与 %s 列 %q 是同一列", columnName(cols[0]), l.headers[cols[0]])})
			ok = false
		}
	}
	if missing := l.missing(); len(missing) > 0 {
		reason := fmt.Sprintf("缺少必需的列：%s；表头中的列：%s", strings.Join(missing, "、"), l.foundHeaders())
		if l.col[fieldDeadline] < 0 && l.col[fieldCompleted] >= 0 {
			reason += fmt.Sprintf("（%q 列读作完成日期，完成时限列请命名为“完成时限”）", l.headers[l.col[fieldCompleted]])
		}
		errs.add(RowError{Row: row, Reason: reason})
		ok = false
	}
	return l, ok
}

// missing names the required fields the header lacks, as "编号（no）".
func (l *layout) missing() []string {
	var names []string
	for f, spec := range fieldSpecs() {
		if spec.required && l.col[f] < 0 {
			names = append(names, fmt.Sprintf("%s（%s）", spec.zh, spec.en))
		}
	}
	return names
}

// foundHeaders lists the non-empty header cells, for the missing-column error.
func (l *layout) foundHeaders() string {
	var found []string
	for _, h := range l.headers {
		if h != "" {
			found = append(found, shortHeader(h))
		}
	}
	if len(found) == 0 {
		return "（无）"
	}
	return strings.Join(found, "、")
}

// shortHeader keeps a listed header readable when a data row was taken for
// the header.
func shortHeader(h string) string {
	const maxChars = 20
	if r := []rune(h); len(r) > maxChars {
		return string(r[:maxChars]) + "…"
	}
	return h
}

// column returns the header of column i as written, or its letter when the
// header cell is empty.
func (l *layout) column(i int) string {
	if i < len(l.headers) && l.headers[i] != "" {
		return l.headers[i]
	}
	return columnName(i)
}

// columnName is the Excel letter of the 0-based column index i: 0 → A.
func columnName(i int) string {
	var b []byte
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}
