package store_test

import (
	"bytes"
	"testing"
	"time"

	"duban/store"
	"duban/store/storetest"
)

// An upload waits for its import on any replica, until it is applied or a
// day old.
func TestLedgerUploads(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		data := []byte("PK\x03\x04\x00binary\xff")
		old := store.LedgerUpload{Token: "t-old", Name: "旧.xlsx", Round: "2024-7", Data: data, UploadedBy: "zhang", CreatedAt: t0}
		must(t, s.SaveLedgerUpload(ctx, old))
		wantErr(t, s.SaveLedgerUpload(ctx, old), store.ErrConflict)
		got, err := s.GetLedgerUpload(ctx, "t-old")
		must(t, err)
		if got.Name != "旧.xlsx" || got.Round != "2024-7" || !bytes.Equal(got.Data, data) || got.UploadedBy != "zhang" {
			t.Errorf("upload read back %+v", got)
		}
		sameTime(t, "CreatedAt", got.CreatedAt, t0)

		next := store.LedgerUpload{Token: "t-new", Name: "新.csv", Round: "2024-7", Data: []byte("编号"), UploadedBy: "zhang",
			CreatedAt: t0.Add(25 * time.Hour)}
		must(t, s.SaveLedgerUpload(ctx, next))
		_, err = s.GetLedgerUpload(ctx, "t-old")
		wantErr(t, err, store.ErrNotFound) // a day old: dropped
		must(t, s.DeleteLedgerUpload(ctx, "t-new"))
		_, err = s.GetLedgerUpload(ctx, "t-new")
		wantErr(t, err, store.ErrNotFound)
	})
}
