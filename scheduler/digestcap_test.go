package scheduler

import (
	"fmt"
	"strings"
	"testing"

	"duban/ledger"
	"duban/notify"
)

// A digest longer than maxDigestEntries lists the most urgent entries and
// counts the rest, in both bodies.
func TestDigestCapsLongDigests(t *testing.T) {
	t.Parallel()
	tmpl, err := notify.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	s := New(nil, Settings{Directory: ledger.Directory{}}, tmpl, Options{})
	today := ledger.NewDate(2025, 6, 18)
	for _, n := range []int{maxDigestEntries, maxDigestEntries + 37} {
		var notices []ledger.Notice
		for i := range n {
			it := ledger.Item{Round: "r", No: fmt.Sprint(i), Seq: i, Problem: "问题", Deadline: today.AddDays(-30 - i), Status: ledger.StatusOpen}
			notices = append(notices, ledger.Notice{Rule: ledger.RuleDeadline, Subject: ledger.ItemSubject(it),
				Stage: ledger.Stage{Name: "overdue-4"}, Level: ledger.LevelSummon, Recipient: "zgb@x.org",
				Role: ledger.RoleSupervisor, DaysLeft: -30 - i, Item: &it})
		}
		ledger.SortByUrgency(notices)
		d := s.digestData("zgb@x.org", today, notices)
		wantOmitted := n - maxDigestEntries
		if len(d.Entries) != maxDigestEntries || d.Omitted != wantOmitted {
			t.Fatalf("%d notices: %d entries, %d omitted; want %d and %d", n, len(d.Entries), d.Omitted, maxDigestEntries, wantOmitted)
		}
		if d.Entries[0].No != fmt.Sprint(n-1) {
			t.Errorf("%d notices: first entry %s, want the most overdue, %d", n, d.Entries[0].No, n-1)
		}
		_, text, html, err := tmpl.RenderDigest(d)
		if err != nil {
			t.Fatal(err)
		}
		note := fmt.Sprintf("另有%d项同批提醒事项未逐项列出", wantOmitted)
		if got := strings.Contains(text, note) && strings.Contains(html, note); got != (wantOmitted > 0) {
			t.Errorf("%d notices: omitted note in both bodies = %v, want %v", n, got, wantOmitted > 0)
		}
	}
}
