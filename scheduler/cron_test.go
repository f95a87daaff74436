package scheduler

import (
	"testing"
	"time"

	"duban/config"
)

// Replicas started at different moments must wake at the same instants and
// compute the same scheduled time, so that one of them claims each run.
func TestEveryIsAlignedAcrossReplicas(t *testing.T) {
	t.Parallel()
	sched, err := config.ParseSchedule("@every 2s")
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2025, 6, 16, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		startedAt time.Duration // after base
		next      time.Duration
	}{
		{0, 2 * time.Second},
		{300 * time.Millisecond, 2 * time.Second},
		{1999 * time.Millisecond, 2 * time.Second},
		{2 * time.Second, 4 * time.Second},
		{2100 * time.Millisecond, 4 * time.Second},
	} {
		now := base.Add(tc.startedAt)
		next := aligned(sched).Next(now)
		if want := base.Add(tc.next); !next.Equal(want) {
			t.Errorf("started at +%s: next %s, want %s", tc.startedAt, next.Format(time.StampMilli), want.Format(time.StampMilli))
		}
		// Woken a little late at next, every replica claims next itself.
		at, ok := lastTick(sched, next.Add(150*time.Millisecond), time.Hour)
		if !ok || !at.Equal(next) {
			t.Errorf("woken at %s: scheduled for %s (%v), want %s", next.Add(150*time.Millisecond), at, ok, next)
		}
	}
}

func TestCronSchedulesAreNotAltered(t *testing.T) {
	t.Parallel()
	sched, err := config.ParseSchedule("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 6, 16, 8, 30, 0, 0, time.UTC)
	if got, want := aligned(sched).Next(now), sched.Next(now); !got.Equal(want) {
		t.Errorf("aligned cron schedule fires at %s, want %s", got, want)
	}
}

func TestLastTickWindow(t *testing.T) {
	t.Parallel()
	sched, err := config.ParseSchedule("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2025, 6, 16, 10, 0, 0, 0, loc)
	if at, ok := lastTick(sched, now, 24*time.Hour); !ok || !at.Equal(time.Date(2025, 6, 16, 9, 0, 0, 0, loc)) {
		t.Errorf("lastTick = %s, %v; want today 09:00", at, ok)
	}
	if _, ok := lastTick(sched, now, 30*time.Minute); ok {
		t.Errorf("lastTick found a tick older than its window")
	}
}
