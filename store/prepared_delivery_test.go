package store_test

import (
	"testing"
	"time"

	"duban/store"
	"duban/store/storetest"
)

// A delivery pass on PostgreSQL plans its claim and settlement once, on
// connections of their own, and gives those connections back to the pool
// with the default planning.
func TestPreparedDeliveryPlansGenericallyAndResets(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, "postgres")
	ctx := t.Context()
	queue(t, s, 0, t0, "a@x.org", "b@x.org", "c@x.org", "d@x.org", "e@x.org", "f@x.org", "g@x.org")
	p := s.PrepareDelivery()
	var claimed []store.Dispatch
	for {
		ds, err := p.ClaimDispatches(ctx, "w", t0, time.Minute, 1, false)
		must(t, err)
		if len(ds) == 0 {
			break
		}
		claimed = append(claimed, ds...)
		lost, err := p.MarkSentMany(ctx, "w", []store.SentMark{{ID: ds[0].ID, Reply: "250 ok"}}, t0)
		must(t, err)
		if len(lost) != 0 {
			t.Fatalf("lost %v", lost)
		}
	}
	if len(claimed) != 7 {
		t.Fatalf("claimed %d dispatches one by one, want 7", len(claimed))
	}
	for slot, runs := range map[int]int64{0: 8, 1: 7} {
		mode, generic, custom, ok, err := p.PinnedPlans(ctx, slot)
		must(t, err)
		if !ok || mode != "force_generic_plan" || generic != runs || custom != 0 {
			t.Errorf("statement %d: ran=%v, plan_cache_mode %q, %d generic and %d custom plans; want force_generic_plan, %d generic, 0 custom",
				slot, ok, mode, generic, custom, runs)
		}
	}
	must(t, p.Close())

	// Every connection of the pool (16 at most) plans as it did before.
	db := s.DB()
	for i := range 16 {
		conn, err := db.Conn(ctx)
		must(t, err)
		defer conn.Close()
		var mode string
		must(t, conn.QueryRowContext(ctx, `SHOW plan_cache_mode`).Scan(&mode))
		if mode != "auto" {
			t.Errorf("pooled connection %d: plan_cache_mode %q after the pass, want auto", i, mode)
		}
	}
}
