package ledger

// exampleLead is how far after the day of the first start an example
// ledger's latest open deadline falls once moved: its other open items
// come out due soon, due today or a little overdue, so that the first
// start shows every kind of reminder and none long overdue.
const exampleLead = 15

// MovedToToday returns an example ledger with every date moved by the
// same number of days, so that its latest open deadline falls
// exampleLead days after today and the spacing of its deadlines is kept.
// A real ledger is never moved: only the example that a first start
// imports into an empty database, whatever day that is.
func MovedToToday(items []Item, today Date) []Item {
	var latest Date
	for _, it := range items {
		if it.Status == StatusOpen && !it.Deadline.IsZero() && it.Deadline.After(latest) {
			latest = it.Deadline
		}
	}
	if latest.IsZero() {
		return items
	}
	days := today.AddDays(exampleLead).DaysSince(latest)
	out := make([]Item, len(items))
	for i, it := range items {
		it.Deadline = moved(it.Deadline, days)
		it.CompletedOn = moved(it.CompletedOn, days)
		out[i] = it
	}
	return out
}

func moved(d Date, days int) Date {
	if d.IsZero() {
		return d
	}
	return d.AddDays(days)
}
