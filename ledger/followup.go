package ledger

// FollowupStage returns the latest 回头看 stage reached on today for an item
// completed on completedOn: followup-N on completedOn+N for N in days
// (non-positive N ignored). False before the first and for a zero date.
func FollowupStage(completedOn, today Date, days []int) (Stage, bool) {
	if completedOn.IsZero() {
		return Stage{}, false
	}
	best := 0
	for _, n := range days {
		if n > 0 && !completedOn.AddDays(n).After(today) && n > best {
			best = n
		}
	}
	if best == 0 {
		return Stage{}, false
	}
	return followupStage(completedOn, best), true
}

// RepeatedConfirm returns the 回头看 re-check of events (an item's
// timeline, oldest first) that a re-check of the item it on day on would
// only repeat: one recorded since the item was last done, with no
// follow-up stage (days after its completion) come since. False when the
// re-check answers something.
func RepeatedConfirm(events []Event, it Item, on Date, days []int) (Event, bool) {
	var last *Event
	for i, e := range events {
		switch {
		case e.Kind == EventStatus && e.New == string(StatusOpen):
			last = nil // reopened: the next completion needs its own re-check
		case e.Kind == EventFollowup:
			last = &events[i]
		}
	}
	if last == nil {
		return Event{}, false
	}
	done, _ := it.DoneOn()
	if stage, ok := FollowupStage(done, on, days); ok && last.On.Before(stage.On) {
		return Event{}, false // a later follow-up has come since
	}
	return *last, true
}

// FollowupNotices returns the follow-up (回头看) notices due on today for one
// item: a done item gets its latest followup-N stage, N in p.FollowupDays
// days after its completion day (or, when that is unknown, after the day
// duban first saw it done), at every mailbox of its responsible units,
// until the unit confirms. lastCheck is the day of the latest recorded re-check
// (EventFollowup; zero when none): a re-check on or after the stage's day
// answers that stage, so with [90, 180] a re-check on day 100 silences
// followup-90 but followup-180 still comes.
//
// Closed items get none: 销号 means the office has verified the
// rectification, which is what the re-check is for. Open items get none.
func FollowupNotices(it Item, dir Directory, today Date, p Policy, lastCheck Date) []Notice {
	if it.Status != StatusDone {
		return nil
	}
	done, _ := it.DoneOn()
	stage, ok := FollowupStage(done, today, p.FollowupDays)
	if !ok || (!lastCheck.IsZero() && !lastCheck.Before(stage.On)) {
		return nil
	}
	var rs recipientSet
	for _, code := range it.Units {
		for _, addr := range dir.Units[code].Addresses() {
			rs.add(addr, RoleUnit, []string{code}, "")
		}
	}
	base := Notice{
		Rule:     RuleFollowup,
		Subject:  ItemSubject(it),
		Stage:    stage,
		DaysLeft: stage.On.DaysSince(today),
		Item:     &it,
	}
	return rs.notices(base, escalatedLevels(LevelRemind, LevelRemind, LevelRemind))
}
