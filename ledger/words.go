package ledger

import (
	"fmt"
	"strings"
	"unicode"
)

// The words of the office. Every filter of the CLI and the console takes a
// value as duban prints it (正在整改, 红灯, 到期提醒, 《三重一大事项情况报告表》)
// as well as its code (open, red, deadlines, sanzhongyida); the parsers
// here are the one place that knows them.

// foldWord makes the forms people type of one word equal: full-width
// letters, digits and brackets folded to ASCII, blanks dropped, letters
// lower-cased ("Ｒｅｄ", "red " and "RED" are "red"; "未完成（正在整改）" is
// "未完成(正在整改)").
func foldWord(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B':
			return -1
		case r >= '！' && r <= '～':
			r -= '！' - '!'
		}
		return unicode.ToLower(r)
	}, s)
}

// statusWords are the words of each status: its code, the label duban
// prints and the ways ledgers write it.
var statusWords = map[string]Status{
	"open": StatusOpen, "正在整改": StatusOpen, "未完成": StatusOpen, "整改中": StatusOpen, "未完成(正在整改)": StatusOpen,
	"done": StatusDone, "已完成": StatusDone,
	"closed": StatusClosed, "已销号": StatusClosed,
}

// ParseStatus reads a status as the CLI, the console and a ledger write it:
// open (正在整改, 未完成, 整改中, 未完成(正在整改)), done (已完成) or closed
// (已销号), in any letter case and width.
func ParseStatus(s string) (Status, error) {
	if st, ok := statusWords[foldWord(s)]; ok {
		return st, nil
	}
	return "", fmt.Errorf("invalid status %q: want open (正在整改, 未完成), done (已完成) or closed (已销号)", s)
}

// Valid reports whether s is one of the status codes (open, done, closed),
// the only values an item may hold.
func (s Status) Valid() bool {
	return s == StatusOpen || s == StatusDone || s == StatusClosed
}

var lightWords = map[string]Light{
	"red": LightRed, "红": LightRed, "红灯": LightRed,
	"yellow": LightYellow, "黄": LightYellow, "黄灯": LightYellow,
	"green": LightGreen, "绿": LightGreen, "绿灯": LightGreen,
	"blue": LightBlue, "蓝": LightBlue, "蓝灯": LightBlue,
	"done": LightDone, "已完成": LightDone,
	"closed": LightClosed, "已销号": LightClosed,
}

// ParseLight reads a light: red (红, 红灯), yellow (黄, 黄灯), green (绿,
// 绿灯), blue (蓝, 蓝灯), done (已完成) or closed (已销号).
func ParseLight(s string) (Light, error) {
	if l, ok := lightWords[foldWord(s)]; ok {
		return l, nil
	}
	return "", fmt.Errorf("invalid light %q: want red (红灯), yellow (黄灯), green (绿灯), blue (蓝灯), done (已完成) or closed (已销号)", s)
}

// ParseJob reads a job by its name or its Chinese label, with or without
// the trailing 提醒 or 汇总 (到期提醒, 到期, 定期调度汇总, 定期调度).
func ParseJob(s string) (string, error) {
	w := foldWord(s)
	for _, job := range JobNames {
		label := JobLabel(job)
		short := strings.TrimSuffix(strings.TrimSuffix(label, "提醒"), "汇总")
		if w == job || w == label || w == short {
			return job, nil
		}
	}
	choices := make([]string, len(JobNames))
	for i, job := range JobNames {
		choices[i] = job + " (" + JobLabel(job) + ")"
	}
	last := len(choices) - 1
	return "", fmt.Errorf("unknown job %q: want %s or %s", s, strings.Join(choices[:last], ", "), choices[last])
}

// FindDuty finds a duty by its id or its name, with or without 《》.
func FindDuty(duties []DutySpec, s string) (DutySpec, bool) {
	s = strings.TrimSpace(s)
	for _, d := range duties {
		if d.ID == s {
			return d, true
		}
	}
	book := strings.Trim(s, "《》")
	for _, d := range duties {
		if book != "" && strings.Trim(d.Name, "《》") == book {
			return d, true
		}
	}
	return DutySpec{}, false
}

// ParseDuty is FindDuty with an error that lists the duties.
func ParseDuty(duties []DutySpec, s string) (DutySpec, error) {
	if d, ok := FindDuty(duties, s); ok {
		return d, nil
	}
	if len(duties) == 0 {
		return DutySpec{}, fmt.Errorf("unknown duty %q: the config has no [[duties]]", s)
	}
	choices := make([]string, len(duties))
	for i, d := range duties {
		choices[i] = d.ID + " (" + d.Name + ")"
	}
	return DutySpec{}, fmt.Errorf("unknown duty %q: want one of %s", s, strings.Join(choices, ", "))
}

// FindUnit finds a unit by its code, its name or one of its aliases, as
// a ledger cell, a submission or a command line names it.
func FindUnit(units []Unit, s string) (Unit, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Unit{}, false
	}
	for _, u := range units {
		if u.Code == s {
			return u, true
		}
	}
	for _, u := range units {
		if u.Name == s {
			return u, true
		}
		for _, a := range u.Aliases {
			if a == s {
				return u, true
			}
		}
	}
	return Unit{}, false
}

// maxChoices bounds the units an error lists: an organisation may have a
// thousand, and the first few show what is meant.
const maxChoices = 12

// ParseUnit is FindUnit returning the unit's code, with an error that
// lists the units (the first of them when there are many).
func ParseUnit(units []Unit, s string) (string, error) {
	if u, ok := FindUnit(units, s); ok {
		return u.Code, nil
	}
	var choices []string
	for _, u := range units[:min(len(units), maxChoices)] {
		choices = append(choices, u.Code+" ("+u.Name+")")
	}
	if n := len(units) - maxChoices; n > 0 {
		choices = append(choices, fmt.Sprintf("… %d more (duban check-config lists them)", n))
	}
	if len(choices) == 0 {
		return "", fmt.Errorf("unknown unit %q: the config has no [[units]]", s)
	}
	return "", fmt.Errorf("unknown unit %q: want a unit's code, name or alias: %s", s, strings.Join(choices, ", "))
}
