package notify

import (
	"bytes"
	"fmt"
	"strings"
	texttemplate "text/template"
	"unicode/utf8"
)

// Template files of the robots' messages; a templates_dir may override
// them like the email templates. The subject is the email's.
const (
	digestMarkdownFile  = "digest.md.tmpl"
	summaryMarkdownFile = "summary.md.tmpl"
)

// RobotTextLimit bounds the markdown body of a robot message, in UTF-8
// bytes: with its title and a mention added, a message stays within the
// 4096 bytes 企业微信 takes, the strictest of the three platforms (and
// about what anyone reads in a chat).
const RobotTextLimit = 3584

func parseMarkdown(dir, name string) (*texttemplate.Template, error) {
	src, err := templateSource(dir, name)
	if err != nil {
		return nil, err
	}
	t, err := texttemplate.New(name).Funcs(templateFuncs).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("notify: parse %s: %w", name, err)
	}
	return t, nil
}

// RenderDigestMarkdown renders the subject and the markdown body of a
// digest for a robot. A body over RobotTextLimit keeps the most urgent
// entries that fit (the entries come most urgent first) and counts the
// others in "另有N项", with the link when there is one.
func (t *Templates) RenderDigestMarkdown(d DigestData) (subject, text string, err error) {
	subject, _, _, err = t.digest.render(newDigestView(d))
	if err != nil {
		return "", "", err
	}
	text, err = fitMarkdown(len(d.Entries), func(k int) (string, error) {
		cut := d
		cut.Entries = d.Entries[:k]
		cut.Omitted = d.Omitted + len(d.Entries) - k
		return execute(t.digestMD, newDigestView(cut))
	})
	return subject, text, err
}

// summaryMarkdownView is the summary with its lists cut to fit a robot's
// message, and what was cut counted.
type summaryMarkdownView struct {
	summaryView
	RedTotal, YellowTotal, DutiesTotal int
	MoreRed, MoreYellow, MoreDuties    int
}

// RenderSummaryMarkdown renders the subject and the markdown body of the
// weekly summary for a robot. A body over RobotTextLimit lists fewer red
// and yellow items and duties, the most urgent first, and counts the rest.
func (t *Templates) RenderSummaryMarkdown(d SummaryData) (subject, text string, err error) {
	full := newSummaryView(d)
	subject, _, _, err = t.summary.render(full)
	if err != nil {
		return "", "", err
	}
	longest := max(len(d.Red), len(d.Yellow), len(d.Duties))
	text, err = fitMarkdown(longest, func(k int) (string, error) {
		v := summaryMarkdownView{summaryView: full,
			RedTotal: len(d.Red), YellowTotal: len(d.Yellow), DutiesTotal: len(d.Duties)}
		v.Red, v.MoreRed = firstOf(full.Red, k)
		v.Yellow, v.MoreYellow = firstOf(full.Yellow, k)
		v.Duties, v.MoreDuties = firstOf(full.Duties, k)
		return execute(t.summaryMD, v)
	})
	return subject, text, err
}

func firstOf[T any](list []T, k int) ([]T, int) {
	if len(list) <= k {
		return list, 0
	}
	return list[:k], len(list) - k
}

// fitMarkdown renders with all n entries when that fits RobotTextLimit,
// else with the most that fit (found by halving: fewer entries never
// render longer). When not even none fit (a very long header), the text
// is cut at the limit.
func fitMarkdown(n int, render func(k int) (string, error)) (string, error) {
	out, err := render(n)
	if err != nil || len(out) <= RobotTextLimit {
		return out, err
	}
	lo, hi := 0, n-1 // the answer lies in [lo, hi], or is none
	best, found := "", false
	for lo <= hi {
		mid := (lo + hi) / 2
		out, err := render(mid)
		if err != nil {
			return "", err
		}
		if len(out) <= RobotTextLimit {
			best, found, lo = out, true, mid+1
		} else {
			hi = mid - 1
		}
	}
	if !found {
		out, err := render(0)
		if err != nil {
			return "", err
		}
		return cutUTF8(out, RobotTextLimit), nil
	}
	return best, nil
}

// cutUTF8 cuts s to at most n bytes, on a character boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func execute(t *texttemplate.Template, data any) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("notify: render %s: %w", t.Name(), err)
	}
	return b.String(), nil
}

// oneLine folds a text onto one line: a ledger cell may hold line breaks,
// which would end a markdown quote or list item.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
