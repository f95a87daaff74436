package web

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"duban/store/storetest"
)

// alertRules is the shape of a Prometheus rule file, every key known.
type alertRules struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// docs/alerts.yml is a rule file Prometheus loads: well-formed, every key
// known, every rule complete, its durations valid, its parentheses
// balanced, and every metric it names one the console serves; it covers
// failed deliveries, stale jobs and the oldest pending message.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules alertRules
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		t.Fatalf("docs/alerts.yml: %v", err)
	}
	f := newFixture(t, storetest.Open(t, "sqlite"))
	f.runDeadlines()
	served := map[string]bool{}
	for series := range scrape(t, consoleFor(t, f)) {
		name, _, _ := strings.Cut(series, "{")
		served[name] = true
	}
	metricName := regexp.MustCompile(`duban_[a-z_]+`)
	var exprs []string
	if len(rules.Groups) == 0 {
		t.Fatal("no rule groups")
	}
	for _, g := range rules.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: want a name and rules", g.Name)
		}
		for _, r := range g.Rules {
			if !regexp.MustCompile(`^Duban[A-Z][A-Za-z]+$`).MatchString(r.Alert) || r.Expr == "" || r.Annotations["summary"] == "" {
				t.Errorf("rule %+v: want an alert name, an expression and a summary", r)
			}
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("rule %s: severity %q, want warning or critical", r.Alert, s)
			}
			if d, err := time.ParseDuration(r.For); r.For != "" && (err != nil || d <= 0) {
				t.Errorf("rule %s: for %q is no duration", r.Alert, r.For)
			}
			if strings.Count(r.Expr, "(") != strings.Count(r.Expr, ")") || strings.Count(r.Expr, "[") != strings.Count(r.Expr, "]") ||
				strings.Count(r.Expr, "{") != strings.Count(r.Expr, "}") {
				t.Errorf("rule %s: unbalanced expression %q", r.Alert, r.Expr)
			}
			for _, m := range metricName.FindAllString(r.Expr, -1) {
				if !served[m] {
					t.Errorf("rule %s names %s, which /metrics does not serve", r.Alert, m)
				}
			}
			exprs = append(exprs, r.Expr)
		}
	}
	all := strings.Join(exprs, "\n")
	for _, want := range []string{`duban_dispatches{state="failed"}`, "duban_job_stale", "duban_dispatch_oldest_pending_age_seconds"} {
		if !strings.Contains(all, want) {
			t.Errorf("no rule watches %s", want)
		}
	}
}
