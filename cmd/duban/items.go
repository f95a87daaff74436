package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/ledger"
	"duban/store"
)

// itemJSON is a record of `duban items --format json`, a contract other
// tools rely on: fields may be added, never renamed or dropped.
type itemJSON struct {
	Round       string   `json:"round"`
	No          string   `json:"no"`
	Category    string   `json:"category"`
	SubCategory string   `json:"subcategory"`
	Problem     string   `json:"problem"`
	Measures    string   `json:"measures"`
	Units       []string `json:"units"`
	Leader      string   `json:"leader"`
	Deadline    *string  `json:"deadline"`
	LongTerm    bool     `json:"long_term"`
	Status      string   `json:"status"`
	Light       string   `json:"light"`
	CompletedOn *string  `json:"completed_on"` // null when unknown
	DoneSeenOn  *string  `json:"done_seen_on"` // the day duban first saw it done
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
		Long: "List ledger items with their status and light. The CSV is a listing to read, not a ledger:\n" +
			"for a file that imports back as it was, use duban export.",
		Args: exactArgs(0),
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
			Round: it.Round, No: it.No, Category: it.Category, SubCategory: it.SubCategory, Problem: it.Problem,
			Measures: it.Measures, Units: append([]string{}, it.Units...), Leader: it.Leader,
			Deadline: dateOrNull(it.Deadline), LongTerm: it.LongTerm, Status: string(it.Status),
			Light: string(light), CompletedOn: dateOrNull(it.CompletedOn), DoneSeenOn: dateOrNull(it.DoneSeenOn),
			Progress: it.Progress,
		})
		v.rows = append(v.rows, []string{
			it.Round, it.No, it.Status.Label(), light.Label(), it.DeadlineText(),
			strings.Join(cfg.UnitNames(it.Units), "、"), cfg.LeaderName(it.Leader), it.Problem,
		})
	}
	v.json = out
	return v
}
