package scheduler_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"duban/internal/unitlink"
	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/store"
	"duban/store/storetest"
)

var linkPattern = regexp.MustCompile(`https://duban\.example\.org/u/[A-Za-z0-9_.-]+`)

// A unit's own reminder carries its link, with the unit's current
// generation and the configured lifetime; a leader's copy carries none.
func TestUnitRemindersCarryTheirLinks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		clk := &clock{t: at(t, "2025-06-16T09:00")}
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
		items := []ledger.Item{{Round: "r1", No: "D2", Seq: 1, Problem: "台账不全", Units: []string{"ub"}, Leader: "l2",
			Deadline: day(t, "2025-06-02"), Status: ledger.StatusOpen}}
		_, err := st.ImportItems(ctx, items, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		_, err = st.RevokeLinks(ctx, "ub", store.Actor{Name: "test", Kind: store.ActorCLI}, clk.t)
		must(t, err)
		signer := unitlink.NewSigner([]byte(strings.Repeat("s", 32)))
		tmpl, err := notify.LoadTemplates("")
		must(t, err)
		set := scheduler.Settings{Location: cst, Policy: ledger.DefaultPolicy(), Calendar: ledger.NewCalendar(nil, nil),
			Directory: office(), Office: "督查室",
			Links: &unitlink.Links{Signer: signer, PublicURL: "https://duban.example.org", TTL: 72 * time.Hour}}
		s := scheduler.New(st, set, tmpl, scheduler.Options{Owner: "test", Now: clk.now})
		if _, err := s.RunJob(ctx, ledger.JobDeadlines, at(t, "2025-06-16T09:00")); err != nil {
			t.Fatal(err)
		}
		ds, err := st.ListDispatches(ctx, store.DispatchFilter{Job: ledger.JobDeadlines})
		must(t, err)
		seen := 0
		for _, d := range ds {
			links := linkPattern.FindAllString(d.BodyText, -1)
			if d.Recipient == "l2@t.example" {
				if len(links) != 0 || strings.Contains(d.BodyHTML, "/u/") {
					t.Errorf("the leader's copy carries a link:\n%s", d.BodyText)
				}
				continue
			}
			seen++
			if len(links) == 0 || !strings.Contains(d.BodyHTML, links[0]) || !strings.Contains(d.BodyText, "有效期至2025年6月19日") {
				t.Fatalf("%s: no link in the unit's reminder:\n%s", d.Recipient, d.BodyText)
			}
			c, err := signer.Verify(strings.TrimPrefix(links[0], "https://duban.example.org/u/"), clk.t)
			if err != nil || c.Unit != "ub" || c.Generation != 1 || !c.Expires.Equal(clk.t.Add(72*time.Hour).Truncate(time.Second)) {
				t.Errorf("%s: link claims %+v, %v", d.Recipient, c, err)
			}
		}
		if seen != 2 {
			t.Errorf("%d unit messages, want ub's two mailboxes", seen)
		}
	})
}
