package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/store"
)

func (a *app) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		Args:  exactArgs(0),
		RunE: a.onStore(func(ctx context.Context, _ *config.Config, st *store.Store, _ []string) error {
			v, err := st.Migrate(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "database %s migrated to version %d\n", st.Dialect(), v)
			return nil
		}),
	}
}

func (a *app) checkConfigCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "Validate the config and print the effective config, secrets redacted",
		Args:  exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if err := cfg.Admin.CheckSecrets(); err != nil {
				return badInput(err)
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
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(a.stdout, versionString())
			return nil
		},
	}
}

// buildVersion is this build's version for duban_build_info: the module
// version and the VCS revision.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			v += "+" + s.Value[:min(len(s.Value), 12)]
		}
	}
	return v
}

// versionString reads the module version and VCS stamp the Go toolchain put
// into the binary, so no release step has to remember to set it.
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "duban (unknown version)"
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	out := "duban " + info.Main.Version
	if rev := vcs["vcs.revision"]; rev != "" {
		stamp := []string{rev[:min(len(rev), 12)]}
		if vcs["vcs.modified"] == "true" {
			stamp = append(stamp, "modified")
		}
		if when := vcs["vcs.time"]; when != "" {
			stamp = append(stamp, when)
		}
		out += " (" + strings.Join(stamp, ", ") + ")"
	}
	return out + " " + info.GoVersion
}
