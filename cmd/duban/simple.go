package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/store"
)

func (a *app) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(cfg *config.Config, st *store.Store) error {
				v, err := st.Migrate(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "database %s migrated to version %d\n", st.Dialect(), v)
				return nil
			})
		},
	}
}

func (a *app) checkConfigCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "Validate the config and print the effective config, secrets redacted",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "# %s: OK\n", a.resolvedConfigPath())
			fmt.Fprint(a.stdout, cfg.Redacted())
			return nil
		},
	}
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this build",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(a.stdout, versionString())
			return nil
		},
	}
}

// versionString reads the module version and VCS stamp the Go toolchain put
// into the binary, so no release step has to remember to set it.
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "duban (unknown version)"
	}
	version := info.Main.Version
	var revision, modified, when string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		case "vcs.time":
			when = s.Value
		}
	}
	out := "duban " + version
	if revision != "" {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		out += " (" + revision
		if modified == "true" {
			out += ", modified"
		}
		if when != "" {
			out += ", " + when
		}
		out += ")"
	}
	return out + " " + info.GoVersion
}
