package bench

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"duban/config"
	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/store"
	"duban/web"
)

// Targets of the console case: each page's median time and size.
const (
	consolePageMillis    = 200
	consoleMetricsMillis = 100
	consolePageKB        = 500
)

// consoleUnits is the size of the console case's directory: the 整改台账
// filter lists every unit, and an office has hundreds, not the planning
// case's ten thousand.
const consoleUnits = 1000

// consoleDutyUnits is how many units the case's monthly duty assigns.
const consoleDutyUnits = 50

// consoleItemsPerPage is the length of a page of 整改台账 (web's).
const consoleItemsPerPage = 50

// consolePages are what the case serves over a ledger of n items: each
// console page and /metrics. The items come unfiltered, filtered to one
// unit's red items (a department head's bookmark), at their last page (the
// deepest offset) and searched for one item's number (a scan of every
// item's texts).
func consolePages(n int) []struct{ name, path string } {
	return []struct{ name, path string }{
		{"overview", "/"},
		{"items", "/items"},
		{"items, one unit's red", "/items?light=red&unit=" + UnitCode(1)},
		{"items, last page", fmt.Sprintf("/items?page=%d", (n+consoleItemsPerPage-1)/consoleItemsPerPage)},
		{"items, text search", fmt.Sprintf("/items?q=B%d", n/8)},
		{"item", "/items/bench/B10"},
		{"dispatches", "/dispatches"},
		{"duties", "/duties"},
		{"jobs", "/jobs"},
		{"/metrics", "/metrics"},
	}
}

// BenchmarkConsole serves each console page and /metrics over a generated
// 100,000-item ledger (one in ten open, 1,000 units) after its first
// deadlines run, through the console's handler over loopback HTTP: the
// median time of DUBAN_BENCH_REQUESTS requests (20) and the size of the
// page, against the targets (200 ms, /metrics 100 ms; 500 KB).
func BenchmarkConsole(b *testing.B) {
	items := EnvInt("DUBAN_BENCH_CONSOLE_ITEMS", 100_000)
	b.Run("postgres", func(b *testing.B) { benchConsole(b, "postgres", items) })
	b.Run("sqlite", func(b *testing.B) { benchConsole(b, "sqlite", items) })
}

func benchConsole(b *testing.B, dialect string, items int) {
	ctx := b.Context()
	l := Ledger{Items: items, Units: consoleUnits, Today: benchToday}
	st, db := openLedger(b, dialect, l)
	cfg := consoleConfig(l)
	duty := consoleDuty()
	if err := runDeadlinesOnce(ctx, st, l, mustTemplates(b)); err != nil {
		b.Fatal(err)
	}
	if err := submitDuty(ctx, st, duty); err != nil {
		b.Fatal(err)
	}
	if err := Maintain(ctx, db, dialect); err != nil {
		b.Fatal(err)
	}
	console, err := web.New(web.Options{
		Store: st, Config: cfg, Now: func() time.Time { return benchToday }, Duties: []ledger.DutySpec{duty},
	})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(console)
	b.Cleanup(srv.Close)
	requests := EnvInt("DUBAN_BENCH_REQUESTS", 20)

	b.ResetTimer()
	for range b.N {
		for _, p := range consolePages(items) {
			took, size, err := servePage(srv.URL+p.path, requests)
			if err != nil {
				b.Fatalf("%s: %v", p.name, err)
			}
			target := consolePageMillis
			if p.path == "/metrics" {
				target = consoleMetricsMillis
			}
			note := fmt.Sprintf("%d KB (≤ %d KB), median of %d requests", size/1000, consolePageKB, requests)
			var missed []string
			if took > float64(target) {
				missed = append(missed, "time")
			}
			if size > consolePageKB*1000 {
				missed = append(missed, "size")
			}
			if len(missed) > 0 {
				note += "; missed: " + strings.Join(missed, ", ")
			}
			b.Logf("%s %s items, %s: %.1f ms, %d bytes", dialect, count(items), p.name, took, size)
			if err := Record(Row{Bench: "console", Case: fmt.Sprintf("%s %s items, %s", dialect, count(items), p.name),
				Unit: "ms", Duban: took, Floor: NA, Ratio: NA, Target: fmt.Sprintf("≤ %d", target),
				MemMB: NA, Note: note}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// servePage gets url once to warm up, then n times, and returns the median
// time in milliseconds and the size of the body.
func servePage(url string, n int) (float64, int, error) {
	var times []float64
	size := 0
	for i := range n + 1 {
		start := time.Now()
		res, err := http.Get(url)
		if err != nil {
			return 0, 0, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(start)
		if err != nil {
			return 0, 0, err
		}
		if res.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("status %d: %.300s", res.StatusCode, body)
		}
		if i > 0 {
			times = append(times, float64(took.Microseconds())/1000)
		}
		size = len(body)
	}
	return median(times), size, nil
}

// consoleConfig is the office of the generated ledger: its round, its
// units and leaders, the default policy and jobs, a console without a
// password.
func consoleConfig(l Ledger) *config.Config {
	dir := Directory(l.Units)
	cfg := &config.Config{
		Timezone: "Asia/Shanghai", Location: benchToday.Location(),
		Supervisors: dir.Supervisors,
		Policy:      ledger.DefaultPolicy(),
		Admin:       config.AdminConfig{Listen: "127.0.0.1:0"},
		Rounds:      []ledger.Round{{Code: "bench", Name: "压测轮次"}},
		Jobs: map[string]config.Job{
			ledger.JobDeadlines: {Schedule: "0 9 * * *"},
			ledger.JobDuties:    {Schedule: "30 9 * * *"},
			ledger.JobFollowups: {Schedule: "0 10 * * 1"},
			ledger.JobSummary:   {Schedule: "0 8 * * 1"},
		},
		Duties: []config.Duty{{ID: "monthly", Name: "月度整改进展报送", Period: "monthly"}},
	}
	for _, code := range slices.Sorted(maps.Keys(dir.Leaders)) {
		cfg.Leaders = append(cfg.Leaders, dir.Leaders[code])
	}
	for _, code := range slices.Sorted(maps.Keys(dir.Units)) {
		cfg.Units = append(cfg.Units, dir.Units[code])
	}
	return cfg
}

// consoleDuty is a monthly report of the first consoleDutyUnits units,
// due on the 10th, for the 定期任务 matrix.
func consoleDuty() ledger.DutySpec {
	d := ledger.DutySpec{ID: "monthly", Name: "月度整改进展报送", Kind: ledger.Monthly, DueDay: 10,
		RemindDays: []int{3, 1}, OverdueEveryDays: 3, DueOnWorkday: true}
	for i := range consoleDutyUnits {
		d.Units = append(d.Units, UnitCode(i))
	}
	return d
}

// submitDuty files the duty's last six months for most units, once.
func submitDuty(ctx context.Context, st *store.Store, duty ledger.DutySpec) error {
	subs, err := st.ListSubmissions(ctx, duty.ID)
	if err != nil || len(subs) > 0 {
		return err
	}
	today := ledger.DateOf(benchToday)
	p := ledger.LastEndedPeriod(duty.Kind, today)
	for range 6 {
		for i, unit := range duty.Units {
			if i%7 == 3 {
				continue // never files
			}
			subs = append(subs, store.Submission{Duty: duty.ID, Unit: unit, Period: p.String(),
				On: p.End().AddDays(i % 15), Actor: "bench", CreatedAt: benchToday})
		}
		p = p.Prev()
	}
	return st.AddSubmissions(ctx, subs, store.Actor{Name: "test", Kind: store.ActorCLI})
}

// runDeadlinesOnce runs the deadlines job the day before benchToday unless
// a run is recorded: the dispatch log, the jobs page and the items' pages
// then show what a first run sends.
func runDeadlinesOnce(ctx context.Context, st *store.Store, l Ledger, tmpl *notify.Templates) error {
	runs, err := st.ListRuns(ctx, ledger.JobDeadlines, 1)
	if err != nil || len(runs) > 0 {
		return err
	}
	at := benchToday.AddDate(0, 0, -1)
	sched := scheduler.New(st, scheduler.Settings{
		Location:  benchToday.Location(),
		Policy:    ledger.DefaultPolicy(),
		Calendar:  ledger.NewCalendar(nil, nil),
		Directory: Directory(l.Units),
		Office:    "整改办",
	}, tmpl, scheduler.Options{Owner: "bench", Now: func() time.Time { return at }})
	_, err = sched.RunJob(ctx, ledger.JobDeadlines, at)
	return err
}
