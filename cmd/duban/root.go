package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/internal/heartbeat"
	"duban/ledger"
	"duban/store"
)

// app carries what every command shares: where output goes, the process
// environment and the clock. Tests build one with their own writers.
type app struct {
	stdin          io.Reader // a password given with --password-stdin, or the terminal to ask on
	stdout, stderr io.Writer
	env            []string
	now            func() time.Time
	configPath     string
	by             string // --by: who makes the changes of this command
	logger         *slog.Logger
	pinger         *heartbeat.Pinger // set when the config has a heartbeat URL
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "duban",
		Short:         "Supervise a rectification ledger and recurring reporting duties by email and group-chat robots",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().StringVar(&a.configPath, "config", "",
		"config file (default $DUBAN_CONFIG or ./duban.toml)")
	root.PersistentFlags().StringVar(&a.by, "by", "",
		"who makes the change, recorded with it (default $DUBAN_ACTOR, else the OS user)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if strings.ContainsFunc(a.by, unicode.IsControl) {
			return badInputf("--by: a name without line breaks or other control characters")
		}
		return nil
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return badInputf("%w (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(a.migrateCommand(), a.checkConfigCommand(), a.importCommand(), a.itemsCommand(),
		a.itemCommand(), a.versionCommand(), a.serveCommand(), a.runCommand(), a.planCommand(),
		a.deliverCommand(), a.logsCommand(), a.jobsCommand(), a.reportCommand(), a.submitCommand(),
		a.dutiesCommand(), a.userCommand(), a.testSendCommand(), a.exportCommand(),
		a.linksCommand(), a.requestsCommand(), a.requestCommand())
	root.InitDefaultCompletionCmd() // now, so that the walk below covers it
	refuseUnknownCommands(root)
	return root
}

// refuseUnknownCommands makes every command that has subcommands refuse a
// word that is none of them: cobra checks this only at the root, and shows
// the help with exit code 0 for `duban item frob`.
func refuseUnknownCommands(c *cobra.Command) {
	if !c.HasSubCommands() {
		return
	}
	c.SuggestionsMinimumDistance = 2 // what cobra uses at the root
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		hint := ""
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			hint = " (did you mean " + strings.Join(s, " or ") + "?)"
		}
		return badInputf("unknown command %q for %q%s (see '%s --help')", args[0], cmd.CommandPath(), hint, cmd.CommandPath())
	}
	if !c.Runnable() {
		// Only a runnable command has its arguments checked.
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	for _, sub := range c.Commands() {
		refuseUnknownCommands(sub)
	}
}

// getenv looks a variable up in the environment the app was started with.
func (a *app) getenv(name string) string {
	for _, kv := range a.env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

func (a *app) resolvedConfigPath() string {
	return cmp.Or(a.configPath, a.getenv("DUBAN_CONFIG"), "duban.toml")
}

// loadConfig reads and validates the config; every problem is bad input.
func (a *app) loadConfig() (*config.Config, error) {
	path := a.resolvedConfigPath()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, badInputf("config file %s not found: pass --config FILE, set DUBAN_CONFIG, "+
			"or start from config.example.toml", path)
	}
	cfg, err := config.Load(path, a.env)
	if err != nil {
		return nil, badInput(err)
	}
	var level slog.Level // Load has checked log.level; info if it were empty
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: inZone(cfg.Location)}
	a.logger = slog.New(slog.NewTextHandler(a.stderr, opts))
	if cfg.Log.Format == "json" {
		a.logger = slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	for _, w := range cfg.Warnings {
		a.logger.Warn(w)
	}
	return cfg, nil
}

// inZone makes the log's timestamps read in the configured zone, like
// every other time duban prints, not in the machine's.
func inZone(loc *time.Location) func([]string, slog.Attr) slog.Attr {
	return func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
			a.Value = slog.TimeValue(a.Value.Time().In(loc))
		}
		return a
	}
}

// openStore opens (and migrates) the configured database, makes sure the
// configured rounds exist, and learns the day the database first saw each
// duty (recording today for a new one), from which a duty without a start
// is supervised.
func (a *app) openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.Database.URL, store.InZone(cfg.Location))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := st.EnsureRounds(ctx, cfg.Rounds); err != nil {
		st.Close()
		return nil, err
	}
	ids := make([]string, len(cfg.Duties))
	for i, d := range cfg.Duties {
		ids[i] = d.ID
	}
	seen, err := st.DutiesFirstSeen(ctx, ids, a.today(cfg))
	if err != nil {
		st.Close()
		return nil, err
	}
	for i, d := range cfg.Duties {
		cfg.Duties[i].FirstSeen = seen[d.ID]
	}
	return st, nil
}

// onStore is the RunE of a command that works on the store: it loads the
// config, opens the store, runs fn and closes the store. Checks of the flags
// alone go in PreRunE, so that they are reported before the config is read.
func (a *app) onStore(fn func(ctx context.Context, cfg *config.Config, st *store.Store, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cfg, err := a.loadConfig()
		if err != nil {
			return err
		}
		st, err := a.openStore(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		return fn(cmd.Context(), cfg, st, args)
	}
}

// exactArgs is cobra.ExactArgs with the error marked as bad usage.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return badInputf("%w (see '%s --help')", err, cmd.CommandPath())
		}
		return nil
	}
}

// parseAsOf reads --as-of: "2025-06-16" (start of that day) or
// "2025-06-16T09:00", in the configured zone; empty means now.
func (a *app) parseAsOf(cfg *config.Config, s string) (time.Time, error) {
	return a.parseTimeFlag(cfg, "--as-of", s, a.now())
}

func (a *app) parseTimeFlag(cfg *config.Config, flag, s string, empty time.Time) (time.Time, error) {
	if s == "" {
		return empty, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, cfg.Location); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, badInputf("invalid %s %q: want 2025-06-16 or 2025-06-16T09:00", flag, s)
}

// today is the calendar day of now in the configured zone.
func (a *app) today(cfg *config.Config) ledger.Date {
	return ledger.DateOf(a.now().In(cfg.Location))
}

// day parses --date, defaulting to today in the configured zone. What was
// done is dated today or earlier: a later day is a typing mistake that
// would silence reminders before anything happened.
func (a *app) day(cfg *config.Config, s string) (ledger.Date, error) {
	today := a.today(cfg)
	if s == "" {
		return today, nil
	}
	d, err := ledger.ParseDate(s)
	if err != nil {
		return d, badInputf("--date: %w", err)
	}
	if d.After(today) {
		return d, badInputf("--date %s is in the future: today is %s", d, today)
	}
	return d, nil
}
