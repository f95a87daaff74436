package scheduler

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/store"
	"duban/store/storetest"
)

// A deadline run gives every recipient one message with all of its new
// reminders, exactly what the dry run planned.
func TestDeadlineRunSendsWhatWasPlanned(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		now := time.Date(2025, 6, 18, 9, 0, 0, 0, time.UTC)
		var units []ledger.Unit
		var items []ledger.Item
		for i := range 6 {
			code := fmt.Sprintf("u%d", i)
			units = append(units, ledger.Unit{Code: code, Name: "单位" + code, Emails: []string{code + "@t.example"}, Leader: "l1"})
			for j := range 4 {
				items = append(items, ledger.Item{Round: "r", No: fmt.Sprintf("%d.%d", i, j), Seq: i*10 + j, Problem: "问题",
					Units: []string{code}, Deadline: ledger.DateOf(now).AddDays(-10*j - i), Status: ledger.StatusOpen})
			}
		}
		dir := ledger.NewDirectory(units, []ledger.Leader{{Code: "l1", Name: "领导", Email: "l1@t.example"}}, []string{"sup@t.example"})
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r"}}))
		_, err := st.ImportItems(ctx, items, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: now})
		must(t, err)
		tmpl, err := notify.LoadTemplates("")
		must(t, err)
		s := New(st, Settings{Location: time.UTC, Policy: ledger.DefaultPolicy(), Calendar: ledger.NewCalendar(nil, nil),
			Directory: dir}, tmpl, Options{Owner: "test", Now: func() time.Time { return now }})
		planned, err := s.Plan(ctx, ledger.JobDeadlines, now)
		must(t, err)
		res, err := s.RunJob(ctx, ledger.JobDeadlines, now)
		must(t, err)
		want := map[string][]Ref{}
		total := 0
		for _, p := range planned {
			want[p.To] = p.Refs
			total += len(p.Refs)
		}
		if res.Dispatches != len(planned) || res.Reminders != total || len(want["sup@t.example"]) < 2 {
			t.Fatalf("run: %+v; planned %d messages with %d reminders (the supervisor's %d)",
				res, len(planned), total, len(want["sup@t.example"]))
		}
		sent, err := st.ListDispatches(ctx, store.DispatchFilter{Job: ledger.JobDeadlines})
		must(t, err)
		got := map[string][]Ref{}
		for _, d := range sent {
			if _, twice := got[d.Recipient]; twice {
				t.Errorf("two messages to %s", d.Recipient)
			}
			var refs []Ref
			must(t, json.Unmarshal([]byte(d.Refs), &refs))
			got[d.Recipient] = refs
		}
		for to, refs := range want {
			byRef := func(a, b Ref) int { return strings.Compare(a.Ref+a.Stage, b.Ref+b.Stage) }
			slices.SortFunc(refs, byRef)
			slices.SortFunc(got[to], byRef) // the message lists them most urgent first
			if !slices.Equal(got[to], refs) {
				t.Errorf("%s got %v, planned %v", to, got[to], refs)
			}
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
