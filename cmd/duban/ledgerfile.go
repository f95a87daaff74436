package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/internal/atomicfile"
	"duban/internal/progress"
	"duban/ledger"
	"duban/sheet"
	"duban/store"
)

// importFlags are the flags of `duban import`.
type importFlags struct {
	round                   string
	dryRun, overwrite, keep bool
	example                 bool // the seed ledger: its dates moved to today (ledger.MovedToToday)
}

func (f importFlags) onConflict() store.OnConflict {
	switch {
	case f.overwrite:
		return store.ConflictOverwrite
	case f.keep:
		return store.ConflictKeep
	}
	return store.ConflictRefuse
}

func (a *app) importCommand() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a ledger (CSV or XLSX) into a round; all rows or none",
		Long: "Import a ledger (CSV or XLSX) into a round, all rows or none. Each row is compared with\n" +
			"the database field by field; a column the file lacks leaves that field alone. A row that\n" +
			"would undo a change made in duban since the item's last import (整改状态, 完成时限,\n" +
			"完成日期, 整改情况) is a conflict: nothing is written and the conflicts are listed (exit 2),\n" +
			"unless --overwrite (the file wins) or --keep (duban's values win, the rest applies).",
		Args: exactArgs(1),
		PreRunE: func(*cobra.Command, []string) error {
			if f.overwrite && f.keep {
				return badInputf("--overwrite and --keep exclude each other")
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, args []string) error {
			return a.importLedger(ctx, cfg, st, args[0], f)
		}),
	}
	cmd.Flags().StringVar(&f.round, "round", "", "round code (default: the only round of the config)")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "list the new items and every change, and write nothing")
	cmd.Flags().BoolVar(&f.overwrite, "overwrite", false, "on a conflict, the file wins")
	cmd.Flags().BoolVar(&f.keep, "keep", false, "on a conflict, keep duban's value and apply the rest of the row")
	return cmd
}

func (a *app) importLedger(ctx context.Context, cfg *config.Config, st *store.Store, path string, f importFlags) error {
	round, err := cfg.RoundFor(f.round)
	if err != nil {
		return badInput(err)
	}
	name := filepath.Base(path)
	rows := progress.New(a.stderr, isTerminal(a.stderr), "reading "+name)
	file, err := sheet.ReadLedger(ctx, path, round, cfg, rows)
	rows.Done()
	if err != nil {
		return badInput(err)
	}
	if f.example {
		file.Items = ledger.MovedToToday(file.Items, ledger.DateOf(a.now().In(cfg.Location)))
	}
	res, err := st.ImportItems(ctx, file.Items, store.ImportOptions{
		By: a.cliActor(), Source: name, At: a.now().In(cfg.Location), Fields: file.Fields,
		OnConflict: f.onConflict(), DryRun: f.dryRun,
	})
	if f.dryRun {
		a.printImportPlan(cfg, file, res)
	}
	if errors.Is(err, store.ErrConflict) && len(res.Conflicts) > 0 {
		return badInput(importConflicts(cfg, name, file, res.Conflicts))
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	a.printSettled(cfg, file, res.Conflicts, f.onConflict())
	verb := "imported"
	if f.dryRun {
		verb = "dry run, nothing written:"
	}
	fmt.Fprintf(a.stdout, "%s %s into round %s: %d items, %d new, %d changed, %d unchanged\n",
		verb, path, round, len(file.Items), res.New, res.Changed, res.Unchanged)
	return nil
}

// printImportPlan lists what an import would do: every new item and every
// change of a field, old → new.
func (a *app) printImportPlan(cfg *config.Config, file sheet.Ledger, res store.ImportResult) {
	problems := make(map[string]string, len(res.Added))
	for _, it := range file.Items {
		problems[it.No] = it.Problem
	}
	for _, ref := range res.Added {
		fmt.Fprintf(a.stdout, "new     %s  %s\n", ref.No, shorten(problems[ref.No]))
	}
	for _, c := range res.Changes {
		fmt.Fprintf(a.stdout, "change  %s  %s: %s → %s\n", c.No, c.Field.Label(),
			valueText(cfg, c.Field, c.Old), valueText(cfg, c.Field, c.New))
	}
}

// printSettled says how the conflicts of an import with --keep or
// --overwrite were settled.
func (a *app) printSettled(cfg *config.Config, file sheet.Ledger, conflicts []store.Conflict, how store.OnConflict) {
	verb := "kept duban's"
	if how == store.ConflictOverwrite {
		verb = "overwrote duban's"
	}
	for _, c := range conflicts {
		fmt.Fprintf(a.stdout, "%s %s  row %d %s: %s (file: %s)\n", verb, c.No, file.Row(c.No), c.Field.Label(),
			valueText(cfg, c.Field, c.Duban), valueText(cfg, c.Field, c.File))
	}
}

// importConflicts is the error of an import refused for its conflicts:
// each row, field, the file's value, duban's, and when and by whom duban's
// was set.
func importConflicts(cfg *config.Config, name string, file sheet.Ledger, conflicts []store.Conflict) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s：%d 处与 duban 中的修改冲突（自该问题上次导入后在 duban 中修改），未写入任何内容：", name, len(conflicts))
	for _, c := range conflicts {
		fmt.Fprintf(&b, "\n  第%d行 %s %s：文件为 %s，duban 中为 %s（%s 由 %s 修改）", file.Row(c.No), c.No,
			c.Field.Label(), valueText(cfg, c.Field, c.File), valueText(cfg, c.Field, c.Duban),
			c.At.In(cfg.Location).Format("2006-01-02 15:04"), c.Actor)
	}
	b.WriteString("\n以文件为准请加 --overwrite；保留 duban 中的修改、导入其余内容请加 --keep")
	return errors.New(b.String())
}

// valueText is a field's value as the CLI prints it: names for codes, long
// text cut short, quoted when it is free text.
func valueText(cfg *config.Config, f ledger.Field, v string) string {
	s := ledger.ValueText(f, v, cfg.UnitName, cfg.LeaderName)
	switch f {
	case ledger.FieldCategory, ledger.FieldSubCategory, ledger.FieldProblem, ledger.FieldMeasures, ledger.FieldProgress:
		if v != "" {
			return fmt.Sprintf("%q", shorten(s))
		}
	}
	return s
}

// shorten cuts a text to a line's worth for a listing.
func shorten(s string) string {
	const maxRunes = 40
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	return string([]rune(s)[:maxRunes]) + "…"
}

// Formats of `duban export`.
const (
	exportXLSX = "xlsx"
	exportCSV  = "csv"
)

func (a *app) exportCommand() *cobra.Command {
	var round, format, output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a round's ledger as a file `duban import` reads back (XLSX or CSV)",
		Long: "Write the ledger of a round with exactly the columns an import reads, under their Chinese\n" +
			"headers: dates as dates (XLSX date cells, CSV YYYY-MM-DD), 长期坚持 for long-term items,\n" +
			"statuses as the office writes them, units and leaders by name. Importing the file into an\n" +
			"empty database gives the same items; into the same database, it changes nothing.\n" +
			"CSV goes to stdout unless --output FILE; XLSX needs --output or a stdout that is not a terminal.",
		Args: exactArgs(0),
		PreRunE: func(*cobra.Command, []string) error {
			if format == "" {
				format = exportCSV
				if strings.EqualFold(filepath.Ext(output), ".xlsx") {
					format = exportXLSX
				}
			}
			switch format {
			case exportXLSX, exportCSV:
			default:
				return badInputf("invalid --format %q: want xlsx or csv", format)
			}
			if format == exportXLSX && output == "" && isTerminal(a.stdout) {
				return badInputf("an XLSX workbook is not for a terminal: pass --output FILE.xlsx or redirect stdout to a file")
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			code, err := cfg.RoundFor(round)
			if err != nil {
				return badInput(err)
			}
			items, err := st.ListItems(ctx, store.ItemFilter{Round: code})
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			write := sheet.WriteCSV
			if format == exportXLSX {
				write = sheet.WriteXLSX
			}
			rows := progress.New(a.stderr, isTerminal(a.stderr), "writing "+cmp.Or(filepath.Base(output), "the ledger"))
			err = write(&buf, items, cfg, rows)
			rows.Done()
			if err != nil {
				return err
			}
			return a.writeOutput(output, &buf, fmt.Sprintf("%d items of round %s exported to %s", len(items), code, output))
		}),
	}
	cmd.Flags().StringVar(&round, "round", "", "round code (default: the only round of the config)")
	cmd.Flags().StringVar(&format, "format", "", "xlsx or csv (default: xlsx for an --output ending in .xlsx, else csv)")
	cmd.Flags().StringVar(&output, "output", "", "write to this file instead of stdout")
	return cmd
}

// writeOutput writes buf to the file output, atomically, and says done on
// stdout; or, without output, writes buf to stdout.
func (a *app) writeOutput(output string, buf *bytes.Buffer, done string) error {
	if output == "" {
		_, err := buf.WriteTo(a.stdout)
		return err
	}
	if err := atomicfile.WriteFile(output, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", output, err)
	}
	fmt.Fprintln(a.stdout, done)
	return nil
}
