package ledger

import (
	"fmt"
	"slices"
	"testing"
)

// testDirectory is a small office: two departments, one with two mailboxes,
// three leaders and the supervisors' office, whose address repeats a unit's
// and a leader's (in other letter case) to exercise the dedupe.
func testDirectory() Directory {
	return NewDirectory(
		[]Unit{
			{Code: "bgs", Name: "办公室", Kind: KindDepartment, Emails: []string{"bgs@zgh.example.org", "bgs2@zgh.example.org"}, Leader: "wang"},
			{Code: "cwb", Name: "财务部", Kind: KindDepartment, Emails: []string{"cwb@zgh.example.org"}, Leader: "li"},
			{Code: "zzb", Name: "组织部", Kind: KindDepartment, Emails: []string{"zzb@zgh.example.org"}, Leader: "li"},
			{Code: "dzb", Name: "机关党支部", Kind: KindBranch, Emails: []string{"zzb@zgh.example.org"}, Leader: "li"},
		},
		[]Leader{
			{Code: "wang", Name: "王某某", Email: "wang@zgh.example.org"},
			{Code: "li", Name: "李某某", Email: "li@zgh.example.org"},
			{Code: "zhao", Name: "赵某某", Email: "zhao@zgh.example.org"},
		},
		[]string{"zgb@zgh.example.org", "BGS@zgh.example.org", "Wang@zgh.example.org", " "},
	)
}

// summary prints a notice compactly for table comparisons.
func summary(n Notice) string {
	return fmt.Sprintf("%s %s %s %s %v %d", n.Recipient, n.Role, n.Level, n.Stage.Name, n.Units, n.DaysLeft)
}

func summaries(ns []Notice) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = summary(n)
	}
	return out
}

func TestItemNotices(t *testing.T) {
	t.Parallel()
	dir := testDirectory()
	open := Item{Round: "2024-7", No: "一.3.(1)", Seq: 3, Units: []string{"bgs", "cwb"}, Deadline: NewDate(2025, 1, 31), Status: StatusOpen}
	withLeader := open
	withLeader.Leader = "zhao"
	sharedMailbox := open
	sharedMailbox.Units = []string{"zzb", "dzb"}
	done := open
	done.Status = StatusDone
	closed := open
	closed.Status = StatusClosed
	longTerm := open
	longTerm.LongTerm, longTerm.Deadline = true, Date{}
	noDeadline := open
	noDeadline.Deadline = Date{}
	unknownUnit := open
	unknownUnit.Units = []string{"nosuch"}
	noEscalation := DefaultPolicy()
	noEscalation.EscalateAfterDays, noEscalation.SevereAfterDays = 0, 0

	tests := []struct {
		name  string
		it    Item
		today string
		p     Policy
		want  []string
	}{
		{"before the first stage", open, "2025-01-23", DefaultPolicy(), nil},
		{"remind-7d to every unit mailbox", open, "2025-01-24", DefaultPolicy(), []string{
			"bgs@zgh.example.org unit remind remind-7d [bgs] 7",
			"bgs2@zgh.example.org unit remind remind-7d [bgs] 7",
			"cwb@zgh.example.org unit remind remind-7d [cwb] 7",
		}},
		{"due is urged", open, "2025-01-31", DefaultPolicy(), []string{
			"bgs@zgh.example.org unit urge due [bgs] 0",
			"bgs2@zgh.example.org unit urge due [bgs] 0",
			"cwb@zgh.example.org unit urge due [cwb] 0",
		}},
		{"13 days overdue: units only", open, "2025-02-13", DefaultPolicy(), []string{
			"bgs@zgh.example.org unit urge overdue-1 [bgs] -13",
			"bgs2@zgh.example.org unit urge overdue-1 [bgs] -13",
			"cwb@zgh.example.org unit urge overdue-1 [cwb] -13",
		}},
		{"14 days overdue: the lead unit's leader is warned", open, "2025-02-14", DefaultPolicy(), []string{
			"bgs@zgh.example.org unit urge overdue-2 [bgs] -14",
			"bgs2@zgh.example.org unit urge overdue-2 [bgs] -14",
			"cwb@zgh.example.org unit urge overdue-2 [cwb] -14",
			"wang@zgh.example.org leader warn overdue-2 [bgs cwb] -14",
		}},
		{"the item's own leader wins over the unit's", withLeader, "2025-02-14", DefaultPolicy(), []string{
			"bgs@zgh.example.org unit urge overdue-2 [bgs] -14",
			"bgs2@zgh.example.org unit urge overdue-2 [bgs] -14",
			"cwb@zgh.example.org unit urge overdue-2 [cwb] -14",
			"zhao@zgh.example.org leader warn overdue-2 [bgs cwb] -14",
		}},
		{"29 days overdue: no supervisors yet", open, "2025-03-01", DefaultPolicy(), []string{
			"bgs@zgh.example.org unit urge overdue-4 [bgs] -29",
			"bgs2@zgh.example.org unit urge overdue-4 [bgs] -29",
			"cwb@zgh.example.org unit urge overdue-4 [cwb] -29",
			"wang@zgh.example.org leader warn overdue-4 [bgs cwb] -29",
		}},
		{"30 days overdue: supervisors summon, duplicates keep the specific role", open, "2025-03-02", DefaultPolicy(), []string{
			"bgs@zgh.example.org unit urge overdue-4 [bgs cwb] -30",
			"bgs2@zgh.example.org unit urge overdue-4 [bgs] -30",
			"cwb@zgh.example.org unit urge overdue-4 [cwb] -30",
			"wang@zgh.example.org leader warn overdue-4 [bgs cwb] -30",
			"zgb@zgh.example.org supervisor summon overdue-4 [bgs cwb] -30",
		}},
		{"a mailbox shared by two units gets one notice", sharedMailbox, "2025-01-31", DefaultPolicy(), []string{
			"zzb@zgh.example.org unit urge due [zzb dzb] 0",
		}},
		{"escalation thresholds of zero are off", open, "2025-06-30", noEscalation, []string{
			"bgs@zgh.example.org unit urge overdue-21 [bgs] -150",
			"bgs2@zgh.example.org unit urge overdue-21 [bgs] -150",
			"cwb@zgh.example.org unit urge overdue-21 [cwb] -150",
		}},
		{"unknown unit without a leader: only the supervisors, once severe", unknownUnit, "2025-03-02", DefaultPolicy(), []string{
			"zgb@zgh.example.org supervisor summon overdue-4 [nosuch] -30",
			"BGS@zgh.example.org supervisor summon overdue-4 [nosuch] -30",
			"Wang@zgh.example.org supervisor summon overdue-4 [nosuch] -30",
		}},
		{"done", done, "2025-03-02", DefaultPolicy(), nil},
		{"closed", closed, "2025-03-02", DefaultPolicy(), nil},
		{"long-term", longTerm, "2025-03-02", DefaultPolicy(), nil},
		{"open without a deadline", noDeadline, "2025-03-02", DefaultPolicy(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ItemNotices(tt.it, dir, day(t, tt.today), tt.p)
			if s := summaries(got); !slices.Equal(s, tt.want) {
				t.Fatalf("ItemNotices:\n got %q\nwant %q", s, tt.want)
			}
			for _, n := range got {
				if n.Rule != RuleDeadline || n.Subject != tt.it.Round+"/"+tt.it.No || n.Item.No != tt.it.No {
					t.Errorf("notice %+v: wrong rule, subject or item", n)
				}
				if (n.Role == RoleLeader) != (n.Leader != "") {
					t.Errorf("notice to %s: role %s with leader %q", n.Recipient, n.Role, n.Leader)
				}
			}
		})
	}
}

func TestNoticeKey(t *testing.T) {
	t.Parallel()
	it := Item{Round: "2024-7", No: "一.3.(1)", Units: []string{"cwb"}, Deadline: NewDate(2025, 1, 31), Status: StatusOpen}
	ns := ItemNotices(it, testDirectory(), NewDate(2025, 2, 12), DefaultPolicy())
	if len(ns) != 1 {
		t.Fatalf("got %d notices, want 1", len(ns))
	}
	if got, want := ns[0].Key(), "deadline|2024-7/一.3.(1)|overdue-1@2025-01-31|cwb@zgh.example.org"; got != want {
		t.Errorf("Key() = %q, want %q", got, want)
	}
}

// An extended deadline (延期) starts a new series of reminders: the stages of
// the new deadline must not collide with those already sent for the old one.
func TestExtendedDeadlineGetsNewKeys(t *testing.T) {
	t.Parallel()
	it := Item{Round: "2024-7", No: "一.3.(1)", Units: []string{"cwb"}, Deadline: NewDate(2025, 1, 31), Status: StatusOpen}
	before := ItemNotices(it, testDirectory(), NewDate(2025, 1, 24), DefaultPolicy())
	it.Deadline = NewDate(2025, 3, 31)
	after := ItemNotices(it, testDirectory(), NewDate(2025, 3, 24), DefaultPolicy())
	if len(before) != 1 || len(after) != 1 {
		t.Fatalf("got %d and %d notices, want 1 and 1", len(before), len(after))
	}
	if before[0].Stage.Name != after[0].Stage.Name {
		t.Fatalf("stages %s and %s, want the same stage for both deadlines", before[0].Stage.Name, after[0].Stage.Name)
	}
	if before[0].Key() == after[0].Key() {
		t.Errorf("both deadlines give key %q: the extended deadline would never be reminded", before[0].Key())
	}
}

func TestLeaderlessItemIsNotEscalatedToALeader(t *testing.T) {
	t.Parallel()
	dir := testDirectory()
	dir.Units["xx"] = Unit{Code: "xx", Emails: []string{"xx@zgh.example.org"}} // no leader in charge
	it := Item{Round: "r", No: "1", Units: []string{"xx"}, Deadline: NewDate(2025, 1, 1), Status: StatusOpen}
	got := summaries(ItemNotices(it, dir, NewDate(2025, 1, 20), DefaultPolicy()))
	want := []string{"xx@zgh.example.org unit urge overdue-2 [xx] -19"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSortByUrgency(t *testing.T) {
	t.Parallel()
	n := func(round string, seq, left int, to string) Notice {
		return Notice{Rule: RuleDeadline, Subject: fmt.Sprintf("%s/%d", round, seq), DaysLeft: left, Recipient: to, Item: &Item{Round: round, Seq: seq}}
	}
	ns := []Notice{
		n("2024-7", 5, 3, "a"),
		n("2024-7", 2, -20, "a"),
		n("2024-7", 9, -3, "a"),
		n("2023-1", 4, 3, "a"),
		n("2024-7", 1, 3, "b"),
		n("2024-7", 1, 3, "a"),
		n("2024-7", 7, 0, "a"),
	}
	SortByUrgency(ns)
	var got []string
	for _, x := range ns {
		got = append(got, fmt.Sprintf("%s:%s:%d", x.Subject, x.Recipient, x.DaysLeft))
	}
	want := []string{
		"2024-7/2:a:-20",
		"2024-7/9:a:-3",
		"2024-7/7:a:0",
		"2023-1/4:a:3",
		"2024-7/1:a:3",
		"2024-7/1:b:3",
		"2024-7/5:a:3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("SortByUrgency:\n got %q\nwant %q", got, want)
	}
}

func TestNoticesDigest(t *testing.T) {
	t.Parallel()
	a := Notice{Rule: RuleDeadline, Subject: "r/1", Stage: Stage{Name: "due"}, Recipient: "a@x"}
	b := Notice{Rule: RuleDeadline, Subject: "r/1", Stage: Stage{Name: "due"}, Recipient: "b@x"}
	c := b
	c.Stage.Name = "overdue-1"
	if NoticesDigest([]Notice{a, b}) != NoticesDigest([]Notice{b, a}) {
		t.Error("the digest depends on the order of the notices")
	}
	for _, other := range [][]Notice{{a}, {a, c}, {a, b, c}, nil} {
		if NoticesDigest(other) == NoticesDigest([]Notice{a, b}) {
			t.Errorf("%v has the digest of another set of reminders", other)
		}
	}
	if NoticesDigest(nil) != "" || NoticesDigest([]Notice{a}) == "" {
		t.Error("no notices should have the empty digest (never told), and only they")
	}
}
