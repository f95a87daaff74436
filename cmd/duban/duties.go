package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/ledger"
	"duban/sheet"
	"duban/store"
)

func (a *app) submitCommand() *cobra.Command {
	var unit, period, date, note, file string
	var withdraw bool
	cmd := &cobra.Command{
		Use:   "submit DUTY --unit U --period P | submit --file FILE.csv",
		Short: "Record a unit's submission of a duty for a period (报送登记)",
		Long: "Record that a unit has submitted a duty (id or name) for one period: 2025-03 or 2025年3月\n" +
			"(monthly), 2025-Q1 or 2025年第1季度, 2025-H1 or 2025年上半年, 2025 or 2025年. The period must\n" +
			"have reached its last day and not be before the duty's start; the unit (code, name or alias)\n" +
			"must be assigned and not exempt; --date may not be in the future.\n" +
			"With --file, record every row of a CSV file (columns 任务/duty, 部门/unit, 期间/period,\n" +
			"报送日期/date, 备注/note; UTF-8 or GB18030): all rows or none.\n" +
			"With --withdraw --note REASON, take a submission back (撤回): it stays on record, no longer\n" +
			"counts, and the period may be submitted again.",
		Args: func(cmd *cobra.Command, args []string) error {
			if file != "" {
				return exactArgs(0)(cmd, args)
			}
			return exactArgs(1)(cmd, args)
		},
		PreRunE: func(*cobra.Command, []string) error {
			if file == "" && (unit == "" || period == "") {
				return badInputf("--unit and --period are required (or --file FILE.csv)")
			}
			if file != "" && (unit != "" || period != "" || date != "" || note != "" || withdraw) {
				return badInputf("--file takes the duty, unit, period, date and note from the file's columns")
			}
			if withdraw && (strings.TrimSpace(note) == "" || date != "") {
				return badInputf("--withdraw takes the reason in --note and no --date")
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, args []string) error {
			rules := ledger.SubmissionRules{Duties: cfg.DutySpecs(), ResolveUnit: cfg.ResolveUnit, ParseDate: sheet.ParseDate,
				Today: a.today(cfg)}
			if file != "" {
				return a.submitFile(ctx, st, rules, file)
			}
			in := ledger.SubmissionInput{Duty: args[0], Unit: unit, Period: period, Date: date, Note: note}
			if withdraw {
				return a.withdraw(ctx, st, rules, in)
			}
			return a.submitOne(ctx, st, rules, in)
		}),
	}
	cmd.Flags().StringVar(&unit, "unit", "", "the unit that submitted (code, name or alias)")
	cmd.Flags().StringVar(&period, "period", "", "the period submitted: 2025-03, 2025-Q1, 2025-H1, 2025, 2025年3月, 2025年第1季度, 2025年上半年 or 2025年")
	cmd.Flags().StringVar(&date, "date", "", "the day it was submitted, YYYY-MM-DD (default today)")
	cmd.Flags().StringVar(&note, "note", "", "note to record")
	cmd.Flags().StringVar(&file, "file", "", "CSV file of submissions to record, all rows or none")
	cmd.Flags().BoolVar(&withdraw, "withdraw", false, "take the submission back (撤回), the reason in --note")
	return cmd
}

// submitFlag names the flag or argument of each field of a submission.
var submitFlag = map[string]string{"duty": "DUTY", "unit": "--unit", "period": "--period", "date": "--date"}

// stored are checked submissions as the store records them, now.
func (a *app) stored(subs ...ledger.Submission) []store.Submission {
	now := a.now()
	out := make([]store.Submission, len(subs))
	for i, sub := range subs {
		out[i] = store.Submission{Duty: sub.Duty, Unit: sub.Unit, Period: sub.Period, On: sub.On, Note: sub.Note, CreatedAt: now}
	}
	return out
}

// submitProblems is the bad input of a submission, a line per problem.
func submitProblems(probs []ledger.SubmissionProblem) error {
	errs := make([]error, len(probs))
	for i, p := range probs {
		errs[i] = fmt.Errorf("%s %q: %s", submitFlag[p.Field], p.Value, p.Reason)
	}
	return badInput(errors.Join(errs...))
}

func (a *app) submitOne(ctx context.Context, st *store.Store, rules ledger.SubmissionRules, in ledger.SubmissionInput) error {
	sub, probs := rules.Check(in)
	if len(probs) > 0 {
		return submitProblems(probs)
	}
	err := st.AddSubmission(ctx, a.stored(sub)[0], a.cliActor())
	if errors.Is(err, store.ErrConflict) {
		return badInputf("%s %s %s：已登记过报送，不能重复登记", sub.Duty, sub.Unit, sub.Period)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "submission recorded: %s %s %s on %s\n", sub.Duty, sub.Unit, sub.Period, sub.On)
	return nil
}

// withdraw takes a submission back, with the reason in its note.
func (a *app) withdraw(ctx context.Context, st *store.Store, rules ledger.SubmissionRules, in ledger.SubmissionInput) error {
	sub, probs := rules.Identify(in)
	if len(probs) > 0 {
		return submitProblems(probs)
	}
	was, err := st.WithdrawSubmission(ctx, sub.Duty, sub.Unit, sub.Period, sub.Note, a.cliActor(), a.now())
	if errors.Is(err, store.ErrNotFound) {
		return badInputf("%s %s %s: 没有可撤回的报送", sub.Duty, sub.Unit, sub.Period)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "submission withdrawn: %s %s %s (submitted on %s): %s\n", sub.Duty, sub.Unit, sub.Period, was.On, sub.Note)
	return nil
}

// submitFile records every row of a CSV file of submissions, or none.
func (a *app) submitFile(ctx context.Context, st *store.Store, rules ledger.SubmissionRules, path string) error {
	file, err := os.Open(path)
	if err != nil {
		return badInputf("submit: %w", err)
	}
	defer file.Close()
	existing, err := st.Submitted(ctx, "")
	if err != nil {
		return err
	}
	name := filepath.Base(path)
	checked, err := sheet.ReadSubmissions(ctx, file, name, rules, existing)
	if err != nil {
		return badInput(err)
	}
	if err := st.AddSubmissions(ctx, a.stored(checked...), a.cliActor()); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return badInputf("%s：有报送已被登记（可能是同时登记的），全部未写入，请重试：%w", name, err)
		}
		return err
	}
	fmt.Fprintf(a.stdout, "recorded %d submissions from %s\n", len(checked), path)
	return nil
}

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
		PreRunE: func(*cobra.Command, []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			if periods < 1 {
				return badInputf("--periods must be at least 1")
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			at, err := a.parseAsOf(cfg, asOf)
			if err != nil {
				return err
			}
			today := ledger.DateOf(at.In(cfg.Location))
			grids, err := dutyGrids(ctx, cfg, st, duty, period, periods, today)
			if err != nil {
				return err
			}
			if format == formatTable {
				a.writeDutyTables(cfg, grids, today)
				return nil
			}
			return writeView(a.stdout, format, dutyCellsView(cfg, grids))
		}),
	}
	cmd.Flags().StringVar(&duty, "duty", "", "only this duty (id or name)")
	cmd.Flags().StringVar(&period, "period", "", "only this period: 2025-03, 2025-Q1, 2025-H1, 2025, 2025年3月, 2025年第1季度, 2025年上半年 or 2025年")
	cmd.Flags().IntVar(&periods, "periods", 6, "how many periods up to the current one")
	cmd.Flags().StringVar(&asOf, "as-of", "", "the day the matrix is drawn up for, 2025-06-16 (default today)")
	formatFlag(cmd, &format)
	return cmd
}

// dutyGrids are the matrices of the duties asked for: each over its n
// latest periods up to today, or over the one period asked for.
func dutyGrids(ctx context.Context, cfg *config.Config, st *store.Store, dutyID, periodText string, n int, today ledger.Date) ([]ledger.DutyGrid, error) {
	specs := cfg.DutySpecs()
	if dutyID != "" {
		spec, err := ledger.ParseDuty(specs, dutyID)
		if err != nil {
			return nil, badInputf("--duty: %w", err)
		}
		dutyID = spec.ID
	}
	var only ledger.Period
	if periodText != "" {
		var err error
		if only, err = ledger.ParsePeriod(periodText); err != nil {
			return nil, badInputf("--period: %w", err)
		}
	}
	submitted, err := st.Submitted(ctx, dutyID)
	if err != nil {
		return nil, err
	}
	cal := ledger.NewCalendar(cfg.Calendar.Holidays, cfg.Calendar.Workdays)
	var out []ledger.DutyGrid
	for _, spec := range specs {
		if dutyID != "" && spec.ID != dutyID {
			continue
		}
		periods := ledger.RecentDutyPeriods(spec, today, n)
		if !only.IsZero() {
			if only.Kind != spec.Kind {
				if dutyID != "" {
					return nil, badInputf("--period %s: duty %s is %s, want a period like %s", periodText, spec.ID, spec.Kind, spec.Kind.Example())
				}
				continue
			}
			periods = []ledger.Period{only}
		}
		out = append(out, ledger.DutyMatrix(spec, spec.Exempt, periods, submitted.On(spec.ID), today, cal))
	}
	if len(out) == 0 && !only.IsZero() {
		return nil, badInputf("--period %s: no duty is %s", periodText, only.Kind)
	}
	return out, nil
}

func dutyCellsView(cfg *config.Config, grids []ledger.DutyGrid) rowsView {
	cells := []dutyCellJSON{}
	v := rowsView{header: []string{"DUTY", "DUTY_NAME", "UNIT", "UNIT_NAME", "PERIOD", "DUE_DATE", "STATUS", "LABEL", "SUBMITTED_ON"}}
	for _, g := range grids {
		for _, row := range g.Rows {
			for i, c := range row.Cells {
				p, due, unit := g.Periods[i].String(), g.Due[i].String(), cfg.UnitName(row.Unit)
				cells = append(cells, dutyCellJSON{
					Duty: g.Spec.ID, DutyName: g.Spec.Name, Unit: row.Unit, UnitName: unit, Period: p, DueDate: due,
					Status: string(c.State), Label: c.State.Label(), SubmittedOn: dateOrNull(c.On),
				})
				v.rows = append(v.rows, []string{g.Spec.ID, g.Spec.Name, row.Unit, unit, p, due, string(c.State), c.State.Label(), c.On.String()})
			}
		}
	}
	v.json = cells
	return v
}

// writeDutyTables prints one matrix per duty: a title line, then the units
// down and the periods (with their due dates) across.
func (a *app) writeDutyTables(cfg *config.Config, grids []ledger.DutyGrid, today ledger.Date) {
	for i, g := range grids {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintf(a.stdout, "%s [%s] %s，期满后%d天内报送（截至%s）\n", g.Spec.Name, g.Spec.ID, g.Spec.Kind.Label(), g.Spec.DueDay, today)
		header := []string{"单位"}
		for j, p := range g.Periods {
			header = append(header, p.String()+"(截止"+g.Due[j].String()+")")
		}
		var rows [][]string
		for _, row := range g.Rows {
			line := []string{cfg.UnitName(row.Unit)}
			for _, c := range row.Cells {
				line = append(line, c.Text())
			}
			rows = append(rows, line)
		}
		writeTable(a.stdout, header, rows)
	}
	if len(grids) == 0 {
		fmt.Fprintln(a.stdout, "no duties: add [[duties]] to the config")
	}
}
