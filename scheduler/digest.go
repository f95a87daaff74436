package scheduler

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/store"
)

// groupByRecipient turns notices into one digest per recipient, in a stable
// order, and indexes the notices by reminder key for rendering.
func groupByRecipient(notices []ledger.Notice) ([]store.Digest, map[string]ledger.Notice) {
	byKey := make(map[string]ledger.Notice, len(notices))
	byRecipient := make(map[string][]store.Reminder)
	for _, n := range notices {
		key := n.Key()
		if _, dup := byKey[key]; dup {
			continue
		}
		byKey[key] = n
		byRecipient[n.Recipient] = append(byRecipient[n.Recipient], store.Reminder{
			Key: key, Rule: n.Rule, Subject: n.Subject, Stage: n.Stage.Name, Recipient: n.Recipient,
		})
	}
	recipients := make([]string, 0, len(byRecipient))
	for r := range byRecipient {
		recipients = append(recipients, r)
	}
	sort.Strings(recipients)
	digests := make([]store.Digest, len(recipients))
	for i, r := range recipients {
		digests[i] = store.Digest{Recipient: r, Reminders: byRecipient[r]}
	}
	return digests, byKey
}

// dispatchKey names the one message a recipient gets from one run; the
// Message-ID is derived from it, so a retry is the same message.
func dispatchKey(job string, asOf time.Time, recipient string) string {
	return fmt.Sprintf("%s/%s/%s", job, asOf.UTC().Format("20060102T150405Z"), recipient)
}

// Ref is one entry of a dispatch's refs: what it concerns and at which stage.
type Ref struct {
	Ref   string `json:"ref"`
	Stage string `json:"stage"`
}

func (s *Scheduler) message(job string, asOf time.Time, today ledger.Date, recipient string,
	fresh []store.Reminder, byKey map[string]ledger.Notice) (store.Message, error) {
	notices := make([]ledger.Notice, 0, len(fresh))
	for _, r := range fresh {
		notices = append(notices, byKey[r.Key])
	}
	ledger.SortByUrgency(notices)
	data := s.digestData(recipient, today, notices)
	subject, text, html, err := s.tmpl.RenderDigest(data)
	if err != nil {
		return store.Message{}, fmt.Errorf("render digest for %s: %w", recipient, err)
	}
	refs := make([]Ref, len(notices))
	for i, n := range notices {
		refs[i] = Ref{Ref: n.Subject, Stage: n.Stage.Name}
	}
	refsJSON, err := json.Marshal(refs)
	if err != nil {
		return store.Message{}, err
	}
	return store.Message{
		Key: dispatchKey(job, asOf, recipient), Subject: subject, Text: text, HTML: html, Refs: string(refsJSON),
	}, nil
}

func (s *Scheduler) digestData(recipient string, today ledger.Date, notices []ledger.Notice) notify.DigestData {
	d := notify.DigestData{
		To:     recipient,
		Role:   string(mainRole(notices)),
		AsOf:   today.String(),
		Office: s.set.Office,
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

func (s *Scheduler) recipientName(addr string, notices []ledger.Notice) string {
	for _, n := range notices {
		switch n.Role {
		case ledger.RoleUnit:
			for _, code := range n.Item.Units {
				u := s.set.Directory.Units[code]
				for _, e := range u.Emails {
					if strings.EqualFold(e, addr) {
						return u.Name
					}
				}
			}
		case ledger.RoleLeader:
			for _, l := range s.set.Directory.Leaders {
				if strings.EqualFold(l.Email, addr) {
					return l.Name
				}
			}
		}
	}
	return ""
}

func (s *Scheduler) entry(n ledger.Notice) notify.Entry {
	it := n.Item
	e := notify.Entry{
		Kind:       n.Rule,
		Stage:      n.Stage.Name,
		StageLabel: stageLabel(n),
		No:         it.No,
		Problem:    it.Problem,
		Measures:   it.Measures,
		Deadline:   it.Deadline.String(),
		DaysLeft:   n.DaysLeft,
	}
	if l, ok := s.set.Directory.Leaders[it.Leader]; ok {
		e.LeaderName = l.Name
	}
	for _, code := range it.Units {
		name := code
		if u, ok := s.set.Directory.Units[code]; ok {
			name = u.Name
		}
		e.UnitNames = append(e.UnitNames, name)
	}
	return e
}

// stageLabel is the rung of the escalation ladder in the office's words.
func stageLabel(n ledger.Notice) string {
	switch n.Level {
	case ledger.LevelRemind:
		return "提醒"
	case ledger.LevelWarn:
		return "告诫"
	case ledger.LevelSummon:
		return "约谈提醒"
	}
	if n.DaysLeft < 0 {
		return "逾期催办"
	}
	return "催办"
}
