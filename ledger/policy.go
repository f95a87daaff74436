package ledger

// Policy holds the reminder rules' tunables from the config's [policy] table.
type Policy struct {
	LeadDays          []int `toml:"lead_days"`           // remind-Nd on deadline−N, descending, e.g. [7 3 1]
	OverdueEveryDays  int   `toml:"overdue_every_days"`  // overdue-K on deadline + K·OverdueEveryDays
	EscalateAfterDays int   `toml:"escalate_after_days"` // from this many days overdue the leader is told too (告诫)
	SevereAfterDays   int   `toml:"severe_after_days"`   // from this many days overdue the supervisors are told too (约谈提醒)
	YellowDays        int   `toml:"yellow_days"`         // yellow light when the deadline is this near
	WorkdaysOnly      bool  `toml:"workdays_only"`       // a run on a non-workday sends nothing
	FollowupDays      []int `toml:"followup_days"`       // 回头看 N days after completion
}

// DefaultPolicy is the policy of a config whose [policy] table sets nothing.
func DefaultPolicy() Policy {
	return Policy{
		LeadDays:          []int{7, 3, 1},
		OverdueEveryDays:  7,
		EscalateAfterDays: 14,
		SevereAfterDays:   30,
		YellowDays:        7,
		WorkdaysOnly:      true,
		FollowupDays:      []int{90},
	}
}
