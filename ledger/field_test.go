package ledger

import (
	"slices"
	"testing"
)

func TestItemValuesAndChanges(t *testing.T) {
	t.Parallel()
	before := Item{Category: "甲", SubCategory: "子", Problem: "问题", Measures: "措施", Leader: "wang", Units: []string{"bgs", "cwb"},
		Deadline: day(t, "2026-11-30"), Status: StatusDone, CompletedOn: day(t, "2026-11-20"), Progress: "情况"}
	var values []string
	for _, f := range ItemFields() {
		values = append(values, f.Label()+"="+before.Value(f))
	}
	want := []string{"问题类别=甲", "问题子类=子", "问题=问题", "整改措施=措施", "责任领导=wang", "责任部门=bgs,cwb",
		"完成时限=2026-11-30", "整改状态=done", "完成日期=2026-11-20", "整改情况=情况"}
	if !slices.Equal(values, want) {
		t.Errorf("values %q, want %q", values, want)
	}

	after := before.With(Item{LongTerm: true, Progress: "新情况", Units: []string{"zzb"}, Measures: "不取"},
		[]Field{FieldDeadline, FieldProgress, FieldUnits})
	if after.Measures != "措施" || !after.LongTerm || !after.Deadline.IsZero() {
		t.Errorf("With took %+v", after)
	}
	var got []string
	for _, c := range Changes(before, after, ItemFields()) {
		got = append(got, string(c.Field)+":"+c.Old+"→"+c.New)
	}
	if want := []string{"units:bgs,cwb→zzb", "deadline:2026-11-30→长期坚持", "progress:情况→新情况"}; !slices.Equal(got, want) {
		t.Errorf("changes %q, want %q", got, want)
	}
	if len(Changes(before, after, []Field{FieldMeasures})) != 0 {
		t.Error("a field left out of the list changed")
	}
}

func TestExtensionAndLabels(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		before, after string
		want          bool
	}{
		{"2026-11-30", "2026-12-31", true},
		{"2026-11-30", "2026-11-01", false},
		{"2026-11-30", "长期坚持", true},
		{"长期坚持", "2026-11-30", false},
		{"", "2026-11-30", false},
	} {
		if got := IsExtension(tt.before, tt.after); got != tt.want {
			t.Errorf("IsExtension(%q, %q) = %v", tt.before, tt.after, got)
		}
	}
	for _, tt := range []struct {
		changes []Change
		want    bool
	}{
		{[]Change{{Field: FieldProgress, Old: "a", New: "b"}, {Field: FieldDeadline, Old: "2026-11-30", New: "2026-12-31"}}, true},
		{[]Change{{Field: FieldDeadline, Old: "2026-11-30", New: "2026-11-01"}}, false},
		{[]Change{{Field: FieldCompletedOn, Old: "2026-11-01", New: "2026-11-30"}}, false},
		{nil, false},
	} {
		if got := HasExtension(tt.changes); got != tt.want {
			t.Errorf("HasExtension(%+v) = %v", tt.changes, got)
		}
	}
	for _, tt := range []struct {
		e    Event
		want string
	}{
		{Event{Kind: EventEdited, Field: FieldDeadline, Old: "2026-11-30", New: "2026-12-31"}, "延期"},
		{Event{Kind: EventEdited, Field: FieldDeadline, Old: "2026-11-30", New: "2026-12-31", Source: "a.xlsx"}, "延期"},
		{Event{Kind: EventEdited, Field: FieldProgress, Source: "a.xlsx"}, "导入更新"},
		{Event{Kind: EventEdited, Field: FieldProgress}, "修改"},
		{Event{Kind: EventStatus, Field: FieldStatus, Old: "open", New: "done"}, "状态变更"},
	} {
		if got := tt.e.Label(); got != tt.want {
			t.Errorf("%+v: label %q, want %q", tt.e, got, tt.want)
		}
	}
	names := func(code string) string {
		return map[string]string{"bgs": "办公室", "cwb": "财务资产部", "wang": "王某某"}[code]
	}
	for _, tt := range []struct {
		f       Field
		v, want string
	}{
		{FieldStatus, "done", "已完成"},
		{FieldUnits, "bgs,cwb", "办公室、财务资产部"},
		{FieldLeader, "wang", "王某某"},
		{FieldCompletedOn, "", "—"},
		{FieldProgress, "情况", "情况"},
	} {
		if got := ValueText(tt.f, tt.v, names, names); got != tt.want {
			t.Errorf("ValueText(%s, %q) = %q, want %q", tt.f, tt.v, got, tt.want)
		}
	}
}

// An item as of a day is done only if done by then: by its completion day
// when known, else by the day duban first saw it done.
func TestItemAsOf(t *testing.T) {
	t.Parallel()
	known := Item{Status: StatusDone, CompletedOn: day(t, "2026-03-01"), DoneSeenOn: day(t, "2026-05-01")}
	seen := Item{Status: StatusClosed, DoneSeenOn: day(t, "2026-05-01")}
	for _, tt := range []struct {
		it   Item
		on   string
		want Status
	}{
		{known, "2026-02-28", StatusOpen},
		{known, "2026-03-01", StatusDone},
		{seen, "2026-04-30", StatusOpen},
		{seen, "2026-05-01", StatusClosed},
		{Item{Status: StatusOpen}, "2030-01-01", StatusOpen},
	} {
		got := tt.it.AsOf(day(t, tt.on))
		if got.Status != tt.want {
			t.Errorf("%+v as of %s: %s, want %s", tt.it, tt.on, got.Status, tt.want)
		}
		if d, _ := got.DoneOn(); got.Status == StatusOpen && !d.IsZero() {
			t.Errorf("%+v as of %s: open but done on %s", tt.it, tt.on, d)
		}
	}
	if d, known := known.DoneOn(); !known || d != day(t, "2026-03-01") {
		t.Errorf("DoneOn of a known day = %s %v", d, known)
	}
	if d, known := seen.DoneOn(); known || d != day(t, "2026-05-01") {
		t.Errorf("DoneOn of an unknown day = %s %v", d, known)
	}
}
