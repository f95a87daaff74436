package scheduler

import (
	"context"
	"fmt"
	"time"

	"duban/ledger"
	"duban/store"
)

// Planned is one message a run would send: the dry run of `duban plan`.
type Planned struct {
	Job     string `json:"job"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Refs    []Ref  `json:"refs"`
}

// Plan works out what a run of job as of asOf would send, without writing
// anything: the same rules and the same dedupe against reminders already
// recorded, but no run row, reminders or dispatches.
func (s *Scheduler) Plan(ctx context.Context, job string, asOf time.Time) ([]Planned, error) {
	if !knownJob(job) {
		return nil, fmt.Errorf("%w %q", ErrUnknownJob, job)
	}
	today := ledger.DateOf(asOf.In(s.set.Location))
	if s.set.Policy.WorkdaysOnly && !s.set.Calendar.IsWorkday(today) {
		return nil, nil
	}
	found, err := s.collect(ctx, job, today)
	if err != nil {
		return nil, err
	}
	render, err := s.renderer(ctx, job, today, found.openOf)
	if err != nil {
		return nil, err
	}
	digests, byKey := groupByRecipient(job, asOf, 1, found.notices)
	known, err := s.store.KnownReminders(ctx, allKeys(digests))
	if err != nil {
		return nil, fmt.Errorf("scheduler: plan %s: %w", job, err)
	}
	var out []Planned
	for _, d := range digests {
		fresh := unknownReminders(d.Reminders, known)
		if len(fresh) == 0 {
			continue
		}
		msg, err := s.message(job, d.Recipient, fresh, byKey, render)
		if err != nil {
			return nil, err
		}
		p := Planned{Job: job, To: d.Recipient, Subject: msg.Subject}
		for _, r := range fresh {
			p.Refs = append(p.Refs, refOf(*byKey[r.Key]))
		}
		out = append(out, p)
	}
	return out, nil
}

func allKeys(digests []store.Digest) []string {
	var keys []string
	for _, d := range digests {
		for _, r := range d.Reminders {
			keys = append(keys, r.Key)
		}
	}
	return keys
}

func unknownReminders(rs []store.Reminder, known map[string]bool) []store.Reminder {
	var out []store.Reminder
	for _, r := range rs {
		if !known[r.Key] {
			out = append(out, r)
		}
	}
	return out
}
