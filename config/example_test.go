package config_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"duban/config"
	"duban/ledger"
)

const examplePath = "../config.example.toml"

func TestExampleLoads(t *testing.T) {
	t.Parallel()
	c, err := config.Load(examplePath, nil)
	if err != nil {
		t.Fatalf("config.example.toml: %v", err)
	}
	if c.Database.URL != "sqlite:duban.db" || c.Mail.Transport != config.TransportOutbox {
		t.Errorf("database %q, transport %q", c.Database.URL, c.Mail.Transport)
	}
	if !slices.Equal(c.Supervisors, []string{"zgb@zgh.example.org"}) {
		t.Errorf("supervisors = %q", c.Supervisors)
	}
	if r, ok := c.Round("2024-7"); !ok || r.Name != "市委第五轮巡察" {
		t.Errorf("round 2024-7 = %+v, %v", r, ok)
	}
	if len(c.Leaders) != 6 {
		t.Errorf("%d leaders, want 6", len(c.Leaders))
	}
	kinds := map[ledger.UnitKind]int{}
	for _, u := range c.Units {
		kinds[u.Kind]++
		if !strings.HasSuffix(u.Emails[0], "@zgh.example.org") || u.Leader == "" {
			t.Errorf("unit %+v: want a zgh.example.org mailbox and a leader", u)
		}
	}
	if kinds[ledger.KindDepartment] == 0 || kinds[ledger.KindUnit] == 0 || kinds[ledger.KindBranch] == 0 {
		t.Errorf("unit kinds = %v, want departments, units and branches", kinds)
	}
	periods := map[string]bool{}
	for _, d := range c.Duties {
		periods[d.Period] = true
		if len(c.DutyUnits(d)) == 0 {
			t.Errorf("duty %s assigns no unit", d.ID)
		}
	}
	if len(periods) != 4 {
		t.Errorf("duty periods = %v, want all four", periods)
	}
	sanhui, _ := c.Duty("sanhuiyike")
	if got := c.DutyUnits(sanhui); len(got) != kinds[ledger.KindBranch] {
		t.Errorf("三会一课 units = %q, want every branch", got)
	}
}

// TestExampleDocumentsEveryKey checks that every key of the effective config
// appears in the example, set or commented out.
func TestExampleDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile(filepath.Clean(examplePath))
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(examplePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	keyLine := regexp.MustCompile(`^\s*([a-z_]+) = `)
	sc := bufio.NewScanner(strings.NewReader(c.Redacted()))
	for sc.Scan() {
		m := keyLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if !regexp.MustCompile(`(?m)^#?\s*` + m[1] + ` = `).Match(example) {
			t.Errorf("config.example.toml does not document %q", m[1])
		}
	}
}
