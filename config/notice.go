package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// NoticeConfig is the [notice] table: the office's own texts of the
// progress notice (整改进展情况通报), around what duban writes from the
// ledger. Any text may hold the placeholders {issuer}, {round} (the
// round's name) and {date} (the notice's day, as 2025年3月14日). Texts of
// several paragraphs are lists, one paragraph each.
//
// Its fields are report.Texts's, so that report.Texts(cfg.Notice)
// converts it.
type NoticeConfig struct {
	Issuer string `toml:"issuer"` // 发文机关, signs the notice: 中共济南市总工会党组
	// Title defaults to DefaultNoticeTitle; a blank breaks its line.
	Title   string   `toml:"title"`
	Opening []string `toml:"opening"` // before 一、
	// The section on how the rectification was organised (一、), left out
	// while it has no paragraphs.
	OrganisationHeading string   `toml:"organisation_heading"`
	Organisation        []string `toml:"organisation"`
	// The section of the ledger's progress: categories, sub-categories,
	// problems.
	ProgressHeading string `toml:"progress_heading"`
	// The next steps (三、), left out while it has no paragraphs.
	NextStepsHeading string   `toml:"next_steps_heading"`
	NextSteps        []string `toml:"next_steps"`
	Closing          []string `toml:"closing"`  // the invitation to comment
	Contacts         []string `toml:"contacts"` // 电话：…, 邮政信箱：…, 电子邮箱：…
}

// The headings and title of a notice whose [notice] leaves them out.
const (
	DefaultNoticeTitle         = "{issuer} 关于{round}整改进展情况的通报"
	DefaultOrganisationHeading = "组织整改落实情况"
	DefaultProgressHeading     = "巡察反馈意见整改进展情况"
	DefaultNextStepsHeading    = "下一步整改工作安排"
)

// NoticePlaceholders are the placeholders the notice's texts may hold.
var NoticePlaceholders = []string{"{issuer}", "{round}", "{date}"}

func defaultNotice() NoticeConfig {
	return NoticeConfig{
		Title:               DefaultNoticeTitle,
		Opening:             []string{},
		OrganisationHeading: DefaultOrganisationHeading,
		Organisation:        []string{},
		ProgressHeading:     DefaultProgressHeading,
		NextStepsHeading:    DefaultNextStepsHeading,
		NextSteps:           []string{},
		Closing:             []string{},
		Contacts:            []string{},
	}
}

// placeholder finds what looks like a placeholder: a word in braces.
var placeholder = regexp.MustCompile(`\{[A-Za-z_]*\}`)

// noticeProblems checks every text of n: no unknown placeholder (a typo
// would print as is in a published document), no empty paragraph. It calls
// report(field, message) for each problem.
func noticeProblems(n NoticeConfig, report func(field, msg string)) {
	check := func(field, text string) {
		if strings.ContainsAny(text, "\r\n") {
			report(field, "must not contain a line break (CR or LF): write each paragraph as an element of a list")
			return
		}
		for _, p := range placeholder.FindAllString(text, -1) {
			if !slices.Contains(NoticePlaceholders, p) {
				report(field, fmt.Sprintf("unknown placeholder %s: want %s", p, strings.Join(NoticePlaceholders, ", ")))
				return
			}
		}
	}
	for _, f := range []struct{ name, text string }{
		{"issuer", n.Issuer}, {"title", n.Title}, {"organisation_heading", n.OrganisationHeading},
		{"progress_heading", n.ProgressHeading}, {"next_steps_heading", n.NextStepsHeading},
	} {
		check(f.name, f.text)
	}
	if strings.TrimSpace(n.Title) == "" {
		report("title", "must not be empty: want a title like "+DefaultNoticeTitle)
	}
	for _, l := range []struct {
		name  string
		paras []string
	}{
		{"opening", n.Opening}, {"organisation", n.Organisation}, {"next_steps", n.NextSteps},
		{"closing", n.Closing}, {"contacts", n.Contacts},
	} {
		for i, para := range l.paras {
			field := indexPath(l.name, i)
			if strings.TrimSpace(para) == "" {
				report(field, "must not be empty: leave the paragraph out")
				continue
			}
			check(field, para)
		}
	}
}

func (p *problems) checkNotice(n NoticeConfig) {
	noticeProblems(n, func(field, msg string) { p.errorf(joinPath("notice", field), "%s", msg) })
}

// MaxNoticeFileSize bounds a --notice file, like the config.
const MaxNoticeFileSize = MaxFileSize

// WithNoticeFile is n with the keys a TOML file sets replaced, for one run
// of the notice (duban report --notice FILE): the file holds [notice]'s
// keys at its top level (issuer = "…", opening = ["…"]); a list replaces
// the configured list. Problems name the file, line and key.
func (n NoticeConfig) WithNoticeFile(path string) (NoticeConfig, error) {
	data, err := readSmallFile(path, MaxNoticeFileSize)
	if err != nil {
		return n, &Error{File: path, Msg: "cannot read notice texts: " + err.Error(), err: err}
	}
	if len(data) > MaxNoticeFileSize {
		return n, &Error{File: path, Msg: "file is larger than the 1 MiB limit"}
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	out := n
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return n, noticeFileError(path, err)
	}
	pos := findPositions(data)
	var errs []*Error
	noticeProblems(out, func(field, msg string) {
		errs = append(errs, &Error{File: path, Line: pos.lines[field], Field: field, Msg: msg})
	})
	if err := joinErrors(errs); err != nil {
		return n, err
	}
	return out, nil
}

// noticeFileError names the file, line and key of what go-toml found wrong.
func noticeFileError(path string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var errs []*Error
		for _, e := range strict.Errors {
			line, _ := e.Position()
			key := strings.Join(e.Key(), ".")
			errs = append(errs, &Error{File: path, Line: line, Field: key,
				Msg: "unknown key" + suggest(e.Key()[len(e.Key())-1], knownKeys(reflect.TypeFor[NoticeConfig]()))})
		}
		return joinErrors(errs)
	}
	e := &Error{File: path, Msg: strings.TrimPrefix(err.Error(), "toml: "), err: err}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		e.Line, _ = de.Position()
		e.Field = strings.Join(de.Key(), ".")
	}
	return e
}
