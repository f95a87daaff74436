package store_test

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

var linkActor = store.Actor{Name: "cwb", Kind: store.ActorUnitLink, Addr: "192.0.2.7"}
var officeActor = store.Actor{Name: "zhang", Kind: store.ActorUser, Addr: "192.0.2.1"}

func pdf(text string) store.Upload {
	return store.Upload{Name: "证明.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4\n" + text)}
}

// A unit files only on its own open items: another unit's item is not
// found, a done item is not open, and a second completion request waits
// for the first.
func TestAddRequestChecksTheUnitAndTheItem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		importAll(t, s, seedItems())
		completion := store.Request{Kind: ledger.RequestCompletion, Unit: "cwb", Round: "2024-7", No: "一.2",
			Body: "制度已印发", On: day("2025-06-10")}
		id, err := s.AddRequest(ctx, completion, []store.Upload{pdf("a"), pdf("b")}, linkActor, t0)
		must(t, err)

		_, err = s.AddRequest(ctx, completion, nil, linkActor, t0)
		wantErr(t, err, store.ErrPending)
		other := completion
		other.Unit = "zzb" // not a unit of 一.2
		_, err = s.AddRequest(ctx, other, nil, store.Actor{Name: "zzb", Kind: store.ActorUnitLink}, t0)
		wantErr(t, err, store.ErrNotFound)
		done := completion
		done.Unit, done.No = "bgs", "一.1"
		_, err = s.AddRequest(ctx, done, nil, linkActor, t0)
		wantErr(t, err, store.ErrNotOpen)
		// Progress reports may follow one another.
		for range 2 {
			_, err = s.AddRequest(ctx, store.Request{Kind: ledger.RequestProgress, Unit: "cwb", Round: "2024-7", No: "一.2", Body: "推进中"}, nil, linkActor, t0)
			must(t, err)
		}

		got, err := s.GetRequest(ctx, id)
		must(t, err)
		if got.Status != ledger.RequestPending || got.No != "一.2" || !got.On.Equal(day("2025-06-10")) || len(got.Files) != 2 ||
			got.Files[0].Size != 10 || got.Files[0].Name != "证明.pdf" || len(got.Files[0].SHA256) != 64 {
			t.Fatalf("request = %+v", got)
		}
		_, data, err := s.GetFile(ctx, got.Files[1].ID)
		must(t, err)
		if !bytes.Equal(data, pdf("b").Data) {
			t.Errorf("file bytes = %q", data)
		}
		pending, err := s.ListRequests(ctx, store.RequestFilter{Status: ledger.RequestPending})
		must(t, err)
		if len(pending) != 3 || pending[0].ID != id {
			t.Errorf("pending queue = %+v, want 3, oldest first", pending)
		}
		mine, err := s.ListRequests(ctx, store.RequestFilter{Unit: "zzb"})
		must(t, err)
		if len(mine) != 0 {
			t.Errorf("zzb sees %d requests", len(mine))
		}
		log, err := s.ListAudit(ctx, store.AuditFilter{Action: store.ActionRequestAdd, ObjectKey: strconv.FormatInt(id, 10)})
		must(t, err)
		if len(log) != 1 || log[0].Kind != store.ActorUnitLink || log[0].Name != "cwb" || log[0].Addr != "192.0.2.7" ||
			!bytes.Contains([]byte(log[0].After), []byte(`"files":["证明.pdf","证明.pdf"]`)) {
			t.Errorf("audit = %+v", log)
		}
	})
}

// Approving applies the request; every decision is audited, queues its
// messages once, and cannot be taken twice.
func TestDecideRequest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		importAll(t, s, seedItems())
		add := func(r store.Request) int64 {
			t.Helper()
			id, err := s.AddRequest(ctx, r, []store.Upload{pdf("x")}, store.Actor{Name: r.Unit, Kind: store.ActorUnitLink}, t0)
			must(t, err)
			return id
		}
		at := t0.Add(time.Hour)
		ext := add(store.Request{Kind: ledger.RequestExtension, Unit: "zzb", Round: "2024-7", No: "二.1", Body: "需跨年推进", On: day("2025-12-31")})
		prog := add(store.Request{Kind: ledger.RequestProgress, Unit: "cwb", Round: "2024-7", No: "一.2", Body: "已起草制度"})
		comp := add(store.Request{Kind: ledger.RequestCompletion, Unit: "cwb", Round: "2024-7", No: "一.2", Body: "制度已印发", On: day("2025-06-12")})

		msgs := []store.Outgoing{{Recipient: "cwb@example.org", Message: store.Message{Subject: "审核结果", Text: "已通过"}}}
		for _, id := range []int64{ext, prog, comp} {
			r, err := s.DecideRequest(ctx, id, store.Decision{Approve: true, Note: "同意", UnitName: "财务部"}, msgs, officeActor, at)
			must(t, err)
			if r.Status != ledger.RequestApproved || r.DecidedBy != "zhang" || r.Note != "同意" {
				t.Fatalf("decided %d: %+v", id, r)
			}
		}
		_, err := s.DecideRequest(ctx, comp, store.Decision{}, msgs, officeActor, at)
		wantErr(t, err, store.ErrDecided)
		_, err = s.DecideRequest(ctx, 999, store.Decision{}, nil, officeActor, at)
		wantErr(t, err, store.ErrNotFound)

		it, err := s.GetItem(ctx, "2024-7", "一.2")
		must(t, err)
		if it.Status != ledger.StatusDone || !it.CompletedOn.Equal(day("2025-06-12")) {
			t.Errorf("一.2 after the completion = %s on %s, want done on 2025-06-12", it.Status, it.CompletedOn)
		}
		events, err := s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		got := eventList(events)
		want := []string{
			"progress  → (2025-06-16) 财务部经链接报送进展（申请 #" + strconv.FormatInt(prog, 10) + "）：已起草制度 [zhang|]",
			"status status open→done (2025-06-12) 财务部经链接申请销号（申请 #" + strconv.FormatInt(comp, 10) + "）：制度已印发 [zhang|]",
		}
		if !slices.Equal(got[len(got)-2:], want) {
			t.Errorf("timeline of 一.2 ends\n%q\nwant\n%q", got[len(got)-2:], want)
		}
		ext1, err := s.GetItem(ctx, "2024-7", "二.1")
		must(t, err)
		if ext1.LongTerm || !ext1.Deadline.Equal(day("2025-12-31")) {
			t.Errorf("二.1 after the extension: deadline %s long-term %v", ext1.Deadline, ext1.LongTerm)
		}
		events, err = s.ItemEvents(ctx, "2024-7", "二.1")
		must(t, err)
		if last := events[len(events)-1]; last.Kind != ledger.EventEdited || last.Field != ledger.FieldDeadline || last.New != "2025-12-31" {
			t.Errorf("the extension's event = %+v", last)
		}

		sent, err := s.ListDispatches(ctx, store.DispatchFilter{Job: ledger.JobReview})
		must(t, err)
		if len(sent) != 3 || sent[0].State != store.StatePending || sent[0].Recipient != "cwb@example.org" {
			t.Errorf("decision messages = %+v, want one per request", sent)
		}
		log, err := s.ListAudit(ctx, store.AuditFilter{Action: store.ActionRequestApprove})
		must(t, err)
		if len(log) != 3 || log[0].Kind != store.ActorUser || log[0].Addr != "192.0.2.1" ||
			!strings.Contains(log[0].Before, `"pending"`) || !strings.Contains(log[0].After, `"approved"`) {
			t.Errorf("audit = %+v, want each request pending before and approved after", log)
		}
		// What an approval does to an item is in the log as a change of the
		// item, by the reviewer, as if made in the console.
		for _, e := range []struct{ action, key, after string }{
			{store.ActionItemEdit, "2024-7/二.1", "2025-12-31"},
			{store.ActionItemProgress, "2024-7/一.2", "已起草制度"},
			{store.ActionItemDone, "2024-7/一.2", "2025-06-12"},
		} {
			log, err := s.ListAudit(ctx, store.AuditFilter{Action: e.action, ObjectKey: e.key})
			must(t, err)
			if len(log) != 1 || log[0].Name != "zhang" || !strings.Contains(log[0].After, e.after) {
				t.Errorf("audit of %s %s = %+v, want one entry by zhang with %s", e.action, e.key, log, e.after)
			}
		}
	})
}

// A duty's report counts from the moment it is filed; rejecting it
// withdraws it, so that the period is open (and reminded) again.
func TestSubmissionRequest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		sub := store.Request{Kind: ledger.RequestSubmission, Unit: "bgs", Duty: "sanzhongyida", Period: "2025-05", Body: "5月报表"}
		id, err := s.AddRequest(ctx, sub, []store.Upload{pdf("report")}, store.Actor{Name: "bgs", Kind: store.ActorUnitLink}, t0)
		must(t, err)
		may := ledger.Period{Kind: ledger.Monthly, Year: 2025, N: 5}
		counted := func() bool {
			t.Helper()
			subs, err := s.Submitted(ctx, "sanzhongyida")
			must(t, err)
			return subs.Has("sanzhongyida")("bgs", may)
		}
		if !counted() {
			t.Fatal("a pending submission does not count")
		}
		_, err = s.AddRequest(ctx, sub, nil, store.Actor{Name: "bgs", Kind: store.ActorUnitLink}, t0)
		wantErr(t, err, store.ErrConflict)

		r, err := s.DecideRequest(ctx, id, store.Decision{Note: "报表缺少盖章"}, nil, officeActor, t0.Add(time.Hour))
		must(t, err)
		if r.Status != ledger.RequestRejected || counted() {
			t.Fatalf("after rejection: %s, counted %v", r.Status, counted())
		}
		again, err := s.AddRequest(ctx, sub, nil, store.Actor{Name: "bgs", Kind: store.ActorUnitLink}, t0.Add(2*time.Hour))
		must(t, err)
		_, err = s.DecideRequest(ctx, again, store.Decision{Approve: true}, nil, officeActor, t0.Add(3*time.Hour))
		must(t, err)
		if !counted() {
			t.Error("an approved submission does not count")
		}
	})
}
