package web

import (
	"context"
	"fmt"
	"time"

	"duban/config"
	"duban/internal/unitlink"
	"duban/ledger"
	"duban/notify"
	"duban/store"
)

// Reviewer decides the units' requests (审核), for the console and the
// CLI alike: it applies the decision and queues the message that tells
// the unit, in one transaction of the store.
type Reviewer struct {
	Store     *store.Store
	Config    *config.Config
	Templates *notify.Templates
	Links     *unitlink.Links // nil: the messages carry no link
	Now       func() time.Time
}

// Decide approves (or rejects) request id with note; close approves a
// completion as 已销号 at once. The unit's mailboxes and robots are told,
// once. store.ErrDecided: decided already.
func (rv *Reviewer) Decide(ctx context.Context, id int64, approve, close bool, note string, by store.Actor) (store.Request, error) {
	req, err := rv.Store.GetRequest(ctx, id)
	if err != nil {
		return store.Request{}, err
	}
	now := rv.Now()
	d := store.Decision{Approve: approve, Close: close && req.Kind == ledger.RequestCompletion, Note: note,
		UnitName: rv.Config.UnitName(req.Unit)}
	out, err := rv.messages(ctx, req, d, now)
	if err != nil {
		return store.Request{}, err
	}
	return rv.Store.DecideRequest(ctx, id, d, out, by, now)
}

// messages are the decision's message to each of the unit's addresses.
func (rv *Reviewer) messages(ctx context.Context, req store.Request, d store.Decision, now time.Time) ([]store.Outgoing, error) {
	u, ok := rv.Config.Unit(req.Unit)
	if !ok {
		return nil, nil // a unit no longer configured has nowhere to be told
	}
	data := notify.DecisionData{
		ToName: u.Name, Kind: req.Kind.Label(), What: rv.what(ctx, req), Body: req.Body,
		FiledOn: ledger.DateOf(req.CreatedAt.In(rv.Config.Location)).String(), Approved: d.Approve,
		Outcome: outcome(req, d), Note: d.Note, Office: rv.Config.Office(), Contact: rv.Config.OfficeContact(),
	}
	if rv.Links != nil {
		gen, err := rv.Store.LinkGeneration(ctx, u.Code)
		if err != nil {
			return nil, err
		}
		data.Link = rv.Links.URL(u.Code, gen, now)
		data.LinkExpires = ledger.DateOf(now.Add(rv.Links.TTL).In(rv.Config.Location)).String()
	}
	var out []store.Outgoing
	for _, addr := range u.Addresses() {
		var m store.Message
		var err error
		if ledger.ChannelOf(addr) == ledger.ChannelEmail {
			m.Subject, m.Text, m.HTML, err = rv.Templates.RenderDecision(data)
		} else {
			m.Subject, m.Text, err = rv.Templates.RenderDecisionMarkdown(data)
		}
		if err != nil {
			return nil, err
		}
		m.Refs = fmt.Sprintf(`[{"ref":"request/%d","stage":"%s","rule":"review"}]`, req.ID, decisionStage(d))
		out = append(out, store.Outgoing{Recipient: addr, Message: m})
	}
	return out, nil
}

func decisionStage(d store.Decision) string {
	if d.Approve {
		return string(ledger.RequestApproved)
	}
	return string(ledger.RequestRejected)
}

// what names what a request concerned, as the unit knows it.
func (rv *Reviewer) what(ctx context.Context, req store.Request) string {
	if !req.Kind.OnItem() {
		name := req.Duty
		if d, ok := rv.Config.Duty(req.Duty); ok {
			name = d.Name
		}
		return ledger.DocumentName(name) + periodLabel(req.Period)
	}
	if it, err := rv.Store.GetItem(ctx, req.Round, req.No); err == nil {
		return it.No + " " + ledger.FullWidthPunct(it.Problem)
	}
	return req.No
}

// outcome says what the decision did, for the unit.
func outcome(req store.Request, d store.Decision) string {
	if !d.Approve {
		if req.Kind == ledger.RequestSubmission {
			return "该期报送已退回，视为未报送，请根据审核意见修改后重新报送。"
		}
		return "请根据审核意见补充完善后重新提交。"
	}
	switch req.Kind {
	case ledger.RequestCompletion:
		if d.Close {
			return "该事项已销号（完成日期：" + req.On.Label() + "）。"
		}
		return "该事项已登记为已完成（完成日期：" + req.On.Label() + "）。"
	case ledger.RequestExtension:
		return "该事项的完成时限已调整为" + req.On.Label() + "。"
	case ledger.RequestProgress:
		return "所报进展已记入整改台账。"
	}
	return "该期报送已确认。"
}

// periodLabel is a period as the office writes it (2025年3月), or as given.
func periodLabel(p string) string {
	if per, err := ledger.ParsePeriod(p); err == nil {
		return per.Label()
	}
	return p
}
