package scheduler

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/store"
)

// The weekly summary (定期调度) goes through the same reminders as every
// other job: one reminder per supervisor and ISO week, so a rerun, a
// catch-up or a second replica in the same week sends nothing
// (ledger.RuleSummary, stage ledger.StageWeekly).
const (
	summaryLimit = 100 // failed deliveries listed at most
	// summaryLookback is how far back failed deliveries are listed when no
	// summary was sent before.
	summaryLookback = 7 * 24 * time.Hour
)

// isoWeek names the summary's week: "2026-W48".
func isoWeek(d ledger.Date) (name, label string) {
	y, w := d.In(time.UTC).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w), fmt.Sprintf("%d年第%d周", y, w)
}

// summaryNotices are one notice per supervisor address for today's ISO week.
func (s *Scheduler) summaryNotices(today ledger.Date) []ledger.Notice {
	week, _ := isoWeek(today)
	var out []ledger.Notice
	seen := map[string]bool{}
	for _, addr := range s.set.Directory.Supervisors {
		addr = strings.TrimSpace(addr)
		if addr == "" || seen[strings.ToLower(addr)] {
			continue
		}
		seen[strings.ToLower(addr)] = true
		out = append(out, ledger.Notice{
			Rule: ledger.RuleSummary, Subject: week, Stage: ledger.Stage{Name: ledger.StageWeekly, On: today},
			Level: ledger.LevelRemind, Recipient: addr, Role: ledger.RoleSupervisor,
		})
	}
	return out
}

// summaryFacts gathers what the weekly summary says, once per run: the
// ledger by status and light, the red and yellow items, the duty periods
// past due with units missing, and the deliveries that failed since the
// previous summary was sent (or in the last week).
func (s *Scheduler) summaryFacts(ctx context.Context, today ledger.Date) (notify.SummaryData, error) {
	week, label := isoWeek(today)
	d := notify.SummaryData{Week: week, WeekLabel: label, AsOf: today.String(), Office: s.set.Office}
	items, err := s.store.ListItems(ctx, store.ItemFilter{})
	if err != nil {
		return d, fmt.Errorf("scheduler: summary: %w", err)
	}
	s.summarizeItems(&d, items, today)
	idx, err := s.loadSubmissions(ctx)
	if err != nil {
		return d, err
	}
	for _, od := range s.overdueDuties(idx, today) {
		d.Duties = append(d.Duties, notify.SummaryDuty{
			DutyName: od.spec.Name, Period: od.period.Label(), DueDate: od.due.String(),
			DaysOverdue: today.DaysSince(od.due), Missing: s.unitNames(od.missing),
		})
	}
	if err := s.summarizeFailures(ctx, &d); err != nil {
		return d, err
	}
	return d, nil
}

// summarizeItems counts the items by status and the open ones by light,
// and lists the red (most overdue first) and yellow (nearest first) ones.
func (s *Scheduler) summarizeItems(d *notify.SummaryData, items []ledger.Item, today ledger.Date) {
	statuses := map[ledger.Status]int{}
	lights := map[ledger.Light]int{}
	for _, it := range items {
		statuses[it.Status]++
		light := ledger.LightOf(it, today, s.set.Policy.YellowDays)
		lights[light]++
		if light != ledger.LightRed && light != ledger.LightYellow {
			continue
		}
		si := notify.SummaryItem{
			Round: it.Round, No: it.No, Problem: it.Problem, Deadline: it.Deadline.String(),
			DaysLeft: it.Deadline.DaysSince(today), UnitNames: s.unitNames(it.Units),
		}
		if l, ok := s.set.Directory.Leaders[it.Leader]; ok {
			si.LeaderName = l.Name
		}
		if light == ledger.LightRed {
			d.Red = append(d.Red, si)
		} else {
			d.Yellow = append(d.Yellow, si)
		}
	}
	d.Total = len(items)
	for _, st := range []ledger.Status{ledger.StatusOpen, ledger.StatusDone, ledger.StatusClosed} {
		d.Statuses = append(d.Statuses, notify.Count{Key: string(st), Label: st.Label(), N: statuses[st]})
	}
	if statuses[ledger.StatusOpen] > 0 {
		for _, l := range []ledger.Light{ledger.LightRed, ledger.LightYellow, ledger.LightGreen, ledger.LightBlue} {
			d.Lights = append(d.Lights, notify.Count{Key: string(l), Label: l.Label(), N: lights[l]})
		}
	}
	// ListItems keeps ledger order; the summary reads most urgent first.
	byDays := func(a, b notify.SummaryItem) int { return a.DaysLeft - b.DaysLeft }
	slices.SortStableFunc(d.Red, byDays)
	slices.SortStableFunc(d.Yellow, byDays)
}

// summarizeFailures lists the deliveries that failed since the previous
// summary that was sent was made: what it listed, the supervisors have
// read; a run that sent nothing (a non-workday, a week already summarised)
// moves nothing on. Without one, the last week. Dispatch times are the
// clock's, not the logical as-of time.
func (s *Scheduler) summarizeFailures(ctx context.Context, d *notify.SummaryData) error {
	since := s.now().Add(-summaryLookback)
	last, err := s.store.ListDispatches(ctx, store.DispatchFilter{Job: ledger.JobSummary, State: store.StateSent, Limit: 1})
	if err != nil {
		return fmt.Errorf("scheduler: summary: %w", err)
	}
	if len(last) > 0 {
		since = last[0].CreatedAt
	}
	failed, err := s.store.ListDispatches(ctx, store.DispatchFilter{State: store.StateFailed, Since: since, Limit: summaryLimit})
	if err != nil {
		return fmt.Errorf("scheduler: summary: %w", err)
	}
	d.FailedSince = since.In(s.set.Location).Format("2006-01-02 15:04")
	for _, f := range failed {
		d.Failed = append(d.Failed, notify.SummaryFailure{
			To: f.Recipient, Subject: f.Subject, Error: f.LastError, Attempts: f.Attempts,
			At: f.CreatedAt.In(s.set.Location).Format("2006-01-02 15:04"),
		})
	}
	return nil
}
