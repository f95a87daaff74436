package ledger

// LightOf returns the 红黄绿灯 light of it on today:
//
//   - closed → closed, done → done (whatever the deadline was);
//   - long-term (长期坚持) → blue;
//   - open and past the deadline → red;
//   - open and the deadline at most yellowDays away (today included) → yellow;
//   - open otherwise → green.
//
// An open item that is not long-term but has no deadline (an import cannot
// produce one, a hand-edited database could) is green: nothing says it is
// late, and blue would wrongly claim it is a standing task.
func LightOf(it Item, today Date, yellowDays int) Light {
	switch it.Status {
	case StatusClosed:
		return LightClosed
	case StatusDone:
		return LightDone
	}
	switch {
	case it.LongTerm:
		return LightBlue
	case it.Deadline.IsZero():
		return LightGreen
	case it.Deadline.Before(today):
		return LightRed
	case it.Deadline.DaysSince(today) <= yellowDays:
		return LightYellow
	}
	return LightGreen
}
