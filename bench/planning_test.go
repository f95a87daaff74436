package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/store"
	"duban/store/storetest"
)

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
	size := fmt.Sprintf("%s %s items", dialect, count(items))
	for range b.N {
		if err := ResetRuns(ctx, db, dialect); err != nil {
			b.Fatal(err)
		}
		for _, run := range []struct {
			name   string
			at     time.Time
			target string
		}{
			// A first run records every open item's reminders and renders
			// their digests, work the floor does not do: information only.
			{"first run", benchToday.AddDate(0, 0, -1), ""},
			{"daily run", benchToday, "≤ 3×"},
		} {
			took, floor, peak, res := planningRun(b, st, db, dialect, l, run.at)
			b.Logf("%s, %s: %.2fs (floor %.2fs), %d reminders in %d messages, peak %.0f MiB",
				size, run.name, took, floor, res.Reminders, res.Dispatches, peak)
			rows := []Row{{Case: fmt.Sprintf("deadlines %s, %s", run.name, size), Unit: "s",
				Measured: took, Floor: floor, Ratio: took / floor, Target: run.target,
				Note: fmt.Sprintf("%d reminders, %d messages, peak RSS %.0f MiB", res.Reminders, res.Dispatches, peak)}}
			if dialect == "postgres" && run.name == "daily run" {
				rows = append(rows, Row{Case: fmt.Sprintf("deadlines %s, %s: peak RSS", run.name, size), Unit: "MiB",
					Measured: peak, Floor: NA, Ratio: NA, Target: "≤ 200 MiB"})
			}
			for _, r := range rows {
				if err := Record(r); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// planningRun runs the deadlines job as of at, after the floor query, and
// returns its time and the floor's in seconds and the peak RSS in MiB.
func planningRun(b *testing.B, st *store.Store, db *sql.DB, dialect string, l Ledger, at time.Time) (took, floor, peak float64, res scheduler.Result) {
	ctx := b.Context()
	sched := scheduler.New(st, scheduler.Settings{
		Location:  benchToday.Location(),
		Policy:    ledger.DefaultPolicy(),
		Calendar:  ledger.NewCalendar(nil, nil),
		Directory: Directory(l.Units),
		Office:    "整改办",
	}, mustTemplates(b), scheduler.Options{Owner: "bench", Now: func() time.Time { return at }})
	// A day passes between two runs, in which the database tidies up after
	// itself (autovacuum, checkpoints).
	if err := Maintain(ctx, db, dialect); err != nil {
		b.Fatal(err)
	}
	// The floor is read right before the run it is compared with, so that
	// the machine's drift falls on both.
	floor, err := medianFloor(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	if err := ResetPeak(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	res, err = sched.RunJob(ctx, ledger.JobDeadlines, at)
	took = time.Since(start).Seconds()
	if err != nil {
		b.Fatal(err)
	}
	mem, err := ReadMemory("self")
	if err != nil {
		b.Fatal(err)
	}
	return took, floor, MB(mem.HWM), res
}

// medianFloor reads the floor three times and returns the median time in
// seconds.
func medianFloor(ctx context.Context, db *sql.DB) (float64, error) {
	var times []float64
	for range 3 {
		start := time.Now()
		if _, err := ReadFloor(ctx, db); err != nil {
			return 0, err
		}
		times = append(times, time.Since(start).Seconds())
	}
	slices.Sort(times)
	return times[1], nil
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
		u, err := url.Parse(storetest.URL(b, "postgres")) // skips without a database
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
