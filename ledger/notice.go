package ledger

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// Rules that produce notices; a notice's Rule is the first part of its key.
const (
	RuleDeadline    = "deadline"     // open items approaching or past their deadline
	RuleFollowup    = "followup"     // 回头看 of done items
	RuleDuty        = "duty"         // a unit (or its leader) has not submitted a duty
	RuleDutyMissing = "duty-missing" // supervisors' roll of the units that have not submitted
	RuleSummary     = "summary"      // the supervisors' weekly summary, one per ISO week
)

// Directory is who can be written to: units and leaders by code, and the
// supervisors' addresses (整改领导小组办公室), mailboxes and robots.
type Directory struct {
	Units       map[string]Unit
	Leaders     map[string]Leader
	Supervisors []string
}

// NewDirectory indexes the config's units and leaders by code.
func NewDirectory(units []Unit, leaders []Leader, supervisors []string) Directory {
	d := Directory{
		Units:       make(map[string]Unit, len(units)),
		Leaders:     make(map[string]Leader, len(leaders)),
		Supervisors: supervisors,
	}
	for _, u := range units {
		d.Units[u.Code] = u
	}
	for _, l := range leaders {
		d.Leaders[l.Code] = l
	}
	return d
}

// leaderOf returns the code of the leader responsible for an item: its own
// leader, or else the leader in charge of its lead unit.
func (d Directory) leaderOf(it Item) string {
	if it.Leader != "" {
		return it.Leader
	}
	if len(it.Units) > 0 {
		return d.Units[it.Units[0]].Leader
	}
	return ""
}

// Notice is one reminder for one recipient: what the rules decided should be
// said to whom at which stage. The scheduler stores it under Key() and the
// notifier renders the recipient's notices of a run as one digest.
type Notice struct {
	Rule      string // RuleDeadline, RuleFollowup, RuleDuty, RuleDutyMissing, RuleSummary
	Subject   string // items: "ROUND/NO"; duties: "DUTY/PERIOD", e.g. "sanzhongyida/2025-03"
	Stage     Stage
	Level     Level
	Recipient string // one address: a mailbox or a robot (see ChannelOf)
	Role      Role
	// DaysLeft counts days from today to the deadline (items) or due date
	// (duties); negative when overdue. For follow-ups it is the stage day
	// minus today, so zero or negative.
	DaysLeft int

	// Item is the item concerned (deadline and follow-up rules); nil for
	// duties. The notices of one item share it: a large run holds hundreds
	// of thousands of notices.
	Item *Item
	// Units are the unit codes the notice is about for this recipient: for a
	// unit, the unit(s) whose mailbox it is; for a leader or a supervisor, the
	// item's units, or the non-submitting units of a duty they are told about.
	Units []string
	// Leader is the leader's code when Role is RoleLeader.
	Leader string

	// Duty, DutyName, Period and Due describe a duty period (duty rules only).
	Duty     string
	DutyName string
	Period   Period
	Due      Date
}

// Tag names the notice the way the office does (see Tag).
func (n Notice) Tag() string { return Tag(n.Rule, n.Level, n.DaysLeft < 0) }

// NoticesDigest sums up the reminder keys of notices, in any order: two
// runs that give an item's notices the same digest would record the same
// reminders. No notices have the empty digest, that of an item never told.
func NoticesDigest(ns []Notice) string {
	if len(ns) == 0 {
		return ""
	}
	keys := make([]string, len(ns))
	for i, n := range ns {
		keys[i] = n.Key()
	}
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return hex.EncodeToString(sum[:16])
}

// Key identifies the notice across runs, restarts and replicas:
// Rule|Subject|Stage.Name|Recipient. A key already stored was already handled.
//
// For item rules the stage is anchored to the date it counts from (the
// deadline, or the day a follow-up counts from): when the office extends a
// deadline (延期) or an item is reopened and done again, the new dates'
// stages are new reminders rather than duplicates of the old ones.
func (n Notice) Key() string {
	return n.Rule + "|" + n.Subject + "|" + n.Stage.Name + n.anchor() + "|" + n.Recipient
}

func (n Notice) anchor() string {
	if n.Item == nil {
		return ""
	}
	switch n.Rule {
	case RuleDeadline:
		return "@" + n.Item.Deadline.String()
	case RuleFollowup:
		done, _ := n.Item.DoneOn()
		return "@" + done.String()
	}
	return ""
}

// ItemSubject is the subject of an item's notices: "ROUND/NO".
func ItemSubject(it Item) string { return it.Round + "/" + it.No }

// ItemNotices returns the deadline notices due on today for one item: the
// latest reached stage, to every address (mailbox or robot) of every
// responsible unit; from
// p.EscalateAfterDays overdue also to the responsible leader (告诫); from
// p.SevereAfterDays overdue also to every supervisor (约谈提醒). A threshold
// of zero or less turns that escalation off. An address met twice gets one
// notice, in its most specific role (unit, then leader, then supervisor).
// Done, closed and long-term items, and items without a deadline, get none.
func ItemNotices(it Item, dir Directory, today Date, p Policy) []Notice {
	if it.Status != StatusOpen || it.LongTerm {
		return nil
	}
	stage, ok := DeadlineStage(it.Deadline, today, p)
	if !ok {
		return nil
	}
	var rs recipientSet
	for _, code := range it.Units {
		for _, addr := range dir.Units[code].Addresses() {
			rs.add(addr, RoleUnit, []string{code}, "")
		}
	}
	overdue := today.DaysSince(it.Deadline)
	if reached(overdue, p.EscalateAfterDays) {
		if code := dir.leaderOf(it); code != "" {
			for _, addr := range dir.Leaders[code].Addresses() {
				rs.add(addr, RoleLeader, it.Units, code)
			}
		}
	}
	if reached(overdue, p.SevereAfterDays) {
		for _, addr := range dir.Supervisors {
			rs.add(addr, RoleSupervisor, it.Units, "")
		}
	}
	base := Notice{
		Rule:     RuleDeadline,
		Subject:  ItemSubject(it),
		Stage:    stage,
		DaysLeft: -overdue,
		Item:     &it,
	}
	return rs.notices(base, escalatedLevels(stage.Level(), LevelWarn, LevelSummon))
}

// reached reports whether days overdue have reached an escalation threshold;
// a threshold of zero or less means the escalation is off.
func reached(overdue, threshold int) bool {
	return threshold > 0 && overdue >= threshold
}

// roleLevels is the level each role is addressed at, by Role.rank.
type roleLevels [3]Level

// escalatedLevels gives each role the level it is addressed at.
func escalatedLevels(unit, leader, supervisor Level) roleLevels {
	return roleLevels{unit, leader, supervisor}
}

// SortByUrgency orders notices most urgent first: the most overdue (smallest
// DaysLeft) first, then by round and ledger position, then by subject and
// recipient so that the order is total and digests are stable.
func SortByUrgency(ns []Notice) {
	slices.SortStableFunc(ns, func(a, b Notice) int {
		return cmp.Or(
			cmp.Compare(a.DaysLeft, b.DaysLeft),
			cmp.Compare(a.itemRound(), b.itemRound()),
			cmp.Compare(a.itemSeq(), b.itemSeq()),
			cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Recipient, b.Recipient),
		)
	})
}

func (n *Notice) itemRound() string {
	if n.Item == nil {
		return ""
	}
	return n.Item.Round
}

func (n *Notice) itemSeq() int {
	if n.Item == nil {
		return 0
	}
	return n.Item.Seq
}

// recipientSet collects the addresses of one notice subject, one entry per
// address (compared case-insensitively), in the order first met. A subject
// has a handful of addresses: a list is searched faster than a map is built.
type recipientSet struct {
	list []recipient
}

type recipient struct {
	addr   string
	role   Role
	units  []string
	leader string
}

// add records addr in role, concerning units. An address met again keeps
// its most specific role and gathers the units of both.
func (s *recipientSet) add(addr string, role Role, units []string, leader string) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return
	}
	i := slices.IndexFunc(s.list, func(r recipient) bool { return strings.EqualFold(r.addr, addr) })
	if i < 0 {
		s.list = append(s.list, recipient{addr: addr, role: role, units: appendNew(nil, units...), leader: leader})
		return
	}
	r := &s.list[i]
	if role.rank() < r.role.rank() {
		r.role, r.leader = role, leader
	}
	r.units = appendNew(r.units, units...)
}

// notices turns the set into notices built on base, one per address.
func (s *recipientSet) notices(base Notice, levels roleLevels) []Notice {
	if len(s.list) == 0 {
		return nil
	}
	out := make([]Notice, 0, len(s.list))
	for _, r := range s.list {
		n := base
		n.Recipient = r.addr
		n.Role = r.role
		n.Level = levels[r.role.rank()]
		n.Units = r.units
		if r.role == RoleLeader {
			n.Leader = r.leader
		}
		out = append(out, n)
	}
	return out
}

// appendNew appends the values not already in list, keeping order.
func appendNew(list []string, values ...string) []string {
	for _, v := range values {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}
