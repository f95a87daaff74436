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

	"github.com/spf13/cobra"

	"duban/config"
	"duban/internal/heartbeat"
	"duban/store"
)

// app carries what every command shares: where output goes, the process
// environment and the clock. Tests build one with their own writers.
type app struct {
	stdout, stderr io.Writer
	env            []string
	now            func() time.Time
	configPath     string
	logger         *slog.Logger
	pinger         *heartbeat.Pinger // set when the config has a heartbeat URL
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "duban",
		Short:         "Supervise a rectification ledger and recurring reporting duties by email",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.configPath, "config", "",
		"config file (default $DUBAN_CONFIG or ./duban.toml)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return badInputf("%w (see 'duban %s --help')", err, c.Name())
	})
	root.AddCommand(a.migrateCommand(), a.checkConfigCommand(), a.importCommand(), a.itemsCommand(),
		a.itemCommand(), a.versionCommand(), a.serveCommand(), a.runCommand(), a.planCommand(),
		a.deliverCommand(), a.logsCommand(), a.jobsCommand(), a.reportCommand(), a.submitCommand(),
		a.dutiesCommand())
	return root
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
	a.logger = newLogger(a.stderr, cfg.Log.Level, cfg.Log.Format)
	for _, w := range cfg.Warnings {
		a.logger.Warn(w)
	}
	return cfg, nil
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens (and migrates) the configured database and makes sure the
// configured rounds exist.
func (a *app) openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.Database.URL)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := st.EnsureRounds(ctx, cfg.Rounds); err != nil {
		st.Close()
		return nil, err
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
			return badInput(err)
		}
		return nil
	}
}
