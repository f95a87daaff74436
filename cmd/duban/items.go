package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/internal/progress"
	"duban/ledger"
	"duban/sheet"
	"duban/store"
)

func (a *app) importCommand() *cobra.Command {
	var round string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a ledger (CSV or XLSX) into a round; all rows or none",
		Args:  exactArgs(1),
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, args []string) error {
			return a.importLedger(ctx, cfg, st, args[0], round, dryRun)
		}),
	}
	cmd.Flags().StringVar(&round, "round", "", "round code (default: the only round of the config)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report what would change and write nothing")
	return cmd
}

func (a *app) importLedger(ctx context.Context, cfg *config.Config, st *store.Store, path, round string, dryRun bool) error {
	round, err := cfg.RoundFor(round)
	if err != nil {
		return badInput(err)
	}
	rows := progress.New(a.stderr, isTerminal(a.stderr), "reading "+filepath.Base(path))
	items, err := sheet.ReadFileProgress(ctx, path, round, cfg, rows)
	rows.Done()
	if err != nil {
		return badInput(err)
	}
	res, err := st.ImportItems(ctx, items, store.ImportOptions{Actor: "import", At: a.now(), DryRun: dryRun})
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	verb := "imported"
	if dryRun {
		verb = "dry run, nothing written:"
	}
	fmt.Fprintf(a.stdout, "%s %s into round %s: %d items, %d new, %d changed, %d unchanged\n",
		verb, path, round, len(items), res.New, res.Changed, res.Unchanged)
	return nil
}

// itemJSON is a record of `duban items --format json`, a contract other
// tools rely on: fields may be added, never renamed or dropped.
type itemJSON struct {
	Round       string   `json:"round"`
	No          string   `json:"no"`
	Category    string   `json:"category"`
	Problem     string   `json:"problem"`
	Measures    string   `json:"measures"`
	Units       []string `json:"units"`
	Leader      string   `json:"leader"`
	Deadline    *string  `json:"deadline"`
	LongTerm    bool     `json:"long_term"`
	Status      string   `json:"status"`
	Light       string   `json:"light"`
	CompletedOn *string  `json:"completed_on"`
	Progress    string   `json:"progress"`
}

func dateOrNull(d ledger.Date) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

func (a *app) itemsCommand() *cobra.Command {
	var status, light, unit, round, format string
	var filter store.ItemFilter
	var want ledger.Light
	cmd := &cobra.Command{
		Use:   "items",
		Short: "List ledger items with their status and light",
		Args:  exactArgs(0),
		PreRunE: func(*cobra.Command, []string) (err error) {
			if err := checkFormat(format); err != nil {
				return err
			}
			if status != "" {
				if filter.Status, err = ledger.ParseStatus(status); err != nil {
					return badInputf("--status: %w", err)
				}
			}
			if light != "" {
				if want, err = ledger.ParseLight(light); err != nil {
					return badInputf("--light: %w", err)
				}
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) (err error) {
			if round != "" {
				if filter.Round, err = cfg.RoundFor(round); err != nil {
					return badInputf("--round: %w", err)
				}
			}
			if unit != "" {
				if filter.Unit, err = cfg.ParseUnit(unit); err != nil {
					return badInputf("--unit: %w", err)
				}
			}
			items, err := st.ListItems(ctx, filter)
			if err != nil {
				return err
			}
			return writeView(a.stdout, format, itemsView(cfg, items, ledger.DateOf(a.now().In(cfg.Location)), want))
		}),
	}
	cmd.Flags().StringVar(&status, "status", "", "open (正在整改, 未完成), done (已完成) or closed (已销号)")
	cmd.Flags().StringVar(&light, "light", "", "red (红灯), yellow (黄灯), green (绿灯), blue (蓝灯), done or closed")
	cmd.Flags().StringVar(&unit, "unit", "", "responsible unit (code, name or alias)")
	cmd.Flags().StringVar(&round, "round", "", "round (code or name)")
	formatFlag(cmd, &format)
	return cmd
}

func itemsView(cfg *config.Config, items []ledger.Item, today ledger.Date, want ledger.Light) rowsView {
	out := []itemJSON{}
	v := rowsView{header: []string{"ROUND", "NO", "STATUS", "LIGHT", "DEADLINE", "UNITS", "LEADER", "PROBLEM"}}
	for _, it := range items {
		light := ledger.LightOf(it, today, cfg.Policy.YellowDays)
		if want != "" && light != want {
			continue
		}
		out = append(out, itemJSON{
			Round: it.Round, No: it.No, Category: it.Category, Problem: it.Problem,
			Measures: it.Measures, Units: append([]string{}, it.Units...), Leader: it.Leader,
			Deadline: dateOrNull(it.Deadline), LongTerm: it.LongTerm, Status: string(it.Status),
			Light: string(light), CompletedOn: dateOrNull(it.CompletedOn), Progress: it.Progress,
		})
		v.rows = append(v.rows, []string{
			it.Round, it.No, it.Status.Label(), light.Label(), it.DeadlineText(),
			strings.Join(cfg.UnitNames(it.Units), "、"), cfg.LeaderName(it.Leader), it.Problem,
		})
	}
	v.json = out
	return v
}
