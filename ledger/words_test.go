package ledger

import (
	"strings"
	"testing"
)

func TestParseStatusTakesTheWordsPrinted(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Status{
		"open": StatusOpen, "OPEN": StatusOpen, "未完成": StatusOpen, "正在整改": StatusOpen, "整改中": StatusOpen,
		"未完成（正在整改）": StatusOpen, " 未完成 (正在整改) ": StatusOpen,
		"done": StatusDone, "已完成": StatusDone, "closed": StatusClosed, "已销号": StatusClosed,
	} {
		if got, err := ParseStatus(in); err != nil || got != want {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// Every label duban prints reads back as its status.
	for _, st := range []Status{StatusOpen, StatusDone, StatusClosed} {
		if got, err := ParseStatus(st.Label()); err != nil || got != st {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q", st.Label(), got, err, st)
		}
	}
	_, err := ParseStatus("完成了")
	if err == nil || !strings.Contains(err.Error(), "正在整改") || !strings.Contains(err.Error(), "已销号") {
		t.Errorf("ParseStatus(完成了): %v, want an error listing the statuses", err)
	}
}

func TestStatusValidIsTheCodesOnly(t *testing.T) {
	t.Parallel()
	for st, want := range map[Status]bool{StatusOpen: true, StatusDone: true, StatusClosed: true, "已完成": false, "": false} {
		if st.Valid() != want {
			t.Errorf("Status(%q).Valid() = %v", st, !want)
		}
	}
}

func TestParseLightTakesTheWordsPrinted(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Light{
		"red": LightRed, "红": LightRed, "红灯": LightRed, "黄": LightYellow, "黄灯": LightYellow, "Green": LightGreen,
		"绿灯": LightGreen, "蓝": LightBlue, "已完成": LightDone, "已销号": LightClosed,
	} {
		if got, err := ParseLight(in); err != nil || got != want {
			t.Errorf("ParseLight(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, l := range []Light{LightRed, LightYellow, LightGreen, LightBlue, LightDone, LightClosed} {
		if got, err := ParseLight(l.Label()); err != nil || got != l {
			t.Errorf("ParseLight(%q) = %q, %v; want %q", l.Label(), got, err, l)
		}
	}
	if _, err := ParseLight("紫灯"); err == nil || !strings.Contains(err.Error(), "红灯") {
		t.Errorf("ParseLight(紫灯): %v, want an error listing the lights", err)
	}
}

func TestParseJobTakesNamesAndLabels(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"deadlines": JobDeadlines, "到期提醒": JobDeadlines, "到期": JobDeadlines, "定期任务提醒": JobDuties,
		"回头看": JobFollowups, "定期调度汇总": JobSummary, "定期调度": JobSummary, "SUMMARY": JobSummary,
	} {
		if got, err := ParseJob(in); err != nil || got != want {
			t.Errorf("ParseJob(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, job := range JobNames {
		if got, err := ParseJob(JobLabel(job)); err != nil || got != job {
			t.Errorf("ParseJob(%q) = %q, %v", JobLabel(job), got, err)
		}
	}
	_, err := ParseJob("foo")
	if err == nil || !strings.Contains(err.Error(), "deadlines (到期提醒)") || !strings.Contains(err.Error(), "summary (定期调度汇总)") {
		t.Errorf("ParseJob(foo): %v, want an error listing the jobs", err)
	}
}

func TestParseDutyByIDOrName(t *testing.T) {
	t.Parallel()
	duties := []DutySpec{{ID: "sanzhongyida", Name: "《三重一大事项情况报告表》"}, {ID: "shyk", Name: "三会一课"}}
	for in, want := range map[string]string{
		"sanzhongyida": "sanzhongyida", "《三重一大事项情况报告表》": "sanzhongyida", "三重一大事项情况报告表": "sanzhongyida",
		"三会一课": "shyk", "《三会一课》": "shyk", " shyk ": "shyk",
	} {
		if got, err := ParseDuty(duties, in); err != nil || got.ID != want {
			t.Errorf("ParseDuty(%q) = %q, %v; want %q", in, got.ID, err, want)
		}
	}
	for _, in := range []string{"", "《》", "三重一大"} {
		_, err := ParseDuty(duties, in)
		if err == nil || !strings.Contains(err.Error(), "shyk (三会一课)") {
			t.Errorf("ParseDuty(%q): %v, want an error listing the duties", in, err)
		}
	}
	if _, err := ParseDuty(nil, "x"); err == nil || !strings.Contains(err.Error(), "no [[duties]]") {
		t.Errorf("ParseDuty without duties: %v", err)
	}
}

func TestParseUnitByCodeNameOrAlias(t *testing.T) {
	t.Parallel()
	units := []Unit{
		{Code: "cwb", Name: "财务资产部", Aliases: []string{"财务部", "财务处"}},
		{Code: "bgs", Name: "办公室"},
	}
	for in, want := range map[string]string{"cwb": "cwb", "财务资产部": "cwb", "财务部": "cwb", " 财务处 ": "cwb", "办公室": "bgs"} {
		if got, err := ParseUnit(units, in); err != nil || got != want {
			t.Errorf("ParseUnit(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseUnit(units, "组织部")
	if err == nil || !strings.Contains(err.Error(), "cwb (财务资产部), bgs (办公室)") {
		t.Errorf("ParseUnit(组织部): %v, want an error listing the units", err)
	}
	many := make([]Unit, 30)
	for i := range many {
		many[i] = Unit{Code: "u" + string(rune('a'+i)), Name: "单位"}
	}
	if _, err := ParseUnit(many, "x"); err == nil || !strings.Contains(err.Error(), "… 18 more") {
		t.Errorf("ParseUnit among 30 units: %v, want the first 12 and a count", err)
	}
}
