package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/store"
	"duban/store/storetest"
)

// planningRounds is how often the floor query runs; its median is the floor.
const planningRounds = 3

// BenchmarkPlanning runs the deadlines job over a generated ledger (1,000,000
// items on PostgreSQL, 100,000 on SQLite, one in ten open, 10,000 units)
// twice: a first run, when no reminder was ever recorded (every open item
// reaches a stage: the backlog of a new installation), and the next day's
// run, the daily case, when about one open item in seven reaches a new
// stage and the others' reminders are known. Each is compared with the
// floor, one query that reads the open items with their units, and the
// process's peak resident memory is taken during each run.
func BenchmarkPlanning(b *testing.B) {
	b.Run("postgres", func(b *testing.B) { benchPlanning(b, "postgres", EnvInt("DUBAN_BENCH_PG_ITEMS", 1_000_000)) })
	b.Run("sqlite", func(b *testing.B) { benchPlanning(b, "sqlite", EnvInt("DUBAN_BENCH_SQLITE_ITEMS", 100_000)) })
}

// benchToday is the day of the daily run: a Wednesday and a workday, like
// the day before it.
var benchToday = time.Date(2025, 6, 18, 9, 0, 0, 0, shanghai())

func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

func benchPlanning(b *testing.B, dialect string, items int) {
	ctx := b.Context()
	l := Ledger{Items: items, Units: 10000, Today: benchToday}
	st, db := openLedger(b, dialect, l)
	var clock time.Time
	sched := scheduler.New(st, scheduler.Settings{
		Location:  benchToday.Location(),
		Policy:    ledger.DefaultPolicy(),
		Calendar:  ledger.NewCalendar(nil, nil),
		Directory: Directory(l.Units),
		Office:    "整改办",
	}, mustTemplates(b), scheduler.Options{Owner: "bench", Now: func() time.Time { return clock }})

	b.ResetTimer()
	for range b.N {
		if err := ResetRuns(ctx, db, dialect); err != nil {
			b.Fatal(err)
		}
		var floor float64
		size := fmt.Sprintf("%s %s items", dialect, count(items))
		for _, run := range []struct {
			name string
			at   time.Time
		}{
			{"first run", benchToday.AddDate(0, 0, -1)},
			{"daily run", benchToday},
		} {
			clock = run.at
			// A day passes between the runs, in which autovacuum visits the
			// tables that grew: the planner knows the reminders recorded.
			if err := Maintain(ctx, db, dialect); err != nil {
				b.Fatal(err)
			}
			// The floor is read right before the run it is compared with, so
			// that the machine's drift (a fifth within seconds) falls on both.
			var floorRows int
			var err error
			if floor, floorRows, err = readFloor(ctx, db); err != nil {
				b.Fatal(err)
			}
			if err := ResetPeak(); err != nil {
				b.Fatal(err)
			}
			stopProfile := startProfile(b, dialect+"."+run.name[:5])
			start := time.Now()
			res, err := sched.RunJob(ctx, ledger.JobDeadlines, run.at)
			took := time.Since(start).Seconds()
			stopProfile()
			if err != nil {
				b.Fatal(err)
			}
			mem, err := ReadMemory("self")
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s, %s: %.2fs (floor %.2fs, %d rows), %d reminders in %d messages, peak %.0f MiB",
				size, run.name, took, floor, floorRows, res.Reminders, res.Dispatches, MB(mem.HWM))
			b.ReportMetric(took, run.name[:5]+"_s")
			b.ReportMetric(MB(mem.HWM), run.name[:5]+"_peak_MiB")
			if err := Record(Row{Bench: "planning", Case: size + ", " + run.name, Unit: "s",
				Duban: took, Floor: floor, Ratio: took / floor, Target: ratioTarget(run.name),
				MemMB: MB(mem.HWM), MemMax: "≤ 200",
				Note: fmt.Sprintf("%d reminders, %d messages", res.Reminders, res.Dispatches)}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(floor, "floor_s")
	}
}

// readFloor reads the floor planningRounds times and returns the median
// time and the rows read.
func readFloor(ctx context.Context, db *sql.DB) (floor float64, rows int, err error) {
	var floors []float64
	for range planningRounds {
		start := time.Now()
		if rows, err = ReadFloor(ctx, db); err != nil {
			return 0, 0, err
		}
		floors = append(floors, time.Since(start).Seconds())
	}
	return median(floors), rows, nil
}

// startProfile writes a CPU profile of one run to
// $DUBAN_BENCH_CPUPROFILE.NAME.cpu when that variable is set, and the heap
// profile at the run's largest heap to $DUBAN_BENCH_HEAPPROFILE.NAME.heap
// when that one is, for finding where a run's time and memory go; it
// returns the function that stops them.
func startProfile(b *testing.B, name string) func() {
	stopCPU, stopHeap := func() {}, func() {}
	if prefix := os.Getenv("DUBAN_BENCH_CPUPROFILE"); prefix != "" {
		f, err := os.Create(prefix + "." + name + ".cpu")
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		stopCPU = func() {
			pprof.StopCPUProfile()
			f.Close()
		}
	}
	if prefix := os.Getenv("DUBAN_BENCH_HEAPPROFILE"); prefix != "" {
		stopHeap = watchHeap(b, prefix+"."+name+".heap")
	}
	return func() {
		stopCPU()
		stopHeap()
	}
}

// watchHeap samples the heap every 100 ms and writes a heap profile to
// path whenever it is larger than at any sample before.
func watchHeap(b *testing.B, path string) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		var peak uint64
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse <= peak {
				continue
			}
			peak = ms.HeapInuse
			f, err := os.Create(path)
			if err != nil {
				b.Error(err)
				return
			}
			pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// ratioTarget: the ≤ 2 target is the daily run's; a first run records
// every open item's reminders and renders their digests, work the floor
// does not do, and is reported as it is.
func ratioTarget(run string) string {
	if run == "daily run" {
		return "≤ 2"
	}
	return "(none)"
}

func count(n int) string {
	switch {
	case n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func mustTemplates(b *testing.B) *notify.Templates {
	tmpl, err := notify.LoadTemplates("")
	if err != nil {
		b.Fatal(err)
	}
	return tmpl
}

// openLedger returns a store over the generated ledger l and a plain
// handle on the same database. PostgreSQL keeps the dataset in a schema of
// its own between runs (generating a million items takes a while); SQLite
// generates it afresh in a temporary file.
func openLedger(b *testing.B, dialect string, l Ledger) (*store.Store, *sql.DB) {
	ctx := b.Context()
	var dbURL, driver, dsn string
	if dialect == "postgres" {
		base := storetest.URL(b, "postgres") // skips without a database
		u, err := url.Parse(base)
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", l.Schema())
		u.RawQuery = q.Encode()
		dbURL, driver, dsn = u.String(), "postgres", u.String()
	} else {
		path := filepath.Join(b.TempDir(), "bench.db")
		dbURL, driver, dsn = "sqlite:"+path, "sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if dialect == "postgres" {
		if _, err := db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+l.Schema()); err != nil {
			b.Fatal(err)
		}
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	n, err := st.CountItems(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if n != l.Items {
		if n != 0 {
			b.Fatalf("schema %s holds %d items, want %d or none: drop it", l.Schema(), n, l.Items)
		}
		start := time.Now()
		if err := l.Generate(ctx, db, dialect); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d items in %v", l.Items, time.Since(start).Round(time.Millisecond))
	}
	return st, db
}
