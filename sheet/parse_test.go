package sheet

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"duban/ledger"
)

func TestParseDeadline(t *testing.T) {
	t.Parallel()
	d := ledger.NewDate
	tests := []struct {
		in       string
		want     ledger.Date
		longTerm bool
	}{
		{"2024-12-31", d(2024, 12, 31), false},
		{"2024/12/31", d(2024, 12, 31), false},
		{"2024.12.31", d(2024, 12, 31), false},
		{"2024-1-5", d(2024, 1, 5), false},
		{"2025/3/31", d(2025, 3, 31), false},
		{"2024年12月31日", d(2024, 12, 31), false},
		{"2024年1月5日", d(2024, 1, 5), false},
		{"2024年12月31号", d(2024, 12, 31), false},
		{"2024年12月31", d(2024, 12, 31), false},
		{"2024年12月底", d(2024, 12, 31), false},
		{"2024年2月底", d(2024, 2, 29), false}, // leap year
		{"2025年2月底", d(2025, 2, 28), false},
		{"2024年11月末", d(2024, 11, 30), false},
		{"2024年12月", d(2024, 12, 31), false},
		{"2025年4月", d(2025, 4, 30), false},
		{"2024年底", d(2024, 12, 31), false},
		{"2024年末", d(2024, 12, 31), false},
		{"2024年12月底前", d(2024, 12, 31), false},
		{"2024年12月31日之前", d(2024, 12, 31), false},
		{"2024-12-31以前", d(2024, 12, 31), false},
		{"长期坚持", ledger.Date{}, true},
		{" 长期 坚持 ", ledger.Date{}, true},
		{"\u3000２０２４年１２月３１日\u3000", d(2024, 12, 31), false}, // full-width digits and spaces
		{"２０２４／１２／３１", d(2024, 12, 31), false},
		{"2024 年 12 月 31 日", d(2024, 12, 31), false},
		{"2024/12/31 0:00", d(2024, 12, 31), false}, // an Excel date-time saved as CSV
		{"2024-12-31 23:59:59", d(2024, 12, 31), false},
		{"2024-02-29", d(2024, 2, 29), false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, longTerm, err := parseDeadline(tt.in)
			if err != nil {
				t.Fatalf("parseDeadline(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || longTerm != tt.longTerm {
				t.Errorf("parseDeadline(%q) = %v, %v; want %v, %v", tt.in, got, longTerm, tt.want, tt.longTerm)
			}
		})
	}
}

func TestParseDeadlineRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"2024-13-01", "2024-02-30", "2025-02-29", "2024-00-10", "2024-12-00", "2024-12-32",
		"2024/12-31", "2024-12", "24-12-31", "20241231", "12/31/2024", "2024-12-31-1",
		"2024年13月", "2024年12月32日", "2024年12月底后", "2024年", "年12月31日", "2024年十二月",
		"1900-01-01", "2300-01-01", "0224-12-31", "长期", "尽快", "45657", "2024-12-31 8点",
		"2024-１２-x", "-2024-12-31", "2024..12", "",
	} {
		if d, lt, err := parseDeadline(in); err == nil {
			t.Errorf("parseDeadline(%q) = %v, %v; want an error", in, d, lt)
		}
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	open, done, closed := ledger.StatusOpen, ledger.StatusDone, ledger.StatusClosed
	tests := []struct {
		in       string
		want     ledger.Status
		longTerm bool
	}{
		{"已完成", done, false},
		{"已销号", closed, false},
		{"未完成", open, false},
		{"正在整改", open, false},
		{"整改中", open, false},
		{"未完成(正在整改)", open, false},
		{"未完成（正在整改）", open, false},
		{"未完成 (正在整改)", open, false},
		{"未完成\n(正在整改)", open, false}, // Alt+Enter in the cell
		{"长期坚持", open, true},
		{"open", open, false},
		{"Done", done, false},
		{"CLOSED", closed, false},
		{"\u3000已完成\u3000", done, false},
	}
	for _, tt := range tests {
		got, ok := parseStatus(tt.in)
		if !ok || got.status != tt.want || got.longTerm != tt.longTerm {
			t.Errorf("parseStatus(%q) = %+v, %v; want %v long-term %v", tt.in, got, ok, tt.want, tt.longTerm)
		}
	}
	for _, in := range []string{"完成", "已完成了", "未完成(正在整改", "进行中", "opened", "", "已 销 号 了"} {
		if got, ok := parseStatus(in); ok {
			t.Errorf("parseStatus(%q) = %+v; want not recognised", in, got)
		}
	}
}

func TestSplitNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"办公室", []string{"办公室"}},
		{"办公室、组织部", []string{"办公室", "组织部"}},
		{"办公室,组织部，机关党委;财务资产部；基层工作部", []string{"办公室", "组织部", "机关党委", "财务资产部", "基层工作部"}},
		{" 办公室 、\u3000组织部 ", []string{"办公室", "组织部"}},
		{"、、办公室、", []string{"办公室"}},
		{"、 ,", nil},
	}
	for _, tt := range tests {
		if got := splitNames(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitNames(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestMatchHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want field
		rank int
	}{
		{"编号", fieldNo, rankCanonical},
		{" No ", fieldNo, rankCanonical},
		{"序号", fieldNo, rankSynonym},
		{"问题类别", fieldCategory, rankCanonical},
		{"类别", fieldCategory, rankSynonym},
		{"问题子类", fieldSubCategory, rankCanonical},
		{"二级类别", fieldSubCategory, rankSynonym},
		{"Sub-Category", fieldSubCategory, rankSynonym},
		{"问题", fieldProblem, rankCanonical},
		{"问题描述", fieldProblem, rankSynonym},
		{"具体问题", fieldProblem, rankSynonym},
		{"整改措施", fieldMeasures, rankCanonical},
		{"MEASURES", fieldMeasures, rankCanonical},
		{"责任领导", fieldLeader, rankCanonical},
		{"分管领导", fieldLeader, rankSynonym},
		{"责任部门", fieldUnits, rankCanonical},
		{"责任处室", fieldUnits, rankSynonym},
		{"责任单位", fieldUnits, rankSynonym},
		{"完成时限", fieldDeadline, rankCanonical},
		{"整改时限", fieldDeadline, rankSynonym},
		{"完成日期", fieldCompleted, rankCanonical},
		{"完成时间", fieldCompleted, rankSynonym}, // never the deadline
		{"办结日期", fieldCompleted, rankSynonym},
		{"整改状态", fieldStatus, rankCanonical},
		{"状态", fieldStatus, rankSynonym},
		{"整改结果", fieldStatus, rankSynonym},
		{"整改情况", fieldProgress, rankCanonical},
		{"进展情况", fieldProgress, rankSynonym},
		{"\u3000完成 时限\u3000", fieldDeadline, rankCanonical},
		{"\uFEFF编号", fieldNo, rankCanonical},
		{"ｄｅａｄｌｉｎｅ", fieldDeadline, rankCanonical}, // full-width letters
	}
	for _, tt := range tests {
		f, rank, ok := matchHeader(tt.in)
		if !ok || f != tt.want || rank != tt.rank {
			t.Errorf("matchHeader(%q) = %v, %v, %v; want %v, %v", tt.in, f, rank, ok, tt.want, tt.rank)
		}
	}
	for _, in := range []string{"备注", "", "问题 类别 说明", "编号*"} {
		if f, _, ok := matchHeader(in); ok {
			t.Errorf("matchHeader(%q) = %v; want unknown", in, f)
		}
	}
}

func TestColumnName(t *testing.T) {
	t.Parallel()
	for i, want := range map[int]string{0: "A", 8: "I", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := columnName(i); got != want {
			t.Errorf("columnName(%d) = %q; want %q", i, got, want)
		}
	}
}

// The messages spell the limits out in words; they must say what the code does.
func TestLimitMessages(t *testing.T) {
	t.Parallel()
	if want := fmt.Sprintf("文件超过 %d MiB 上限", MaxFileSize>>20); msgTooLarge != want {
		t.Errorf("msgTooLarge = %q; want %q", msgTooLarge, want)
	}
	if want := fmt.Sprintf("单元格超过 %d 个字符的上限", MaxCellChars); msgTooLong != want {
		t.Errorf("msgTooLong = %q; want %q", msgTooLong, want)
	}
	if want := fmt.Sprintf("超过 %d 列，", MaxFields); !strings.HasPrefix(msgTooWide, want) {
		t.Errorf("msgTooWide = %q; want it to start %q", msgTooWide, want)
	}
	if want := fmt.Sprintf("文件超过 %d 行的上限，", MaxRows); !strings.HasPrefix(msgTooMany, want) {
		t.Errorf("msgTooMany = %q; want it to start %q", msgTooMany, want)
	}
}

func TestExcelDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		date1904 bool
		want     string
	}{
		{"45657", false, "2024-12-31"},
		{"45657.5", false, "2024-12-31"}, // noon of that day
		{"44195", true, "2024-12-31"},    // the 1904 date system counts 1462 days fewer
		{"2024-12-31T00:00:00Z", false, "2024-12-31"},
		{"2024-12-31T00:00:00", false, "2024-12-31"},
		{"2024-12-31", false, "2024-12-31"},
		{"长期坚持", false, "长期坚持"},
		{"0", false, "0"},
		{"99999999", false, "99999999"},
		{"NaN", false, "NaN"},
		{"1e5", false, "1e5"},
	}
	for _, tt := range tests {
		if got := excelDate(tt.in, tt.date1904); got != tt.want {
			t.Errorf("excelDate(%q, %v) = %q; want %q", tt.in, tt.date1904, got, tt.want)
		}
	}
}

func TestRowErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    RowError
		want string
	}{
		{RowError{Row: 5, Column: "完成时限", Value: "2024-13-01", Reason: "日期无效"}, `第5行 完成时限 "2024-13-01"：日期无效`},
		{RowError{Row: 5, Column: "编号", Reason: "缺少编号"}, `第5行 编号：缺少编号`},
		{RowError{Row: 1, Reason: "缺少必需的列：编号(no)"}, `第1行：缺少必需的列：编号(no)`},
		{RowError{Reason: "没有数据行"}, `没有数据行`},
		{RowError{Row: 3, Column: "编号", Value: "一\n1", Reason: "编号不能包含换行或控制字符"}, `第3行 编号 "一\n1"：编号不能包含换行或控制字符`},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("%+v.String() = %q; want %q", tt.e, got, tt.want)
		}
	}
}
