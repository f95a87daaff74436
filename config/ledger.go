package config

import (
	"net/mail"
	"slices"

	"duban/ledger"
)

// DutySpecs turns [[duties]] into what the rules need, in the config's
// order: units resolved (kind:KIND, "*") with the exempt ones left out, and
// the period kind and start parsed. A duty without a start starts with the
// first period due on or after its FirstSeen day; without that either (a
// config no store has seen), it has no start. Load has checked every period
// and start; a duty of a config built by hand whose period or start does
// not parse is left out.
func (c *Config) DutySpecs() []ledger.DutySpec {
	cal := ledger.NewCalendar(c.Calendar.Holidays, c.Calendar.Workdays)
	specs := make([]ledger.DutySpec, 0, len(c.Duties))
	for _, d := range c.Duties {
		kind, err := ledger.ParsePeriodKind(d.Period)
		if err != nil {
			continue
		}
		spec := ledger.DutySpec{
			ID: d.ID, Name: d.Name, Kind: kind, DueDay: d.DueDay,
			RemindDays: d.RemindDays, OverdueEveryDays: d.OverdueEveryDays, EscalateAfterDays: d.EscalateAfterDays,
			DueOnWorkday: d.DueOnWorkday, Units: c.DutyUnits(d), Exempt: d.Exempt, Supervisors: c.dutySupervisors(d),
		}
		switch {
		case d.Start != "":
			if spec.Start, err = ledger.ParsePeriodOf(kind, d.Start); err != nil {
				continue
			}
		case !d.FirstSeen.IsZero():
			spec.Start = spec.FirstDueFrom(d.FirstSeen, cal)
		}
		specs = append(specs, spec)
	}
	return specs
}

// Office is how reminders sign off: the display name of mail.from, or
// 整改办 when it has none.
func (c *Config) Office() string {
	addr, err := mail.ParseAddress(c.Mail.From)
	if err != nil || addr.Name == "" {
		return "整改办"
	}
	return addr.Name
}

// dutySupervisors are the addresses that get a duty's roll of
// non-submitters: its own, or, when it has the programme's (the default),
// the supervisors' robots too.
func (c *Config) dutySupervisors(d Duty) []string {
	if slices.Equal(d.Supervisors, c.Supervisors) {
		return c.SupervisorAddresses()
	}
	return d.Supervisors
}

// SupervisorAddresses are where the supervisors' messages go: their
// mailboxes, then their robots ("wecom:supervisors").
func (c *Config) SupervisorAddresses() []string {
	return append(slices.Clone(c.Supervisors), c.SupervisorRobots.Addresses(ledger.OwnerSupervisors)...)
}

// Directory is who the rules write to: the units, the leaders and the
// supervisors, with every mailbox and robot.
func (c *Config) Directory() ledger.Directory {
	return ledger.NewDirectory(c.Units, c.Leaders, c.SupervisorAddresses())
}

// Robots are every configured robot: the units', the leaders' and the
// supervisors', each with the address its dispatches are sent to.
func (c *Config) Robots() []ledger.Robot {
	var out []ledger.Robot
	for _, u := range c.Units {
		out = append(out, u.RobotList()...)
	}
	for _, l := range c.Leaders {
		out = append(out, l.RobotList()...)
	}
	return append(out, c.SupervisorRobots.List(ledger.OwnerSupervisors, "")...)
}
