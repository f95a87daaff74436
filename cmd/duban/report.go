package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"duban/config"
	"duban/internal/atomicfile"
	"duban/ledger"
	"duban/report"
	"duban/store"
)

func (a *app) reportCommand() *cobra.Command {
	var round, format, asOf, output, noticeFile string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the progress notice (整改进展情况通报) as Markdown, HTML, Word (DOCX) or XLSX",
		Long: "Write the progress notice of a round as the office publishes it: the title with the issuer,\n" +
			"the opening, 一、 how the rectification was organised, 二、 the progress by problem category,\n" +
			"sub-category (问题子类) and problem with their 整改情况 (and, with [report] latest_notes, their\n" +
			"latest progress notes) and 整改结果, 三、 the next steps, the closing, the contact lines, the\n" +
			"issuer and the date, then the problems still open as an attachment. The office's own texts\n" +
			"come from [notice]; --notice FILE.toml overrides its keys for this notice. The notice is dated\n" +
			"--as-of: an item counts as done only if done by that day, and the notice names the items\n" +
			"whose completion day is unknown.\n" +
			"DOCX is a 公文 (GB/T 9704-2012: A4, its margins and fonts, page numbers \"— 1 —\"); XLSX has one\n" +
			"row per item with the light as the cell colour. Both go to --output FILE, or to stdout when\n" +
			"stdout is not a terminal.",
		Args: exactArgs(0),
		PreRunE: func(*cobra.Command, []string) error {
			if !slices.Contains(report.Formats, format) {
				return badInputf("invalid --format %q: want md, html, docx or xlsx", format)
			}
			binary := format == report.FormatXLSX || format == report.FormatDOCX
			if binary && output == "" && isTerminal(a.stdout) {
				return badInputf("a %s file is not for a terminal: pass --output FILE.%s or redirect stdout to a file", strings.ToUpper(format), format)
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
			texts := cfg.Notice
			if noticeFile != "" {
				if texts, err = texts.WithNoticeFile(noticeFile); err != nil {
					return badInput(err)
				}
			}
			day := ledger.DateOf(at.In(cfg.Location))
			n, err := buildNotice(ctx, cfg, st, code, texts, day)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
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
	cmd.Flags().StringVar(&format, "format", report.FormatMarkdown, "md, html, docx or xlsx")
	cmd.Flags().StringVar(&asOf, "as-of", "", "the day the notice speaks of and is dated: 2025-06-16 (default today)")
	cmd.Flags().StringVar(&output, "output", "", "write to this file instead of stdout")
	cmd.Flags().StringVar(&noticeFile, "notice", "", "a TOML file of [notice] keys (issuer, opening, …) for this notice")
	return cmd
}

// buildNotice assembles the progress notice of round code as of day, with
// the office's texts.
func buildNotice(ctx context.Context, cfg *config.Config, st *store.Store, code string, texts config.NoticeConfig, day ledger.Date) (report.Notice, error) {
	items, err := st.ListItems(ctx, store.ItemFilter{Round: code})
	if err != nil {
		return report.Notice{}, err
	}
	notes, err := st.LatestNotes(ctx, code, day, cfg.Report.LatestNotes)
	if err != nil {
		return report.Notice{}, err
	}
	r, _ := cfg.Round(code)
	names := report.NewNames(r.Name, report.Texts(texts), cfg.Units, cfg.Leaders)
	return report.Build(items, notes, names, day, cfg.Policy.YellowDays), nil
}

// isTerminal reports whether w is a terminal (not merely a character
// device: /dev/null is one too).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
