package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
)

// NextDeadlineChange returns the first day after today on which the
// deadline rule may say something new about it: a new stage of its ladder,
// or an escalation reached (the leader, the supervisors). Until that day
// ItemNotices gives the item the same reminder keys as today, so a run that
// recorded today's keys need not look at the item again before it. False
// when nothing will ever change while the item, the directory and the
// policy stay as they are (done, closed, long-term, no deadline, or past
// every step of a ladder without repeats).
func NextDeadlineChange(it Item, today Date, p Policy) (Date, bool) {
	if it.Status != StatusOpen || it.LongTerm || it.Deadline.IsZero() {
		return Date{}, false
	}
	due := it.Deadline
	var next earliestAfter
	next.today = today
	for _, n := range p.LeadDays {
		if n > 0 {
			next.consider(due.AddDays(-n))
		}
	}
	next.consider(due)
	if every := p.OverdueEveryDays; every > 0 {
		k := 1
		if late := today.DaysSince(due); late >= 0 {
			k = late/every + 1
		}
		next.consider(due.AddDays(k * every))
	}
	for _, threshold := range []int{p.EscalateAfterDays, p.SevereAfterDays} {
		if threshold > 0 {
			next.consider(due.AddDays(threshold))
		}
	}
	return next.day, next.found
}

// earliestAfter keeps the earliest of the days it is shown that come after today.
type earliestAfter struct {
	today Date
	day   Date
	found bool
}

func (e *earliestAfter) consider(d Date) {
	if d.After(e.today) && (!e.found || d.Before(e.day)) {
		e.day, e.found = d, true
	}
}

// deadlineRulesVersion changes whenever ItemNotices or NextDeadlineChange
// change what they decide: check days worked out by an older version are
// then worked out again.
const deadlineRulesVersion = "deadline-rules/1"

// DeadlineFingerprint sums up what the deadline rule's reminder keys
// depend on besides the item and the day: the policy's ladder and
// escalations, and who is written to (units' mailboxes and leaders,
// leaders' addresses, the supervisors). Check days worked out under
// another fingerprint no longer hold: a new mailbox must be told.
func DeadlineFingerprint(dir Directory, p Policy) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%v %d %d %d\n", deadlineRulesVersion, p.LeadDays, p.OverdueEveryDays, p.EscalateAfterDays, p.SevereAfterDays)
	for _, code := range slices.Sorted(maps.Keys(dir.Units)) {
		u := dir.Units[code]
		fmt.Fprintf(h, "unit %q %q %q\n", code, u.Emails, u.Leader)
	}
	for _, code := range slices.Sorted(maps.Keys(dir.Leaders)) {
		fmt.Fprintf(h, "leader %q %q\n", code, dir.Leaders[code].Email)
	}
	fmt.Fprintf(h, "supervisors %q\n", dir.Supervisors)
	return hex.EncodeToString(h.Sum(nil))
}
