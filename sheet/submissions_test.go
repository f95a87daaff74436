package sheet

import (
	"errors"
	"strings"
	"testing"

	"duban/ledger"
)

func submissionRules(t *testing.T) ledger.SubmissionRules {
	t.Helper()
	today, err := ledger.ParseDate("2025-10-20")
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]string{"综合科": "ua", "规划科": "ub", "监督科": "uc", "第一党支部": "zb1"}
	return ledger.SubmissionRules{
		Duties: []ledger.DutySpec{
			{ID: "yuebao", Name: "月度工作报告", Kind: ledger.Monthly, Units: []string{"ua", "ub"}, Exempt: []string{"uc"}},
			{ID: "sanhui", Name: "“三会一课”落实情况", Kind: ledger.Quarterly, Units: []string{"zb1"}},
		},
		ResolveUnit: func(s string) (string, bool) { return resolveIn(units, s) },
		ParseDate:   ParseDate,
		Today:       today,
	}
}

// A file with bad rows is refused whole, each bad row named with its
// column; duplicates of recorded submissions and of earlier rows too.
func TestReadSubmissionsRefusesBadRows(t *testing.T) {
	t.Parallel()
	recorded, err := ledger.ParseDate("2025-06-03")
	if err != nil {
		t.Fatal(err)
	}
	bad := "任务,部门,期间,报送日期,备注\n" +
		"yuebao,规划科,2025-05,2025/6/4,按时\n" + // fine
		"yuebao,综合科,2025-05,2025-06-03,\n" + // already recorded
		"月度工作报告,监督科,2025-06,2025-07-03,\n" + // exempt
		"yuebao,规划科,2025-Q2,2025-07-03,\n" + // wrong kind
		"nianbao,规划科,2025,2026-01-10,\n" + // unknown duty, date in the future
		"yuebao,规划科,2025-05,2025-06-04,\n" // duplicate of row 2
	_, err = ReadSubmissions(t.Context(), strings.NewReader(bad), "subs.csv", submissionRules(t),
		map[string]ledger.Date{"yuebao|ua|2025-05": recorded})
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an *ImportError", err)
	}
	want := `subs.csv：第3行 期间 "2025-05"：已于2025年6月3日登记过报送
subs.csv：第4行 部门 "监督科"：该单位免报《月度工作报告》
subs.csv：第5行 期间 "2025-Q2"：该任务按月度报送，期间应写作 2025-03
subs.csv：第6行 任务 "nianbao"：未知的定期任务，可用：yuebao、sanhui
subs.csv：第6行 报送日期 "2026-01-10"：报送日期晚于今天（2025年10月20日）
subs.csv：第7行 期间 "2025-05"：与第2行重复`
	if got := err.Error(); got != want {
		t.Errorf("errors:\n%s\nwant\n%s", got, want)
	}
}

func TestReadSubmissions(t *testing.T) {
	t.Parallel()
	good := "部门 , 任务,期间,报送日期,备注,其他\r\n" +
		"规划科,yuebao,2025-05,2025/6/4,按时,x\r\n" +
		"第一党支部,“三会一课”落实情况,2025-q3,2025年10月8日\r\n"
	subs, err := ReadSubmissions(t.Context(), strings.NewReader(good), "good.CSV", submissionRules(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range subs {
		got = append(got, s.Key()+" "+s.On.String()+" "+s.Note)
	}
	if want := "yuebao|ub|2025-05 2025-06-04 按时,sanhui|zb1|2025-Q3 2025-10-08 "; strings.Join(got, ",") != want {
		t.Errorf("submissions %q, want %q", strings.Join(got, ","), want)
	}
}

func TestReadSubmissionsRefusesBadFiles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, file, content, want string }{
		{"no header", "s.csv", "yuebao,ub,2025-05\n", "s.csv：第1行：缺少“任务”列（表头应含 任务、部门、期间，可选 报送日期、备注）"},
		{"a column twice", "s.csv", "任务,部门,单位,期间\nyuebao,ub,ub,2025-05\n", `s.csv：第1行 单位：列名重复`},
		{"header only", "s.csv", "任务,部门,期间\n", "s.csv：没有数据行"},
		{"empty", "s.csv", "", "s.csv：没有数据行"},
		{"xlsx content", "s.csv", "PK\x03\x04", "xlsx"},
		{"xlsx name", "s.xlsx", "任务,部门,期间\n", "s.xlsx：只支持 CSV 文件"},
	} {
		_, err := ReadSubmissions(t.Context(), strings.NewReader(tt.content), tt.file, submissionRules(t), nil)
		var ie *ImportError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want an *ImportError mentioning %q", tt.name, err, tt.want)
		}
	}
}
