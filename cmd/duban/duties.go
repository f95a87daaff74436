package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/ledger"
	"duban/sheet"
	"duban/store"
)

// submitFlags are the flags of `duban submit`.
type submitFlags struct {
	unit, period, date, note, file string
}

func (a *app) submitCommand() *cobra.Command {
	var f submitFlags
	cmd := &cobra.Command{
		Use:   "submit DUTY --unit U --period P | submit --file FILE.csv",
		Short: "Record a unit's submission of a duty for a period (报送登记)",
		Long: "Record that a unit has submitted a duty for one period: 2025-03 (monthly), 2025-Q1,\n" +
			"2025-H1 or 2025. The period must have ended; the unit must be assigned and not exempt.\n" +
			"With --file, record every row of a CSV file (columns 任务/duty, 部门/unit, 期间/period,\n" +
			"报送日期/date, 备注/note; UTF-8 or GB18030): all rows or none.",
		Args: func(cmd *cobra.Command, args []string) error {
			if f.file != "" {
				return exactArgs(0)(cmd, args)
			}
			return exactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if f.file == "" && (f.unit == "" || f.period == "") {
				return badInputf("--unit and --period are required (or --file FILE.csv)")
			}
			if f.file != "" && (f.unit != "" || f.period != "" || f.date != "" || f.note != "") {
				return badInputf("--file takes the duty, unit, period, date and note from the file's columns")
			}
			return a.withStore(ctx, func(cfg *config.Config, st *store.Store) error {
				if f.file != "" {
					return a.submitFile(ctx, cfg, st, f.file)
				}
				return a.submitOne(ctx, cfg, st, submissionInput{duty: args[0], unit: f.unit, period: f.period, date: f.date, note: f.note})
			})
		},
	}
	cmd.Flags().StringVar(&f.unit, "unit", "", "the unit that submitted (code or name)")
	cmd.Flags().StringVar(&f.period, "period", "", "the period submitted: 2025-03, 2025-Q1, 2025-H1 or 2025")
	cmd.Flags().StringVar(&f.date, "date", "", "the day it was submitted, YYYY-MM-DD (default today)")
	cmd.Flags().StringVar(&f.note, "note", "", "note to record")
	cmd.Flags().StringVar(&f.file, "file", "", "CSV file of submissions to record, all rows or none")
	return cmd
}

// submissionInput is one submission as the user wrote it, on the command
// line or in a row of a file.
type submissionInput struct {
	duty, unit, period, date, note string
}

// submissionProblem is what is wrong with one field of a submission; the
// reason is Chinese, as in ledger import errors.
type submissionProblem struct {
	field  string // duty, unit, period, date
	value  string
	reason string
}

func (p submissionProblem) Error() string {
	return fmt.Sprintf("%s %q: %s", submitFieldFlag[p.field], p.value, p.reason)
}

var submitFieldFlag = map[string]string{"duty": "DUTY", "unit": "--unit", "period": "--period", "date": "--date"}

// checkSubmission validates one submission against the config: a known
// duty (id or name), a known unit assigned to it and not exempt, a period of
// the duty's kind that has ended by the day of submission, a submission day
// not after today.
func checkSubmission(cfg *config.Config, in submissionInput, today ledger.Date) (store.Submission, []submissionProblem) {
	var probs []submissionProblem
	fail := func(field, value, format string, args ...any) {
		probs = append(probs, submissionProblem{field: field, value: value, reason: fmt.Sprintf(format, args...)})
	}
	duty, dutyOK := findDuty(cfg, in.duty)
	if !dutyOK {
		fail("duty", in.duty, "未知的定期任务,可用:%s", dutyIDs(cfg))
	}
	unit, unitOK := cfg.ResolveUnit(in.unit)
	if !unitOK {
		fail("unit", in.unit, "未知单位")
	}
	on := today
	if strings.TrimSpace(in.date) != "" {
		d, err := sheet.ParseDate(in.date)
		switch {
		case err != nil:
			fail("date", in.date, "日期无效,应写作 2025-04-03")
		case d.After(today):
			fail("date", in.date, "报送日期晚于今天(%s)", today)
		default:
			on = d
		}
	}
	if !dutyOK {
		return store.Submission{}, probs
	}
	if unitOK {
		switch {
		case slices.Contains(duty.Exempt, unit):
			fail("unit", in.unit, "该单位免报《%s》", strings.Trim(duty.Name, "《》"))
		case !slices.Contains(cfg.DutyUnits(duty), unit):
			fail("unit", in.unit, "该单位不承担《%s》", strings.Trim(duty.Name, "《》"))
		}
	}
	kind, err := ledger.ParsePeriodKind(duty.Period)
	if err != nil {
		fail("duty", in.duty, "任务的报送周期无效")
		return store.Submission{}, probs
	}
	p, err := ledger.ParsePeriod(in.period)
	switch {
	case err != nil:
		fail("period", in.period, "期间格式无效,应写作 %s", periodExample(kind))
	case p.Kind != kind:
		fail("period", in.period, "该任务按%s报送,期间应写作 %s", kind.Label(), periodExample(kind))
	case !p.End().Before(on):
		fail("period", in.period, "%s至%s才结束,结束后才能报送", p.Label(), p.End())
	}
	if len(probs) > 0 {
		return store.Submission{}, probs
	}
	return store.Submission{Duty: duty.ID, Unit: unit, Period: p.String(), On: on, Note: strings.TrimSpace(in.note)}, nil
}

// findDuty finds a duty by id or by name (with or without 《》).
func findDuty(cfg *config.Config, s string) (config.Duty, bool) {
	s = strings.TrimSpace(s)
	if d, ok := cfg.Duty(s); ok {
		return d, true
	}
	for _, d := range cfg.Duties {
		if s != "" && strings.Trim(d.Name, "《》") == strings.Trim(s, "《》") {
			return d, true
		}
	}
	return config.Duty{}, false
}

func dutyIDs(cfg *config.Config) string {
	if len(cfg.Duties) == 0 {
		return "(配置中没有 [[duties]])"
	}
	ids := make([]string, len(cfg.Duties))
	for i, d := range cfg.Duties {
		ids[i] = d.ID
	}
	return strings.Join(ids, "、")
}

func periodExample(kind ledger.PeriodKind) string {
	switch kind {
	case ledger.Monthly:
		return "2025-03"
	case ledger.Quarterly:
		return "2025-Q1"
	case ledger.HalfYearly:
		return "2025-H1"
	}
	return "2025"
}

func (a *app) submitOne(ctx context.Context, cfg *config.Config, st *store.Store, in submissionInput) error {
	today := ledger.DateOf(a.now().In(cfg.Location))
	sub, probs := checkSubmission(cfg, in, today)
	if len(probs) > 0 {
		errs := make([]error, len(probs))
		for i, p := range probs {
			errs[i] = p
		}
		return badInput(errors.Join(errs...))
	}
	sub.Actor, sub.CreatedAt = a.actor(), a.now()
	err := st.AddSubmission(ctx, sub)
	if errors.Is(err, store.ErrConflict) {
		return badInputf("%s %s %s: 已登记过报送,不能重复登记", sub.Duty, sub.Unit, sub.Period)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "submission recorded: %s %s %s on %s\n", sub.Duty, sub.Unit, sub.Period, sub.On)
	return nil
}

// submissionColumns maps the accepted header names (normalised by
// sheet.HeaderKey) to the fields of a submission.
var submissionColumns = map[string]string{
	"任务": "duty", "定期任务": "duty", "任务名称": "duty", "duty": "duty",
	"部门": "unit", "单位": "unit", "报送单位": "unit", "责任部门": "unit", "unit": "unit",
	"期间": "period", "报送期间": "period", "周期": "period", "period": "period",
	"报送日期": "date", "日期": "date", "date": "date",
	"备注": "note", "note": "note",
}

// submissionColumnNames are the Chinese headers, for messages.
var submissionColumnNames = map[string]string{"duty": "任务", "unit": "部门", "period": "期间", "date": "报送日期", "note": "备注"}

// submitFile records every row of a CSV file of submissions, or none: each
// bad row is reported with its row number and column, as a ledger import's.
func (a *app) submitFile(ctx context.Context, cfg *config.Config, st *store.Store, path string) error {
	name := filepath.Base(path)
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".csv" {
		return badInput(&sheet.ImportError{File: name, Rows: []sheet.RowError{{Reason: "只支持 CSV 文件,请在 Excel 中另存为“CSV UTF-8(逗号分隔)”"}}})
	}
	file, err := os.Open(path)
	if err != nil {
		return badInputf("submit: %w", err)
	}
	defer file.Close()
	records, err := sheet.ReadCSVRecords(ctx, file, name)
	if err != nil {
		return badInput(err)
	}
	subs, err := a.parseSubmissionRecords(ctx, cfg, st, name, records)
	if err != nil {
		return err
	}
	now := a.now()
	for i := range subs {
		subs[i].Actor, subs[i].CreatedAt = a.actor(), now
	}
	if err := st.AddSubmissions(ctx, subs); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return badInputf("%s: 有报送已被登记(可能是同时登记的),全部未写入,请重试: %w", name, err)
		}
		return err
	}
	fmt.Fprintf(a.stdout, "recorded %d submissions from %s\n", len(subs), path)
	return nil
}

func (a *app) parseSubmissionRecords(ctx context.Context, cfg *config.Config, st *store.Store, name string, records []sheet.Record) ([]store.Submission, error) {
	if len(records) == 0 {
		return nil, badInput(&sheet.ImportError{File: name, Rows: []sheet.RowError{{Reason: "没有数据行"}}})
	}
	header := records[0]
	cols := map[string]int{}
	var rowErrs []sheet.RowError
	for i, cell := range header.Cells {
		field, ok := submissionColumns[sheet.HeaderKey(cell)]
		if !ok {
			continue
		}
		if _, dup := cols[field]; dup {
			rowErrs = append(rowErrs, sheet.RowError{Row: header.Row, Column: cell, Reason: "列名重复"})
			continue
		}
		cols[field] = i
	}
	for _, field := range []string{"duty", "unit", "period"} {
		if _, ok := cols[field]; !ok {
			rowErrs = append(rowErrs, sheet.RowError{Row: header.Row,
				Reason: fmt.Sprintf("缺少“%s”列(表头应含 任务、部门、期间,可选 报送日期、备注)", submissionColumnNames[field])})
		}
	}
	if len(rowErrs) > 0 {
		return nil, badInput(&sheet.ImportError{File: name, Rows: rowErrs})
	}
	if len(records) == 1 {
		return nil, badInput(&sheet.ImportError{File: name, Rows: []sheet.RowError{{Reason: "没有数据行"}}})
	}
	existing, err := st.ListSubmissions(ctx, "")
	if err != nil {
		return nil, err
	}
	done := map[string]string{} // duty|unit|period → what already holds it
	for _, s := range existing {
		done[s.Duty+"|"+s.Unit+"|"+s.Period] = "已于" + s.On.String() + "登记过报送"
	}
	today := ledger.DateOf(a.now().In(cfg.Location))
	cell := func(r sheet.Record, field string) string {
		i, ok := cols[field]
		if !ok || i >= len(r.Cells) {
			return ""
		}
		return r.Cells[i]
	}
	column := func(field string) string { return header.Cells[cols[field]] }
	var subs []store.Submission
	for _, r := range records[1:] {
		in := submissionInput{duty: cell(r, "duty"), unit: cell(r, "unit"), period: cell(r, "period"), date: cell(r, "date"), note: cell(r, "note")}
		sub, probs := checkSubmission(cfg, in, today)
		for _, p := range probs {
			rowErrs = append(rowErrs, sheet.RowError{Row: r.Row, Column: column(p.field), Value: p.value, Reason: p.reason})
		}
		if len(probs) > 0 {
			continue
		}
		key := sub.Duty + "|" + sub.Unit + "|" + sub.Period
		if why, dup := done[key]; dup {
			rowErrs = append(rowErrs, sheet.RowError{Row: r.Row, Column: column("period"), Value: in.period, Reason: why})
			continue
		}
		done[key] = fmt.Sprintf("与第%d行重复", r.Row)
		subs = append(subs, sub)
	}
	if len(rowErrs) > 0 {
		return nil, badInput(&sheet.ImportError{File: name, Rows: rowErrs})
	}
	return subs, nil
}

// defaultMatrixPeriods is how many periods `duban duties` shows by default,
// ending with the current one.
const defaultMatrixPeriods = 6

// dutyCellJSON is one unit × period of `duban duties --format json`.
type dutyCellJSON struct {
	Duty        string  `json:"duty"`
	DutyName    string  `json:"duty_name"`
	Unit        string  `json:"unit"`
	UnitName    string  `json:"unit_name"`
	Period      string  `json:"period"`
	DueDate     string  `json:"due_date"`
	Status      string  `json:"status"`
	Label       string  `json:"label"`
	SubmittedOn *string `json:"submitted_on"`
}

func (a *app) dutiesCommand() *cobra.Command {
	var duty, period, asOf, format string
	var periods int
	cmd := &cobra.Command{
		Use:   "duties",
		Short: "Show who has and has not submitted each duty: units × periods",
		Long: "Show the matrix of units × periods of each duty: 已报送(date), 逾期报送(date) (submitted\n" +
			"after the due date), 未报送 (period ended, not yet due), 逾期未报 (missing after the due date),\n" +
			"免报 (exempt) and 未到期 (period not ended). By default the last periods from the duty's\n" +
			"start up to the current one.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			if periods < 1 {
				return badInputf("--periods must be at least 1")
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(cfg *config.Config, st *store.Store) error {
				at, err := a.parseAsOf(cfg, asOf)
				if err != nil {
					return err
				}
				today := ledger.DateOf(at.In(cfg.Location))
				grids, err := a.dutyGrids(ctx, cfg, st, duty, period, periods, today)
				if err != nil {
					return err
				}
				return a.writeDuties(cfg, format, grids, today)
			})
		},
	}
	cmd.Flags().StringVar(&duty, "duty", "", "only this duty (id)")
	cmd.Flags().StringVar(&period, "period", "", "only this period: 2025-03, 2025-Q1, 2025-H1 or 2025")
	cmd.Flags().IntVar(&periods, "periods", defaultMatrixPeriods, "how many periods up to the current one")
	cmd.Flags().StringVar(&asOf, "as-of", "", "the day the matrix is drawn up for, 2025-06-16 (default today)")
	cmd.Flags().StringVar(&format, "format", formatTable, "table, json or csv")
	return cmd
}

// dutyGrid is one duty's matrix.
type dutyGrid struct {
	spec ledger.DutySpec
	grid ledger.DutyGrid
}

func (a *app) dutyGrids(ctx context.Context, cfg *config.Config, st *store.Store, dutyID, periodText string, n int, today ledger.Date) ([]dutyGrid, error) {
	specs, err := cfg.DutySpecs()
	if err != nil {
		return nil, badInput(err)
	}
	if dutyID != "" {
		if _, ok := cfg.Duty(dutyID); !ok {
			return nil, badInputf("unknown duty %q: want one of %s", dutyID, dutyIDs(cfg))
		}
	}
	var only ledger.Period
	if periodText != "" {
		if only, err = ledger.ParsePeriod(periodText); err != nil {
			return nil, badInputf("--period: %w", err)
		}
	}
	subs, err := st.ListSubmissions(ctx, dutyID)
	if err != nil {
		return nil, err
	}
	submitted := map[string]ledger.Date{}
	for _, s := range subs {
		submitted[s.Duty+"|"+s.Unit+"|"+s.Period] = s.On
	}
	cal := ledger.NewCalendar(cfg.Calendar.Holidays, cfg.Calendar.Workdays)
	var out []dutyGrid
	for _, spec := range specs {
		if dutyID != "" && spec.ID != dutyID {
			continue
		}
		periods := ledger.RecentDutyPeriods(spec, today, n)
		if !only.IsZero() {
			if only.Kind != spec.Kind {
				if dutyID != "" {
					return nil, badInputf("--period %s: duty %s is %s, want a period like %s", periodText, spec.ID, spec.Kind, periodExample(spec.Kind))
				}
				continue
			}
			periods = []ledger.Period{only}
		}
		on := func(unit string, p ledger.Period) (ledger.Date, bool) {
			day, ok := submitted[spec.ID+"|"+unit+"|"+p.String()]
			return day, ok
		}
		out = append(out, dutyGrid{spec: spec, grid: ledger.DutyMatrix(spec, spec.Exempt, periods, on, today, cal)})
	}
	if len(out) == 0 && !only.IsZero() {
		return nil, badInputf("--period %s: no duty is %s", periodText, only.Kind)
	}
	return out, nil
}

func (a *app) writeDuties(cfg *config.Config, format string, grids []dutyGrid, today ledger.Date) error {
	if format == formatTable {
		return a.writeDutyTables(cfg, grids, today)
	}
	v := rowsView{
		header: []string{"DUTY", "DUTY_NAME", "UNIT", "UNIT_NAME", "PERIOD", "DUE_DATE", "STATUS", "LABEL", "SUBMITTED_ON"},
		json:   []dutyCellJSON{},
	}
	var cells []dutyCellJSON
	for _, g := range grids {
		for _, row := range g.grid.Rows {
			for i, c := range row.Cells {
				p, due, unit := g.grid.Periods[i].String(), g.grid.Due[i].String(), unitName(cfg, row.Unit)
				cells = append(cells, dutyCellJSON{
					Duty: g.spec.ID, DutyName: g.spec.Name, Unit: row.Unit, UnitName: unit, Period: p, DueDate: due,
					Status: string(c.State), Label: c.State.Label(), SubmittedOn: dateOrNull(c.On),
				})
				v.rows = append(v.rows, []string{g.spec.ID, g.spec.Name, row.Unit, unit, p, due, string(c.State), c.State.Label(), c.On.String()})
			}
		}
	}
	if cells != nil {
		v.json = cells
	}
	return writeView(a.stdout, format, v)
}

// writeDutyTables prints one matrix per duty: a title line, then the units
// down and the periods (with their due dates) across.
func (a *app) writeDutyTables(cfg *config.Config, grids []dutyGrid, today ledger.Date) error {
	for i, g := range grids {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintf(a.stdout, "%s [%s] %s,期满后%d天内报送(截至%s)\n", g.spec.Name, g.spec.ID, g.spec.Kind.Label(), g.spec.DueDay, today)
		header := []string{"单位"}
		for j, p := range g.grid.Periods {
			header = append(header, p.String()+"(截止"+g.grid.Due[j].String()+")")
		}
		var rows [][]string
		for _, row := range g.grid.Rows {
			line := []string{unitName(cfg, row.Unit)}
			for _, c := range row.Cells {
				line = append(line, c.Text())
			}
			rows = append(rows, line)
		}
		if err := writeTable(a.stdout, header, rows); err != nil {
			return err
		}
	}
	if len(grids) == 0 {
		fmt.Fprintln(a.stdout, "no duties: add [[duties]] to the config")
	}
	return nil
}
