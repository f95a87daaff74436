package ledger

import (
	"strconv"
	"strings"
)

// Role is why a recipient gets a notice.
type Role string

const (
	RoleUnit       Role = "unit"       // a mailbox of a responsible unit
	RoleLeader     Role = "leader"     // the responsible leader, on escalation
	RoleSupervisor Role = "supervisor" // 整改领导小组办公室: severe escalations, duty rolls
)

// rank orders roles from most to least specific: a mailbox that is both a
// unit's and a supervisor's is addressed as the unit, whose job it is to act.
func (r Role) rank() int {
	switch r {
	case RoleUnit:
		return 0
	case RoleLeader:
		return 1
	}
	return 2
}

// Level is the rung of the escalation ladder 提醒 → 催办 → 告诫 → 约谈.
type Level string

const (
	LevelRemind Level = "remind" // 提醒: before the deadline
	LevelUrge   Level = "urge"   // 催办: on and after the deadline
	LevelWarn   Level = "warn"   // 告诫: the leader, long overdue
	LevelSummon Level = "summon" // 约谈提醒: the supervisors, severely overdue
)

// Label is the Chinese name of the level, for message text.
func (l Level) Label() string {
	switch l {
	case LevelRemind:
		return "提醒"
	case LevelUrge:
		return "催办"
	case LevelWarn:
		return "告诫"
	case LevelSummon:
		return "约谈提醒"
	}
	return string(l)
}

// Stage names. Parametrised stages are built by the rules:
// "remind-7d" (7 days before), "overdue-2" (second overdue step),
// "followup-90" (90 days after completion).
const (
	StageOpen    = "open"    // a duty period has ended: its submission is expected
	StageMissing = "missing" // the supervisors' roll of a duty period's non-submitters
	StageDue     = "due"     // the deadline or due date itself
	StageWeekly  = "weekly"  // the supervisors' summary of an ISO week

	stageRemindPrefix   = "remind-"
	stageOverduePrefix  = "overdue-"
	stageFollowupPrefix = "followup-"
)

// Stage is one dated step of a reminder ladder. Its Name is part of a
// reminder's unique key, so the same step is never sent twice to the same
// recipient.
type Stage struct {
	Name string // remind-7d | due | overdue-2 | open | followup-90
	On   Date   // the day the stage is reached
}

// Level is the rung a unit is addressed at in this stage: remind before the
// deadline (and for open and follow-up stages), urge from the deadline on.
// Leaders and supervisors are addressed one rung higher by the rules.
func (s Stage) Level() Level {
	if s.Name == StageDue || strings.HasPrefix(s.Name, stageOverduePrefix) {
		return LevelUrge
	}
	return LevelRemind
}

// Tag names a reminder the way the office does: 提醒, 催办, 逾期催办,
// 告诫, 约谈提醒, 回头看, 逾期未报 or 定期调度, from its rule, the level its
// recipient is addressed at and whether its date has passed. The email
// tags each entry with it and the console each reminder a message carried,
// so that both call the same reminder the same.
func Tag(rule string, level Level, overdue bool) string {
	switch rule {
	case RuleFollowup:
		return "回头看"
	case RuleDutyMissing:
		return "逾期未报"
	case RuleSummary:
		return "定期调度"
	}
	switch level {
	case LevelRemind, LevelWarn, LevelSummon:
		return level.Label()
	}
	if overdue {
		return "逾期催办"
	}
	return "催办"
}

// StageTag is the Tag of a reminder known by its rule and stage alone,
// such as one recorded before dispatches kept the level: the level a unit
// is addressed at in that stage, overdue from the first overdue step.
func StageTag(rule, stage string) string {
	return Tag(rule, Stage{Name: stage}.Level(), strings.HasPrefix(stage, stageOverduePrefix))
}

func remindStage(due Date, n int) Stage {
	return Stage{Name: stageRemindPrefix + strconv.Itoa(n) + "d", On: due.AddDays(-n)}
}

func overdueStage(due Date, k, every int) Stage {
	return Stage{Name: stageOverduePrefix + strconv.Itoa(k), On: due.AddDays(k * every)}
}

func followupStage(completed Date, n int) Stage {
	return Stage{Name: stageFollowupPrefix + strconv.Itoa(n), On: completed.AddDays(n)}
}

// DeadlineStage returns the latest stage of an item with this deadline that
// has been reached on today: remind-Nd on deadline−N for N in p.LeadDays,
// due on the deadline, overdue-K on deadline + K·p.OverdueEveryDays for every
// K ≥ 1. Stages are dated in calendar days; holidays do not move them (the
// daemon skips runs on non-workdays, and the next run sends the latest
// stage). False before the first stage and for a zero deadline.
//
// Non-positive lead days are ignored; with p.OverdueEveryDays ≤ 0 there are
// no overdue stages and due stays the latest.
func DeadlineStage(deadline, today Date, p Policy) (Stage, bool) {
	if deadline.IsZero() {
		return Stage{}, false
	}
	return ladderStage(deadline, today, p.LeadDays, p.OverdueEveryDays)
}

// ladderStage is the remind → due → overdue ladder shared by items and duties.
func ladderStage(due, today Date, leadDays []int, overdueEvery int) (Stage, bool) {
	if !today.Before(due) {
		late := today.DaysSince(due)
		if overdueEvery > 0 && late >= overdueEvery {
			return overdueStage(due, late/overdueEvery, overdueEvery), true
		}
		return Stage{Name: StageDue, On: due}, true
	}
	// Before the due date the latest reached reminder is the one with the
	// smallest lead that is still at least the days left.
	left := due.DaysSince(today)
	best := 0
	for _, n := range leadDays {
		if n >= left && (best == 0 || n < best) {
			best = n
		}
	}
	if best == 0 {
		return Stage{}, false
	}
	return remindStage(due, best), true
}
