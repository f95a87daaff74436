package config

import (
	"net/mail"

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
			DueOnWorkday: d.DueOnWorkday, Units: c.DutyUnits(d), Exempt: d.Exempt, Supervisors: d.Supervisors,
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
