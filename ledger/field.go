package ledger

import (
	"slices"
	"strings"
)

// Field is a field of an item that a ledger file carries in a column and
// an edit may change. Its value as text (Item.Value) is what the timeline
// records before and after a change and what an import compares.
type Field string

const (
	FieldCategory    Field = "category"
	FieldSubCategory Field = "subcategory"
	FieldProblem     Field = "problem"
	FieldMeasures    Field = "measures"
	FieldLeader      Field = "leader"
	FieldUnits       Field = "units"
	FieldDeadline    Field = "deadline"
	FieldStatus      Field = "status"
	FieldCompletedOn Field = "completed_on"
	FieldProgress    Field = "progress"
)

// ItemFields are the fields of an item in the ledger's column order.
func ItemFields() []Field {
	return []Field{FieldCategory, FieldSubCategory, FieldProblem, FieldMeasures, FieldLeader, FieldUnits,
		FieldDeadline, FieldStatus, FieldCompletedOn, FieldProgress}
}

// Label is the field's column name in the office's ledger.
func (f Field) Label() string {
	switch f {
	case FieldCategory:
		return "问题类别"
	case FieldSubCategory:
		return "问题子类"
	case FieldProblem:
		return "问题"
	case FieldMeasures:
		return "整改措施"
	case FieldLeader:
		return "责任领导"
	case FieldUnits:
		return "责任部门"
	case FieldDeadline:
		return "完成时限"
	case FieldStatus:
		return "整改状态"
	case FieldCompletedOn:
		return "完成日期"
	case FieldProgress:
		return "整改情况"
	}
	return string(f)
}

// Guarded reports whether a change of the field made in duban is one an
// import must not undo unasked: the status, the deadline, the completion
// day and 整改情况 are what the office acts on between two imports.
func (f Field) Guarded() bool {
	switch f {
	case FieldStatus, FieldDeadline, FieldCompletedOn, FieldProgress:
		return true
	}
	return false
}

// longTermValue is a long-term deadline's value.
const longTermValue = "长期坚持"

// Value is the field's value as text: free text as is, dates as
// YYYY-MM-DD, 长期坚持 for a long-term deadline, the status and leader
// codes, the unit codes joined by commas; "" for none.
func (it Item) Value(f Field) string {
	switch f {
	case FieldCategory:
		return it.Category
	case FieldSubCategory:
		return it.SubCategory
	case FieldProblem:
		return it.Problem
	case FieldMeasures:
		return it.Measures
	case FieldLeader:
		return it.Leader
	case FieldUnits:
		return strings.Join(it.Units, ",")
	case FieldDeadline:
		if it.LongTerm {
			return longTermValue
		}
		return it.Deadline.String()
	case FieldStatus:
		return string(it.Status)
	case FieldCompletedOn:
		return it.CompletedOn.String()
	case FieldProgress:
		return it.Progress
	}
	return ""
}

// With is it with the fields taken from other; the deadline field carries
// the long-term mark with it.
func (it Item) With(other Item, fields []Field) Item {
	for _, f := range fields {
		switch f {
		case FieldCategory:
			it.Category = other.Category
		case FieldSubCategory:
			it.SubCategory = other.SubCategory
		case FieldProblem:
			it.Problem = other.Problem
		case FieldMeasures:
			it.Measures = other.Measures
		case FieldLeader:
			it.Leader = other.Leader
		case FieldUnits:
			it.Units = slices.Clone(other.Units)
		case FieldDeadline:
			it.Deadline, it.LongTerm = other.Deadline, other.LongTerm
		case FieldStatus:
			it.Status = other.Status
		case FieldCompletedOn:
			it.CompletedOn = other.CompletedOn
		case FieldProgress:
			it.Progress = other.Progress
		}
	}
	return it
}

// Change is one field of an item and its value before and after.
type Change struct {
	Field    Field
	Old, New string
}

// Changes lists, in the order of fields, the fields whose values differ
// between before and after.
func Changes(before, after Item, fields []Field) []Change {
	var out []Change
	for _, f := range fields {
		if o, n := before.Value(f), after.Value(f); o != n {
			out = append(out, Change{Field: f, Old: o, New: n})
		}
	}
	return out
}

// IsExtension reports whether a deadline moved from before to after (as
// Item.Value gives them) is an extension (延期): a later day, or a dated
// deadline made long-term.
func IsExtension(before, after string) bool {
	if before == "" || before == longTermValue || after == "" {
		return false
	}
	return after == longTermValue || after > before // YYYY-MM-DD sorts as dates do
}

// HasExtension reports whether changes move the deadline later (延期),
// which the office records only with its reason.
func HasExtension(changes []Change) bool {
	for _, c := range changes {
		if c.Field == FieldDeadline && IsExtension(c.Old, c.New) {
			return true
		}
	}
	return false
}

// ValueText is a field's value as a person reads it: a status by its
// label, units and the leader by name (through the functions given), a
// missing value as —.
func ValueText(f Field, v string, unitName, leaderName func(code string) string) string {
	switch {
	case v == "":
		return "—"
	case f == FieldStatus:
		return Status(v).Label()
	case f == FieldLeader:
		return leaderName(v)
	case f == FieldUnits:
		codes := strings.Split(v, ",")
		for i, c := range codes {
			codes[i] = unitName(c)
		}
		return strings.Join(codes, "、")
	}
	return v
}
