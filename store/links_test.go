package store_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"duban/store"
	"duban/store/storetest"
)

// Replicas starting at once on a new database each try to make the key:
// all of them get the one that was stored first, and it stays.
func TestServerKeyIsSharedByReplicas(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			url := storetest.URL(t, dialect)
			const replicas = 4
			keys := make([][]byte, replicas)
			var wg sync.WaitGroup
			for i := range replicas {
				wg.Go(func() {
					s, err := store.Open(t.Context(), url)
					if err != nil {
						t.Errorf("replica %d: %v", i, err)
						return
					}
					defer s.Close()
					if keys[i], err = s.ServerKey(t.Context(), "links", t0); err != nil {
						t.Errorf("replica %d: %v", i, err)
					}
				})
			}
			wg.Wait()
			for i, k := range keys {
				if len(k) != 32 || !bytes.Equal(k, keys[0]) {
					t.Fatalf("replica %d has key %x, replica 0 %x", i, k, keys[0])
				}
			}
			s, err := store.Open(t.Context(), url)
			must(t, err)
			defer s.Close()
			again, err := s.ServerKey(t.Context(), "links", t0.Add(time.Hour))
			must(t, err)
			other, err := s.ServerKey(t.Context(), "other", t0)
			must(t, err)
			if !bytes.Equal(again, keys[0]) || bytes.Equal(other, keys[0]) {
				t.Errorf("the key changed on a later start, or two names share one")
			}
		})
	}
}

// Revoking a unit's links counts its generation up and is audited.
func TestRevokeLinks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		gen, err := s.LinkGeneration(ctx, "bgs")
		must(t, err)
		if gen != 0 {
			t.Fatalf("generation before any revocation = %d, want 0", gen)
		}
		by := store.Actor{Name: "zhang", Kind: store.ActorCLI}
		for want := int64(1); want <= 2; want++ {
			gen, err := s.RevokeLinks(ctx, "bgs", by, t0)
			must(t, err)
			if gen != want {
				t.Fatalf("revocation %d: generation %d", want, gen)
			}
		}
		all, err := s.LinkGenerations(ctx)
		must(t, err)
		if len(all) != 1 || all["bgs"] != 2 {
			t.Errorf("generations = %v, want bgs:2", all)
		}
		log, err := s.ListAudit(ctx, store.AuditFilter{Action: store.ActionLinksRevoke})
		must(t, err)
		if len(log) != 2 || log[0].ObjectKey != "bgs" || log[0].Name != "zhang" || log[0].After != `{"generation":2}` {
			t.Errorf("audit log = %+v", log)
		}
	})
}
