package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"duban/config"
	"duban/store"
	"duban/web"
)

// `duban jobs` and the console's job table show the same next run, an
// @every schedule's included: serve runs it on the multiples of its delay,
// not a delay after whenever the page or the command looked.
func TestJobsAndConsoleAgreeOnNextRun(t *testing.T) {
	t.Parallel()
	c := newCLI(t, configWith("sqlite:"+c0(t), "\n[jobs.followups]\nschedule = \"@every 90m\"\n"))
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	now := func() time.Time { return at }

	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, env: c.env, now: now, logger: slog.New(slog.DiscardHandler)}
	root := a.rootCommand()
	root.SetArgs([]string{"--config", c.config, "jobs"})
	if err := root.ExecuteContext(t.Context()); err != nil {
		t.Fatalf("duban jobs: %v\n%s", err, errOut.String())
	}
	var cli string
	for _, line := range strings.Split(out.String(), "\n") {
		if fields := strings.Fields(line); len(fields) > 2 && fields[0] == "followups" {
			cli = strings.Join(fields[len(fields)-2:], " ")
		}
	}

	cfg, err := config.Load(c.config, c.env)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), cfg.Database.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	console, err := web.New(web.Options{Store: st, Config: cfg, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	console.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost/jobs", nil)) // an open console answers its own host only
	row := regexp.MustCompile(`<code>@every 90m</code>(?s:.*?)<td class="nowrap" data-label="下次运行">([^<]*)</td>\s*</tr>`).FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || row == nil {
		t.Fatalf("console /jobs: %d, no followups row\n%s", rec.Code, rec.Body.String())
	}
	if cli != row[1] || cli != "2026-11-25 09:30" {
		t.Errorf("next run of followups (@every 90m) as of 09:00: duban jobs %q, console %q; want both 2026-11-25 09:30\n%s",
			cli, row[1], out.String())
	}
}

// `duban jobs` says when the last run succeeded only at a later attempt.
func TestJobsShowsARunDoneAgain(t *testing.T) {
	t.Parallel()
	c := newCLI(t, configWith("sqlite:"+c0(t), ""))
	st := openStoreOf(t, c)
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	retry := store.Retry{StaleAfter: time.Minute, Attempts: 3}
	for i, outcome := range []string{"failed", "ok"} {
		start := at.Add(time.Duration(i) * 5 * time.Minute)
		run, err := st.ClaimRun(t.Context(), "deadlines", at, "host", start, retry)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.FinishRun(t.Context(), run, outcome, 2, 1, "", start.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	out := c.run("jobs")
	if !regexp.MustCompile(`(?m)^deadlines\s.*2026-11-25 09:00\s+ok \(attempt 2\)\s+2\s+1\s`).MatchString(out.stdout) {
		t.Errorf("duban jobs does not show the run's second attempt:\n%s", out.stdout)
	}
}
