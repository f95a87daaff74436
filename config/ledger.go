package config

import (
	"net/mail"

	"duban/ledger"
)

// DutySpecs turns [[duties]] into what the rules need, in the config's
// order: units resolved (kind:KIND, "*") with the exempt ones left out, and
// the period kind and start parsed. The config requires start, so there is
// no "first loaded" rule to apply: the first supervised period is always
// explicit. Load has checked every period and start; a duty of a config
// built by hand whose period or start does not parse is left out.
func (c *Config) DutySpecs() []ledger.DutySpec {
	specs := make([]ledger.DutySpec, 0, len(c.Duties))
	for _, d := range c.Duties {
		kind, err := ledger.ParsePeriodKind(d.Period)
		if err != nil {
			continue
		}
		start, err := ledger.ParsePeriodOf(kind, d.Start)
		if err != nil {
			continue
		}
		specs = append(specs, ledger.DutySpec{
			ID: d.ID, Name: d.Name, Kind: kind, DueDay: d.DueDay,
			RemindDays: d.RemindDays, OverdueEveryDays: d.OverdueEveryDays, EscalateAfterDays: d.EscalateAfterDays,
			DueOnWorkday: d.DueOnWorkday, Start: start, Units: c.DutyUnits(d), Exempt: d.Exempt, Supervisors: d.Supervisors,
		})
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
