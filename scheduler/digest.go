package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/store"
)

// digestOf is who a digest goes to and in which capacity: a unit's own
// reminders, or a copy about others (a leader's or supervisor's copy, a
// roll of non-submitters). The two go in separate messages, so that a
// unit that also supervises a duty reads its own reminder as its own, not
// among those it must chase.
type digestOf struct {
	recipient string
	copy      bool
}

// groupByRecipient turns notices into one digest per recipient and
// capacity, in address order, own before copy, and indexes the notices by
// reminder key for rendering; attempt is the run's (store.Run.Attempts).
func groupByRecipient(job string, asOf time.Time, attempt int, notices []ledger.Notice) ([]store.Digest, map[string]*ledger.Notice) {
	byKey := make(map[string]*ledger.Notice, len(notices))
	byDigest := make(map[digestOf][]store.Reminder)
	for i := range notices {
		n := &notices[i]
		key := n.Key()
		if _, dup := byKey[key]; dup {
			continue
		}
		byKey[key] = n
		of := digestOf{recipient: n.Recipient, copy: n.Role != ledger.RoleUnit}
		byDigest[of] = append(byDigest[of], store.Reminder{
			Key: key, Rule: n.Rule, Subject: n.Subject, Stage: n.Stage.Name, Recipient: n.Recipient,
		})
	}
	order := slices.SortedFunc(maps.Keys(byDigest), func(a, b digestOf) int {
		if c := strings.Compare(a.recipient, b.recipient); c != 0 {
			return c
		}
		if a.copy == b.copy {
			return 0
		}
		if a.copy {
			return 1
		}
		return -1
	})
	digests := make([]store.Digest, 0, len(byDigest))
	for _, of := range order {
		digests = append(digests, store.Digest{Recipient: of.recipient, Key: dispatchKey(job, asOf, attempt, of), Reminders: byDigest[of]})
	}
	return digests, byKey
}

// dispatchKey names the one message a recipient gets from one attempt of
// a run in one capacity; the Message-ID is derived from it, so a retry of
// its sending is the same message. A later attempt of the run has keys of
// its own: an attempt before it may have committed its messages, and what
// the later one finds fresh (the ledger changed in between) needs a message
// of its own, not a name in one that exists.
func dispatchKey(job string, asOf time.Time, attempt int, of digestOf) string {
	at := asOf.UTC().Format("20060102T150405Z")
	if attempt > 1 {
		at += fmt.Sprintf("-%d", attempt)
	}
	key := fmt.Sprintf("%s/%s/%s", job, at, of.recipient)
	if of.copy {
		key += "/copy"
	}
	return key
}

// Ref is one entry of a dispatch's refs: what it concerns ("ROUND/NO",
// "DUTY/PERIOD" or the summary's ISO week), at which stage, by which rule,
// and what the recipient was told: the level they were addressed at and
// whether the date had passed, from which Tag names it as the email did.
type Ref struct {
	Ref     string       `json:"ref"`
	Stage   string       `json:"stage"`
	Rule    string       `json:"rule"`
	Level   ledger.Level `json:"level,omitempty"`
	Overdue bool         `json:"overdue,omitempty"`
}

// refOf is the ref that records a notice in its message.
func refOf(n ledger.Notice) Ref {
	return Ref{Ref: n.Subject, Stage: n.Stage.Name, Rule: n.Rule, Level: n.Level, Overdue: n.DaysLeft < 0}
}

// Tag is the ref's reminder in the office's words, the tag its entry had
// in the email; a ref recorded without the level is named by its stage.
func (r Ref) Tag() string {
	if r.Level == "" {
		return ledger.StageTag(r.Rule, r.Stage)
	}
	return ledger.Tag(r.Rule, r.Level, r.Overdue)
}

// renderFunc turns the notices one recipient gets from a run into the
// message's subject and bodies: text and HTML for a mailbox, markdown (in
// text, no HTML) cut to the platforms' limit for a robot.
type renderFunc func(recipient string, notices []ledger.Notice) (subject, text, html string, err error)

// renderer returns how job's messages are rendered: the weekly summary's
// facts are gathered once per run, before any message is built; every other
// job renders a digest of the recipient's notices, which tells a unit of its
// other open items when openOf counts them (by address).
func (s *Scheduler) renderer(ctx context.Context, job string, today ledger.Date, openOf map[string]int) (renderFunc, error) {
	if job == ledger.JobSummary {
		facts, err := s.summaryFacts(ctx, today)
		if err != nil {
			return nil, err
		}
		return func(recipient string, _ []ledger.Notice) (string, string, string, error) {
			d := facts
			d.To = recipient
			if isRobot(recipient) {
				subject, text, err := s.tmpl.RenderSummaryMarkdown(d)
				return subject, text, "", err
			}
			return s.tmpl.RenderSummary(d)
		}, nil
	}
	link, err := s.linkMaker(ctx)
	if err != nil {
		return nil, err
	}
	return func(recipient string, notices []ledger.Notice) (string, string, string, error) {
		d := s.digestData(recipient, today, notices)
		if d.Role == ledger.RoleUnit {
			d.Link, d.LinkExpires = link(s.recipientUnit(recipient, notices))
			d.OtherOpen = max(openOf[recipient]-itemsIn(notices), 0)
		}
		if isRobot(recipient) {
			subject, text, err := s.tmpl.RenderDigestMarkdown(d)
			return subject, text, "", err
		}
		return s.tmpl.RenderDigest(d)
	}, nil
}

// itemsIn counts the items notices concern.
func itemsIn(notices []ledger.Notice) int {
	items := map[string]bool{}
	for _, n := range notices {
		if n.Item != nil {
			items[n.Subject] = true
		}
	}
	return len(items)
}

// linkMaker returns what makes a unit's link and the day it expires, for
// the messages of one run: each link carries the unit's current generation,
// read once per run. Without links (no public_url) it makes none. Only a
// unit's own reminders carry its link: the link acts as the unit, and a
// leader's or the supervisors' copy concerns several units, whose links
// they must not hold (they read everything in the console instead).
func (s *Scheduler) linkMaker(ctx context.Context) (func(unit string) (link, expires string), error) {
	l := s.set.Links
	if l == nil || l.PublicURL == "" {
		return func(string) (string, string) { return "", "" }, nil
	}
	gens, err := s.store.LinkGenerations(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	expires := ledger.DateOf(now.Add(l.TTL).In(s.set.Location)).String()
	return func(unit string) (string, string) {
		if unit == "" {
			return "", ""
		}
		return l.URL(unit, gens[unit], now), expires
	}, nil
}

// isRobot tells a robot's address from a mailbox.
func isRobot(addr string) bool { return ledger.ChannelOf(addr) != ledger.ChannelEmail }

func (s *Scheduler) message(job string, recipient string,
	fresh []store.Reminder, byKey map[string]*ledger.Notice, render renderFunc) (store.Message, error) {
	notices := make([]ledger.Notice, 0, len(fresh))
	for _, r := range fresh {
		notices = append(notices, *byKey[r.Key])
	}
	ledger.SortByUrgency(notices)
	subject, text, html, err := render(recipient, notices)
	if err != nil {
		return store.Message{}, fmt.Errorf("render %s message for %s: %w", job, recipient, err)
	}
	refs := make([]Ref, len(notices))
	for i, n := range notices {
		refs[i] = refOf(n)
	}
	refsJSON, err := json.Marshal(refs)
	if err != nil {
		return store.Message{}, err
	}
	return store.Message{Subject: subject, Text: text, HTML: html, Refs: string(refsJSON)}, nil
}

// maxDigestEntries is the most entries a digest lists one by one; the
// rest, the least urgent, are counted. At province scale a supervisor's
// copy of a day's severe escalations runs to thousands of items: listed in
// full it would be tens of MiB, beyond what mail servers accept (and what
// anyone reads), and rendering it would dominate the run's memory.
const maxDigestEntries = 200

// digestData gathers what the digest templates show; notices come sorted
// most urgent first.
func (s *Scheduler) digestData(recipient string, today ledger.Date, notices []ledger.Notice) notify.DigestData {
	d := notify.DigestData{
		To:      recipient,
		Role:    mainRole(notices),
		AsOf:    today.String(),
		Office:  s.set.Office,
		Contact: s.set.Contact,
	}
	if len(notices) > maxDigestEntries {
		d.Omitted = len(notices) - maxDigestEntries
		notices = notices[:maxDigestEntries]
	}
	d.ToName = s.recipientName(recipient, notices)
	concerns := map[string]bool{}
	for _, n := range notices {
		e := s.entry(n)
		d.Entries = append(d.Entries, e)
		if n.Role != ledger.RoleUnit {
			for _, u := range e.UnitNames {
				if !concerns[u] {
					concerns[u] = true
					d.Concerns = append(d.Concerns, u)
				}
			}
		}
	}
	return d
}

// mainRole is the most specific role the recipient has in this digest: a
// unit that is also a leader's mailbox reads its own reminders first.
func mainRole(notices []ledger.Notice) ledger.Role {
	role := ledger.RoleSupervisor
	for _, n := range notices {
		switch n.Role {
		case ledger.RoleUnit:
			return ledger.RoleUnit
		case ledger.RoleLeader:
			role = ledger.RoleLeader
		}
	}
	return role
}

// recipientUnit is the code of the unit whose mailbox or robot addr is,
// among the units of its own notices (a unit's notice names the units
// whose mailbox it is); "" when none is. An address shared by several units
// gets the first one's link.
func (s *Scheduler) recipientUnit(addr string, notices []ledger.Notice) string {
	for _, n := range notices {
		if n.Role != ledger.RoleUnit {
			continue
		}
		codes := n.Units
		if len(codes) == 0 && n.Item != nil {
			codes = n.Item.Units
		}
		for _, code := range codes {
			u := s.set.Directory.Units[code]
			if slices.ContainsFunc(u.Addresses(), func(a string) bool { return strings.EqualFold(a, addr) }) {
				return code
			}
		}
	}
	return ""
}

func (s *Scheduler) recipientName(addr string, notices []ledger.Notice) string {
	for _, n := range notices {
		switch n.Role {
		case ledger.RoleUnit:
			if code := s.recipientUnit(addr, []ledger.Notice{n}); code != "" {
				return s.set.Directory.Units[code].Name
			}
		case ledger.RoleLeader:
			if l, ok := s.set.Directory.Leaders[n.Leader]; ok {
				return l.Address() // as the config gives them: 党组书记、主席王某某
			}
		}
	}
	return ""
}

func (s *Scheduler) entry(n ledger.Notice) notify.Entry {
	if n.Rule == ledger.RuleDuty || n.Rule == ledger.RuleDutyMissing {
		return s.dutyEntry(n)
	}
	it := n.Item // item rules always have one
	e := notify.Entry{
		Kind:       n.Rule,
		Stage:      n.Stage.Name,
		StageLabel: n.Tag(),
		No:         it.No,
		Problem:    it.Problem,
		Measures:   it.Measures,
		Deadline:   it.Deadline.String(),
		DaysLeft:   n.DaysLeft,
	}
	if n.Rule == ledger.RuleFollowup {
		done, known := it.DoneOn()
		e.CompletedOn, e.CompletionUnknown = done.String(), !known
	}
	if l, ok := s.set.Directory.Leaders[it.Leader]; ok {
		e.LeaderName = l.Name
	}
	e.UnitNames = s.unitNames(it.Units)
	return e
}

// dutyEntry describes a duty period: to a unit, which of its units has not
// submitted; to the supervisors, the roll of all that have not.
func (s *Scheduler) dutyEntry(n ledger.Notice) notify.Entry {
	e := notify.Entry{
		Kind:       ledger.RuleDuty,
		Stage:      n.Stage.Name,
		StageLabel: n.Tag(),
		DaysLeft:   n.DaysLeft,
		DutyName:   n.DutyName,
		Period:     n.Period.Label(),
		DueDate:    n.Due.String(),
	}
	if n.Rule == ledger.RuleDutyMissing {
		e.Missing = s.unitNames(n.Units)
	} else {
		e.UnitNames = s.unitNames(n.Units)
	}
	return e
}

// unitNames are the configured names of unit codes; an unknown code stands
// for itself.
func (s *Scheduler) unitNames(codes []string) []string {
	var names []string
	for _, code := range codes {
		name := code
		if u, ok := s.set.Directory.Units[code]; ok {
			name = u.Name
		}
		names = append(names, name)
	}
	return names
}
