package ledger

import (
	"slices"
	"testing"
)

func TestFollowupNotices(t *testing.T) {
	t.Parallel()
	dir := testDirectory()
	done := Item{Round: "2024-7", No: "二.1.(2)", Units: []string{"bgs", "cwb"}, Status: StatusDone, CompletedOn: NewDate(2025, 3, 1), Deadline: NewDate(2025, 2, 28)}
	closed := done
	closed.Status = StatusClosed
	open := done
	open.Status, open.CompletedOn = StatusOpen, Date{}
	noDay := done
	noDay.CompletedOn = Date{}
	seen := noDay // completion day unknown: counts from the day duban saw it done
	seen.DoneSeenOn = NewDate(2025, 3, 11)
	twice := DefaultPolicy()
	twice.FollowupDays = []int{180, 90, 0}
	tests := []struct {
		name      string
		it        Item
		p         Policy
		today     string
		lastCheck string
		want      []string
	}{
		{"day 89: nothing yet", done, DefaultPolicy(), "2025-05-29", "", nil},
		{"day 90: every unit mailbox", done, DefaultPolicy(), "2025-05-30", "", []string{
			"bgs@zgh.example.org unit remind followup-90 [bgs] 0",
			"bgs2@zgh.example.org unit remind followup-90 [bgs] 0",
			"cwb@zgh.example.org unit remind followup-90 [cwb] 0",
		}},
		{"later, still unconfirmed", done, DefaultPolicy(), "2025-06-09", "", []string{
			"bgs@zgh.example.org unit remind followup-90 [bgs] -10",
			"bgs2@zgh.example.org unit remind followup-90 [bgs] -10",
			"cwb@zgh.example.org unit remind followup-90 [cwb] -10",
		}},
		{"confirmed on the stage day", done, DefaultPolicy(), "2025-06-09", "2025-05-30", nil},
		{"a check before the stage does not answer it", done, DefaultPolicy(), "2025-06-09", "2025-05-01", []string{
			"bgs@zgh.example.org unit remind followup-90 [bgs] -10",
			"bgs2@zgh.example.org unit remind followup-90 [bgs] -10",
			"cwb@zgh.example.org unit remind followup-90 [cwb] -10",
		}},
		{"two re-checks: day 100 answers 90", done, twice, "2025-07-01", "2025-06-09", nil},
		{"two re-checks: 180 comes after answering 90", done, twice, "2025-08-28", "2025-06-09", []string{
			"bgs@zgh.example.org unit remind followup-180 [bgs] 0",
			"bgs2@zgh.example.org unit remind followup-180 [bgs] 0",
			"cwb@zgh.example.org unit remind followup-180 [cwb] 0",
		}},
		{"closed items are not followed up", closed, DefaultPolicy(), "2025-06-09", "", nil},
		{"open items are not followed up", open, DefaultPolicy(), "2025-06-09", "", nil},
		{"done without any day", noDay, DefaultPolicy(), "2025-06-09", "", nil},
		{"day unknown: 90 days after seen done", seen, DefaultPolicy(), "2025-06-09", "", []string{
			"bgs@zgh.example.org unit remind followup-90 [bgs] 0",
			"bgs2@zgh.example.org unit remind followup-90 [bgs] 0",
			"cwb@zgh.example.org unit remind followup-90 [cwb] 0",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var last Date
			if tt.lastCheck != "" {
				last = day(t, tt.lastCheck)
			}
			ns := FollowupNotices(tt.it, dir, day(t, tt.today), tt.p, last)
			if got := summaries(ns); !slices.Equal(got, tt.want) {
				t.Fatalf("FollowupNotices:\n got %q\nwant %q", got, tt.want)
			}
			for _, n := range ns {
				from, _ := tt.it.DoneOn()
				if want := "followup|2024-7/二.1.(2)|" + n.Stage.Name + "@" + from.String() + "|" + n.Recipient; n.Key() != want {
					t.Errorf("Key() = %q, want %q", n.Key(), want)
				}
			}
		})
	}
}

func TestFollowupStageLeapYear(t *testing.T) {
	t.Parallel()
	st, ok := FollowupStage(day(t, "2027-12-01"), day(t, "2028-02-29"), []int{90})
	if !ok || st != (Stage{Name: "followup-90", On: day(t, "2028-02-29")}) {
		t.Errorf("FollowupStage = %+v %v, want followup-90 on the leap day", st, ok)
	}
}

// A 回头看 re-check repeats an earlier one recorded since the item was last
// done, unless a later follow-up stage has come since.
func TestRepeatedConfirm(t *testing.T) {
	t.Parallel()
	it := Item{Status: StatusDone, CompletedOn: day(t, "2026-01-01")}
	confirmed := Event{Kind: EventFollowup, On: day(t, "2026-04-02"), Actor: "张三"}
	reopened := Event{Kind: EventStatus, Field: FieldStatus, Old: "done", New: "open"}
	doneAgain := Event{Kind: EventStatus, Field: FieldStatus, Old: "open", New: "done"}
	days := []int{90, 180}
	for _, tt := range []struct {
		name   string
		events []Event
		on     string
		want   bool
	}{
		{"never confirmed", nil, "2026-04-10", false},
		{"confirmed for followup-90", []Event{confirmed}, "2026-04-10", true},
		{"followup-180 came since", []Event{confirmed}, "2026-06-30", false},
		{"reopened since", []Event{confirmed, reopened, doneAgain}, "2026-04-10", false},
	} {
		last, got := RepeatedConfirm(tt.events, it, day(t, tt.on), days)
		if got != tt.want || (got && last.Actor != "张三") {
			t.Errorf("%s: RepeatedConfirm = %+v, %v, want %v", tt.name, last, got, tt.want)
		}
	}
}
