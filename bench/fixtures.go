package bench

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/store"
)

// Texts of the generated ledgers, as long as the seed ledger's: a category
// of about sixty characters, a problem of twenty, measures of a hundred and
// progress of two hundred.
const (
	TextCategory = "关于贯彻落实党中央重大决策部署和省委工作要求、市委工作安排不够有力,推动新时代工会工作创新发展有差距方面问题"
	TextProblem  = "理论学习不够深入,思想引领作用发挥不好,对意识形态工作不够重视"
	TextMeasures = "按年度学习安排完成中心组全部学习专题及篇目;将总体国家安全观列入中心组学习计划," +
		"在工会干部培训主体班次中专题学习;深入开展风险隐患排查化解,严密监测劳动关系变化;制定加强新时代职工思想政治引领的意见"
	TextProgress = "一是严格按照理论学习安排意见要求,将重点学习内容和篇目做到学习全覆盖,截至12月31日已完成全部学习专题及篇目。" +
		"二是加强对维护劳动领域政治安全的重要指示精神的学习,把总体国家安全观列入党组理论学习中心组学习计划," +
		"在工会干部培训主体班次中对总体国家安全观进行专题学习。三是深入开展风险隐患排查化解工作,严密监测劳动关系变化情况。"
)

// BenchDomain is the mail domain of every generated address.
const BenchDomain = "bench.example.org"

// From is the sender of the benchmarks' messages.
const From = "整改办 <zgb@" + BenchDomain + ">"

// UnitCode, UnitEmail and LeaderCode name the generated directory's entries.
func UnitCode(i int) string   { return fmt.Sprintf("u%05d", i) }
func UnitEmail(i int) string  { return UnitCode(i) + "@" + BenchDomain }
func LeaderCode(i int) string { return fmt.Sprintf("l%03d", i) }

// Directory is the generated directory: units units with one mailbox each,
// one leader in charge of every hundred units, one supervisor.
func Directory(units int) ledger.Directory {
	leaders := max(units/100, 1)
	dir := ledger.Directory{
		Units:       make(map[string]ledger.Unit, units),
		Leaders:     make(map[string]ledger.Leader, leaders),
		Supervisors: []string{"zgb@" + BenchDomain},
	}
	for i := range leaders {
		code := LeaderCode(i)
		dir.Leaders[code] = ledger.Leader{Code: code, Name: "领导" + strconv.Itoa(i), Title: "副主席", Email: code + "@" + BenchDomain}
	}
	for i := range units {
		code := UnitCode(i)
		dir.Units[code] = ledger.Unit{Code: code, Name: "第" + strconv.Itoa(i) + "部门", Kind: ledger.KindDepartment,
			Emails: []string{UnitEmail(i)}, Leader: LeaderCode(i % leaders)}
	}
	return dir
}

// DigestMessages renders n digests, one per unit mailbox, each listing
// entries items as the deadline job would: the messages of the delivery
// benchmark.
func DigestMessages(n, entries int, at time.Time) ([]store.Dispatch, error) {
	tmpl, err := notify.LoadTemplates("")
	if err != nil {
		return nil, err
	}
	out := make([]store.Dispatch, n)
	for i := range n {
		d := notify.DigestData{To: UnitEmail(i), ToName: "第" + strconv.Itoa(i) + "部门", Role: ledger.RoleUnit,
			AsOf: at.Format(time.DateOnly), Office: "整改办", OtherOpen: 3}
		for j := range entries {
			d.Entries = append(d.Entries, notify.Entry{
				Kind: ledger.RuleDeadline, Stage: "overdue-2", StageLabel: "逾期催办",
				No: fmt.Sprintf("%d.%d.(%d)", i%7+1, j+1, i%5+1), Problem: TextProblem, Measures: TextMeasures,
				Deadline: at.AddDate(0, 0, -14-j).Format(time.DateOnly), DaysLeft: -14 - j,
				LeaderName: "王某某", UnitNames: []string{d.ToName},
			})
		}
		subject, text, html, err := tmpl.RenderDigest(d)
		if err != nil {
			return nil, err
		}
		out[i] = store.Dispatch{
			Key: fmt.Sprintf("deadlines/%s/%s", at.UTC().Format("20060102T150405Z"), d.To), Job: "deadlines",
			Recipient: d.To, Subject: subject, BodyText: text, BodyHTML: html, Refs: "[]", CreatedAt: at,
		}
	}
	return out, nil
}

// EnvInt returns the integer in the environment variable name, or def.
func EnvInt(name string, def int) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil || n <= 0 {
		return def
	}
	return n
}
