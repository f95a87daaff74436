package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"duban/config"
	"duban/internal/atomicfile"
	"duban/ledger"
	"duban/report"
	"duban/store"
)

func (a *app) reportCommand() *cobra.Command {
	var round, format, asOf, output string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the progress notice (整改进展情况通报) as Markdown, HTML or XLSX",
		Long: "Write the progress notice of a round in the shape the office publishes it: the totals\n" +
			"(问题总数, 已完成, 正在整改), each problem category with its problems, their 整改情况 and\n" +
			"整改结果, then the problems still being rectified with their units and deadlines.\n" +
			"XLSX has one row per item, the light as the cell colour, set up to print on A4 landscape;\n" +
			"it goes to --output FILE, or to stdout when stdout is not a terminal.",
		Args: exactArgs(0),
		PreRunE: func(*cobra.Command, []string) error {
			switch format {
			case report.FormatMarkdown, report.FormatHTML, report.FormatXLSX:
			default:
				return badInputf("invalid --format %q: want md, html or xlsx", format)
			}
			if format == report.FormatXLSX && output == "" && isTerminal(a.stdout) {
				return badInputf("an XLSX workbook is not for a terminal: pass --output FILE.xlsx or redirect stdout to a file")
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			code, err := cfg.RoundFor(round)
			if err != nil {
				return badInput(err)
			}
			at, err := a.parseAsOf(cfg, asOf)
			if err != nil {
				return err
			}
			items, err := st.ListItems(ctx, store.ItemFilter{Round: code})
			if err != nil {
				return err
			}
			r, _ := cfg.Round(code)
			names := report.NewNames(r.Name, cfg.Units, cfg.Leaders)
			var buf bytes.Buffer
			n := report.Build(items, names, ledger.DateOf(at.In(cfg.Location)), cfg.Policy.YellowDays)
			if err := report.Write(&buf, n, format); err != nil {
				return err
			}
			if output == "" {
				_, err := buf.WriteTo(a.stdout)
				return err
			}
			if err := atomicfile.WriteFile(output, buf.Bytes(), 0o644); err != nil {
				return fmt.Errorf("report: %w", err)
			}
			fmt.Fprintf(a.stdout, "report written to %s\n", output)
			return nil
		}),
	}
	cmd.Flags().StringVar(&round, "round", "", "round code (default: the only round of the config)")
	cmd.Flags().StringVar(&format, "format", report.FormatMarkdown, "md, html or xlsx")
	cmd.Flags().StringVar(&asOf, "as-of", "", "the day the notice speaks of: 2025-06-16 (default today)")
	cmd.Flags().StringVar(&output, "output", "", "write to this file instead of stdout")
	return cmd
}

// isTerminal reports whether w is a terminal (not merely a character
// device: /dev/null is one too).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
