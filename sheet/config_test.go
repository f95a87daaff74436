package sheet

import (
	"context"
	"testing"

	"duban/config"
	"duban/ledger"
)

// The examples must import cleanly against the example config, the way
// `duban import examples/ledger.xlsx` runs it; *config.Config is the
// Directory the daemon passes.
func TestExamplesAgainstExampleConfig(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../config.example.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	var dir Directory = cfg
	for _, path := range []string{"../examples/ledger.csv", "../examples/ledger.xlsx"} {
		items, err := ReadFile(context.Background(), path, "2024-7", dir)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		open := 0
		for _, it := range items {
			if it.Status == ledger.StatusOpen {
				open++
			}
			if _, ok := cfg.Leader(it.Leader); !ok {
				t.Errorf("%s %s: leader %q not in the config", path, it.No, it.Leader)
			}
		}
		if len(items) != 25 || open != 4 {
			t.Errorf("%s: %d items, %d open; want 25, 4", path, len(items), open)
		}
		if _, ok := cfg.Round(items[0].Round); !ok {
			t.Errorf("round %q not in the config", items[0].Round)
		}
	}
}

// The map directory the other tests use mirrors the example config.
func TestTestDirMatchesExampleConfig(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../config.example.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := testDir()
	if len(dir.units) != len(cfg.Units) || len(dir.leaders) != len(cfg.Leaders) {
		t.Errorf("testDir has %d units, %d leaders; the config %d, %d",
			len(dir.units), len(dir.leaders), len(cfg.Units), len(cfg.Leaders))
	}
	for _, u := range cfg.Units {
		if code, ok := dir.ResolveUnit(u.Name); !ok || code != u.Code {
			t.Errorf("testDir unit %s = %q, %v; the config says %q", u.Name, code, ok, u.Code)
		}
	}
	for _, l := range cfg.Leaders {
		if code, ok := dir.ResolveLeader(l.Name); !ok || code != l.Code {
			t.Errorf("testDir leader %s = %q, %v; the config says %q", l.Name, code, ok, l.Code)
		}
	}
}
