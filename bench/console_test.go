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
// deadlines run, through the console's handler over loopback HTTP, each
// page DUBAN_BENCH_REQUESTS times (20). The table gets the slowest page's
// median time (≤ 200 ms), /metrics' (≤ 100 ms) and the largest page's size
// (≤ 500 KB); the log has every page's.
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
		size := fmt.Sprintf("%s %s items", dialect, count(items))
		var slowest, largest, metrics consolePage
		for _, p := range consolePages(items) {
			took, bytes, err := servePage(srv.URL+p.path, requests)
			if err != nil {
				b.Fatalf("%s: %v", p.name, err)
			}
			b.Logf("%s, %s: %.1f ms, %d bytes", size, p.name, took, bytes)
			page := consolePage{p.name, took, float64(bytes) / 1000}
			switch {
			case p.path == "/metrics":
				metrics = page
			case took > slowest.millis:
				slowest = page
			}
			if page.kb > largest.kb {
				largest = page
			}
		}
		for _, r := range []Row{
			{Case: "console, " + size + ": slowest page", Unit: "ms", Measured: slowest.millis,
				Target: fmt.Sprintf("≤ %d ms", consolePageMillis), Note: slowest.name},
			{Case: "console, " + size + ": /metrics", Unit: "ms", Measured: metrics.millis,
				Target: fmt.Sprintf("≤ %d ms", consoleMetricsMillis)},
			{Case: "console, " + size + ": largest page", Unit: "KB", Measured: largest.kb,
				Target: fmt.Sprintf("≤ %d KB", consolePageKB), Note: largest.name},
		} {
			r.Floor, r.Ratio = NA, NA
			r.Note = strings.TrimPrefix(r.Note+fmt.Sprintf("; median of %d requests", requests), "; ")
			if err := Record(r); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// consolePage is what serving one page measured.
type consolePage struct {
	name   string
	millis float64 // median time
	kb     float64 // size of the body
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
	slices.Sort(times)
	return times[len(times)/2], size, nil
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
