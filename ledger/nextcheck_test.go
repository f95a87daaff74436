package ledger

import (
	"math/rand/v2"
	"testing"
)

// TestNextDeadlineChangeKeepsKeys checks NextDeadlineChange against the
// rule itself: on every day after today and before the change, ItemNotices
// gives no key that today's notices did not, and on the change day itself
// something differs (or, with no change, nothing new for two years).
func TestNextDeadlineChangeKeepsKeys(t *testing.T) {
	t.Parallel()
	dir := testDirectory()
	rng := rand.New(rand.NewPCG(7, 11))
	base := NewDate(2025, 6, 18)
	policies := []Policy{DefaultPolicy(), {}, {LeadDays: []int{1}, OverdueEveryDays: 1}}
	for range 300 {
		policies = append(policies, randomPolicy(rng))
	}
	for i, p := range policies {
		for range 20 {
			it := Item{Round: "r", No: "1", Status: StatusOpen, Units: []string{"bgs", "cwb"},
				Deadline: base.AddDays(rng.IntN(200) - 100)}
			if rng.IntN(5) == 0 {
				it.Units, it.Leader = []string{"zzb"}, "zhao"
			}
			today := base.AddDays(rng.IntN(120) - 60)
			checkNextChange(t, i, p, it, dir, today)
		}
	}
}

func randomPolicy(rng *rand.Rand) Policy {
	var p Policy
	for range rng.IntN(4) {
		p.LeadDays = append(p.LeadDays, rng.IntN(12)-1)
	}
	p.OverdueEveryDays = rng.IntN(12) - 1
	p.EscalateAfterDays = rng.IntN(40) - 2
	p.SevereAfterDays = rng.IntN(60) - 2
	return p
}

func checkNextChange(t *testing.T, i int, p Policy, it Item, dir Directory, today Date) {
	t.Helper()
	keys := noticeKeys(ItemNotices(it, dir, today, p))
	next, ok := NextDeadlineChange(it, today, p)
	horizon := today.AddDays(730)
	if ok {
		if !next.After(today) {
			t.Fatalf("policy %d %+v, deadline %s, today %s: next %s is not after today", i, p, it.Deadline, today, next)
		}
		horizon = next
	}
	for d := today.AddDays(1); d.Before(horizon); d = d.AddDays(1) {
		for k := range noticeKeys(ItemNotices(it, dir, d, p)) {
			if !keys[k] {
				t.Fatalf("policy %d %+v, deadline %s, today %s, next %s (%v): new key %s on %s",
					i, p, it.Deadline, today, next, ok, k, d)
			}
		}
	}
}

func noticeKeys(ns []Notice) map[string]bool {
	keys := make(map[string]bool, len(ns))
	for _, n := range ns {
		keys[n.Key()] = true
	}
	return keys
}

func TestNextDeadlineChange(t *testing.T) {
	t.Parallel()
	due := NewDate(2025, 6, 18)
	open := Item{Status: StatusOpen, Deadline: due}
	tests := []struct {
		name  string
		it    Item
		today Date
		want  string // "" when never
	}{
		{"far ahead: the first reminder", open, due.AddDays(-30), "2025-06-11"},
		{"between reminders", open, due.AddDays(-5), "2025-06-15"},
		{"last reminder: the deadline", open, due.AddDays(-1), "2025-06-18"},
		{"on the deadline: first overdue step", open, due, "2025-06-25"},
		{"overdue: next step", open, due.AddDays(8), "2025-07-02"},
		{"before the leader's escalation", open, due.AddDays(13), "2025-07-02"},
		{"supervisors at 30 days, before the 5th step", open, due.AddDays(29), "2025-07-18"},
		{"long-term", Item{Status: StatusOpen, LongTerm: true, Deadline: due}, due, ""},
		{"done", Item{Status: StatusDone, Deadline: due}, due, ""},
		{"no deadline", Item{Status: StatusOpen}, due, ""},
	}
	for _, tt := range tests {
		got, ok := NextDeadlineChange(tt.it, tt.today, DefaultPolicy())
		if tt.want == "" {
			if ok {
				t.Errorf("%s: got %s, want never", tt.name, got)
			}
			continue
		}
		if !ok || got.String() != tt.want {
			t.Errorf("%s: got %s (%v), want %s", tt.name, got, ok, tt.want)
		}
	}
	never := Policy{LeadDays: []int{3}}
	if got, ok := NextDeadlineChange(open, due.AddDays(1), never); ok {
		t.Errorf("no overdue steps nor escalations, past the deadline: got %s, want never", got)
	}
}

func TestDeadlineFingerprint(t *testing.T) {
	t.Parallel()
	dir, p := testDirectory(), DefaultPolicy()
	base := DeadlineFingerprint(dir, p)
	if again := DeadlineFingerprint(testDirectory(), DefaultPolicy()); again != base {
		t.Fatalf("same settings, other fingerprint: %s vs %s", again, base)
	}
	renamed := testDirectory()
	u := renamed.Units["bgs"]
	u.Name = "综合办公室"
	renamed.Units["bgs"] = u
	if DeadlineFingerprint(renamed, p) != base {
		t.Error("a unit's name changes no reminder key, but changed the fingerprint")
	}
	changes := map[string]func(*Directory, *Policy){
		"a new mailbox": func(d *Directory, _ *Policy) {
			u := d.Units["cwb"]
			u.Emails = append(u.Emails, "new@x.org")
			d.Units["cwb"] = u
		},
		"a unit's leader":       func(d *Directory, _ *Policy) { u := d.Units["cwb"]; u.Leader = "zhao"; d.Units["cwb"] = u },
		"a leader's address":    func(d *Directory, _ *Policy) { l := d.Leaders["li"]; l.Email = "li2@x.org"; d.Leaders["li"] = l },
		"a supervisor":          func(d *Directory, _ *Policy) { d.Supervisors = append(d.Supervisors, "s@x.org") },
		"a new unit":            func(d *Directory, _ *Policy) { d.Units["new"] = Unit{Code: "new"} },
		"the lead days":         func(_ *Directory, p *Policy) { p.LeadDays = []int{5} },
		"the overdue interval":  func(_ *Directory, p *Policy) { p.OverdueEveryDays = 3 },
		"the leader's step":     func(_ *Directory, p *Policy) { p.EscalateAfterDays = 10 },
		"the supervisors' step": func(_ *Directory, p *Policy) { p.SevereAfterDays = 60 },
	}
	for name, change := range changes {
		d, p := testDirectory(), DefaultPolicy()
		change(&d, &p)
		if DeadlineFingerprint(d, p) == base {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
}
