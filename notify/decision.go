package notify

import (
	"fmt"
	texttemplate "text/template"

	"duban/ledger"
)

// DecisionData is what the message telling a unit of the office's decision
// on its request says.
type DecisionData struct {
	ToName   string // the unit's name
	Kind     string // the request's kind, as ledger.RequestKind.Label gives it
	What     string // what it concerned: "一.3.(1) 固定资产管理不规范", "《月度工作报告》2025年3月"
	Body     string // what the unit wrote
	FiledOn  string // the day it was filed
	Approved bool
	// Outcome says what approving or rejecting did, e.g. 该事项已登记为已完成（完成日期：2025年6月12日）。
	Outcome string
	Note    string // the office's comment
	Office  string
	// Link, LinkExpires and Contact as in DigestData.
	Link, LinkExpires, Contact string
}

// Template files of the decision messages.
const (
	decisionSubjectFile  = "decision.subject.tmpl"
	decisionTextFile     = "decision.txt.tmpl"
	decisionHTMLFile     = "decision.html.tmpl"
	decisionMarkdownFile = "decision.md.tmpl"
)

// decisionTemplates are the decision message's templates.
type decisionTemplates struct {
	set templateSet
	md  *texttemplate.Template
}

func loadDecisionTemplates(dir string) (decisionTemplates, error) {
	var d decisionTemplates
	var err error
	if d.set, err = loadTemplateSet(dir, decisionSubjectFile, decisionTextFile, decisionHTMLFile); err != nil {
		return d, err
	}
	d.md, err = parseMarkdown(dir, decisionMarkdownFile)
	return d, err
}

// RenderDecision renders the subject, text and HTML of a decision message.
func (t *Templates) RenderDecision(d DecisionData) (subject, text, html string, err error) {
	if t.decision.set.subject == nil {
		return "", "", "", fmt.Errorf("notify: decision templates not loaded")
	}
	return t.decision.set.render(houseStyle(d))
}

// houseStyle is d as the house style writes it: dates in prose (2025年6月12日),
// the texts with full-width punctuation, the unit's own as the ledger's are.
// What is the caller's: an item's number ("一.3.(1)") stays as the ledger
// has it.
func houseStyle(d DecisionData) DecisionData {
	d.FiledOn, d.LinkExpires = ledger.DateLabel(d.FiledOn), ledger.DateLabel(d.LinkExpires)
	for _, s := range []*string{&d.Body, &d.Outcome, &d.Note, &d.Contact} {
		*s = ledger.FullWidthPunct(*s)
	}
	return d
}

// RenderDecisionMarkdown renders the subject and the markdown body of a
// decision message for a robot.
func (t *Templates) RenderDecisionMarkdown(d DecisionData) (subject, text string, err error) {
	subject, _, _, err = t.RenderDecision(d)
	if err != nil {
		return "", "", err
	}
	text, err = execute(t.decision.md, houseStyle(d))
	return subject, text, err
}
